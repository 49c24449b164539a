"""Figures that tell the truth (issue 14, point 7): parity at the data's scale, sweeps, coverage vs distance;
written without touching pyplot (no backend switch, no figure left open)."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from nanosynth.models.evaluation import coverage_by_distance, cross_validate
from nanosynth.models.plots import (
    _axis_range,
    coverage_distance_plot,
    importance_plot,
    parity_plot,
    sweep_plot,
    temperature_sweep_plot,
    transfer_plot,
)
from nanosynth.models.sources import get_source
from nanosynth.schema.errors import ModelError

GP_FAST = {"max_train": 300, "columns": list(get_source("cdse-hte").params("gp")["columns"])}


def test_parity_axes_frame_the_points_not_a_runaway_interval(tmp_path):
    y = np.linspace(2, 20, 40)
    pred = y + 0.5
    upper = pred + 1.0
    upper[3] = 175.0  # one interval far wider than the data
    assert _axis_range(y, pred, floor=0.0)[1] < 22
    assert _axis_range(np.array([0.02, 1.0]), np.array([0.01, 0.9]), floor=0.0)[0] == 0.0  # sizes never < 0
    png = parity_plot(y, pred, tmp_path / "p.png", lower=pred - 1.0, upper=upper, unit="nm", quantity="size")
    assert png.stat().st_size > 1000


@pytest.fixture(scope="module")
def level_out(grid_frames):
    return cross_validate(grid_frames, "abs_peak_nm", "gp", seed=0, group_by="experiment",
                          estimator_params=GP_FAST, protocol="level-out")


def test_coverage_by_distance_bins_every_held_out_prediction(grid_frames, level_out, tmp_path):
    table = coverage_by_distance(grid_frames, level_out, bins=4)
    assert len(table) == 4 and table["n"].sum() == len(level_out.predictions)
    assert table["distance"].is_monotonic_increasing and (table["distance"] > 0).all()
    assert table["coverage"].between(0, 1).all() and (table["interval_width"] > 0).all()
    png = coverage_distance_plot(table, tmp_path / "c.png", unit="meV")
    assert png.stat().st_size > 1000


def test_coverage_by_distance_needs_intervals(grid_frames, level_out):
    bare = type(level_out)(level_out.target, level_out.model, level_out.unit,
                           predictions=level_out.predictions.drop(columns=["lower", "upper"]))
    with pytest.raises(ModelError, match="intervals"):
        coverage_by_distance(grid_frames, bare)


def test_sweep_plot_marks_the_training_levels(tmp_path):
    x = np.linspace(200, 320, 25)
    sweep = pd.DataFrame({"temperature_c": x, "mean": 500 + x / 10, "lower": 490 + x / 10, "upper": 510 + x / 10})
    png = sweep_plot(sweep, tmp_path / "s.png", x="temperature_c", training_levels=(210, 240, 270, 300),
                     xlabel="growth temperature (°C)", ylabel="absorption peak (nm)")
    assert png.stat().st_size > 1000


def test_plots_are_written_without_pyplot_state(tmp_path):
    import matplotlib.pyplot as plt

    before = matplotlib.get_backend()
    y = np.array([2.0, 3.0, 4.0])
    parity = parity_plot(y, y + 0.1, tmp_path / "parity.png", lower=y - 1, upper=y + 1, unit="size (nm)")
    per_feature = pd.DataFrame({"feature": ["a", "b"], "mean_abs_shap": [0.3, 0.1], "class": ["x", "y"]})
    per_class = pd.DataFrame({"class": ["x", "y"], "share": [0.75, 0.25]})
    importance = importance_plot(per_feature, per_class, tmp_path / "imp.png", unit="nm")
    table = pd.DataFrame({"composition": ["CdSe"] * 2, "setting": ["transfer"] * 2, "n_added": [0, 5],
                          "mae": [1.0, 0.5]})
    transfer = transfer_plot(table, tmp_path / "transfer.png")
    for path in (parity, importance, transfer):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert matplotlib.get_backend() == before and plt.get_fignums() == []


def test_temperature_sweep_plot_predicts_across_and_beyond_the_training_temperatures(grid_frames, tmp_path):
    from nanosynth.models.pipeline import PropertyModel

    model = PropertyModel("abs_peak_nm", "gp", group_by="experiment", estimator_params=GP_FAST).fit(grid_frames)
    png = temperature_sweep_plot(model, grid_frames, tmp_path / "t.png", np.linspace(180, 330, 11),
                                 ylabel="absorption peak (nm)")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
