"""The model registry (``model_artifact`` table): every read and write of registered model artifacts.

``models`` writes artifact directories and never opens sessions; the rows recording them are written here, by the
CLI (``models train``), the demo and lab reconciliation, and read by ``models list/show`` and campaign priors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from nanosynth.artifacts import manifest_sha256
from nanosynth.schema.errors import ArtifactNotFoundError
from nanosynth.schema.tables import ModelArtifact

_NEWEST_FIRST = (ModelArtifact.created_at.desc(), ModelArtifact.id.desc())


def register_artifact(session: Session, directory: Path | str, manifest: dict) -> ModelArtifact:
    """Insert (or update the path of) the registry row of an artifact directory; idempotent by (name, version).

    Parameters
    ----------
    session:
        Open session (the caller commits).
    directory:
        Artifact directory holding ``manifest.json``.
    manifest:
        Its manifest (name, version, kind, target, features, metrics, training_data_hash).
    """
    directory = Path(directory).resolve()
    values = {
        "name": manifest["name"], "version": manifest["version"], "kind": manifest["kind"],
        "target": manifest["target"], "path": str(directory), "manifest_sha256": manifest_sha256(directory),
        "data_hash": manifest.get("training_data_hash"), "features": list(manifest.get("features", [])),
        "metrics": dict(manifest.get("metrics", {})),
    }
    row = find_artifact(session, manifest["name"], manifest["version"])
    if row is None:
        row = ModelArtifact.model_validate(values)
        session.add(row)
    else:
        for key, value in values.items():
            setattr(row, key, value)
    session.flush()
    return row


def add_artifact(session: Session, values: dict[str, Any]) -> ModelArtifact:
    """Insert one registry row from its column values (lab recalibrations, prior specifications)."""
    row = ModelArtifact.model_validate(values)
    session.add(row)
    session.flush()
    return row


def find_artifact(session: Session, name: str, version: str) -> ModelArtifact | None:
    """The row of ``name@version``, or None."""
    return session.exec(select(ModelArtifact).where(ModelArtifact.name == name,
                                                    ModelArtifact.version == version)).first()


def list_artifacts(session: Session, target: str | None = None) -> list[ModelArtifact]:
    """Registered models (of ``target`` when given), newest first."""
    stmt = select(ModelArtifact).order_by(*_NEWEST_FIRST)
    if target:
        stmt = stmt.where(ModelArtifact.target == target)
    return list(session.exec(stmt))


def get_artifact(session: Session, ref: str) -> ModelArtifact:
    """A registered model by id, ``name`` (newest version) or ``name@version``.

    Raises
    ------
    ArtifactNotFoundError
        When no row matches.
    """
    if ref.isdigit():
        row = session.get(ModelArtifact, int(ref))
    elif "@" in ref:
        row = find_artifact(session, *ref.rsplit("@", 1))
    else:
        row = session.exec(select(ModelArtifact).where(ModelArtifact.name == ref).order_by(*_NEWEST_FIRST)).first()
    if row is None:
        raise ArtifactNotFoundError(f"no registered model {ref!r}: see 'nanosynth models list'")
    return row
