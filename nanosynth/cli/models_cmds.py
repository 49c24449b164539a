"""``nanosynth models``: cv, train, predict, eval, list, show.

Training frames always come from the database (``db.queries.recipe_frames``); when the database has no recipe of
the requested source, the command stops and names the ``nanosynth db import`` commands that add them.
``eval``/``predict`` read files with the same importers as ``db import`` without writing them.
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from nanosynth.cli.apps import console, deprecated_alias, err_console, models_app, open_db, run_guarded, settings

log = logging.getLogger(__name__)

SOURCE_HELP = ("Selection of the database's recipes: gu2024 | cdse-hte | cdse-literature (curated) | mined "
               "(extracted from ingested papers) | lab (real reactor runs) | simulated (digital-twin campaigns), "
               "several joined by '+', e.g. gu2024+mined; a paper reported by several sources counts once "
               "(curated > lab > mined)")
COMPOSITION_HELP = "Only recipes of this target composition (repeatable), e.g. CdSe."
METHOD_HELP = "Only recipes of this synthesis method, e.g. hot_injection."
CONFIDENCE_HELP = "Leave out mined recipes whose extraction confidence is below this (0–1)."
TARGET_HELP = ("size_nm | shape | shape_given_size (measured size as an input, as in Gu et al.) | abs_peak_nm | "
               "pl_peak_nm | fwhm_mev (cascade, both spectra) | pl_fwhm_mev | abs_fwhm_mev | size_dist_pct")


def _fmt(value) -> str:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4g}"
    return str(value)


@models_app.command("cv")
def cv(
    source: str = typer.Option(..., "--source", help=SOURCE_HELP),
    target: str = typer.Option(..., "--target", help=TARGET_HELP),
    kind: str | None = typer.Option(None, "--kind", help="xgb | nn | rf (random-forest baseline) | et (extra "
                                    "trees) | gp (Gaussian process); default per source: gp for cdse-hte, else xgb"),
    old_kind: str | None = typer.Option(None, "--model", hidden=True, help="Deprecated spelling of --kind."),
    folds: int = typer.Option(5, "--folds", help="Number of folds."),
    seed: int = typer.Option(0, "--seed", help="Seed of the fold assignment and of the models."),
    group_by: str | None = typer.Option(None, "--group-by", help="none | doi | citation | experiment | "
                                        "composition (default: none for gu2024, experiment for cdse-hte, "
                                        "citation for cdse-literature)"),
    max_size: float | None = typer.Option(None, "--max-size", help="Keep recipes with size ≤ this (nm); "
                                          "default 20 for gu2024 (as in Gu et al.), none otherwise."),
    param: list[str] | None = typer.Option(None, "--param", help="Estimator parameter name=value (repeatable)."),
    predictions: Path | None = typer.Option(None, "--predictions", help="Write out-of-fold predictions (CSV)."),
    min_count: int | None = typer.Option(None, "--min-count", help="Score only recipes whose size was measured "
                                         "on ≥ N particles (Gu et al. protocol: 300); the rest always train."),
    protocol: str = typer.Option("grouped", "--protocol", help="grouped (folds of --group-by groups) | random | "
                                 "level-out (hold out each level of temperature, [Cd], [Se], OA:Cd; interior = "
                                 "interpolation, ends = extrapolation) | extrapolate (end levels only)"),
    composition: list[str] | None = typer.Option(None, "--composition", help=COMPOSITION_HELP),
    method: str | None = typer.Option(None, "--method", help=METHOD_HELP),
    min_confidence: float | None = typer.Option(None, "--min-confidence", help=CONFIDENCE_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables and lines."),
) -> None:
    """Cross-validate a model on a source; prints per-split and pooled figures (with coverage), last line mae=…
    or accuracy=…."""
    model = deprecated_alias("--model", "--kind", old_kind, kind)
    run_guarded(_cv, source, target, model, folds, seed, group_by, max_size, param, predictions, min_count,
                protocol, as_json, (composition, method, min_confidence))


def _request(source, target, model, seed, group_by, max_size, param, protocol="grouped", narrow=(None,) * 3):
    from nanosynth.property_models import ModelRequest

    composition, method, min_confidence = narrow
    return ModelRequest(source, target, model, seed, group_by, max_size, tuple(param or ()), protocol,
                        tuple(composition) if composition else None, method, min_confidence)


def _cv(source, target, model, folds, seed, group_by, max_size, param, predictions, min_count=None,
        protocol="grouped", as_json=False, narrow=(None,) * 3):
    from nanosynth.models.targets import get_target
    from nanosynth.property_models import cross_validate_request, selected_frames

    request = _request(source, target, model, seed, group_by, max_size, param, protocol, narrow)
    tspec, limit = get_target(target), request.size_limit()
    engine = open_db()
    try:
        frames = selected_frames(engine, request, settings().data_dir)
    finally:
        engine.dispose()
    split = f"{folds}-fold" if protocol in ("grouped", "random") else protocol
    if as_json:
        _cv_json(frames, request, folds, min_count, predictions)
        return
    console.print(f"{source}: {len(frames)} recipes · target {tspec.name} · model {request.kind()} · {split} · "
                  f"protocol {protocol} · group-by {request.grouping()} · seed {seed}"
                  + (f" · size ≤ {limit:g} nm" if limit else "")
                  + (f" · scored: ≥ {min_count} particles counted" if min_count else ""))

    def progress(k, m):
        console.print(f"{m.get('split', f'fold {k}')}: "
                      + " ".join(f"{key}={_fmt(v)}" for key, v in m.items() if key not in ("fold", "split")))

    result = cross_validate_request(frames, request, folds, min_count=min_count, progress=progress)
    overall = result.overall()
    console.print("mean: " + " ".join(f"{k}={_fmt(v)}" for k, v in overall.items()))
    for kind in ("interpolation", "extrapolation"):
        if f"mae_{kind}" in overall:
            console.print(f"{kind}: mae={overall[f'mae_{kind}']:.4g} coverage={overall[f'coverage_{kind}']:.3f} "
                          f"n={overall[f'n_{kind}']}")
    if predictions:
        result.predictions.to_csv(predictions, index=False)
    if "coverage" in overall:
        print(f"coverage={overall['coverage']:.4f}")
    _last_line(tspec.kind, overall)


def _cv_json(frames, request, folds, min_count, predictions) -> None:
    """``models cv --json``: settings, every split's figures and the pooled ones as one JSON object."""
    from nanosynth.property_models import cross_validate_request

    splits: list[dict] = []
    result = cross_validate_request(frames, request, folds, min_count=min_count,
                                    progress=lambda k, m: splits.append({"split": m.get("split", f"fold {k}"), **m}))
    if predictions:
        result.predictions.to_csv(predictions, index=False)
    typer.echo(json.dumps({"source": request.source, "target": request.target, "model": request.kind(),
                           "protocol": request.protocol, "group_by": request.grouping(), "folds": folds,
                           "seed": request.seed, "recipes": len(frames), "splits": splits,
                           "overall": result.overall()}, indent=1, default=_jsonable))


