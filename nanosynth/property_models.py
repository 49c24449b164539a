"""Property-model jobs of the CLI: cross-validate, train and register, evaluate and predict on files.

Each function wires the database (recipe frames, the model registry) to :mod:`nanosynth.models`; the CLI only
parses options, calls one of them and renders what it returns.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from nanosynth.schema.errors import ModelError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from nanosynth.models.evaluation import CVResult, EvaluationResult


@dataclass(frozen=True)
class ModelRequest:
    """What to fit: a selection of the database's recipes, a target, a model kind and its settings.

    ``source`` is a selection (:func:`nanosynth.models.sources.parse_selection`: ``gu2024``, ``mined``,
    ``cdse-literature+mined+lab`` ...) narrowed by ``composition``, ``method`` and ``min_confidence``; the
    defaults (grouping, model kind, tuned parameters) are those of its first curated dataset.
    """

    source: str
    target: str
    model: str | None = None
    seed: int = 0
    group_by: str | None = None
    max_size: float | None = None
    params: tuple[str, ...] = ()
    protocol: str = "grouped"
    composition: tuple[str, ...] | None = None
    method: str | None = None
    min_confidence: float | None = None

    def selection(self):
        from nanosynth.models.sources import parse_selection

        return parse_selection(self.source, self.composition, self.method, self.min_confidence)

    def kind(self) -> str:
        """The model kind: the requested one, else the source's default (``gp`` for cdse-hte, else ``xgb``)."""
        return self.model or self.selection().spec().default_model

    def size_limit(self) -> float | None:
        return self.max_size if self.max_size is not None else self.selection().spec().max_size_nm

    def grouping(self) -> str:
        return self.group_by or self.selection().spec().group_by

    def estimator_params(self) -> dict:
        """The source's tuned parameters for this model and target, overridden by ``name=value`` items."""
        params = self.selection().spec().params(self.kind(), self.target)
        for item in self.params:
            if "=" not in item:
                raise ModelError(f"--param {item!r} must look like name=value (e.g. n_estimators=300)")
            key, value = item.split("=", 1)
            try:
                params[key.strip()] = json.loads(value)
            except json.JSONDecodeError:
                params[key.strip()] = value
        return params


def _selection_filters(selection) -> list:
    """One database filter per part of the selection (curated datasets, then source kinds)."""
    from nanosynth.db.queries import RecipeFilter

    narrow = {"composition": selection.composition, "method": selection.method,
              "min_confidence": selection.min_confidence}
    return ([RecipeFilter(dataset=list(selection.datasets), **narrow)] if selection.datasets else []) + \
        [RecipeFilter(source=src, **narrow) for src in selection.sources]


def source_frames(engine: Engine, source: str, data_dir: Path | str, *, composition=None, method: str | None = None,
                  min_confidence: float | None = None):
    """The recipe frames of a selection of the database (see :class:`ModelRequest`), one source per paper.

    Raises
    ------
    ModelError
        When a curated part has no recipes in the database (the message names the imports to run) or the
        selection matches nothing.
    """
    from nanosynth.db.engine import session_scope
    from nanosynth.db.queries import RecipeFilter, count_recipes, recipe_frames, recipe_ids
    from nanosynth.models.sources import one_per_paper, parse_selection

    selection = parse_selection(source, composition, method, min_confidence)
    with session_scope(engine) as session:
        for name in selection.datasets:
            if not count_recipes(session, RecipeFilter(dataset=name)):
                from nanosynth.models.sources import SOURCES

                commands = "; ".join(f"'nanosynth db import {Path(data_dir) / rel} --format {fmt}'"
                                     for fmt, rel in SOURCES[name].files)
                raise ModelError(f"the database has no {name} recipes: import them first with {commands}")
        filters = _selection_filters(selection)
        ids = sorted({i for flt in filters for i in recipe_ids(session, flt)})
        if not ids:
            raise ModelError(f"no recipe in the database matches --source {source}"
                             + (f" with {_narrowing(selection)}" if _narrowing(selection) else "")
                             + ": ingest papers ('nanosynth ingest'), run a campaign, or widen the selection")
        frames = recipe_frames(session, filters[0] if len(filters) == 1 else RecipeFilter(recipe_ids=ids))
    return one_per_paper(frames)


