"""notebooks/02_ingest_papers.ipynb ingests the sample papers (+ two broken files) and shows the failures table."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "02_ingest_papers.ipynb"
SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "papers"


@pytest.mark.slow
def test_notebook_02_executes(tmp_path, run_notebook):
    if not (SAMPLES / "cdse_hot_injection.pdf").is_file():
        pytest.skip("samples/papers is missing")
    work = tmp_path / "nb"
    work.mkdir()
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    nb = run_notebook(work / NOTEBOOK.name, work, timeout=300)  # also: no temporary folder left behind
    outputs = "".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
                      for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    # the failures table lists both broken files with their reasons, and nothing else failed
    assert "truncated_download.pdf" in outputs and "empty.txt" in outputs
    assert "ReaderError" in outputs
    assert "processed again: 0" in outputs
    assert "'failed': 2" in outputs and "'done': 15" in outputs
