"""notebooks/01_query_database.ipynb runs top to bottom on a small database and draws its plot."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nanosynth.db.engine import make_engine, session_scope
from nanosynth.db.importers import import_file
from nanosynth.db.migrate import upgrade
from tests.conftest import notebook_figures

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "01_query_database.ipynb"


@pytest.mark.slow
def test_notebook_01_executes(tmp_path, monkeypatch, run_notebook, gu_file, lit_file, hte_files):
    url = f"sqlite:///{tmp_path / 'nb.db'}"
    upgrade(url)
    engine = make_engine(url)
    for fmt, path in (("gu2024", gu_file), ("cdse-literature", lit_file), ("cdse-hte", hte_files[0])):
        with session_scope(engine) as s:
            import_file(s, fmt, path)
    engine.dispose()
    monkeypatch.setenv("NANOSYNTH_DATABASE_URL", url)
    work = tmp_path / "nb"
    work.mkdir()
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    nb = run_notebook(work / NOTEBOOK.name, work, timeout=180)
    assert notebook_figures(nb) == 1  # size against growth temperature, inline
    assert sorted(p.name for p in work.iterdir()) == [NOTEBOOK.name]  # no file written next to it
    outputs = "".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
                      for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "recipes" in outputs and "cdse-literature" in outputs
    source = "".join(c.source for c in nb.cells)
    assert "Agg" not in source and "growth temperature (°C)" in source and "size (nm)" in source
