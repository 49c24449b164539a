"""Campaigns: seeding, closed loop, durable bookkeeping, faults, safety refusal, crash and resume."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from nanosynth.lab.campaign import (
    INTERRUPTED,
    CampaignRunner,
    CampaignSettings,
    campaign_report,
    resolve_minimize,
    resume_campaign,
    run_campaign,
)
from nanosynth.schema.errors import ConfigError, SafetyLimitError
from nanosynth.schema.tables import Campaign, Experiment, Recipe
from lab_test_helpers import CountingReactor, CrashingReactor, TwinPrior

QUIET = {"p_injection_failure": 0.0, "p_spectrometer_timeout": 0.0}


def _settings(**kw):
    base = dict(targets={"abs_peak_nm": 560.0}, tolerance=3.0, budget=8, seed=1, n_candidates=512)
    base.update(kw)
    return CampaignSettings(**base)


def _experiments(engine, cid):
    with Session(engine) as s:
        return list(s.exec(select(Experiment).where(Experiment.campaign_id == cid).order_by(Experiment.seq)).all())


def test_seeded_campaign_reaches_target_and_records_everything(engine, tmp_path):
    out = run_campaign(engine, CountingReactor(seed=1, **QUIET), _settings(), {"abs_peak_nm": TwinPrior()},
                       raw_dir=tmp_path)
    assert out.status == "done" and out.experiments_to_target is not None and out.experiments_to_target <= 8
    exps = _experiments(engine, out.campaign_id)
    ran = [e for e in exps if e.dispatched_at is not None]
    assert all(e.result and e.finished_at and e.finished_at >= e.dispatched_at for e in ran)
    assert ran[0].predicted["source"] == "prior_seed" and "abs_peak_nm" in ran[0].predicted["outcomes"]
    assert all(e.raw_data_uri and e.raw_data_uri.startswith("file://") for e in ran if e.status == "done")
    report = campaign_report(engine, out.campaign_id)
    hit = report["experiments"][[r["within_tolerance"] for r in report["experiments"]].index(True)]
    assert abs(hit["measured"]["abs_peak_nm"] - 560.0) <= 3.0
    assert report["experiments_to_target"] == out.experiments_to_target
    json.dumps(report)  # JSON-able
    with Session(engine) as s:  # lab results are recipes of kind 'campaign' linked to their experiment
        recs = s.exec(select(Recipe).where(Recipe.source_kind == "campaign")).all()
    assert {r.experiment_id for r in recs} == {e.id for e in ran if e.status == "done"}
    assert recs and all(r.simulated for r in recs)  # the twin's results are labelled simulated


def test_unseeded_campaign_starts_space_filling(engine):
    out = run_campaign(engine, CountingReactor(seed=2, **QUIET), _settings(seeded=False, budget=6, initial_size=4))
    exps = _experiments(engine, out.campaign_id)
    assert [e.predicted["source"] for e in exps[:4]] == ["space_filling"] * 4
    assert len({json.dumps(e.parameters, sort_keys=True) for e in exps}) == len(exps)  # no duplicates


def test_hardware_fault_mid_campaign_is_recorded_and_campaign_continues(engine):
    reactor = CountingReactor(seed=1, faults={1: "timeout", 2: "injection"}, **QUIET)
    out = run_campaign(engine, reactor, _settings(tolerance=0.01, budget=5), {"abs_peak_nm": TwinPrior()})
    exps = _experiments(engine, out.campaign_id)
    assert out.status == "done" and out.experiments_run == 5
    assert exps[1].status == "failed" and exps[1].error.startswith("hardware fault: spectrometer timeout")
    assert exps[2].status == "failed" and "injection failure" in exps[2].error
    assert exps[3].status == "done"


def test_hardware_fault_stops_cleanly_when_configured(engine):
    reactor = CountingReactor(seed=1, faults={1: "timeout"}, **QUIET)
    out = run_campaign(engine, reactor, _settings(on_fault="stop", initial_size=3), {"abs_peak_nm": TwinPrior()})
    exps = _experiments(engine, out.campaign_id)
    assert out.status == "stopped" and len(reactor.executed) == 2
    assert [e.status for e in exps] == ["done", "failed", "planned"]  # the rest of the batch waits for --resume
    with Session(engine) as s:
        assert "hardware fault" in s.get(Campaign, out.campaign_id).config["last_note"]


def test_crash_then_resume_loses_and_repeats_nothing(engine):
    priors = {"abs_peak_nm": TwinPrior()}
    settings = _settings(tolerance=0.01, budget=7, initial_size=3)  # unreachable target: uses the whole budget
    crashing = CrashingReactor(seed=1, crash_on=4, **QUIET)
    runner = CampaignRunner(engine, crashing, priors)
    cid = runner.create(settings)
    with pytest.raises(SystemExit):
        runner.run(cid)
    exps = _experiments(engine, cid)
    assert [e.status for e in exps][:4] == ["done", "done", "done", "dispatched"]  # written before the send
    survivor = CountingReactor(seed=1, **QUIET)
    out = resume_campaign(engine, survivor, cid, priors)
    exps = _experiments(engine, cid)
    assert out.status == "done" and out.experiments_run == 7
    assert exps[3].status == "failed" and exps[3].error == INTERRUPTED
    sent = crashing.executed + survivor.executed
    assert len(sent) == len(set(sent)) == 7  # nothing repeated ...
    assert sorted(sent) == sorted(f"campaign-{cid}-exp-{e.seq}" for e in exps if e.dispatched_at)  # ... or lost
    assert [e.seq for e in exps] == list(range(len(exps)))


def test_keyboard_interrupt_marks_campaign_stopped_and_resume_continues(engine):
    class Interrupting(CountingReactor):
        def execute(self, request, progress=None):
            if request.seq == 1:
                raise KeyboardInterrupt
            return super().execute(request, progress)

    runner = CampaignRunner(engine, Interrupting(seed=1, **QUIET), {"abs_peak_nm": TwinPrior()})
    cid = runner.create(_settings(tolerance=0.01, budget=3))
    with pytest.raises(KeyboardInterrupt):
        runner.run(cid)
    assert campaign_report(engine, cid)["status"] == "stopped"
    out = resume_campaign(engine, CountingReactor(seed=1, **QUIET), cid, {"abs_peak_nm": TwinPrior()})
    assert out.status == "done" and out.experiments_run == 3


def test_safety_refusal_on_resume_sends_nothing(engine):
    priors = {"abs_peak_nm": TwinPrior()}
    runner = CampaignRunner(engine, CountingReactor(seed=1, **QUIET), priors)
    cid = runner.create(_settings(budget=4))
    with Session(engine) as s:  # a planned experiment the lab has since declared unsafe
        s.add(Experiment(campaign_id=cid, seq=0, status="planned",
                         parameters={"temperature_c": 295.0, "cd_mm": 10.0, "se_mm": 10.0, "oa_cd_ratio": 10.0,
                                     "time_s": 60.0}))
        s.commit()
    tightened = CountingReactor(seed=1, safety_limits={"temperature_c": [None, 280]}, **QUIET)
    with pytest.raises(SafetyLimitError, match="above the safety limit 280"):
        resume_campaign(engine, tightened, cid, priors)
    assert tightened.executed == []
    exp = _experiments(engine, cid)[0]
    assert exp.status == "aborted" and exp.dispatched_at is None and "refused before dispatch" in exp.error
    assert campaign_report(engine, cid)["status"] == "failed"


def test_proposals_respect_safety_limits(engine):
    reactor = CountingReactor(seed=3, safety_limits={"temperature_c": [None, 240], "time_s": [None, 200]}, **QUIET)
    out = run_campaign(engine, reactor, _settings(targets={"abs_peak_nm": 600.0}, budget=5, tolerance=0.01),
                       {"abs_peak_nm": TwinPrior()})
    for e in _experiments(engine, out.campaign_id):
        assert e.parameters["temperature_c"] <= 240 and e.parameters["time_s"] <= 200


def test_minimize_fwhm_and_config_errors(engine):
    assert resolve_minimize(["fwhm"], {"abs_peak_nm": 1}) == ["abs_fwhm_mev"]
    assert resolve_minimize(["fwhm"], {"pl_peak_nm": 1}) == ["pl_fwhm_mev"]
    priors = {"abs_peak_nm": TwinPrior(), "abs_fwhm_mev": TwinPrior("abs_fwhm_mev", bias=0.0, std=10.0)}
    out = run_campaign(engine, CountingReactor(seed=1, **QUIET),
                       _settings(minimize=["abs_fwhm_mev"], budget=6), priors)
    assert out.experiments_run == 6  # keeps minimizing after the target is met
    with pytest.raises(ConfigError, match="does not measure"):
        CampaignRunner(engine, CountingReactor(), priors).create(_settings(targets={"plqy": 50.0}))
    with pytest.raises(ConfigError, match="no prior model"):
        CampaignRunner(engine, CountingReactor(), {}).create(_settings())


@pytest.mark.slow
def test_seeded_cdse_campaigns_median_experiments_to_target(shared_data):
    """The bench_campaign measure on 500/550/590 nm (6 repeats, tree-ensemble prior on cdse-hte): median ≤ 3."""
    import statistics

    from nanosynth.db.engine import create_all, make_engine
    from nanosynth.lab.adapters.simulated import SimulatedReactor
    from nanosynth.lab.prior import fit_tree_prior, hte_table_from_csv

    prior = fit_tree_prior(hte_table_from_csv(shared_data / "cdse_hte"), "abs_peak_nm")
    counts = []
    for target in (500.0, 550.0, 590.0):
        for rep in range(6):
            engine = make_engine("sqlite://")
            create_all(engine)
            out = run_campaign(engine, SimulatedReactor(seed=rep), CampaignSettings(
                targets={"abs_peak_nm": target}, tolerance=3.0, budget=25, seed=rep), {"abs_peak_nm": prior})
            counts.append(out.experiments_to_target or 26)
            engine.dispose()
    assert statistics.median(counts) <= 3, counts
