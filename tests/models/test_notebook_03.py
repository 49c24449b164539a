"""Executes notebooks/03_train_property_models.ipynb on a small subset with the venv's kernel."""

from pathlib import Path

import pytest

from tests.conftest import notebook_figures

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "03_train_property_models.ipynb"


@pytest.mark.slow
@pytest.mark.shared_data
def test_notebook_runs_on_a_small_subset(shared_data, run_notebook, monkeypatch):
    monkeypatch.setenv("NANOSYNTH_NB_SMALL", "1")
    monkeypatch.setenv("NANOSYNTH_SHARED_DATA", str(shared_data))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    nb = run_notebook(NOTEBOOK, REPO / "notebooks", timeout=120)  # also: no error, no temporary folder left
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "MAE" in outputs and "coverage" in outputs
    assert notebook_figures(nb) == 2  # parity and SHAP importance, inline
    assert "Agg" not in "".join(c.source for c in nb.cells)
