"""Export to CSV and Parquet."""

from __future__ import annotations

import pandas as pd
import pytest

from nanosynth.db.engine import session_scope
from nanosynth.db.export import export
from nanosynth.db.importers import import_file
from nanosynth.schema.errors import NanosynthError


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("layout", ["wide", "long", "tables"])
def test_export_round_trip(engine, lit_file, tmp_path, fmt, layout):
    with session_scope(engine) as s:
        import_file(s, "cdse-literature", lit_file)
    with session_scope(engine) as s:
        paths = export(s, tmp_path / "out", fmt, layout)
    read = pd.read_csv if fmt == "csv" else pd.read_parquet
    frames = {p.stem: read(p) for p in paths}
    if layout == "wide":
        assert len(frames["recipes_wide"]) == 2 and "size_nm" in frames["recipes_wide"]
    elif layout == "long":
        assert set(frames["recipes_long"]["kind"]) == {"chemical", "step", "outcome"}
    else:
        assert set(frames) == {"recipes", "chemicals", "steps", "outcomes"}
        assert len(frames["outcomes"]) == 6


def test_export_unknown_format(engine, tmp_path):
    with session_scope(engine) as s, pytest.raises(NanosynthError, match="unknown export format"):
        export(s, tmp_path / "x.xls", "xls")
