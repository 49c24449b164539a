"""Export of recipes to CSV and Parquet (wide, long, or one file per table)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlmodel import Session

from nanosynth.db.provenance import QUERY_COLUMNS, provenance_frame
from nanosynth.db.queries import RecipeFilter, recipe_frames, recipes_long, wide_frame
from nanosynth.schema.errors import NanosynthError

LAYOUTS = ("wide", "long", "tables")
FORMATS = ("csv", "parquet")


def write_frame(frame: pd.DataFrame, path: Path, fmt: str | None = None) -> Path:
    """Write a frame as CSV or Parquet (format from ``fmt`` or the file suffix)."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".") or "csv").lower()
    if fmt not in FORMATS:
        raise NanosynthError(f"unknown export format {fmt!r}: use csv or parquet")
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


def query_frame(session: Session, flt: RecipeFilter, layout: str = "wide",
                with_provenance: bool = False) -> pd.DataFrame:
    """The recipes matching ``flt``: one row per recipe (``wide``) or per value (``long``).

    ``with_provenance`` gives one row per value with its evidence (DOI, section, sentence, span, extractor,
    confidence: :data:`~nanosynth.db.provenance.QUERY_COLUMNS`), whatever the layout.
    """
    if layout not in ("wide", "long"):
        raise NanosynthError(f"unknown layout {layout!r}: use wide or long")
    if with_provenance:
        return provenance_frame(session, flt)[QUERY_COLUMNS]
    return wide_frame(recipe_frames(session, flt)) if layout == "wide" else recipes_long(session, flt)


def export(session: Session, out: Path, fmt: str = "csv", layout: str = "wide",
           flt: RecipeFilter | None = None, with_provenance: bool = False) -> list[Path]:
    """Export the recipes matching ``flt``.

    ``wide``/``long`` write one file at ``out`` (a directory gets ``recipes_<layout>.<fmt>``); ``tables`` writes
    ``recipes``, ``chemicals``, ``steps`` and ``outcomes`` files into the directory ``out`` (and ``provenance``
    with ``with_provenance``). Returns the paths.
    """
    if layout not in LAYOUTS:
        raise NanosynthError(f"unknown layout {layout!r}: use one of {', '.join(LAYOUTS)}")
    out = Path(out)
    flt = flt or RecipeFilter()
    if layout == "tables":
        frames = recipe_frames(session, flt)
        paths = [write_frame(getattr(frames, name), out / f"{name}.{fmt}", fmt)
                 for name in ("recipes", "chemicals", "steps", "outcomes")]
        if with_provenance:
            paths.append(write_frame(provenance_frame(session, flt)[QUERY_COLUMNS], out / f"provenance.{fmt}", fmt))
        return paths
    frame = query_frame(session, flt, layout, with_provenance)
    target = out / f"recipes_{layout}.{fmt}" if (out.is_dir() or not out.suffix) else out
    return [write_frame(frame, target, fmt)]
