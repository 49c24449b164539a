"""``manifest.json`` for model directories: sha256 of every file, written on save and verified on load.

A model directory holds plain files (spaCy ``to_disk`` output, JSON) plus ``manifest.json``::

    {"kind": "...", "created": "...", "files": {"ner/model": "<sha256>", ...}, ...metadata...}

:func:`verify_manifest` recomputes every hash and refuses files that were changed, removed or added.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from pathlib import Path
from typing import Any, Iterable

from nanosynth.schema.errors import ArtifactIntegrityError, ArtifactNotFoundError

MANIFEST = "manifest.json"


def sha256_file(path: Path | str) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_texts(texts: Iterable[str]) -> str:
    """A stable hash of a sequence of texts (training-data fingerprint)."""
    digest = hashlib.sha256()
    for text in texts:
        data = text.encode("utf-8")
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def _files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.name != MANIFEST)


def write_manifest(directory: Path | str, metadata: dict[str, Any]) -> Path:
    """Hash every file under ``directory`` and write ``manifest.json`` with ``metadata``.

    Returns
    -------
    Path
        The manifest path.
    """
    directory = Path(directory)
    files = {p.relative_to(directory).as_posix(): sha256_file(p) for p in _files(directory)}
    manifest = {
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        **metadata,
        "files": files,
    }
    path = directory / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path


def read_manifest(directory: Path | str) -> dict[str, Any]:
    """Read ``manifest.json`` without verifying hashes.

    Raises
    ------
    ArtifactNotFoundError
        When the directory or its manifest is missing.
    ArtifactIntegrityError
        When the manifest is not valid JSON.
    """
    directory = Path(directory)
    path = directory / MANIFEST
    if not path.is_file():
        raise ArtifactNotFoundError(f"{path} is missing; {directory} is not a trained nanosynth model directory")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ArtifactIntegrityError(f"{path} is not valid JSON ({exc}); retrain or restore the model") from exc


def verify_manifest(directory: Path | str) -> dict[str, Any]:
    """Check every file of ``directory`` against its manifest and return the manifest.

    Raises
    ------
    ArtifactNotFoundError
        When the manifest is missing.
    ArtifactIntegrityError
        When a file was modified, removed or added after the manifest was written.
    """
    directory = Path(directory)
    manifest = read_manifest(directory)
    recorded: dict[str, str] = manifest.get("files", {})
    present = {p.relative_to(directory).as_posix() for p in _files(directory)}
    missing = sorted(set(recorded) - present)
    extra = sorted(present - set(recorded))
    changed = sorted(name for name in set(recorded) & present
                     if sha256_file(directory / name) != recorded[name])
    if missing or extra or changed:
        parts = []
        if changed:
            parts.append(f"modified: {', '.join(changed)}")
        if missing:
            parts.append(f"missing: {', '.join(missing)}")
        if extra:
            parts.append(f"not in manifest: {', '.join(extra)}")
        raise ArtifactIntegrityError(
            f"model files in {directory} do not match manifest.json ({'; '.join(parts)}); "
            "the model was altered or corrupted — retrain it or restore the original directory")
    return manifest
