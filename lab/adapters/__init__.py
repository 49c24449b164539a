"""Reactor adapters: the contract (:mod:`nanosynth.lab.adapters.base`), a digital twin, file exchange, SiLA 2 client."""

from nanosynth.lab.adapters.base import (
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
from nanosynth.lab.adapters.loader import load_adapter, parse_options, resolve_adapter_class

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
