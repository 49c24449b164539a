"""Level-out protocols and the smooth-sweep property of the default microreactor model (issue 14)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nanosynth.models.artifacts import load_model, save_model
from nanosynth.models.evaluation import LEVEL_FACTORS, cross_validate, level_splits
from nanosynth.models.features import base_table
from nanosynth.models.pipeline import PropertyModel, predict_conditions
from nanosynth.models.sources import get_source
from nanosynth.schema.errors import ModelError

GP_FAST = {"max_train": 300, "columns": list(get_source("cdse-hte").params("gp")["columns"])}


def test_level_out_never_trains_on_the_held_out_level(grid_frames):
    ids = pd.Index(grid_frames.recipes["recipe_id"])
    table = base_table(grid_frames).reindex(ids)
    series = grid_frames.recipes.set_index("recipe_id")["series_key"]
    splits = level_splits(grid_frames, ids)
    assert {s.label.split("=")[0] for s in splits} <= set(LEVEL_FACTORS)
    assert {"interpolation", "extrapolation"} == {s.kind for s in splits}
    for split in splits:
        factor, level = split.label.split("=")
        test_vals = table.loc[split.test_ids, factor].round(6)
        train_vals = table.loc[split.train_ids, factor].round(6)
        assert len(split.test_ids) and (test_vals == float(level)).all()
        assert not (train_vals == float(level)).any(), split.label
        # no experiment of the held-out level is in training, not even one of its aliquots
        assert not set(series.loc[split.test_ids]) & set(series.loc[split.train_ids]), split.label
        assert set(split.test_ids) | set(split.train_ids) == set(ids)


def test_extrapolate_holds_out_only_end_levels(grid_frames):
    ids = pd.Index(grid_frames.recipes["recipe_id"])
    splits = level_splits(grid_frames, ids, ends_only=True)
    assert splits and all(s.kind == "extrapolation" for s in splits)
    temps = sorted(float(s.label.split("=")[1]) for s in splits if s.label.startswith("t_growth_c"))
    assert temps == [210.0, 300.0]


def test_level_out_cv_reports_interpolation_and_extrapolation(grid_frames):
    res = cross_validate(grid_frames, "abs_peak_nm", "gp", seed=0, group_by="experiment",
                         estimator_params=GP_FAST, protocol="level-out")
    overall = res.overall()
    for key in ("mae_interpolation", "coverage_interpolation", "mae_extrapolation", "coverage_extrapolation"):
        assert np.isfinite(overall[key])
    assert overall["mae_interpolation"] < overall["mae_extrapolation"]
    with pytest.raises(ModelError, match="protocol"):
        cross_validate(grid_frames, "abs_peak_nm", "gp", protocol="sideways")


def _sweep(model, column: str, values: np.ndarray) -> pd.DataFrame:
    base = {"temperature_c": 255.0, "cd_mm": 10.0, "se_mm": 10.0, "oa_cd_ratio": 10.0, "time_s": 60.0}
    rows = pd.DataFrame([{**base, column: v} for v in values])
    return predict_conditions(model, rows)


@pytest.mark.parametrize("column, values", [("temperature_c", np.arange(210.0, 300.01, 0.5)),
                                            ("se_mm", np.arange(5.0, 20.01, 0.1))])
def test_default_model_sweeps_smoothly_between_grid_points(grid_frames, column, values):
    """The smooth-sweep property, pinned: along a fine sweep across the grid (levels 210/240/270/300 °C,
    5/10/20 mM), (1) no step between adjacent points moves the peak by more than 5 % of the sweep's total
    change plus 0.5 meV (a tree ensemble jumps by its whole level-to-level change at one step), (2) the
    prediction is monotone where the synthetic physics is (red shift = lower energy with temperature and [Se]),
    and (3) the interval is continuous too."""
    model = PropertyModel("abs_peak_nm", get_source("cdse-hte").default_model, group_by="experiment",
                          estimator_params=GP_FAST).fit(grid_frames)
    pred = _sweep(model, column, values)
    mean = pred["mean_model"].to_numpy()
    total = abs(mean[-1] - mean[0])
    steps = np.abs(np.diff(mean))
    assert total > 5.0
    assert steps.max() <= 0.05 * total + 0.5
    assert (np.diff(mean) <= 1e-6).all()
    width = (pred["upper_model"] - pred["lower_model"]).to_numpy()
    assert np.abs(np.diff(width)).max() <= 0.05 * width.mean() + 0.5


def test_gp_intervals_widen_away_from_the_data(grid_frames):
    model = PropertyModel("abs_peak_nm", "gp", group_by="experiment", estimator_params=GP_FAST).fit(grid_frames)
    pred = _sweep(model, "temperature_c", np.array([255.0, 330.0, 380.0]))
    width = (pred["upper_model"] - pred["lower_model"]).to_numpy()
    assert width[0] < width[1] < width[2]


def test_gp_artifact_round_trip(grid_frames, tmp_path):
    model = PropertyModel("abs_peak_nm", "gp", group_by="experiment", estimator_params=GP_FAST).fit(grid_frames)
    save_model(model, tmp_path / "gp")
    assert not list(tmp_path.rglob("*.pkl")) and (tmp_path / "gp" / "gp.safetensors").is_file()
    loaded, manifest = load_model(tmp_path / "gp")
    assert manifest["kind"] == "gp"
    a, b = model.predict_dist(grid_frames), loaded.predict_dist(grid_frames)
    np.testing.assert_allclose(a["mean_model"], b["mean_model"], rtol=1e-9)
    np.testing.assert_allclose(a["upper_model"], b["upper_model"], rtol=1e-9)


def test_gp_is_regression_only(recipe_frames_small):
    with pytest.raises(ModelError, match="regression-only"):
        PropertyModel("shape", "gp").fit(recipe_frames_small)


def test_cdse_hte_defaults_to_the_smooth_model():
    from nanosynth.property_models import ModelRequest

    assert ModelRequest("cdse-hte", "abs_peak_nm").kind() == "gp"
    assert ModelRequest("gu2024", "size_nm").kind() == "xgb"
    assert ModelRequest("cdse-hte", "abs_peak_nm", "xgb").kind() == "xgb"


def test_shape_given_size_takes_the_measured_size_as_an_input(recipe_frames_small):
    from nanosynth.models.targets import get_target, measured_inputs

    spec = get_target("shape_given_size")
    assert spec.prop == "shape" and spec.inputs == ("size_nm",)
    ids = recipe_frames_small.recipes["recipe_id"].to_numpy()
    table = measured_inputs(recipe_frames_small, spec, ids)
    sizes = recipe_frames_small.outcomes.query("property == 'size_nm'").drop_duplicates("recipe_id")
    assert list(table.columns) == ["measured_size_nm"] and len(table) == len(ids)
    assert table["measured_size_nm"].notna().sum() == len(set(sizes["recipe_id"]) & set(ids))
    model = PropertyModel("shape_given_size", "xgb", estimator_params={"n_members": 2, "n_estimators": 20})
    model.fit(recipe_frames_small)
    assert "measured_size_nm" in model.columns_
    assert len(model.predict(recipe_frames_small)) == len(ids)


def test_gp_calibration_holds_out_every_level_of_every_grid_factor():
    """Each grid level is found on the standardized inputs (none lost to rounding): 4 factors × 4 levels."""
    from nanosynth.models.estimators.gp import GPRegressor

    grid = np.array([[t, c, r] for t in (210.0, 240.0, 270.0, 300.0) for c in (5.0, 10.0, 20.0, 40.0)
                     for r in (3.0, 10.0, 20.0, 40.0)])
    Z = (np.log(grid) - np.log(grid).mean(axis=0)) / np.log(grid).std(axis=0)
    folds = GPRegressor(max_levels=8)._level_folds(Z)
    assert len(folds) == 12 and sum(end for _, end in folds) == 6
    assert all(test.sum() == 16 for test, _ in folds)
