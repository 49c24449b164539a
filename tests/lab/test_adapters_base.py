"""Adapter contract: safety refusal before dispatch, capability checks, loading by import path."""

from __future__ import annotations

import pytest

from nanosynth.lab.adapters.base import (
    Capabilities,
    ExperimentRequest,
    ExperimentResult,
    OutputSpec,
    ParameterSpec,
    ReactorAdapter,
    ResultStatus,
    SafetyLimits,
    utcnow,
)
from nanosynth.lab.adapters.loader import load_adapter, parse_options, resolve_adapter_class
from nanosynth.schema.errors import ConfigError, HardwareError, SafetyLimitError, SchemaValidationError


class RecordingReactor(ReactorAdapter):
    """Fake device that records what reached it."""

    def __init__(self, *, answer: float = 550.0, safety_limits=None):
        super().__init__(safety_limits=safety_limits)
        self.answer = answer
        self.sent: list[str] = []

    def capabilities(self) -> Capabilities:
        return Capabilities(reactor="fake", parameters=(
            ParameterSpec(name="temperature_c", unit="degC", min=100, max=320, resolution=1),
            ParameterSpec(name="time_s", unit="s", min=1, max=1000, resolution=1)),
            outputs=(OutputSpec(name="abs_peak_nm", unit="nm"),))

    def execute(self, request, progress=None):
        self.sent.append(request.request_id)
        now = utcnow()
        return ExperimentResult(request_id=request.request_id, status=ResultStatus.OK,
                                outcomes={"abs_peak_nm": self.answer}, started_at=now, finished_at=now)

    def abort(self):
        pass


def _req(t=250.0, time_s=60.0, rid="r1"):
    return ExperimentRequest(request_id=rid, parameters={"temperature_c": t, "time_s": time_s})


def test_safety_limit_refuses_and_nothing_is_sent():
    r = RecordingReactor(safety_limits={"temperature_c": [None, 280]})
    with r:
        with pytest.raises(SafetyLimitError, match="nothing was sent.*above the safety limit 280"):
            r.run(_req(t=290))
        assert r.sent == []
        assert r.run(_req(t=270)).ok
        assert r.sent == ["r1"]


def test_capability_range_and_names_checked_before_dispatch():
    r = RecordingReactor()
    with r:
        with pytest.raises(SafetyLimitError, match="outside the reactor range"):
            r.run(_req(t=400))
        with pytest.raises(SchemaValidationError, match="missing"):
            r.run(ExperimentRequest(request_id="x", parameters={"temperature_c": 200}))
        with pytest.raises(SafetyLimitError, match="not a finite"):
            r.run(_req(t=float("nan")))
    assert r.sent == []


def test_run_requires_connection():
    with pytest.raises(HardwareError, match="not connected"):
        RecordingReactor().run(_req())


def test_safety_limits_box_and_validation():
    caps = RecordingReactor().capabilities()
    box = SafetyLimits(bounds={"temperature_c": (150, 280)}).clip_box(caps)
    assert box == {"temperature_c": (150, 280), "time_s": (1, 1000)}
    with pytest.raises(ValueError):
        SafetyLimits(bounds={"temperature_c": (300, 200)})
    with pytest.raises(SafetyLimitError, match="leave nothing"):
        SafetyLimits(bounds={"temperature_c": (400, 500)}).clip_box(caps)


def test_load_adapter_by_import_path_with_options():
    a = load_adapter("lab_test_helpers:CountingReactor", parse_options(["seed=7"]))
    assert type(a).__name__ == "CountingReactor" and a.seed == 7
    assert resolve_adapter_class("simulated").__name__ == "SimulatedReactor"
    with pytest.raises(ConfigError, match="package.module:ClassName"):
        resolve_adapter_class("nocolon")
    with pytest.raises(ConfigError, match="cannot import"):
        resolve_adapter_class("no_such_pkg.mod:X")
    with pytest.raises(ConfigError, match="not a subclass"):
        resolve_adapter_class("pathlib:Path")
    with pytest.raises(ConfigError, match="rejected options"):
        load_adapter("lab_test_helpers:CountingReactor", {"bogus": 1})
    with pytest.raises(ConfigError, match="key=value"):
        parse_options(["oops"])
    assert parse_options(["seed=3", "name=abc", "faults={\"2\": \"timeout\"}"]) == {
        "seed": 3, "name": "abc", "faults": {"2": "timeout"}}


def test_quantize_to_resolution():
    p = ParameterSpec(name="cd_mm", unit="mM", min=1.0, max=40.0, resolution=0.1)
    assert p.quantize(12.3456) == pytest.approx(12.3)
