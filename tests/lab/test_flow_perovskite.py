"""The second reactor (CsPbBr3 flow, kelvin, µL/min, raw spectra) through campaigns: targets, multi-objective,
coupled constraints, and faults (timeout, disconnect mid-campaign, invalid reading)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session, select

from nanosynth.lab.campaign import CampaignSettings, launch_campaign, parse_targets, resume_campaign
from nanosynth.lab.adapters.flow_perovskite import CsPbBr3FlowReactor
from nanosynth.schema.errors import ConfigError
from nanosynth.schema.tables import Experiment, Recipe

FLOW = "cspbbr3-flow"


def _settings(*targets: str, **kw) -> CampaignSettings:
    base = dict(budget=12, seed=1, n_candidates=512, initial_size=4)
    base.update(kw)
    return CampaignSettings(**parse_targets(list(targets)), **base)


def _experiments(engine, cid):
    with Session(engine) as s:
        return list(s.exec(select(Experiment).where(Experiment.campaign_id == cid).order_by(Experiment.seq)).all())


def _feasible(p):
    total = 1000 * (p["cs_flow_ml_min"] + p["pb_flow_ml_min"])
    return total <= 500 + 1e-6 and 0.25 - 1e-9 <= p["cs_flow_ml_min"] / p["pb_flow_ml_min"] <= 2.5 + 1e-9


@pytest.mark.parametrize("seed", [0, 1])
def test_campaign_reaches_pl_target_unseeded_and_says_why(engine, tmp_path, seed):
    events = []
    out = launch_campaign(engine, _settings("pl_peak_nm=505±3", seed=seed), adapter=FLOW,
                          adapter_options={"seed": seed}, raw_dir=tmp_path, on_event=lambda k, i: events.append((k, i)))
    assert out.status == "done" and out.experiments_to_target is not None and out.experiments_to_target <= 12
    started = dict(events)["started"]
    assert "no registered model or literature recipes (CsPbBr3, microfluidic)" in started["unseeded"]
    assert "CsPbBr3" in out.report["prior"]["unseeded"] and out.report["seeded"] is False
    exps = _experiments(engine, out.campaign_id)
    assert all(_feasible(e.parameters) for e in exps)  # coupled constraints hold for every proposal
    done = [e for e in exps if e.status == "done"]
    spectra = json.loads(Path(done[0].raw_data_uri.removeprefix("file://")).read_text())["spectra"]
    assert {s["kind"] for s in spectra} == {"absorption", "pl"}  # raw spectrum stored beside its fit
    assert "pl_peak_nm" in done[0].result["raw"]["fit"]
    with Session(engine) as s:
        recs = s.exec(select(Recipe).where(Recipe.source_kind == "campaign")).all()
    assert recs and all(r.target_composition == "CsPbBr3" and r.method == "microfluidic" for r in recs)


def test_multi_objective_target_bound_and_maximize_with_pareto_front(engine):
    settings = _settings("pl_peak_nm=505±3", "fwhm_mev<=80", maximize=["plqy"], budget=10)
    assert settings.bounds == {"pl_fwhm_mev": (None, 80.0)} and settings.tolerances == {"pl_peak_nm": 3.0}
    out = launch_campaign(engine, settings, adapter=FLOW, adapter_options={"seed": 1})
    report = out.report
    assert out.experiments_run == 10  # something is maximized: the whole budget is used
    assert report["pareto_front"], "no result met the target and the bound"
    for row in report["pareto_front"]:
        assert abs(row["measured"]["pl_peak_nm"] - 505) <= 3 and row["measured"]["pl_fwhm_mev"] <= 80
    assert report["best"]["measured"]["plqy"] == max(r["measured"]["plqy"] for r in report["pareto_front"])


def test_parse_targets_shapes_and_errors():
    parsed = parse_targets(["abs_peak_nm=550±3", "fwhm_mev<=110", "plqy>=0.4", "pl_peak_nm=600+-2.5"])
    assert parsed == {"targets": {"abs_peak_nm": 550.0, "pl_peak_nm": 600.0},
                      "tolerances": {"abs_peak_nm": 3.0, "pl_peak_nm": 2.5},
                      "bounds": {"abs_fwhm_mev": (None, 110.0), "plqy": (0.4, None)}}
    with pytest.raises(ConfigError, match="must look like"):
        parse_targets(["abs_peak_nm~550"])


def test_timeout_marks_experiment_failed_and_campaign_continues(engine):
    out = launch_campaign(engine, _settings("pl_peak_nm=505±3", initial_size=3), adapter=FLOW,
                          adapter_options={"seed": 1, "faults": {1: "timeout"}})
    exps = _experiments(engine, out.campaign_id)
    assert exps[1].status == "failed" and "TimeoutError" in exps[1].error and exps[1].finished_at is not None
    assert out.status == "done" and out.experiments_to_target is not None
    assert not [e for e in exps if e.status == "dispatched"]


def test_invalid_reading_marks_experiment_failed(engine):
    out = launch_campaign(engine, _settings("pl_peak_nm=505±3", initial_size=2, budget=4), adapter=FLOW,
                          adapter_options={"seed": 1, "faults": {0: "garbage"}})
    first = _experiments(engine, out.campaign_id)[0]
    assert first.status == "failed" and "ValidationError" in first.error and "wavelengths" in first.error


def test_disconnect_mid_campaign_stops_cleanly_and_resumes(engine):
    reactor_opts = {"seed": 1, "faults": {2: "disconnect"}, "reconnect_after": 5}
    out = launch_campaign(engine, _settings("pl_peak_nm=505±3", initial_size=2), adapter=FLOW,
                          adapter_options=reactor_opts)
    exps = _experiments(engine, out.campaign_id)
    assert out.status == "stopped" and "3 hardware faults in a row" in out.report["note"]
    failed = [e for e in exps if e.status == "failed"]
    assert len(failed) == 3 and all("ConnectionResetError" in e.error for e in failed)
    assert not [e for e in exps if e.status == "dispatched"]
    resumed = resume_campaign(engine, CsPbBr3FlowReactor(seed=1), out.campaign_id)
    assert resumed.status == "done" and resumed.experiments_run > out.experiments_run


def test_flow_campaign_with_a_disconnect_on_both_databases(any_db_url):
    """The same campaign (unseeded, multi-objective, a disconnect) on SQLite and PostgreSQL (JSON without NaN)."""
    from nanosynth.db.engine import make_engine
    from nanosynth.db.migrate import upgrade

    upgrade(any_db_url)
    engine = make_engine(any_db_url)
    try:
        out = launch_campaign(engine, _settings("pl_peak_nm=505±3", "fwhm_mev<=80", maximize=["plqy"], budget=6),
                              adapter=FLOW, adapter_options={"seed": 1, "faults": {2: "disconnect"}})
        exps = _experiments(engine, out.campaign_id)
        assert out.status == "done" and out.experiments_run == 6
        assert exps[2].status == "failed" and "ConnectionResetError" in exps[2].error
        assert exps[0].predicted["acquisition"] is None and exps[0].predicted["source"] == "space_filling"
    finally:
        engine.dispose()
