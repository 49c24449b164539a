"""Executes notebooks/04_seed_campaign.ipynb end to end (seed from the database, twin campaign, reconcile, plot)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.conftest import notebook_figures

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "04_seed_campaign.ipynb"


@pytest.mark.slow
def test_seed_campaign_notebook_runs(shared_data, run_notebook, monkeypatch):
    monkeypatch.setenv("NANOSYNTH_SHARED_DATA", str(shared_data))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    t0 = time.perf_counter()
    nb = run_notebook(NOTEBOOK, NOTEBOOK.parent, timeout=240)  # also: no error, no temporary folder left
    elapsed = time.perf_counter() - t0
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "experiments_to_target =" in outputs and "tree_ensemble" in outputs
    assert notebook_figures(nb) == 3  # the campaign (trajectory + parity) and the two reconciliation figures
    assert elapsed < 240  # ~40 s on an idle machine; generous for shared CI runners