def _jsonable(value):
    """JSON for numpy scalars and other values ``json`` does not know (NaN stays NaN, as Python writes it)."""
    return value.item() if hasattr(value, "item") else str(value)


def _last_line(kind: str, metrics: dict) -> None:
    """The machine-readable last line scripts read: ``accuracy=…`` or ``mae=…``."""
    if kind == "classification":
        print(f"accuracy={metrics['accuracy']:.4f}")
    else:
        print(f"mae={metrics['mae']:.4f}")


@models_app.command("train")
def train(
    source: str = typer.Option(..., "--source", help=SOURCE_HELP),
    target: str = typer.Option(..., "--target", help=TARGET_HELP),
    kind: str | None = typer.Option(None, "--kind", help="xgb | nn | et | rf | gp (default per source: gp "
                                    "for cdse-hte, else xgb)"),
    old_kind: str | None = typer.Option(None, "--model", hidden=True, help="Deprecated spelling of --kind."),
    out: Path = typer.Option(..., "--out", "-o", help="Artifact directory to write."),
    seed: int = typer.Option(0, "--seed"),
    group_by: str | None = typer.Option(None, "--group-by", help="Calibration grouping (default per source)."),
    max_size: float | None = typer.Option(None, "--max-size", help="Size selection in nm (default 20 for gu2024)."),
    name: str | None = typer.Option(None, "--name", help="Registry name (default <source>-<target>-<model>)."),
    cv_folds: int = typer.Option(0, "--cv-folds", help="Also cross-validate with this many folds and store the "
                                 "figures in the manifest (0 = skip)."),
    param: list[str] | None = typer.Option(None, "--param", help="Estimator parameter name=value (repeatable)."),
    register: bool = typer.Option(True, "--register/--no-register", help="Add a ModelArtifact registry row."),
    composition: list[str] | None = typer.Option(None, "--composition", help=COMPOSITION_HELP),
    method: str | None = typer.Option(None, "--method", help=METHOD_HELP),
    min_confidence: float | None = typer.Option(None, "--min-confidence", help=CONFIDENCE_HELP),
) -> None:
    """Train on the database's recipes of a source, save the artifact directory, register it."""
    model = deprecated_alias("--model", "--kind", old_kind, kind)
    run_guarded(_train, source, target, model, out, seed, group_by, max_size, name, cv_folds, param, register,
                (composition, method, min_confidence))


