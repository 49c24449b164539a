"""Issue 15.1: safety limits cannot be misspelled, are stored with the campaign and survive every resume."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from nanosynth.lab.adapters.base import ExperimentRequest, coerce_safety_limits, parse_limit, resolve_limits
from nanosynth.lab.adapters.simulated import SimulatedReactor
from nanosynth.lab.campaign import CampaignRunner, CampaignSettings, load_settings, resume_campaign, run_campaign
from nanosynth.schema.errors import SafetyLimitError
from nanosynth.schema.tables import Campaign, Experiment
from lab_test_helpers import CountingReactor

QUIET = {"p_injection_failure": 0.0, "p_spectrometer_timeout": 0.0}
CAPS = SimulatedReactor().capabilities()
HOT = {"temperature_c": 295.0, "cd_mm": 10.0, "se_mm": 10.0, "oa_cd_ratio": 10.0, "time_s": 60.0}


def _settings(**kw):
    base = dict(targets={"abs_peak_nm": 560.0}, tolerance=0.01, budget=3, seed=1, n_candidates=256, seeded=False,
                initial_size=2)
    return CampaignSettings(**{**base, **kw})


def _temperatures(engine, cid):
    with Session(engine) as s:
        rows = s.exec(select(Experiment).where(Experiment.campaign_id == cid)).all()
    return [e.parameters["temperature_c"] for e in rows if e.dispatched_at is not None]


@pytest.mark.parametrize("spec", ["Temperature_C=150:200", "temp=150:200", "temperature=150:200"])
def test_misspelled_limit_is_refused_with_the_nearest_name(spec):
    with pytest.raises(SafetyLimitError, match=r"did you mean 'temperature_c'\?.*valid names are temperature_c"):
        resolve_limits([spec], CAPS)


@pytest.mark.parametrize(("spec", "why"), [
    ("temperature_c=200:150", "above max"), ("temperature_c=a:b", "not a number"),
    ("temperature_c=150", "malformed"), ("temperature_c150:200", "malformed"), ("=150:200", "malformed"),
    ("temperature_c=150:200 furlong", "unknown or not convertible"), ("temperature_c=150:200 s", "not convertible"),
    ("temperature_c=150 degC:200 K", "two units"), ("oa_cd_ratio=2:5 mM", "has no unit"),
    ("temperature_c=:", "at least one bound"),
])
def test_malformed_limits_are_refused(spec, why):
    with pytest.raises(SafetyLimitError, match=why):
        resolve_limits([spec], CAPS)


def test_units_are_converted_to_the_parameter_unit():
    limits = resolve_limits(["temperature_c=423.15 K:473.15 K", "time_s=:5 min", "temperature_c=:190"], CAPS)
    assert limits.bounds["temperature_c"] == pytest.approx((150.0, 190.0))  # two limits: the tighter one wins
    assert limits.bounds["time_s"] == (None, pytest.approx(300.0))
    assert parse_limit("cd_mm=1:20 mM").unit == "mM"


@pytest.mark.parametrize("value", [
    ["temperature_c=150:200"], [{"name": "temperature_c", "min": 150, "max": 200}], {"temperature_c": [150, 200]},
    {"temperature_c": {"min": 150, "max": 200, "unit": "degC"}}, {"bounds": {"temperature_c": [150, 200]}},
])
def test_every_documented_shape_is_accepted(value):
    assert resolve_limits(value, CAPS).bounds == {"temperature_c": (150.0, 200.0)}


@pytest.mark.parametrize("value", [[["temperature_c", 150, 200]], [150, 200], 5, "x", {"temperature_c": 150},
                                   {"temperature_c": {"low": 1}}, [{"min": 1}]])
def test_wrong_shapes_are_refused_cleanly_never_attribute_error(value):
    with pytest.raises(SafetyLimitError, match="safety limit"):
        coerce_safety_limits(value)


def test_adapter_with_misspelled_or_list_limits_refuses_before_sending():
    listed = CountingReactor(safety_limits=["temperature_c=150:200"], **QUIET)  # was an AttributeError
    assert listed.safety_limits.bounds == {"temperature_c": (150.0, 200.0)}
    reactor = CountingReactor(safety_limits={"temp": [150, 200]}, **QUIET)
    with reactor, pytest.raises(SafetyLimitError, match="did you mean 'temperature_c'"):
        reactor.run(ExperimentRequest(request_id="r", parameters=HOT))
    assert reactor.executed == []
    with pytest.raises(SafetyLimitError, match="adapter limits are in the parameter's own unit"):
        CountingReactor(safety_limits=["temperature_c=400:500 K"])


def test_misspelled_campaign_limit_refused_before_anything_is_written(engine):
    reactor = CountingReactor(seed=1, **QUIET)
    with pytest.raises(SafetyLimitError, match="did you mean 'temperature_c'"):
        run_campaign(engine, reactor, _settings(), safety_limits=["temp=150:200"])
    with pytest.raises(SafetyLimitError, match="did you mean 'temperature_c'"):
        run_campaign(engine, CountingReactor(safety_limits={"Temperature_C": [150, 200]}, **QUIET), _settings())
    assert reactor.executed == []
    with Session(engine) as s:
        assert s.exec(select(Campaign)).all() == []


def test_limits_are_stored_and_a_limit_added_on_resume_is_kept(engine):
    runner = CampaignRunner(engine, CountingReactor(seed=1, **QUIET), safety_limits=["time_s=:300"])
    cid = runner.create(_settings(budget=2))
    assert load_settings(engine, cid).safety_limits == {"time_s": (None, 300.0)}
    runner.run(cid)
    resume_campaign(engine, CountingReactor(seed=1, **QUIET), cid, budget=4, safety_limits=["temperature_c=150:200"])
    assert load_settings(engine, cid).safety_limits == {"time_s": (None, 300.0), "temperature_c": (150.0, 200.0)}
    # the next resume gives no limit at all: both stored limits stay in force (the lab report ran it at 293 °C)
    with Session(engine) as s:
        s.add(Experiment(campaign_id=cid, seq=99, status="planned", parameters=HOT))
        s.commit()
    plain = CountingReactor(seed=1, **QUIET)
    with pytest.raises(SafetyLimitError, match="above the safety limit 200"):
        resume_campaign(engine, plain, cid, budget=6)
    assert plain.executed == []
    assert all(t <= 200 for t in _temperatures(engine, cid)[2:])


def test_limits_are_only_tightened_on_resume(engine, caplog):
    cid = CampaignRunner(engine, CountingReactor(seed=2, **QUIET), safety_limits=["temperature_c=150:220"]).create(
        _settings(budget=2))
    resume_campaign(engine, CountingReactor(seed=2, **QUIET), cid, safety_limits={"temperature_c": [150, 300]})
    assert "looser than the stored ones" in caplog.text
    assert load_settings(engine, cid).safety_limits == {"temperature_c": (150.0, 220.0)}
    assert _temperatures(engine, cid) and all(t <= 220 for t in _temperatures(engine, cid))


def test_limits_stored_in_adapter_options_by_older_versions_still_apply(engine):
    cid = CampaignRunner(engine, CountingReactor(seed=1, **QUIET)).create(
        _settings(adapter_options={"safety_limits": {"temperature_c": [None, 210]}}))
    resume_campaign(engine, CountingReactor(seed=1, **QUIET), cid)
    assert load_settings(engine, cid).safety_limits == {"temperature_c": (None, 210.0)}
    assert all(t <= 210 for t in _temperatures(engine, cid))
