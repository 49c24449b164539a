"""Finding the documents of a job: files under the given paths, content hashes, supported types."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nanosynth.artifacts import sha256_file
from nanosynth.schema.errors import ConfigError

log = logging.getLogger(__name__)

#: File suffixes treated as documents when walking a directory (the readers sniff the content itself).
DOCUMENT_SUFFIXES = frozenset({".pdf", ".html", ".htm", ".xhtml", ".xml", ".nxml", ".txt", ".text"})


@dataclass(frozen=True)
class DocumentInput:
    """One document of a job.

    Attributes
    ----------
    source:
        Where it came from: a path, or ``doi:<doi>`` for fetched papers (recorded in the ingestion table).
    path:
        Local file holding the bytes.
    content_hash:
        sha256 of the bytes (hex).
    size:
        Bytes.
    supported:
        False for files of a type the readers do not handle (recorded as ``skipped``).
    paper_fields:
        Paper metadata known before extraction (e.g. from Crossref); fills fields the reader left empty.
    """

    source: str
    path: Path
    content_hash: str
    size: int
    supported: bool = True
    paper_fields: dict = field(default_factory=dict, hash=False, compare=False)


def hash_file(path: Path) -> tuple[str, int]:
    """sha256 (hex) and size of a file."""
    return sha256_file(path), Path(path).stat().st_size


def _walk(root: Path) -> Iterable[Path]:
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue  # hidden files and folders (.git, .DS_Store, editor swap files)
        if path.is_file():
            yield path


def discover(paths: Sequence[Path | str], suffixes: Iterable[str] = DOCUMENT_SUFFIXES) -> list[DocumentInput]:
    """Every file under ``paths`` (directories are walked recursively, hidden entries ignored), hashed.

    Files named explicitly are always treated as documents; files found in a directory whose suffix is not in
    ``suffixes`` are returned with ``supported=False`` so that the job records them as skipped.

    Raises
    ------
    ConfigError
        When a path does not exist.
    """
    allowed = {s.lower() for s in suffixes}
    found: list[DocumentInput] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise ConfigError(f"input path {path} does not exist: check the path given to 'nanosynth ingest'")
        if path.is_dir():
            for file in _walk(path):
                digest, size = hash_file(file)
                found.append(DocumentInput(source=str(file), path=file, content_hash=digest, size=size,
                                           supported=file.suffix.lower() in allowed))
        else:
            digest, size = hash_file(path)
            found.append(DocumentInput(source=str(path), path=path, content_hash=digest, size=size))
    return found


def read_identifier_file(path: Path) -> list[str]:
    """DOIs / arXiv ids from a text file: one per line, blank lines and ``#`` comments ignored, duplicates dropped.

    Raises
    ------
    ConfigError
        When the file cannot be read.
    """
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read DOI file {path}: {exc}") from exc
    seen: dict[str, None] = {}
    for line in lines:
        item = line.split("#", 1)[0].strip()
        if item:
            seen.setdefault(item, None)
    return list(seen)