def _train(source, target, model, out, seed, group_by, max_size, name, cv_folds, param, register,
           narrow=(None,) * 3):
    from nanosynth.property_models import train_and_register

    request = _request(source, target, model, seed, group_by, max_size, param, narrow=narrow)
    engine = open_db()
    try:
        trained = train_and_register(engine, request, out, settings().data_dir, name=name, cv_folds=cv_folds,
                                     register=register)
    finally:
        engine.dispose()
    manifest = trained.manifest
    console.print(f"saved {manifest['name']}@{manifest['version']} to {out} ({trained.n_train} training samples)")
    if trained.registry_id is not None:
        console.print(f"registered as model #{trained.registry_id}")
    for key, value in trained.metrics.items():
        console.print(f"{key}: {value}")


@models_app.command("predict")
def predict(
    model_dir: Path = typer.Option(..., "--model", help="Artifact directory (from models train)."),
    data: Path = typer.Option(..., "--data", help="Recipes (JSON, or CSV with one row per chemical: recipe, "
                              "composition, chemical, role, amount, temperature_c, time_s ...), a CSV of "
                              "microreactor conditions (temperature_c, cd_mm, se_mm, oa_cd_ratio, time_s) or a "
                              "dataset file read with --format."),
    fmt: str | None = typer.Option(None, "--format", help="gu2024 | cdse-hte | cdse-literature (dataset file)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write predictions as CSV here (default: stdout)."),
) -> None:
    """Predict with uncertainty for every row of a file; out-of-domain rows are flagged and widened."""
    run_guarded(_predict, model_dir, data, fmt, out)


def _predict(model_dir, data, fmt, out):
    from nanosynth.property_models import predict_file

    result = predict_file(model_dir, data, fmt)
    if result.rejected:
        err_console.print(f"note: {result.rejected} row(s) of {data.name} rejected by the importer")
    for message in result.warnings:
        err_console.print(f"warning: {message}")
    pred = result.predictions
    if out:
        pred.to_csv(out, index=False)
        console.print(f"wrote {len(pred)} predictions of {result.manifest['target']} to {out}")
    else:
        print(pred.to_csv(index=False), end="")


@models_app.command("eval")
def eval_(
    model_dir: Path = typer.Option(..., "--model", help="Artifact directory."),
    data: Path = typer.Option(..., "--data", help="Dataset file with measured outcomes."),
    fmt: str = typer.Option(..., "--format", help="cdse-hte | gu2024 | cdse-literature"),
    predictions: Path | None = typer.Option(None, "--predictions", help="Write predictions vs truth (CSV)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables and lines."),
) -> None:
    """Score a saved model on a dataset file (parsed by the importer, not written); last line mae=… / accuracy=…."""
    run_guarded(_eval, model_dir, data, fmt, predictions, as_json)


