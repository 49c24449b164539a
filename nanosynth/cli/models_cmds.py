"""``nanosynth models``: cv, train, predict, eval, list, show.

Training frames always come from the database (``db.queries.recipe_frames``); when the database has no recipe of
the requested source yet, the source's curated files are imported from the shared data folder first (said on
stderr). ``eval``/``predict`` read files with the same importers as ``db import`` without writing them.
"""

from __future__ import annotations

import json
import logging
import math
import warnings
from pathlib import Path

import typer
from rich.table import Table

from nanosynth.cli.apps import console, err_console, models_app, run_guarded, settings
from nanosynth.schema.errors import ModelError

log = logging.getLogger(__name__)

SOURCE_HELP = "gu2024 | cdse-hte | cdse-literature"
TARGET_HELP = "size_nm | shape | abs_peak_nm | pl_peak_nm | fwhm_mev (cascade, both spectra) | pl_fwhm_mev | " \
              "abs_fwhm_mev | size_dist_pct"


def _engine():
    from nanosynth.db.engine import make_engine

    return make_engine(settings().database_url)


def _ensure_schema(engine) -> None:
    from sqlalchemy import inspect

    if "recipe" not in set(inspect(engine).get_table_names()):
        from nanosynth.db.migrate import upgrade

        err_console.print("note: database has no nanosynth tables; running migrations (nanosynth db upgrade)")
        upgrade(str(engine.url.render_as_string(hide_password=False)))


def load_source_frames(source: str, import_missing: bool = True):
    """Recipe frames of a source from the database, importing its curated files first when absent."""
    from sqlalchemy import func, select

    from nanosynth.db.engine import session_scope
    from nanosynth.db.importers import import_file
    from nanosynth.db.queries import recipe_frames
    from nanosynth.models.sources import get_source
    from nanosynth.schema.tables import Recipe

    spec = get_source(source)
    engine = _engine()
    _ensure_schema(engine)
    with session_scope(engine) as session:
        count = session.execute(select(func.count(Recipe.id)).where(Recipe.dataset.in_(spec.datasets))).scalar()
        if not count:
            if not import_missing:
                raise ModelError(f"the database has no {source} recipes: run 'nanosynth db import' for "
                                 + ", ".join(f for _, f in spec.files))
            for fmt, rel in spec.files:
                path = Path(settings().data_dir) / rel
                if not path.is_file():
                    raise ModelError(f"the database has no {source} recipes and {path} is missing: import the "
                                     f"dataset with 'nanosynth db import PATH --format {fmt}'")
                err_console.print(f"note: importing {path} into the database (format {fmt})")
                import_file(session, fmt, path)
            session.flush()
        frames = recipe_frames(session, dataset=list(spec.datasets))
    engine.dispose()
    return frames


def _params(items: list[str] | None, source: str | None, model: str, target: str | None = None) -> dict:
    from nanosynth.models.sources import get_source

    params = get_source(source).params(model, target) if source else {}
    for item in items or []:
        if "=" not in item:
            raise ModelError(f"--param {item!r} must look like name=value (e.g. n_estimators=300)")
        key, value = item.split("=", 1)
        try:
            params[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            params[key.strip()] = value
    return params


def _fmt(value) -> str:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4g}"
    return str(value)


@models_app.command("cv")
def cv(
    source: str = typer.Option(..., "--source", help=SOURCE_HELP),
    target: str = typer.Option(..., "--target", help=TARGET_HELP),
    model: str = typer.Option("xgb", "--model", help="xgb | nn | rf (random-forest baseline) | et (extra trees)"),
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
) -> None:
    """Cross-validate a model on a source; prints per-fold and mean figures, last line mae=… or accuracy=…."""
    run_guarded(_cv, source, target, model, folds, seed, group_by, max_size, param, predictions, min_count)


