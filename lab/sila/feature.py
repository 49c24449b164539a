"""The ``ReactorController`` SiLA 2 feature (hand-written definition ``ReactorController.sila.xml``) and its errors.

The feature is parsed on first use (not at import time). Parameter identifiers map to reactor parameters through
:data:`PARAMETER_IDS`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sila2.framework import Feature
from sila2.framework.errors.defined_execution_error import DefinedExecutionError

FEATURE_FILE = "ReactorController.sila.xml"
FEATURE_ID = "ReactorController"
#: SiLA parameter identifier → reactor parameter name (order of the command's parameters after RequestId/Sequence).
PARAMETER_IDS = {
    "Temperature": "temperature_c",
    "CadmiumConcentration": "cd_mm",
    "SeleniumConcentration": "se_mm",
    "OleicAcidRatio": "oa_cd_ratio",
    "GrowthTime": "time_s",
}


@lru_cache(maxsize=1)
def reactor_feature() -> Feature:
    """The parsed ReactorController feature (cached)."""
    return Feature(Path(__file__).with_name(FEATURE_FILE).read_text(encoding="utf-8"))


def feature_definition() -> str:
    """The feature definition XML text."""
    return Path(__file__).with_name(FEATURE_FILE).read_text(encoding="utf-8")


class SafetyLimitViolation(DefinedExecutionError):
    """The request is outside the reactor's range or safety limits; nothing was started."""

    def __init__(self, message: str):
        super().__init__(reactor_feature().defined_execution_errors["SafetyLimitViolation"], message)


class SpectrometerTimeout(DefinedExecutionError):
    """No spectrum within the acquisition window."""

    def __init__(self, message: str):
        super().__init__(reactor_feature().defined_execution_errors["SpectrometerTimeout"], message)


class ReactorBusy(DefinedExecutionError):
    """Another experiment is running."""

    def __init__(self, message: str):
        super().__init__(reactor_feature().defined_execution_errors["ReactorBusy"], message)
