"""Model registry: ``ModelArtifact`` rows for trained model directories (written by the CLI, read by lab code).

``models`` never opens sessions; this top-layer module records what ``models.artifacts.save_model`` wrote.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from nanosynth.schema.errors import ArtifactNotFoundError
from nanosynth.schema.tables import ModelArtifact


def register_artifact(session: Session, directory: Path | str, manifest: dict) -> ModelArtifact:
    """Insert (or update the path of) the registry row of an artifact; idempotent by (name, version)."""
    from nanosynth.models.artifacts import MANIFEST, sha256_file

    directory = Path(directory).resolve()
    row = session.exec(select(ModelArtifact).where(ModelArtifact.name == manifest["name"],
                                                   ModelArtifact.version == manifest["version"])).first()
    values = {
        "name": manifest["name"], "version": manifest["version"], "kind": manifest["kind"],
        "target": manifest["target"], "path": str(directory),
        "manifest_sha256": sha256_file(directory / MANIFEST),
        "data_hash": manifest.get("training_data_hash"), "features": list(manifest.get("features", [])),
        "metrics": dict(manifest.get("metrics", {})),
    }
    if row is None:
        row = ModelArtifact.model_validate(values)
        session.add(row)
    else:
        for key, value in values.items():
            setattr(row, key, value)
    session.flush()
    return row


def list_artifacts(session: Session, target: str | None = None) -> list[ModelArtifact]:
    """Registered models, newest first."""
    stmt = select(ModelArtifact).order_by(ModelArtifact.created_at.desc(), ModelArtifact.id.desc())
    if target:
        stmt = stmt.where(ModelArtifact.target == target)
    return list(session.exec(stmt))


def get_artifact(session: Session, ref: str) -> ModelArtifact:
    """A registered model by id, ``name`` (newest version) or ``name@version``."""
    stmt = select(ModelArtifact)
    if ref.isdigit():
        row = session.get(ModelArtifact, int(ref))
    elif "@" in ref:
        name, version = ref.rsplit("@", 1)
        row = session.exec(stmt.where(ModelArtifact.name == name, ModelArtifact.version == version)).first()
    else:
        row = session.exec(stmt.where(ModelArtifact.name == ref).order_by(ModelArtifact.created_at.desc(),
                                                                          ModelArtifact.id.desc())).first()
    if row is None:
        raise ArtifactNotFoundError(f"no registered model {ref!r}: see 'nanosynth models list'")
    return row
