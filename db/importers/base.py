"""Shared machinery of the curated-dataset importers: results, file checks, cell parsing."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from nanosynth.schema.errors import ImportFormatError, SchemaValidationError
from nanosynth.schema.records import RecipeCreate


@dataclass(frozen=True)
class Rejection:
    """A row that could not be mapped (1-based data row number as in the file, header excluded)."""

    row: int
    reason: str


@dataclass
class ParseResult:
    """Records parsed from a dataset file, plus rejected rows and per-row warnings (values left out)."""

    dataset: str
    path: Path
    file_sha256: str
    rows: int
    records: list[RecipeCreate] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[Rejection] = field(default_factory=list)


def check_readable(path: Path, suffixes: tuple[str, ...], fmt: str) -> Path:
    """The path, if it exists, is non-empty and has one of ``suffixes``; else :class:`ImportFormatError`."""
    path = Path(path)
    if not path.is_file():
        raise ImportFormatError(f"{path} does not exist: give the path of the {fmt} file")
    if path.stat().st_size == 0:
        raise ImportFormatError(f"{path} is empty: nothing to import")
    if path.suffix.lower() not in suffixes:
        raise ImportFormatError(
            f"{path.name} does not look like a {fmt} file (expected {' or '.join(suffixes)}): "
            f"check --format (gu2024: .xlsx, cdse-literature: .csv, cdse-hte: .csv)"
        )
    return path


def read_csv_strict(path: Path, fmt: str) -> pd.DataFrame:
    """Read a CSV whose every row must have exactly the header's number of fields.

    A short or long row (e.g. a file cut off mid-line) raises :class:`ImportFormatError` naming the line.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(f"{path.name} is not UTF-8 text: is it really a {fmt} CSV file?") from exc
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ImportFormatError(f"{path.name} has no header line")
    width = len(rows[0])
    if width < 2:
        raise ImportFormatError(f"{path.name} has a single column: is it a {fmt} CSV file (comma-separated)?")
    for number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != width:
            where = "last line" if number == len(rows) else f"line {number}"
            raise ImportFormatError(
                f"{path.name}: {where} has {len(row)} fields, the header has {width}: the file is truncated or "
                "malformed; nothing was imported. Re-download or repair the file."
            )
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=True)
    except (pd.errors.ParserError, ValueError) as exc:
        raise ImportFormatError(f"{path.name} cannot be parsed as CSV: {exc}") from exc


def require_columns(frame: pd.DataFrame, required: list[str], path: Path, fmt: str) -> None:
    """Raise :class:`ImportFormatError` listing every required column the frame lacks."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ImportFormatError(
            f"{path.name} is not a {fmt} file: missing column(s) {', '.join(repr(m) for m in missing)}. "
            f"Expected columns include: {', '.join(required)}"
        )


def require_numeric(frame: pd.DataFrame, columns: list[str], path: Path, fmt: str) -> None:
    """A column whose non-empty cells are mostly not numbers means the wrong file or a shifted layout."""
    for col in columns:
        cells = frame[col].astype(str).str.strip()
        cells = cells[(cells != "") & (cells.str.lower() != "nan")]
        if cells.empty:
            continue
        bad = pd.to_numeric(cells, errors="coerce").isna().mean()
        if bad > 0.5:
            raise ImportFormatError(
                f"{path.name}: column {col!r} should hold numbers but {bad:.0%} of its cells do not: "
                f"wrong file for --format {fmt}, or columns shifted"
            )


_MISSING = {"", "none", "nan", "na", "n/a", "-", "?", "？", "null"}


def cell_float(value, column: str, *, required: bool = False, non_negative: bool = True) -> float | None:
    """Parse a numeric cell; None for empty/placeholder cells unless ``required``.

    Raises
    ------
    SchemaValidationError
        On text that is not a number, a negative value where amounts must be ≥ 0, or a missing required value.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        text = ""
    else:
        text = str(value).strip()
    if text.lower() in _MISSING:
        if required:
            raise SchemaValidationError(f"{column} is missing")
        return None
    try:
        number = float(text)
    except ValueError as exc:
        raise SchemaValidationError(f"{column} {text!r} is not a number") from exc
    if not math.isfinite(number):
        raise SchemaValidationError(f"{column} {text!r} is not a finite number")
    if non_negative and number < 0:
        raise SchemaValidationError(f"{column} is negative ({number}); amounts and sizes must be ≥ 0")
    return number


def cell_text(value) -> str | None:
    """A text cell stripped, or None when empty/placeholder."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return None if text.lower() in _MISSING else text
