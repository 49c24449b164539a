"""Model artifacts: a directory with XGBoost UBJ / safetensors weights, JSON state and a verified manifest.

Layout::

    DIR/manifest.json      name, version, target, model kind, features, feature hash, schema version,
                           training-data hash, metrics, sha256 of every file
    DIR/model.json         PropertyModel parameters, estimator parameters and calibration constants
    DIR/features.json      the fitted FeatureBuilder specification
    DIR/member_*.ubj | DIR/members.safetensors
    DIR/cascade_<spectrum>/...   peak models feeding a FWHM model (same layout, hashed by the top manifest)

No pickle anywhere. :func:`load_model` recomputes every hash and refuses a mismatch.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from nanosynth.artifacts import (
    MANIFEST,
    file_hashes,
    sha256_text,
    verify_manifest,
    write_json,
    write_manifest,
)
from nanosynth.models.errors import NotFittedError
from nanosynth.models.estimators import make_estimator
from nanosynth.models.features import FEATURE_VERSION, FeatureBuilder
from nanosynth.models.pipeline import PropertyModel
from nanosynth.schema import SCHEMA_VERSION
from nanosynth.schema.errors import ArtifactIntegrityError, ModelError

log = logging.getLogger(__name__)

ARTIFACT_FORMAT = "nanosynth.model@1"


def schema_version() -> str:
    """The schema revision (``nanosynth.schema.SCHEMA_VERSION``) recorded in every manifest."""
    return str(SCHEMA_VERSION)


def training_data_hash(frames, target: str) -> str:
    """sha256 of the training selection: source keys and the target's outcome values (order-independent)."""
    rec = frames.recipes[["recipe_id", "source_key"]]
    outs = frames.outcomes.merge(rec, on="recipe_id")
    cols = ["source_key", "property", "value", "value_text", "spectrum"]
    table = outs[cols].astype(str).sort_values(cols).to_csv(index=False)
    return sha256_text(f"{target}\n{table}")


def _estimator_state(est) -> dict:
    state = {"class": type(est).__name__, "params": est.get_params(), "n_features_in": est.n_features_in_,
             "q": est.q_}
    if hasattr(est, "tau_"):
        state["tau"] = est.tau_
        state["sd_ref"] = est.sd_ref_
    if hasattr(est, "classes_"):
        state["classes"] = np.asarray(est.classes_).tolist()
    return state