def _cv(source, target, model, folds, seed, group_by, max_size, param, predictions, min_count=None):
    from nanosynth.models.evaluation import cross_validate
    from nanosynth.models.pipeline import select_recipes
    from nanosynth.models.sources import get_source
    from nanosynth.models.targets import get_target

    spec, tspec = get_source(source), get_target(target)
    frames = load_source_frames(source)
    limit = max_size if max_size is not None else spec.max_size_nm
    frames = select_recipes(frames, limit)
    grouping = group_by or spec.group_by
    console.print(f"{source}: {len(frames)} recipes · target {tspec.name} · model {model} · {folds}-fold · "
                  f"group-by {grouping} · seed {seed}" + (f" · size ≤ {limit:g} nm" if limit else "")
                  + (f" · scored: ≥ {min_count} particles counted" if min_count else ""))

    def progress(k, m):
        figures = " ".join(f"{key}={_fmt(v)}" for key, v in m.items() if key not in ("fold",))
        console.print(f"fold {k}: {figures}")

    result = cross_validate(frames, target, model, folds, seed, grouping, None,
                            _params(param, source, model, target), progress=progress, min_count=min_count)
    overall = result.overall()
    console.print("mean: " + " ".join(f"{k}={_fmt(v)}" for k, v in overall.items()))
    if predictions:
        result.predictions.to_csv(predictions, index=False)
    if tspec.kind == "classification":
        print(f"accuracy={overall['accuracy']:.4f}")
    else:
        print(f"mae={overall['mae']:.4f}")


@models_app.command("train")
def train(
    source: str = typer.Option(..., "--source", help=SOURCE_HELP),
    target: str = typer.Option(..., "--target", help=TARGET_HELP),
    model: str = typer.Option("xgb", "--model", help="xgb | nn | et | rf"),
    out: Path = typer.Option(..., "--out", help="Artifact directory to write."),
    seed: int = typer.Option(0, "--seed"),
    group_by: str | None = typer.Option(None, "--group-by", help="Calibration grouping (default per source)."),
    max_size: float | None = typer.Option(None, "--max-size", help="Size selection in nm (default 20 for gu2024)."),
    name: str | None = typer.Option(None, "--name", help="Registry name (default <source>-<target>-<model>)."),
    cv_folds: int = typer.Option(0, "--cv-folds", help="Also cross-validate with this many folds and store the "
                                 "figures in the manifest (0 = skip)."),
    param: list[str] | None = typer.Option(None, "--param", help="Estimator parameter name=value (repeatable)."),
    register: bool = typer.Option(True, "--register/--no-register", help="Add a ModelArtifact registry row."),
) -> None:
    """Train on the database's recipes of a source, save the artifact directory, register it."""
    run_guarded(_train, source, target, model, out, seed, group_by, max_size, name, cv_folds, param, register)


def _train(source, target, model, out, seed, group_by, max_size, name, cv_folds, param, register):
    from nanosynth.models.artifacts import save_model, training_data_hash
    from nanosynth.models.evaluation import cross_validate
    from nanosynth.models.pipeline import PropertyModel, select_recipes
    from nanosynth.models.sources import get_source

    spec = get_source(source)
    frames = load_source_frames(source)
    limit = max_size if max_size is not None else spec.max_size_nm
    frames = select_recipes(frames, limit)
    grouping = group_by or spec.group_by
    params = _params(param, source, model, target)
    pm = PropertyModel(target, model, group_by=grouping, estimator_params=params, random_state=seed)
    pm.fit(frames)
    metrics: dict = {}
    est = pm.estimator_
    if hasattr(est, "oob_mae_"):
        metrics["oob_mae_log" if pm.spec.log else "oob_mae"] = est.oob_mae_
    if hasattr(est, "oob_accuracy_"):
        metrics["oob_accuracy"] = est.oob_accuracy_
    if cv_folds:
        res = cross_validate(frames, target, model, cv_folds, seed, grouping, None, params)
        metrics["cv"] = {**res.overall(), "folds": cv_folds, "group_by": grouping, "seed": seed}
    manifest = save_model(pm, out, name=name or f"{source}-{pm.spec.name}-{model}", metrics=metrics,
                          data_hash=training_data_hash(frames, target),
                          extra={"source": source, "max_size_nm": limit, "group_by": grouping, "seed": seed})
    console.print(f"saved {manifest['name']}@{manifest['version']} to {out} ({pm.n_train_} training samples)")
    if register:
        from nanosynth.db.engine import session_scope
        from nanosynth.registry import register_artifact

        engine = _engine()
        with session_scope(engine) as session:
            row = register_artifact(session, out, manifest)
            console.print(f"registered as model #{row.id}")
        engine.dispose()
    for key, value in metrics.items():
        console.print(f"{key}: {value}")