def _narrowing(selection) -> str:
    parts = [f"composition {'/'.join(selection.composition)}" if selection.composition else "",
             f"method {selection.method}" if selection.method else "",
             f"confidence ≥ {selection.min_confidence:g}" if selection.min_confidence is not None else ""]
    return ", ".join(p for p in parts if p)


def selected_frames(engine: Engine, request: ModelRequest, data_dir: Path | str):
    """The source's frames with the request's size selection applied."""
    from nanosynth.models.pipeline import select_recipes

    return select_recipes(source_frames(engine, request.source, data_dir, composition=request.composition,
                                        method=request.method, min_confidence=request.min_confidence),
                          request.size_limit())


def cross_validate_request(frames, request: ModelRequest, folds: int, min_count: int | None = None,
                           progress: Callable[[int, dict], None] | None = None) -> CVResult:
    """Seeded K-fold cross-validation of ``request`` on ``frames`` (see :func:`models.evaluation.cross_validate`)."""
    from nanosynth.models.evaluation import cross_validate

    return cross_validate(frames, request.target, request.kind(), folds, request.seed, request.grouping(), None,
                          request.estimator_params(), progress=progress, min_count=min_count,
                          protocol=request.protocol)


@dataclass
class TrainedModel:
    """What :func:`train_and_register` produced."""

    manifest: dict
    n_train: int
    metrics: dict = field(default_factory=dict)
    registry_id: int | None = None


def _fit_metrics(model, frames, request: ModelRequest, cv_folds: int) -> dict:
    metrics: dict = {}
    est = model.estimator_
    if hasattr(est, "oob_mae_"):
        metrics["oob_mae_log" if model.spec.log else "oob_mae"] = est.oob_mae_
    if hasattr(est, "oob_accuracy_"):
        metrics["oob_accuracy"] = est.oob_accuracy_
    if cv_folds:
        result = cross_validate_request(frames, request, cv_folds)
        metrics["cv"] = {**result.overall(), "folds": cv_folds, "group_by": request.grouping(),
                         "seed": request.seed, "protocol": request.protocol}
    return metrics


def train_and_register(engine: Engine, request: ModelRequest, out: Path, data_dir: Path | str, *,
                       name: str | None = None, cv_folds: int = 0, register: bool = True) -> TrainedModel:
    """Fit ``request`` on the database's recipes, save the artifact directory ``out`` and register it."""
    from nanosynth.db.engine import session_scope
    from nanosynth.db.model_registry import register_artifact
    from nanosynth.models.artifacts import save_model, training_data_hash
    from nanosynth.models.pipeline import PropertyModel

    frames = selected_frames(engine, request, data_dir)
    model = PropertyModel(request.target, request.kind(), group_by=request.grouping(),
                          estimator_params=request.estimator_params(), random_state=request.seed).fit(frames)
    metrics = _fit_metrics(model, frames, request, cv_folds)
    manifest = save_model(model, out, name=name or f"{request.source}-{model.spec.name}-{request.kind()}",
                          metrics=metrics, data_hash=training_data_hash(frames, request.target),
                          extra={"source": request.source, "max_size_nm": request.size_limit(),
                                 "group_by": request.grouping(), "seed": request.seed})
    trained = TrainedModel(manifest, model.n_train_, metrics)
    if register:
        with session_scope(engine) as session:
            trained.registry_id = register_artifact(session, out, manifest).id
    return trained


@dataclass
class FileFrames:
    """Frames read from a file; ``table`` is the CSV of conditions when the file was one."""

    frames: object
    table: pd.DataFrame | None = None
    rejected: int = 0


