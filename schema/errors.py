"""The one error family of nanosynth.

Every error a user can meet derives from :class:`NanosynthError`. Messages say what went wrong *and* what to do
next. Code wraps lower-level exceptions with ``raise SomeError(...) from exc``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class NanosynthError(Exception):
    """Base class of every error raised on purpose by nanosynth."""


class ConfigError(NanosynthError):
    """Settings are missing or inconsistent."""


class SchemaValidationError(NanosynthError, ValueError):
    """A record does not satisfy the unified schema (negative amount, unknown shape, unphysical temperature...)."""


class UnitError(SchemaValidationError):
    """A quantity carries a unit that is unknown or of the wrong dimension."""


class DatabaseError(NanosynthError):
    """The database cannot be reached, is not migrated, or a write failed."""


class ImportFormatError(NanosynthError):
    """A curated dataset file is of the wrong format, misses columns, or is truncated; nothing was written."""


class ReaderError(NanosynthError):
    """A document cannot be read (empty, corrupt, encrypted, scanned without text layer, wrong format...)."""


class ExtractionError(NanosynthError):
    """Entity recognition or recipe extraction failed on an input."""


class FetchError(NanosynthError):
    """A remote document or metadata record could not be fetched."""


class ArtifactNotFoundError(NanosynthError, FileNotFoundError):
    """A trained model or other artifact is missing from the expected location."""


class ArtifactIntegrityError(NanosynthError):
    """An artifact's files do not match the hashes recorded in its manifest."""


class ModelError(NanosynthError):
    """A model cannot be trained or used with the given data."""


class HardwareError(NanosynthError):
    """A reactor adapter or instrument failed."""


class SafetyLimitError(HardwareError):
    """A requested experiment violates the reactor's configured safety limits; nothing was dispatched."""


class QueryError(NanosynthError, ValueError):
    """A query filter names an unknown field or value, or a range that cannot match (low above high)."""


def unknown_value(what: str, value: object, valid: Iterable[str]) -> str:
    """``"unknown <what> 'x': did you mean 'y'? valid: a, b, c"`` (the nearest valid name by difflib)."""
    choices = sorted({str(v) for v in valid})
    near = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.5) or difflib.get_close_matches(
        str(value).lower(), choices, n=1, cutoff=0.5)
    hint = f"did you mean {near[0]!r}? " if near else ""
    if len(choices) > 30:  # a long list (compositions in a database): the nearest few and the count
        nearest = difflib.get_close_matches(str(value), choices, n=8, cutoff=0.3)
        return f"unknown {what} {value!r}: {hint}nearest: {', '.join(nearest) or '-'} ({len(choices)} in all)"
    return f"unknown {what} {value!r}: {hint}valid: {', '.join(choices) if choices else '(none)'}"


__all__ = [
    "ArtifactIntegrityError",
    "ArtifactNotFoundError",
    "ConfigError",
    "DatabaseError",
    "ExtractionError",
    "FetchError",
    "HardwareError",
    "ImportFormatError",
    "ModelError",
    "NanosynthError",
    "QueryError",
    "ReaderError",
    "SafetyLimitError",
    "SchemaValidationError",
    "UnitError",
]
