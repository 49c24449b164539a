"""Reconciliation: temperature offset detection, recalibrated model artifact + registry row, flags, plots."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sqlmodel import Session

from nanosynth.lab.campaign import CampaignSettings, run_campaign
from nanosynth.lab.reconcile import load_recalibration, reconcile_campaign
from nanosynth.schema.errors import ArtifactIntegrityError, ModelError
from nanosynth.schema.tables import ModelArtifact
from lab_test_helpers import CountingReactor, TwinPrior

QUIET = {"p_injection_failure": 0.0, "p_spectrometer_timeout": 0.0}


@pytest.fixture()
def hot_campaign(engine):
    reactor = CountingReactor(seed=1, temperature_offset_c=12.0, **QUIET)
    out = run_campaign(engine, reactor, CampaignSettings(targets={"abs_peak_nm": 560.0}, tolerance=0.01, budget=9,
                                                         seed=1, n_candidates=512),
                       {"abs_peak_nm": TwinPrior(bias=0.0, std=3.0)})
    return reactor, out.campaign_id


def test_offset_from_clustered_runs_is_not_identifiable_and_model_is_registered(engine, hot_campaign, tmp_path):
    reactor, cid = hot_campaign
    prior = TwinPrior(bias=0.0, std=3.0)
    lab_rows = pd.DataFrame([{"temperature_c": 250.0, "cd_mm": 10.0, "se_mm": 10.0, "oa_cd_ratio": 10.0,
                              "time_s": 100.0, "abs_peak_nm": 999.0, "recipe_id": 1, "source_key": "far"}])
    report = reconcile_campaign(engine, cid, {"abs_peak_nm": prior}, reactor.capabilities(), tmp_path,
                                literature=lab_rows, prior_info={"abs_peak_nm": {"kind": "test_twin_prior"}})
    e = report["outputs"]["abs_peak_nm"]
    # a campaign that homes in on one target runs at one temperature: the offset is not identifiable from it, and
    # reconciliation says so, reports the span, and names the experiments that would identify it
    lo, hi = e["temperature_span_c"]
    assert hi - lo < 20 and not e["temperature_offset_identifiable"] and not e["temperature_offset_significant"]
    assert f"spanning {lo:.0f}–{hi:.0f} °C" in e["temperature_offset_reason"]
    design = e["experiments_to_identify_offset"]
    assert len(design) == 6 and max(d["temperature_c"] for d in design) - min(d["temperature_c"] for d in design) >= 40
    assert e["prior_bias"] > 0  # hotter reactor → bigger dots → redder than predicted
    assert e["recalibrated_loo_mae"] < e["prior_mae"]
    for p in report["plots"]:
        assert open(p, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    with Session(engine) as s:
        art = s.get(ModelArtifact, e["model_artifact_id"])
        assert art.kind == "residual" and art.parent_id is not None and art.target == "abs_peak_nm"
        assert s.get(ModelArtifact, art.parent_id).name.startswith("prior-test_twin_prior")
    model = load_recalibration(art.path, prior, reactor.capabilities())
    rows = pd.DataFrame(e["experiments"])
    mean, std = model.predict_dist(rows[["temperature_c", "cd_mm", "se_mm", "oa_cd_ratio", "time_s"]])
    assert np.mean(np.abs(mean - rows["abs_peak_nm_measured"])) < 1.0 and np.all(std >= 0)
    assert json.loads(open(report["report_path"]).read())["campaign_id"] == cid
    (tmp_path / f"reconcile-{cid}" / "model_abs_peak_nm" / "recalibration.json").write_text("{}")
    with pytest.raises(ArtifactIntegrityError):
        load_recalibration(art.path, prior, reactor.capabilities())


def test_flags_contradicted_literature_records(engine, hot_campaign, tmp_path):
    reactor, cid = hot_campaign
    lab = pd.DataFrame(reconcile_campaign(engine, cid, {"abs_peak_nm": TwinPrior(bias=0.0)}, reactor.capabilities(),
                                          tmp_path, register=False)["outputs"]["abs_peak_nm"]["experiments"])
    near = lab.iloc[:2][["temperature_c", "cd_mm", "se_mm", "oa_cd_ratio", "time_s"]].copy()
    literature = pd.concat([near.assign(abs_peak_nm=lab["abs_peak_nm_measured"].iloc[:2].to_numpy() + 0.2),
                            near.iloc[[0]].assign(abs_peak_nm=lab["abs_peak_nm_measured"].iloc[0] - 40.0)],
                           ignore_index=True)
    literature["recipe_id"] = [1, 2, 3]
    report = reconcile_campaign(engine, cid, {"abs_peak_nm": TwinPrior(bias=0.0)}, reactor.capabilities(), tmp_path,
                                literature=literature, register=False)
    flagged = report["outputs"]["abs_peak_nm"]["contradicted_records"]
    assert [f["recipe_id"] for f in flagged] == [3]


def test_needs_results(engine, tmp_path):
    out = run_campaign(engine, CountingReactor(seed=1, faults={0: "injection"}, **QUIET),
                       CampaignSettings(targets={"abs_peak_nm": 560.0}, budget=1, initial_size=1),
                       {"abs_peak_nm": TwinPrior()})
    with pytest.raises(ModelError, match="no successful experiments"):
        reconcile_campaign(engine, out.campaign_id, {"abs_peak_nm": TwinPrior()},
                           CountingReactor().capabilities(), tmp_path)


def test_reconcile_stored_flow_campaign_through_its_mapping(engine, tmp_path):
    from nanosynth.lab.campaign import launch_campaign
    from nanosynth.lab.reconcile import reconcile_stored_campaign
    from lab_test_helpers import perovskite_literature

    perovskite_literature(engine)
    out = launch_campaign(engine, CampaignSettings(targets={"pl_peak_nm": 505.0}, tolerance=0.5, budget=6, seed=1,
                                                   n_candidates=256), adapter="cspbbr3-flow")
    report = reconcile_stored_campaign(engine, out.campaign_id, tmp_path)
    entry = report["outputs"]["pl_peak_nm"]
    assert entry["n"] >= 3 and entry["temperature_span_c"][0] >= 90.0  # schema units (°C), not kelvin
    assert {"temperature_c", "cs_flow_ml_min"} <= set(entry["experiments"][0])
