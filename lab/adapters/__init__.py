"""Reactor adapters: the contract (:mod:`lab.adapters.base`), a digital twin, file exchange, SiLA 2 client."""

from lab.adapters.base import (
    Capabilities,
    ExperimentRequest,
    ExperimentResult,
    OutputSpec,
    ParameterSpec,
    ReactorAdapter,
    ResultStatus,
    SafetyLimits,
    SpectrumData,
)
from lab.adapters.loader import load_adapter, parse_options, resolve_adapter_class

__all__ = [
    "Capabilities",
    "ExperimentRequest",
    "ExperimentResult",
    "OutputSpec",
    "ParameterSpec",
    "ReactorAdapter",
    "ResultStatus",
    "SafetyLimits",
    "SpectrumData",
    "load_adapter",
    "parse_options",
    "resolve_adapter_class",
]
