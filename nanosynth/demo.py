"""The main job (``make demo``): from nothing to a populated database and a printed summary.

Each stage is a function ``stage(ctx) -> dict`` of :data:`STAGES`: migrate, import the curated datasets, ingest
the sample papers, train a property model, seed a lab campaign on the digital twin, summarize. Every stage is
idempotent, so the demo can run again. All demo code lives here; the stages call the libraries' public API.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nanosynth.config import Settings
from nanosynth.schema.errors import ConfigError

log = logging.getLogger(__name__)

#: (format, path relative to the shared data folder)
CURATED = [
    ("gu2024", "nanocrystal_recipes/raw_recipe_dataset.xlsx"),
    ("cdse-literature", "cdse_literature/cdse_hot_injection_literature.csv"),
    ("cdse-hte", "cdse_hte/cdse_uv_train_val.csv"),
    ("cdse-hte", "cdse_hte/cdse_pl_train_val.csv"),
]


@dataclass
class DemoContext:
    """What the stages share: settings, the engine (opened by the migrate stage), the output folder, results."""

    settings: Settings
    engine: Any
    out_dir: Path
    results: dict[str, dict] = field(default_factory=dict)


#: The demo's absorption-peak model: the cdse-hte source's default (chosen on the level-out protocol).
DEMO_SOURCE, DEMO_TARGET = "cdse-hte", "abs_peak_nm"


def stage_migrate(ctx: DemoContext) -> dict:
    """Create or migrate the database (the demo is the one command besides ``db upgrade`` that does), open it."""
    from nanosynth.db.engine import open_database
    from nanosynth.db.migrate import upgrade

    revision = upgrade(ctx.settings.database_url)
    ctx.engine = open_database(ctx.settings.database_url)
    return {"revision": revision}


def stage_import(ctx: DemoContext) -> dict:
    from nanosynth.db.engine import session_scope
    from nanosynth.db.importers import import_file

    data_dir = Path(ctx.settings.data_dir)
    if not data_dir.is_dir():
        raise ConfigError(f"shared data folder {data_dir} not found: set NANOSYNTH_DATA_DIR or data_dir in "
                          "nanosynth.toml to the folder holding the curated datasets")
    summary = {}
    for fmt, rel in CURATED:
        with session_scope(ctx.engine) as session:
            report = import_file(session, fmt, data_dir / rel)
        summary[rel] = {"rows": report.parse.rows, "added": report.write.added,
                        "already_present": report.write.skipped, "rejected": len(report.parse.rejections)}
        log.info("imported %s: %s", rel, summary[rel])
    return summary


def stage_ingest_samples(ctx: DemoContext) -> dict:
    """Ingest the five sample papers (text, HTML, PDF) with the shipped models; show their recipes."""
    from nanosynth.db.engine import session_scope
    from nanosynth.db.queries import RecipeFilter, recipes_wide
    from nanosynth.miner.samples import sample_papers_dir
    from nanosynth.ingest import run_ingest

    summary = run_ingest(ctx.engine, [sample_papers_dir()], job="demo-samples")
    with session_scope(ctx.engine) as session:
        mined = recipes_wide(session, RecipeFilter(source_kind="literature"))
    cards = [_recipe_card(row) for _, row in mined.iterrows()]

    def render(console) -> None:
        from rich.console import Console
        from rich.table import Table

        console.print(f"sample papers: {summary.done} ingested, {summary.skipped} skipped, {summary.failed} failed, "
                      f"{summary.recipes} recipes written in this run")
        t = Table(title="recipes mined from the sample papers", show_lines=True)
        for col in ("target", "chemicals (role: amount)", "conditions", "outcomes"):
            t.add_column(col, overflow="fold")
        for card in cards:
            t.add_row(*card)
        Console(width=max(console.width, 150)).print(t)

    return {"done": summary.done, "failed": summary.failed, "skipped": summary.skipped,
            "recipes_in_database": int(len(mined)), "_render": render}


def stage_train_model(ctx: DemoContext) -> dict:
    """Train (with grouped CV) a CdSe absorption-peak model from the database, save it, register it."""
    from nanosynth.db.engine import session_scope
    from nanosynth.db.model_registry import register_artifact
    from nanosynth.db.queries import recipe_frames
    from nanosynth.models.artifacts import load_model

    with session_scope(ctx.engine) as session:
        frames = recipe_frames(session, dataset="cdse-hte")
    result = train_abs_peak_model(frames, ctx.out_dir / "models")
    _, manifest = load_model(result["artifact"])
    with session_scope(ctx.engine) as session:
        row = register_artifact(session, result["artifact"], manifest)
        artifact_id = row.id
    cv = result["cv"]
    predictions = result["predictions"]

    def render(console) -> None:
        console.print(f"CdSe absorption-peak model ({result['model']}, the cdse-hte default chosen on the level-out "
                      f"protocol; 5-fold CV grouped by experiment, energies in meV): "
                      f"{', '.join(f'{k}={v:.3g}' for k, v in cv.items() if isinstance(v, int | float))}")
        console.print(f"registered as model artifact {artifact_id} → {result['artifact']}")
        cols = [c for c in ("temperature_c", "cd_mm", "se_mm", "oa_cd_ratio", "time_s", "mean", "lower", "upper",
                            "in_domain") if c in predictions.columns]
        console.print("predicted absorption peak (nm, 90% interval) for new conditions:")
        console.print(predictions[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}"))

    return {"cv": cv, "artifact": result["artifact"], "model_artifact_id": artifact_id, "_render": render}


def stage_campaign(ctx: DemoContext) -> dict:
    """Seed a campaign on the digital twin from the database, run it, reconcile lab vs literature."""
    result = seed_campaign(ctx.engine, ctx.out_dir / "campaign")

    def render(console) -> None:
        console.print(f"campaign {result['campaign_id']} on the CdSe twin (target abs peak 550 nm ± 3): "
                      f"target first met after {result['experiments_to_target']} experiments")
        best = result.get("best") or {}
        if best:
            console.print(f"best experiment: {best.get('parameters')} → measured "
                          f"{(best.get('measured') or {}).get('abs_peak_nm', float('nan')):.1f} nm")
        console.print(f"reconciliation: reactor temperature offset {result['temperature_offset_c']:+.1f} °C "
                      f"(significant: {result['temperature_offset_significant']}), prior MAE "
                      f"{result['prior_mae']:.3g} nm → recalibrated {result['recalibrated_loo_mae']:.3g} nm; "
                      f"report {result['report']}")

    return {**result, "_render": render}


def train_abs_peak_model(cdse_hte_frames, out_dir: Path | str, folds: int = 5) -> dict:
    """Grouped CV, training, save/load and prediction of new conditions for ``abs_peak_nm``.

    Parameters
    ----------
    cdse_hte_frames:
        ``db.queries.recipe_frames(session, dataset="cdse-hte")``.
    out_dir:
        Where the artifact (``abs_peak_model/``), the parity plot and ``predictions.csv`` go.

    Returns
    -------
    dict
        ``cv`` metrics (meV), ``artifact`` path, ``predictions`` (DataFrame).
    """
    from nanosynth.models.artifacts import load_model, save_model, training_data_hash
    from nanosynth.models.evaluation import cross_validate
    from nanosynth.models.pipeline import OutOfDomainWarning, PropertyModel, predict_conditions
    from nanosynth.models.plots import parity_plot, temperature_sweep_plot

    from nanosynth.models.sources import get_source

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    source = get_source(DEMO_SOURCE)
    kind, params = source.default_model, source.params(source.default_model, DEMO_TARGET)
    res = cross_validate(cdse_hte_frames, DEMO_TARGET, kind, folds, 0, "experiment", None, params)
    overall = res.overall()
    p = res.predictions
    parity_plot(p["y"], p["pred"], out / "abs_peak_parity.png", lower=p["lower"], upper=p["upper"],
                title=f"CdSe ({kind}, CV grouped by experiment)", unit="meV", quantity="absorption peak energy")
    model = PropertyModel(DEMO_TARGET, kind, group_by="experiment", estimator_params=params)
    model.fit(cdse_hte_frames)
    save_model(model, out / "abs_peak_model", metrics={"cv": overall},
               data_hash=training_data_hash(cdse_hte_frames, "abs_peak_nm"))
    loaded, _ = load_model(out / "abs_peak_model")
    plan = pd.DataFrame({"temperature_c": [230.0, 260.0, 290.0], "cd_mm": [10.0, 20.0, 10.0],
                         "se_mm": [10.0, 20.0, 40.0], "oa_cd_ratio": [10.0, 5.0, 20.0], "time_s": [60.0, 180.0, 400.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OutOfDomainWarning)
        pred = predict_conditions(loaded, plan)
    pred.to_csv(out / "predictions.csv", index=False)
    temperature_sweep_plot(loaded, cdse_hte_frames, out / "abs_peak_sweep.png", np.linspace(190.0, 320.0, 53),
                           ylabel="absorption peak (nm)", title="CdSe, 10 mM Cd and Se, OA:Cd 10, 120 s: between "
                           "and beyond the training levels")
    return {"cv": overall, "artifact": str(out / "abs_peak_model"), "predictions": pred, "model": kind}


def seed_campaign(engine, out_dir: Path, *, target_nm: float = 550.0, budget: int = 8, seed: int = 7,
                  temperature_offset_c: float = 10.0) -> dict[str, Any]:
    """Seed from the database (cdse-hte must be imported), run on the twin running hot, reconcile; a summary.

    Writes ``campaign-<id>.json`` and ``reconcile-<id>/`` (report, PNG plots, recalibrated model) in ``out_dir``.

    Raises
    ------
    ModelError
        When the database holds no cdse-hte rows to build the prior from.
    """
    from nanosynth.db.engine import session_scope
    from nanosynth.lab.adapters.simulated import SimulatedReactor
    from nanosynth.lab.campaign import CampaignSettings, campaign_report, run_campaign
    from nanosynth.lab.prior import database_priors, database_table
    from nanosynth.lab.reconcile import reconcile_campaign

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
    (out_dir / f"campaign-{outcome.campaign_id}.json").write_text(json.dumps(report, indent=1, default=str))
    rec = reconcile_campaign(engine, outcome.campaign_id, priors, reactor.capabilities(), out_dir,
                             literature=literature, prior_info=info)
    e = rec["outputs"]["abs_peak_nm"]
    return {"campaign_id": outcome.campaign_id, "experiments_to_target": outcome.experiments_to_target,
            "best": outcome.best, "temperature_offset_c": e["temperature_offset_c"],
            "temperature_offset_significant": e["temperature_offset_significant"], "prior_mae": e["prior_mae"],
            "recalibrated_loo_mae": e["recalibrated_loo_mae"], "model_artifact_id": e.get("model_artifact_id"),
            "report": rec["report_path"], "plots": rec["plots"]}


def _fmt(value, unit: str = "") -> str:
    return f"{value:.4g}{unit}" if isinstance(value, float) else f"{value}{unit}"


def _recipe_card(row) -> tuple[str, str, str, str]:
    """Four short cells describing one recipe of the wide frame."""
    def present(col: str) -> bool:
        return col in row and row[col] is not None and row[col] == row[col]

    target = f"{row['target_composition']}\n{row['method']}"
    chems = "\n".join(f"{role.replace('_', ' ')[:-1]}: {row[role]}" for role in (
        "cation_precursors", "anion_precursors", "ligands", "solvents", "reducing_agents", "additives")
        if present(role))
    conditions = "\n".join(f"{label} {_fmt(row[col], unit)}" for col, label, unit in (
        ("injection_temperature_c", "injection", " °C"), ("growth_temperature_c", "growth", " °C"),
        ("growth_time_s", "time", " s")) if present(col))
    outcomes = ", ".join(f"{label} {_fmt(row[col], unit)}" for col, label, unit in (
        ("size_nm", "size", " nm"), ("shape", "", ""), ("abs_peak_nm", "abs", " nm"), ("pl_peak_nm", "PL", " nm"),
        ("plqy", "PLQY", " %")) if present(col))
    return target, chems, conditions, outcomes


def stage_summary(ctx: DemoContext) -> dict:
    from nanosynth.db.engine import session_scope
    from nanosynth.db.queries import RecipeFilter, recipes_wide
    from nanosynth.db.stats import stats

    with session_scope(ctx.engine) as session:
        counts = stats(session)
        cdse = recipes_wide(session, RecipeFilter(composition="CdSe"))
    has_outcome = cdse[[c for c in ("size_nm", "abs_peak_nm") if c in cdse.columns]].notna().any(axis=1)
    cdse_with = cdse[has_outcome]
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    path = ctx.out_dir / "cdse_recipes_with_size_or_absorption.csv"
    cdse_with.to_csv(path, index=False)
    return {"stats": counts, "cdse_with_size_or_abs": int(len(cdse_with)),
            "cdse_by_dataset": cdse_with["dataset"].value_counts().to_dict(), "cdse_csv": str(path)}


Stage = Callable[[DemoContext], dict]
STAGES: list[tuple[str, Stage]] = [
    ("migrate", stage_migrate),
    ("import curated datasets", stage_import),
    ("ingest sample papers", stage_ingest_samples),
    ("train a property model", stage_train_model),
    ("seed a lab campaign", stage_campaign),
    ("summary", stage_summary),
]


def run_demo(settings: Settings, out_dir: Path = Path("demo-out"),
             on_stage: Callable[[str], None] | None = None) -> DemoContext:
    """Run every stage in order; returns the context with each stage's results.

    The first stage migrates the database at ``settings.database_url`` (creating it when absent) and opens it.
    """
    ctx = DemoContext(settings=settings, engine=None, out_dir=out_dir)
    try:
        for name, stage in STAGES:
            if on_stage:
                on_stage(name)
            ctx.results[name] = stage(ctx)
    finally:
        if ctx.engine is not None:
            ctx.engine.dispose()
    return ctx
