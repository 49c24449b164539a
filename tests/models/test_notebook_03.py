"""Executes notebooks/03_train_property_models.ipynb on a small subset with the venv's kernel."""

import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "03_train_property_models.ipynb"


@pytest.mark.slow
@pytest.mark.shared_data
def test_notebook_runs_on_a_small_subset(shared_data, tmp_path, monkeypatch):
    monkeypatch.setenv("NANOSYNTH_NB_SMALL", "1")
    monkeypatch.setenv("NANOSYNTH_SHARED_DATA", str(shared_data))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # run with this interpreter (the venv) through ipykernel, from the notebooks folder
    from jupyter_client.kernelspec import KernelSpecManager  # noqa: F401  (ships with nbclient)

    client = NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(REPO / "notebooks")}})
    client.kernel_manager_kwargs = {"kernel_cmd": [sys.executable, "-m", "ipykernel_launcher", "-f",
                                                   "{connection_file}"]}
    client.execute()
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "MAE" in outputs and "coverage" in outputs
    assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
    assert os.environ["NANOSYNTH_NB_SMALL"] == "1"
