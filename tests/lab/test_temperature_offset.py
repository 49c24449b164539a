"""Temperature-offset calibration: identifiability, the experiment design, and recovery on a twin with a known
offset (both signs), with a prior that has its own constant error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nanosynth.lab.adapters.simulated import SimulatedReactor
from nanosynth.lab.campaign import campaign_report
from nanosynth.lab.reconcile import reconcile_campaign
from nanosynth.lab.space import SearchSpace
from nanosynth.lab.temperature_offset import calibrate_reactor, calibration_design, fit_offset
from lab_test_helpers import TwinPrior

QUIET = {"p_injection_failure": 0.0, "p_spectrometer_timeout": 0.0}


@pytest.mark.parametrize("offset", [15.0, -15.0])
def test_six_experiment_calibration_recovers_a_known_offset(engine, tmp_path, offset):
    reactor = SimulatedReactor(seed=3, temperature_offset_c=offset, **QUIET)
    prior = TwinPrior(bias=4.0, std=3.0)  # the literature model is off by 4 nm everywhere
    cid, fit = calibrate_reactor(engine, reactor, prior, "abs_peak_nm", budget=6, seed=3)
    assert fit.offset_c == pytest.approx(offset, abs=4.0) and fit.significant and fit.identifiable
    assert fit.bias == pytest.approx(-4.0, abs=1.5)  # the prior's error is not mistaken for an offset
    assert fit.line() == f"fitted temperature offset {fit.offset_c:+.1f} °C (significant)"
    report = campaign_report(engine, cid)
    assert report["experiments_run"] == 6 and report["status"] == "done"
    assert {r["plan_source"] for r in report["experiments"]} == {"calibration_design"}
    temps = [r["parameters"]["temperature_c"] for r in report["experiments"]]
    assert max(temps) - min(temps) >= 40  # spread over temperature
    rec = reconcile_campaign(engine, cid, {"abs_peak_nm": prior}, reactor.capabilities(), tmp_path, register=False)
    entry = rec["outputs"]["abs_peak_nm"]
    assert entry["temperature_offset_significant"] and entry["temperature_offset_c"] == pytest.approx(offset, abs=4)


def test_no_offset_is_not_called_significant(engine):
    _, fit = calibrate_reactor(engine, SimulatedReactor(seed=4, **QUIET), TwinPrior(bias=-3.0), "abs_peak_nm",
                               budget=6, seed=4)
    assert abs(fit.offset_c) < 2.0 and not fit.significant and fit.line().endswith("(not significant)")


def test_clustered_runs_do_not_identify_an_offset():
    prior = TwinPrior(bias=0.0)
    X = pd.DataFrame({"temperature_c": [291.0, 293.0, 296.0, 294.0], "cd_mm": 10.0, "se_mm": 20.0,
                      "oa_cd_ratio": 40.0, "time_s": 120.0})
    y = prior.predict_dist(X.assign(temperature_c=X["temperature_c"] - 12))[0] + np.array([0.3, -0.2, 0.1, -0.1])
    fit = fit_offset(prior, X, y)
    assert not fit.identifiable and not fit.significant and fit.span_c == (291.0, 296.0)
    assert "spanning 291–296 °C" in fit.reason


def test_design_respects_the_box_and_prefers_sensitive_temperatures():
    space = SearchSpace(SimulatedReactor().capabilities())
    design = calibration_design(TwinPrior(), space, 6, seed=0)
    assert len(design) == 6
    assert all(150 <= d["temperature_c"] <= 300 for d in design)
    assert len({round(d["temperature_c"]) for d in design}) >= 3