def _save_one(model: PropertyModel, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    members = model.estimator_.save_members(directory)
    write_json(directory / "features.json", model.features_.to_dict())
    write_json(directory / "model.json", {
        "target": model.target, "model": model.model, "group_by": model.group_by, "interval": model.interval,
        "ood_inflation": model.ood_inflation, "estimator_params": model.estimator_params or {},
        "random_state": model.random_state, "columns": model.columns_, "n_train": model.n_train_,
        "estimator": _estimator_state(model.estimator_), "member_files": members,
        "cascade": sorted(model.cascade_),
    })
    for spectrum, sub in model.cascade_.items():
        _save_one(sub, directory / f"cascade_{spectrum}")


def _clear(directory: Path) -> None:
    """Empty an existing model directory (refusing any other non-empty folder)."""
    if not (directory.exists() and any(directory.iterdir())):
        return
    if not (directory / MANIFEST).is_file():
        raise ModelError(f"{directory} exists and is not a nanosynth model directory: choose an empty --out")
    for path in sorted(directory.rglob("*"), reverse=True):
        path.unlink() if path.is_file() or path.is_symlink() else path.rmdir()


def save_model(model: PropertyModel, directory: Path | str, *, name: str | None = None,
               metrics: dict | None = None, data_hash: str | None = None, extra: dict | None = None) -> dict:
    """Write ``model`` to ``directory`` with its manifest; returns the manifest.

    The manifest (:func:`nanosynth.artifacts.write_manifest`) holds ``format``, ``name``, ``version`` (a hash of
    the files), ``created``, ``target``, ``kind``, ``unit``, ``schema_version``, ``feature_version``,
    ``feature_hash``, ``features``, ``n_train``, ``training_data_hash``, ``metrics``, ``files`` and ``extra``.

    Raises
    ------
    NotFittedError
        When the model is not fitted.
    ModelError
        When ``directory`` is a non-empty folder that is not a model directory.
    """
    if not hasattr(model, "estimator_"):
        raise NotFittedError("cannot save an unfitted PropertyModel: call fit(frames) first")
    directory = Path(directory)
    _clear(directory)
    _save_one(model, directory)
    content_hash = sha256_text(json.dumps(file_hashes(directory), sort_keys=True))
    manifest = write_manifest(directory, {
        "format": ARTIFACT_FORMAT,
        "name": name or f"{model.target}-{model.model}",
        "version": content_hash[:12],
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "target": model.target,
        "kind": model.model,
        "unit": model.spec.unit,
        "schema_version": schema_version(),
        "feature_version": FEATURE_VERSION,
        "feature_hash": model.features_.spec_hash(),
        "features": model.columns_,
        "n_train": model.n_train_,
        "training_data_hash": data_hash,
        "metrics": metrics or {},
        **(extra or {}),
    })
    log.info("saved %s to %s", manifest["name"], directory)
    return manifest


def verify(directory: Path | str, expected_sha256: str | None = None) -> dict:
    """Check the whole folder against its manifest (:func:`nanosynth.artifacts.verify_manifest`) and that it is a
    model artifact; returns the manifest.

    Raises
    ------
    ArtifactNotFoundError
        No manifest in ``directory``.
    ArtifactIntegrityError
        A file was modified, removed or added, or the folder is not a ``nanosynth.model@1`` artifact.
    """
    directory = Path(directory)
    manifest = verify_manifest(directory, expected_sha256=expected_sha256)
    if manifest.get("format") != ARTIFACT_FORMAT:
        raise ArtifactIntegrityError(f"{directory} has format {manifest.get('format')!r}, expected {ARTIFACT_FORMAT}:"
                                     " give the --out directory of 'nanosynth models train'")
    return manifest


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _load_estimator(kind: str, task: str, state: dict, columns: list[str]):
    est_state = state["estimator"]
    est = make_estimator(kind, task, **est_state["params"])
    est.n_features_in_ = est_state["n_features_in"]
    est.feature_names_in_ = np.asarray(columns, dtype=object)
    est.q_ = est_state["q"]
    if "tau" in est_state:
        est.tau_ = est_state["tau"]
        est.sd_ref_ = est_state["sd_ref"]
    if "classes" in est_state:
        est.classes_ = np.asarray(est_state["classes"])
    return est


def _load_one(directory: Path) -> PropertyModel:
    state = _read_json(directory / "model.json")
    model = PropertyModel(state["target"], state["model"], state["group_by"], state["interval"],
                          state["ood_inflation"], state["estimator_params"] or None, None, state["random_state"])
    model.features_ = FeatureBuilder.from_dict(_read_json(directory / "features.json"))
    est = _load_estimator(state["model"], model.spec.kind, state, state["columns"])
    est.load_members(directory, state["member_files"])
    model.estimator_ = est
    model.columns_ = state["columns"]
    model.n_train_ = state["n_train"]
    model.cascade_ = {s: _load_one(directory / f"cascade_{s}") for s in state["cascade"]}
    return model


def load_model(directory: Path | str, expected_sha256: str | None = None) -> tuple[PropertyModel, dict]:
    """Verify and load an artifact directory; returns ``(model, manifest)``.

    Parameters
    ----------
    directory:
        The artifact directory written by :func:`save_model`.
    expected_sha256:
        When given (the registry's ``manifest_sha256``), the manifest itself must have this hash.

    Raises
    ------
    ArtifactNotFoundError
        No manifest in ``directory``.
    ArtifactIntegrityError
        A file is missing, added or its sha256 differs from the manifest, or the feature hash does not match.
    """
    directory = Path(directory)
    manifest = verify(directory, expected_sha256)
    try:
        model = _load_one(directory)
    except (KeyError, json.JSONDecodeError, ValueError) as exc:
        raise ArtifactIntegrityError(f"{directory} cannot be loaded ({exc}): retrain the model") from exc
    if model.features_.spec_hash() != manifest.get("feature_hash"):
        raise ArtifactIntegrityError(f"{directory}: feature specification hash differs from the manifest; retrain "
                                     "the model")
    return model, manifest


def predictions_frame(model: PropertyModel, frames) -> pd.DataFrame:
    """Predictions joined with the recipes' source keys (for CLI output)."""
    dist = model.predict_dist(frames)
    keys = frames.recipes[["recipe_id", "source_key"]]
    return keys.merge(dist, on="recipe_id", how="right")


__all__ = ["ARTIFACT_FORMAT", "load_model", "predictions_frame", "save_model", "schema_version",
           "training_data_hash", "verify"]
