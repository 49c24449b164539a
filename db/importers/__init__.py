"""Curated-dataset importers: parse a file into validated recipes, then write them in one transaction.

Formats: ``gu2024`` (Gu et al. 2024 recipes, .xlsx), ``cdse-literature`` (CdSe hot-injection literature, .csv),
``cdse-hte`` (CdSe automated microreactor absorption/PL data, .csv).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from nanosynth.db.importers.base import ParseResult, Rejection
from nanosynth.db.write import WriteReport, add_recipes
from nanosynth.schema.errors import ImportFormatError
from nanosynth.schema.tables import DatasetImport

FORMATS = ("gu2024", "cdse-literature", "cdse-hte")


def _parser(fmt: str) -> Callable[[Path], ParseResult]:
    if fmt == "gu2024":
        from nanosynth.db.importers.gu2024 import parse
    elif fmt == "cdse-literature":
        from nanosynth.db.importers.cdse_literature import parse
    elif fmt == "cdse-hte":
        from nanosynth.db.importers.cdse_hte import parse
    else:
        raise ImportFormatError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    return parse


def parse_file(fmt: str, path: Path | str) -> ParseResult:
    """Parse a dataset file into validated :class:`nanosynth.schema.RecipeCreate` records without touching a database."""
    return _parser(fmt)(Path(path))


@dataclass
class ImportReport:
    """Outcome of an import: parse result plus what the write did."""

    parse: ParseResult
    write: WriteReport

    @property
    def rejections(self) -> list[Rejection]:
        return self.parse.rejections


def import_file(session: Session, fmt: str, path: Path | str,
                progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Parse and write a dataset file in the caller's transaction (idempotent by recipe source keys).

    The whole file is parsed (and a malformed file refused) before anything is written; use it inside
    :func:`nanosynth.db.engine.session_scope` so that a failure leaves nothing partial.
    """
    parsed = parse_file(fmt, path)
    write = add_recipes(session, parsed.records, progress=progress)
    session.add(DatasetImport(
        dataset=parsed.dataset, file_name=Path(path).name, file_sha256=parsed.file_sha256, rows=parsed.rows,
        added=write.added, skipped=write.skipped, rejected=len(parsed.rejections),
        rejections=[{"row": r.row, "reason": r.reason} for r in parsed.rejections],
    ))
    session.flush()
    return ImportReport(parsed, write)


__all__ = ["FORMATS", "ImportReport", "ParseResult", "Rejection", "import_file", "parse_file"]
