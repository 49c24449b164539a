"""Finding the documents of a job: files under the given paths, content hashes, supported types.

Input folders are untrusted: symbolic links are never followed out of the folder given (nor into linked folders),
and links that leave it, dangling links, named pipes, devices and unreadable files are returned with a
``problem`` (the job records them as failed) instead of being read or silently dropped.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nanosynth.artifacts import sha256_file, sha256_text
from nanosynth.schema.errors import ConfigError

log = logging.getLogger(__name__)

#: File suffixes treated as documents when walking a directory (the readers sniff the content itself).
DOCUMENT_SUFFIXES = frozenset({".pdf", ".html", ".htm", ".xhtml", ".xml", ".nxml", ".txt", ".text", ".md",
                               ".markdown"})

#: Start of the recorded reason of a link whose target is outside the input folder.
LINK_LEAVES_ROOT = "symbolic link leaves the input folder"
#: Start of the recorded reason of a link whose target does not exist (or a loop of links).
LINK_DANGLING = "dangling symbolic link"
#: Start of the recorded reason of a named pipe, socket or device file.
NOT_REGULAR = "not a regular file"

_SPECIAL_KINDS = ((stat.S_ISFIFO, "named pipe"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"),
                  (stat.S_ISBLK, "block device"))


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
    problem:
        Why the file is refused unread (a link leaving the input folder, a dangling link, a named pipe, a read
        error); the job records it as failed with this reason. ``content_hash`` is then the sha256 of
        ``"refused:<source>"``, since there is no content to hash.
    """

    source: str
    path: Path
    content_hash: str
    size: int
    supported: bool = True
    paper_fields: dict = field(default_factory=dict, hash=False, compare=False)
    problem: str | None = None


def hash_file(path: Path) -> tuple[str, int]:
    """sha256 (hex) and size of a file."""
    return sha256_file(path), Path(path).stat().st_size


def _walk(root: Path) -> Iterator[tuple[Path, str | None]]:
    """Every non-hidden entry under ``root`` that is not a real folder, with a problem for unlistable folders.

    Linked folders are yielded, not entered (:func:`refusal` decides about them); hidden files and folders
    (.git, .DS_Store, editor swap files) are ignored.
    """
    errors: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=errors.append):  # never follows links
        base = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        linked = [d for d in dirnames if (base / d).is_symlink()]
        for name in sorted([*filenames, *linked]):
            if not name.startswith("."):
                yield base / name, None
    for exc in errors:
        yield Path(exc.filename or root), f"ReaderError: cannot read folder {exc.filename}: {exc.strerror or exc}"


def refusal(path: Path, root: Path | None = None) -> str | None:
    """Why ``path`` must not be read, or None when it may be.

    Parameters
    ----------
    path:
        A file found in an input folder (or named explicitly).
    root:
        The resolved input folder; links whose final target is outside it are refused. None for a file named
        explicitly (its links may point anywhere, but must point to a regular file).
    """
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):  # missing target, or a loop of links
            return f"{LINK_DANGLING}: {path} -> {os.readlink(path)}; the file it points to does not exist"
        if root is not None and not target.is_relative_to(root):
            return f"{LINK_LEAVES_ROOT}: {path} -> {target}; copy the file into the folder to ingest it"
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"ReaderError: cannot read {path}: {exc.strerror or exc}"
    for test, kind in _SPECIAL_KINDS:
        if test(mode):
            return f"{NOT_REGULAR} ({kind}): {path}; only regular files are read"
    return None


def _inspect(path: Path, root: Path | None, problem: str | None, supported: bool) -> DocumentInput | None:
    """The input for one file: hashed, refused with its problem, or None for a link to a folder inside ``root``."""
    problem = problem or refusal(path, root)
    if problem is None and path.is_dir():
        log.debug("%s links to a folder inside the input folder, which is walked anyway", path)
        return None
    if problem is None:
        try:
            digest, size = hash_file(path)
        except OSError as exc:
            problem = f"ReaderError: cannot read {path}: {exc.strerror or exc}"
        else:
            return DocumentInput(source=str(path), path=path, content_hash=digest, size=size, supported=supported)
    log.warning("%s", problem)
    return DocumentInput(source=str(path), path=path, content_hash=sha256_text(f"refused:{path}"), size=0,
                         problem=problem)


def discover(paths: Sequence[Path | str], suffixes: Iterable[str] = DOCUMENT_SUFFIXES) -> list[DocumentInput]:
    """Every file under ``paths`` (directories are walked recursively, hidden entries ignored), hashed.

    Files named explicitly are always treated as documents; files found in a directory whose suffix is not in
    ``suffixes`` are returned with ``supported=False`` so that the job records them as skipped. Files that must
    not be read (see :func:`refusal`) or cannot be read are returned with a ``problem`` instead of a content hash.

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
            root = path.resolve()
            entries = (_inspect(file, root, problem, file.suffix.lower() in allowed) for file, problem in _walk(path))
            found.extend(doc for doc in entries if doc is not None)
        else:
            found.append(_inspect(path, None, None, True))
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
