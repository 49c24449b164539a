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

import hashlib
import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from nanosynth.models.errors import NotFittedError
from nanosynth.models.estimators import make_estimator
from nanosynth.models.features import FEATURE_VERSION, FeatureBuilder
from nanosynth.models.pipeline import PropertyModel
from nanosynth.schema.errors import ArtifactIntegrityError, ArtifactNotFoundError, ModelError

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
ARTIFACT_FORMAT = "nanosynth.model@1"


def schema_version() -> str:
    """The schema revision (``nanosynth.schema.SCHEMA_VERSION``) recorded in every manifest."""
    from nanosynth.schema import SCHEMA_VERSION

    return str(SCHEMA_VERSION)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def training_data_hash(frames, target: str) -> str:
    """sha256 of the training selection: source keys and the target's outcome values (order-independent)."""
    rec = frames.recipes[["recipe_id", "source_key"]]
    outs = frames.outcomes.merge(rec, on="recipe_id")
    cols = ["source_key", "property", "value", "value_text", "spectrum"]
    table = outs[cols].astype(str).sort_values(cols).to_csv(index=False)
    return hashlib.sha256(f"{target}\n{table}".encode()).hexdigest()


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True, default=_json_default) + "\n", encoding="utf-8")


def _estimator_state(est) -> dict:
    state = {"class": type(est).__name__, "params": est.get_params(), "n_features_in": est.n_features_in_,
             "q": est.q_}
    if hasattr(est, "tau_"):
        state["tau"] = est.tau_
        state["sd_ref"] = est.sd_ref_
    if hasattr(est, "classes_"):
        state["classes"] = list(est.classes_)
    return state


def _save_one(model: PropertyModel, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    members = model.estimator_.save_members(directory)
    _write_json(directory / "features.json", model.features_.to_dict())
    _write_json(directory / "model.json", {
        "target": model.target, "model": model.model, "group_by": model.group_by, "interval": model.interval,
        "ood_inflation": model.ood_inflation, "estimator_params": model.estimator_params or {},
        "random_state": model.random_state, "columns": model.columns_, "n_train": model.n_train_,
        "estimator": _estimator_state(model.estimator_), "member_files": members,
        "cascade": sorted(model.cascade_),
    })
    for spectrum, sub in model.cascade_.items():
        _save_one(sub, directory / f"cascade_{spectrum}")


def save_model(model: PropertyModel, directory: Path | str, *, name: str | None = None,
               metrics: dict | None = None, data_hash: str | None = None, extra: dict | None = None) -> dict:
    """Write ``model`` to ``directory`` with its manifest; returns the manifest.

    Raises
    ------
    NotFittedError
        When the model is not fitted.
    ModelError
        When the estimator cannot be saved (random-forest baseline).
    """
    if not hasattr(model, "estimator_"):
        raise NotFittedError("cannot save an unfitted PropertyModel: call fit(frames) first")
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        if not (directory / MANIFEST).is_file():
            raise ModelError(f"{directory} exists and is not a nanosynth model directory: choose an empty --out")
        for path in sorted(directory.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
    _save_one(model, directory)
    files = {str(p.relative_to(directory)): sha256_file(p) for p in sorted(directory.rglob("*"))
             if p.is_file() and p.name != MANIFEST}
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    content_hash = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()
    manifest = {
        "format": ARTIFACT_FORMAT,
        "name": name or f"{model.target}-{model.model}",
        "version": content_hash[:12],
        "created": created,
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
        "files": files,
        **(extra or {}),
    }
    _write_json(directory / MANIFEST, manifest)
    log.info("saved %s to %s", manifest["name"], directory)
    return manifest


def read_manifest(directory: Path | str) -> dict:
    """The manifest of an artifact directory (not verified)."""
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise ArtifactNotFoundError(f"{directory} has no {MANIFEST}: give the --out directory of 'models train'")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ArtifactIntegrityError(f"{path} is not valid JSON: the artifact is corrupt, retrain it") from exc


def verify(directory: Path | str) -> dict:
    """Check every file against the manifest; returns the manifest or raises :class:`ArtifactIntegrityError`."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    if manifest.get("format") != ARTIFACT_FORMAT:
        raise ArtifactIntegrityError(f"{directory} has format {manifest.get('format')!r}, expected {ARTIFACT_FORMAT}")
    for rel, digest in manifest.get("files", {}).items():
        path = directory / rel
        if not path.is_file():
            raise ArtifactIntegrityError(f"{path} listed in the manifest is missing: the artifact is incomplete")
        actual = sha256_file(path)
        if actual != digest:
            raise ArtifactIntegrityError(
                f"{path} does not match its manifest hash (expected {digest[:12]}…, got {actual[:12]}…): the "
                "artifact was modified or corrupted; retrain or restore it"
            )
    return manifest


def _load_one(directory: Path) -> PropertyModel:
    state = json.loads((directory / "model.json").read_text(encoding="utf-8"))
    model = PropertyModel(state["target"], state["model"], state["group_by"], state["interval"],
                          state["ood_inflation"], state["estimator_params"] or None, None, state["random_state"])
    model.features_ = FeatureBuilder.from_dict(json.loads((directory / "features.json").read_text("utf-8")))
    est_state = state["estimator"]
    est = make_estimator(state["model"], model.spec.kind, **est_state["params"])
    est.n_features_in_ = est_state["n_features_in"]
    est.q_ = est_state["q"]
    if "tau" in est_state:
        est.tau_ = est_state["tau"]
        est.sd_ref_ = est_state["sd_ref"]
    if "classes" in est_state:
        est.classes_ = list(est_state["classes"])
    est.load_members(directory, state["member_files"])
    model.estimator_ = est
    model.columns_ = state["columns"]
    model.n_train_ = state["n_train"]
    model.cascade_ = {s: _load_one(directory / f"cascade_{s}") for s in state["cascade"]}
    return model


def load_model(directory: Path | str) -> tuple[PropertyModel, dict]:
    """Verify and load an artifact directory; returns ``(model, manifest)``.

    Raises
    ------
    ArtifactNotFoundError
        No manifest in ``directory``.
    ArtifactIntegrityError
        A file is missing or its sha256 differs from the manifest, or the feature hash does not match.
    """
    directory = Path(directory)
    manifest = verify(directory)
    try:
        model = _load_one(directory)
    except (KeyError, json.JSONDecodeError, ValueError) as exc:
        raise ArtifactIntegrityError(f"{directory} cannot be loaded ({exc}): retrain the model") from exc
    if model.features_.spec_hash() != manifest.get("feature_hash"):
        raise ArtifactIntegrityError(f"{directory}: feature specification hash differs from the manifest")
    return model, manifest


def predictions_frame(model: PropertyModel, frames) -> pd.DataFrame:
    """Predictions joined with the recipes' source keys (for CLI output)."""
    dist = model.predict_dist(frames)
    keys = frames.recipes[["recipe_id", "source_key"]]
    return keys.merge(dist, on="recipe_id", how="right")
