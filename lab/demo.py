"""What ``make demo`` runs for the lab: a seeded campaign on the twin (reactor running hot) and its reconciliation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from nanosynth.db.engine import session_scope
from nanosynth.lab.adapters.simulated import SimulatedReactor
from nanosynth.lab.campaign import CampaignSettings, campaign_report, run_campaign
from nanosynth.lab.prior import database_priors, database_table
from nanosynth.lab.reconcile import reconcile_campaign


def seed_campaign_demo(engine: Engine, out_dir: Path, *, target_nm: float = 550.0, budget: int = 8,
                       seed: int = 7, temperature_offset_c: float = 10.0) -> dict[str, Any]:
    """Seed from the database (cdse-hte must be imported), run on the twin, reconcile; returns a summary.

    Writes ``campaign-<id>.json`` and ``reconcile-<id>/`` (report, PNG plots, recalibrated model) in ``out_dir``.

    Raises
    ------
    ModelError
        When the database holds no cdse-hte rows to build the prior from.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with session_scope(engine) as s:
        priors, info = database_priors(s, ["abs_peak_nm"], random_state=seed)
        literature = database_table(s)
    reactor = SimulatedReactor(seed=seed, temperature_offset_c=temperature_offset_c)
    settings = CampaignSettings(targets={"abs_peak_nm": target_nm}, tolerance=3.0, budget=budget, seed=seed,
                                stop_on_target=False, prior=info)
    outcome = run_campaign(engine, reactor, settings, priors, raw_dir=out_dir / "raw", name="demo campaign")
    report = campaign_report(engine, outcome.campaign_id)
    (out_dir / f"campaign-{outcome.campaign_id}.json").write_text(__import__("json").dumps(report, indent=1,
                                                                                         default=str))
    rec = reconcile_campaign(engine, outcome.campaign_id, priors, reactor.capabilities(), out_dir,
                             literature=literature, prior_info=info)
    e = rec["outputs"]["abs_peak_nm"]
    return {"campaign_id": outcome.campaign_id, "experiments_to_target": outcome.experiments_to_target,
            "best": outcome.best, "temperature_offset_c": e["temperature_offset_c"],
            "temperature_offset_significant": e["temperature_offset_significant"], "prior_mae": e["prior_mae"],
            "recalibrated_loo_mae": e["recalibrated_loo_mae"], "model_artifact_id": e.get("model_artifact_id"),
            "report": rec["report_path"], "plots": rec["plots"]}
