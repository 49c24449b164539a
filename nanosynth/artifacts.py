"""The one artifacts module: file hashes, atomic writes, and the ``manifest.json`` of every artifact directory.

Every artifact kind (paragraph classifiers, NER models, property models, reconciliation offsets) is a directory of
plain files (safetensors, XGBoost UBJ/JSON, spaCy ``to_disk`` output, JSON) plus ``manifest.json``::

    {"created": "...", ...metadata of the kind..., "files": {"relative/path": "<sha256>", ...}}

:func:`write_manifest` hashes every file; :func:`verify_manifest` checks the whole folder against it: a file
modified, emptied, removed, added, or a link leading outside the folder is refused. No pickle anywhere.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from nanosynth.schema.errors import ArtifactIntegrityError, ArtifactNotFoundError

MANIFEST = "manifest.json"
_CHUNK = 1 << 20


def sha256_file(path: Path | str) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_text(text: str) -> str:
    """Hex sha256 of ``text`` encoded as UTF-8."""
    return sha256_bytes(text.encode("utf-8"))


def sha256_texts(texts: Iterable[str]) -> str:
    """A stable hash of a sequence of texts (a training-data fingerprint); length-prefixed, so order matters."""
    digest = hashlib.sha256()
    for text in texts:
        data = text.encode("utf-8")
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def atomic_write_bytes(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: a temp file in the same folder, fsync, :func:`os.replace`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; artifacts are meant to be shared read-only
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path | str, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def write_json(path: Path | str, data: Any) -> None:
    """Write ``data`` as indented JSON, atomically; numpy scalars and arrays become plain numbers and lists."""
    atomic_write_text(path, json.dumps(data, indent=2, default=_json_default) + "\n")


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "tolist"):  # numpy scalars and arrays
        return obj.tolist()
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")


def _entries(directory: Path) -> list[Path]:
    """Every entry below ``directory`` that a manifest must account for (files and links), manifest excluded."""
    return sorted(p for p in directory.rglob("*")
                  if (p.is_file() or p.is_symlink()) and p.relative_to(directory).as_posix() != MANIFEST)


def file_hashes(directory: Path | str) -> dict[str, str]:
    """``{relative posix path: sha256}`` of every file below ``directory`` except the manifest."""
    directory = Path(directory)
    return {p.relative_to(directory).as_posix(): sha256_file(p) for p in _entries(directory)}


def write_manifest(directory: Path | str, metadata: dict[str, Any]) -> dict[str, Any]:
    """Hash every file under ``directory`` and write ``manifest.json`` with ``metadata``; returns the manifest.

    ``metadata`` may not set ``files``; ``created`` defaults to now (UTC).
    """
    directory = Path(directory)
    manifest = {"created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"), **metadata,
                "files": file_hashes(directory)}
    write_json(directory / MANIFEST, manifest)
    return manifest


def manifest_sha256(directory: Path | str) -> str:
    """sha256 of the manifest file itself: what the model registry stores to pin an artifact."""
    return sha256_file(Path(directory) / MANIFEST)


def read_manifest(directory: Path | str) -> dict[str, Any]:
    """Read ``manifest.json`` without verifying hashes.

    Raises
    ------
    ArtifactNotFoundError
        When the directory or its manifest is missing.
    ArtifactIntegrityError
        When the manifest is not a JSON object with a ``files`` table.
    """
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise ArtifactNotFoundError(f"{path} is missing: {directory} is not a nanosynth artifact directory "
                                    "(train or restore it)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ArtifactIntegrityError(f"{path} is not valid JSON ({exc}); retrain or restore the artifact") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise ArtifactIntegrityError(f"{path} has no 'files' table of hashes; retrain or restore the artifact")
    return manifest


def _outside(directory: Path, path: Path) -> bool:
    root = directory.resolve()
    target = path.resolve()
    return target != root and root not in target.parents


def _problems(directory: Path, recorded: dict[str, str]) -> list[str]:
    entries = _entries(directory)
    present = {p.relative_to(directory).as_posix() for p in entries}
    escaping = sorted(p.relative_to(directory).as_posix() for p in entries if _outside(directory, p))
    escaping += sorted(name for name in recorded if _outside(directory, directory / name))
    missing = sorted(set(recorded) - present)
    extra = sorted(present - set(recorded))
    changed = sorted(name for name in set(recorded) & present if name not in escaping
                     and (directory / name).is_file() and sha256_file(directory / name) != recorded[name])
    labels = (("outside the folder", escaping), ("modified", changed), ("missing", missing),
              ("not in manifest", extra))
    return [f"{label}: {', '.join(names)}" for label, names in labels if names]


def verify_manifest(directory: Path | str, expected_sha256: str | None = None) -> dict[str, Any]:
    """Check the whole of ``directory`` against its manifest and return the manifest.

    Parameters
    ----------
    directory:
        The artifact directory.
    expected_sha256:
        When given (e.g. the hash the model registry stored), the manifest file itself must have this hash.

    Raises
    ------
    ArtifactNotFoundError
        When the manifest is missing.
    ArtifactIntegrityError
        When a file was modified, emptied, removed or added after the manifest was written, a path leads outside
        the folder, or the manifest is not the one the registry recorded.
    """
    directory = Path(directory)
    manifest = read_manifest(directory)
    problems = _problems(directory, manifest["files"])
    if expected_sha256 is not None and manifest_sha256(directory) != expected_sha256:
        problems.insert(0, "manifest.json is not the one recorded in the model registry")
    if problems:
        raise ArtifactIntegrityError(
            f"files in {directory} do not match manifest.json ({'; '.join(problems)}); the artifact was altered "
            "or corrupted — retrain it or restore the original directory")
    return manifest


__all__ = ["MANIFEST", "atomic_write_bytes", "atomic_write_text", "file_hashes", "manifest_sha256",
           "read_manifest", "sha256_bytes", "sha256_file", "sha256_text", "sha256_texts", "verify_manifest",
           "write_json", "write_manifest"]