def _read_data(path: Path, fmt: str | None):
    """Frames from a dataset file (with --format, via the importer, nothing written) or a CSV of conditions."""
    from nanosynth.models.features import frames_for_conditions

    if fmt:
        from nanosynth.db.importers import parse_file
        from nanosynth.db.queries import frames_from_records

        parsed = parse_file(fmt, path)
        if parsed.rejections:
            err_console.print(f"note: {len(parsed.rejections)} row(s) of {path.name} rejected by the importer")
        return frames_from_records(parsed.records), None
    import pandas as pd

    if not path.is_file():
        raise ModelError(f"{path} does not exist")
    table = pd.read_csv(path)
    try:
        return frames_for_conditions(table), table
    except ModelError as exc:
        raise ModelError(f"{exc}; or, if {path.name} is a dataset file, pass --format "
                         "gu2024|cdse-hte|cdse-literature") from exc


@models_app.command("predict")
def predict(
    model_dir: Path = typer.Option(..., "--model", help="Artifact directory (from models train)."),
    data: Path = typer.Option(..., "--data", help="CSV of conditions (temperature_c, cd_mm, se_mm, oa_cd_ratio, "
                              "time_s) or a dataset file read with --format."),
    fmt: str | None = typer.Option(None, "--format", help="gu2024 | cdse-hte | cdse-literature (dataset file)."),
    out: Path | None = typer.Option(None, "--out", help="Write predictions as CSV here (default: stdout)."),
) -> None:
    """Predict with uncertainty for every row of a file; out-of-domain rows are flagged and widened."""
    run_guarded(_predict, model_dir, data, fmt, out)


def _predict(model_dir, data, fmt, out):
    import pandas as pd

    from nanosynth.models.artifacts import load_model, predictions_frame

    pm, manifest = load_model(model_dir)
    frames, table = _read_data(data, fmt)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pred = predictions_frame(pm, frames)
    for w in caught:
        err_console.print(f"warning: {w.message}")
    if table is not None:
        pred = pd.concat([table.reset_index(drop=True).loc[pred["recipe_id"]].reset_index(drop=True),
                          pred.drop(columns=["source_key"])], axis=1)
    if out:
        pred.to_csv(out, index=False)
        console.print(f"wrote {len(pred)} predictions of {manifest['target']} to {out}")
    else:
        print(pred.to_csv(index=False), end="")


@models_app.command("eval")
def eval_(
    model_dir: Path = typer.Option(..., "--model", help="Artifact directory."),
    data: Path = typer.Option(..., "--data", help="Dataset file with measured outcomes."),
    fmt: str = typer.Option(..., "--format", help="cdse-hte | gu2024 | cdse-literature"),
    predictions: Path | None = typer.Option(None, "--predictions", help="Write predictions vs truth (CSV)."),
) -> None:
    """Score a saved model on a dataset file (parsed by the importer, not written); last line mae=… / accuracy=…."""
    run_guarded(_eval, model_dir, data, fmt, predictions)