def read_frames(path: Path, fmt: str | None) -> FileFrames:
    """Frames from a dataset file (with ``fmt``, through its importer, nothing written), a recipe file (JSON, or CSV
    with a ``chemical`` column: :mod:`nanosynth.recipe_files`) or a CSV of microreactor conditions.

    Raises
    ------
    ModelError
        When the file is missing or is neither a conditions CSV nor readable with ``fmt``.
    """
    from nanosynth.db.queries import frames_from_records
    from nanosynth.models.features import frames_for_conditions
    from nanosynth.recipe_files import is_recipe_table, read_recipe_file

    if fmt:
        from nanosynth.db.importers import parse_file

        parsed = parse_file(fmt, path)
        return FileFrames(frames_from_records(parsed.records), None, len(parsed.rejections))
    if not path.is_file():
        raise ModelError(f"{path} does not exist")
    if path.suffix.lower() == ".json":
        return FileFrames(frames_from_records(read_recipe_file(path)))
    table = pd.read_csv(path)
    if is_recipe_table(table):
        return FileFrames(frames_from_records(read_recipe_file(path)))
    try:
        return FileFrames(frames_for_conditions(table), table)
    except ModelError as exc:
        raise ModelError(f"{exc}; or write the file as recipes (JSON, or CSV with a 'chemical' column: see "
                         f"nanosynth.recipe_files), or, if {path.name} is a dataset file, pass --format "
                         "gu2024|cdse-hte|cdse-literature") from exc


@dataclass
class FilePredictions:
    """Predictions with uncertainty for every row of a file, and the warnings raised on the way."""

    predictions: pd.DataFrame
    manifest: dict
    warnings: list[str]
    rejected: int = 0


def predict_file(model_dir: Path, data: Path, fmt: str | None) -> FilePredictions:
    """Predict with the saved model for every row of ``data``; the conditions columns are kept beside."""
    from nanosynth.models.artifacts import load_model, predictions_frame

    model, manifest = load_model(model_dir)
    read = read_frames(data, fmt)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pred = predictions_frame(model, read.frames)
    if read.table is not None:
        pred = pd.concat([read.table.reset_index(drop=True).loc[pred["recipe_id"]].reset_index(drop=True),
                          pred.drop(columns=["source_key"])], axis=1)
    return FilePredictions(pred, manifest, [str(w.message) for w in caught], read.rejected)


def evaluate_file(model_dir: Path, data: Path, fmt: str) -> tuple[EvaluationResult, dict, int]:
    """Score the saved model on a dataset file: ``(result, manifest, rows rejected by the importer)``."""
    from nanosynth.models.artifacts import load_model
    from nanosynth.models.evaluation import evaluate_model
    from nanosynth.models.pipeline import select_recipes

    model, manifest = load_model(model_dir)
    read = read_frames(data, fmt)
    frames = read.frames
    if manifest.get("max_size_nm") and fmt == "gu2024":
        frames = select_recipes(frames, manifest["max_size_nm"])
    return evaluate_model(model, frames), manifest, read.rejected


def verified_manifest(engine_factory: Callable[[], Engine], ref: str) -> tuple[Path, dict]:
    """The artifact directory of ``ref`` (a directory, or a registry id/name/name@version) and its verified
    manifest; a registered model is also checked against the manifest hash the registry stored."""
    from nanosynth.db.engine import session_scope
    from nanosynth.db.model_registry import get_artifact
    from nanosynth.models.artifacts import verify

    path = Path(ref)
    if (path / "manifest.json").is_file():
        return path, verify(path)
    engine = engine_factory()
    try:
        with session_scope(engine) as session:
            row = get_artifact(session, ref)
            path, expected = Path(row.path), row.manifest_sha256
    finally:
        engine.dispose()
    return path, verify(path, expected_sha256=expected)


__all__ = ["FileFrames", "FilePredictions", "ModelRequest", "TrainedModel", "cross_validate_request",
           "evaluate_file", "predict_file", "read_frames", "selected_frames", "source_frames",
           "train_and_register", "verified_manifest"]