def _eval(model_dir, data, fmt, predictions, as_json=False):
    from nanosynth.property_models import evaluate_file

    result, manifest, rejected = evaluate_file(model_dir, data, fmt)
    if as_json:
        if predictions:
            result.predictions.to_csv(predictions, index=False)
        typer.echo(json.dumps({"model": f"{manifest['name']}@{manifest['version']}", "data": str(data),
                               "samples": len(result.predictions), "rejected_rows": rejected,
                               "out_of_domain": result.n_out_of_domain, "warnings": result.n_warnings,
                               "unit": manifest.get("unit"), "metrics": result.metrics}, indent=1,
                              default=_jsonable))
        return
    if rejected:
        err_console.print(f"note: {rejected} row(s) of {data.name} rejected by the importer")
    unit = manifest.get("unit") or ""
    console.print(f"{manifest['name']}@{manifest['version']} on {data.name}: {len(result.predictions)} samples, "
                  f"{result.n_out_of_domain} outside the training domain ({result.n_warnings} warning(s))")
    console.print(" ".join(f"{k}={_fmt(v)}" for k, v in result.metrics.items()) + (f" (unit {unit})" if unit else ""))
    if predictions:
        result.predictions.to_csv(predictions, index=False)
    _last_line("classification" if "accuracy" in result.metrics else "regression", result.metrics)


@models_app.command("list")
def list_(target: str | None = typer.Option(None, "--target", help="Only models of this target."),
          as_json: bool = typer.Option(False, "--json", help="Print a JSON array instead of a table.")) -> None:
    """Registered models (the ModelArtifact table)."""
    run_guarded(_list, target, as_json)


def _list(target, as_json=False):
    from nanosynth.db.engine import session_scope
    from nanosynth.db.model_registry import list_artifacts
    from nanosynth.models.targets import get_target

    if target is not None:
        get_target(target)  # a misspelled target is refused with the valid ones, not an empty list
    engine = open_db()
    try:
        with session_scope(engine) as session:
            rows = [{"id": r.id, "name": r.name, "version": r.version, "kind": r.kind, "target": r.target,
                     "created": r.created_at.strftime("%Y-%m-%d %H:%M"), "metrics": r.metrics, "path": r.path}
                    for r in list_artifacts(session, target)]
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(rows, indent=1, default=_jsonable))
        return
    if not rows:
        console.print("no registered models: train one with 'nanosynth models train'")
        return
    table = Table(title="registered models")
    for col in ("id", "name", "version", "kind", "target", "created", "metrics", "path"):
        table.add_column(col)
    for r in rows:
        metric = ", ".join(f"{k}={_fmt(v)}" for k, v in r["metrics"].items() if not isinstance(v, dict))
        table.add_row(*(escape(str(r[c])) for c in ("id", "name", "version", "kind", "target", "created")),
                      escape(metric), escape(str(r["path"])))
    console.print(table)


@models_app.command("show")
def show(ref: str = typer.Argument(..., help="Artifact directory, registry id, name or name@version."),
         as_json: bool = typer.Option(True, "--json", help="The output is always JSON (accepted for uniformity).",
                                      hidden=True)) -> None:
    """Manifest of a model (verified against its files), as JSON."""
    run_guarded(_show, ref)


def _show(ref):
    from nanosynth.property_models import verified_manifest

    path, manifest = verified_manifest(open_db, ref)
    summary = {k: v for k, v in manifest.items() if k not in ("features", "files")}
    summary["n_features"] = len(manifest.get("features", []))
    summary["n_files"] = len(manifest.get("files", {}))
    summary["path"] = str(path)
    summary["integrity"] = "ok (all file hashes match)"
    print(json.dumps(summary, indent=2, sort_keys=True))