def _eval(model_dir, data, fmt, predictions):
    from nanosynth.models.artifacts import load_model
    from nanosynth.models.evaluation import classification_metrics, regression_metrics
    from nanosynth.models.pipeline import OutOfDomainWarning, select_recipes
    from nanosynth.models.targets import target_samples

    pm, manifest = load_model(model_dir)
    frames, _ = _read_data(data, fmt)
    limit = manifest.get("max_size_nm")
    if limit and fmt == "gu2024":
        frames = select_recipes(frames, limit)
    spec = pm.spec
    truth = target_samples(frames, spec)
    if truth.empty:
        raise ModelError(f"{data.name} has no {spec.prop} outcomes"
                         + (f" for spectrum {'/'.join(spec.spectra)}" if spec.spectra else "")
                         + f": nothing to evaluate a {spec.name} model on")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", OutOfDomainWarning)
        spectra = tuple(sorted(set(truth["spectrum"].dropna()))) if spec.cascade else None
        dist = pm.predict_dist(frames, spectra=spectra) if spec.cascade else pm.predict_dist(frames)
    on = ["recipe_id", "spectrum"] if spec.cascade else ["recipe_id"]
    merged = truth.merge(dist, on=on, how="inner")
    n_ood = int((~merged["in_domain"]).sum())
    if spec.kind == "classification":
        m = classification_metrics(merged["y"], merged["label"], merged["prediction_set"])
    else:
        m = regression_metrics(merged["y"], merged["mean_model"], merged["lower_model"], merged["upper_model"])
        if spec.cascade:
            for s, part in merged.groupby("spectrum"):
                m[f"mae_{s}"] = float((part["mean_model"] - part["y"]).abs().mean())
    console.print(f"{manifest['name']}@{manifest['version']} on {data.name}: {len(merged)} samples, "
                  f"{n_ood} outside the training domain ({len(caught)} warning(s))")
    console.print(" ".join(f"{k}={_fmt(v)}" for k, v in m.items()) + (f" (unit {spec.unit})" if spec.unit else ""))
    if predictions:
        merged.to_csv(predictions, index=False)
    if spec.kind == "classification":
        print(f"accuracy={m['accuracy']:.4f}")
    else:
        print(f"mae={m['mae']:.4f}")


@models_app.command("list")
def list_(target: str | None = typer.Option(None, "--target", help="Only models of this target.")) -> None:
    """Registered models (the ModelArtifact table)."""
    run_guarded(_list, target)


def _list(target):
    from nanosynth.db.engine import session_scope
    from nanosynth.registry import list_artifacts

    engine = _engine()
    _ensure_schema(engine)
    with session_scope(engine) as session:
        rows = list_artifacts(session, target)
        table = Table(title="registered models")
        for col in ("id", "name", "version", "kind", "target", "created", "metrics", "path"):
            table.add_column(col)
        for r in rows:
            metric = ", ".join(f"{k}={_fmt(v)}" for k, v in r.metrics.items() if not isinstance(v, dict))
            table.add_row(str(r.id), r.name, r.version, r.kind, r.target, r.created_at.strftime("%Y-%m-%d %H:%M"),
                          metric, r.path)
    engine.dispose()
    console.print(table if rows else "no registered models: train one with 'nanosynth models train'")


@models_app.command("show")
def show(ref: str = typer.Argument(..., help="Artifact directory, registry id, name or name@version.")) -> None:
    """Manifest of a model (verified against its files)."""
    run_guarded(_show, ref)


def _show(ref):
    from nanosynth.models.artifacts import verify

    path = Path(ref)
    if not (path / "manifest.json").is_file():
        from nanosynth.db.engine import session_scope
        from nanosynth.registry import get_artifact

        engine = _engine()
        _ensure_schema(engine)
        with session_scope(engine) as session:
            path = Path(get_artifact(session, ref).path)
        engine.dispose()
    manifest = verify(path)
    summary = {k: v for k, v in manifest.items() if k not in ("features", "files")}
    summary["n_features"] = len(manifest.get("features", []))
    summary["n_files"] = len(manifest.get("files", {}))
    summary["path"] = str(path)
    summary["integrity"] = "ok (all file hashes match)"
    print(json.dumps(summary, indent=2, sort_keys=True))
