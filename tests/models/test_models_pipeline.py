import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError as SklearnNotFittedError

from nanosynth.models.errors import NotFittedError
from nanosynth.models.features import frames_for_conditions, subset_frames
from nanosynth.models.pipeline import OutOfDomainWarning, PropertyModel
from nanosynth.schema.errors import ModelError

FAST = {"n_members": 3, "n_estimators": 40, "max_depth": 3}


def test_not_fitted_error_is_sklearn_compatible(hte_frames):
    model = PropertyModel("abs_peak_nm")
    with pytest.raises(SklearnNotFittedError):
        model.predict(hte_frames)
    with pytest.raises(ModelError):
        model.predict_dist(hte_frames)
    assert issubclass(NotFittedError, ModelError)


@pytest.mark.parametrize("n_rows", [0, 1])
def test_training_on_empty_or_single_row_is_refused(hte_frames, n_rows):
    tiny = subset_frames(hte_frames, list(range(n_rows)))
    with pytest.raises(ModelError, match="at least 2"):
        PropertyModel("abs_peak_nm", estimator_params=FAST).fit(tiny)


def test_training_without_the_target_outcome_is_refused(recipe_frames_small):
    with pytest.raises(ModelError, match="abs_peak_nm"):
        PropertyModel("abs_peak_nm", estimator_params=FAST).fit(recipe_frames_small)


def test_regression_predict_dist_in_nm_and_mev(hte_frames):
    model = PropertyModel("abs_peak_nm", "xgb", group_by="experiment", estimator_params=FAST).fit(hte_frames)
    dist = model.predict_dist(hte_frames)
    assert {"mean", "lower", "upper", "std", "mean_model", "in_domain"} <= set(dist.columns)
    assert (dist["lower"] <= dist["mean"]).all() and (dist["mean"] <= dist["upper"]).all()
    assert np.allclose(1239841.98 / dist["mean"], dist["mean_model"])
    truth = hte_frames.outcomes.query("property == 'abs_peak_nm'")["value"].to_numpy()
    assert np.abs(dist["mean"].to_numpy() - truth).mean() < 10  # nm, in-sample on a smooth function


def test_unknown_chemicals_and_out_of_range_temperatures_warn_and_widen(hte_frames):
    model = PropertyModel("abs_peak_nm", "xgb", group_by="experiment", estimator_params=FAST).fit(hte_frames)
    rows = pd.DataFrame({"temperature_c": [240.0, 240.0, 480.0], "cd_mm": [10, 10, 10], "se_mm": [10, 10, 10],
                         "oa_cd_ratio": [10, 10, 10], "time_s": [60, 60, 60]})
    frames = frames_for_conditions(rows)
    frames.chemicals.loc[frames.chemicals["recipe_id"] == 1, "name"] = "unobtainium oleate"
    with pytest.warns(OutOfDomainWarning):
        dist = model.predict_dist(frames)
    width = (dist["upper_model"] - dist["lower_model"]).to_numpy()
    assert dist["in_domain"].tolist() == [True, False, False]
    assert width[1] > 2 * width[0] and width[2] > 2 * width[0]
    assert "unobtainium oleate" in dist.loc[1, "warning"] and "t_growth_c" in dist.loc[2, "warning"]
    assert np.isfinite(dist["mean"]).all()


def test_fwhm_cascade_predicts_per_spectrum(hte_frames):
    model = PropertyModel("fwhm_mev", "xgb", group_by="experiment", estimator_params=FAST).fit(hte_frames)
    assert set(model.cascade_) == {"absorption", "pl"}
    assert "cascade_peak_mev" in model.columns_
    with warnings.catch_warnings():
        warnings.simplefilter("error", OutOfDomainWarning)
        dist = model.predict_dist(subset_frames(hte_frames, [0, 1]))
    assert sorted(dist["spectrum"]) == ["absorption", "absorption", "pl", "pl"]


def test_shape_classification_gives_probabilities_and_sets(recipe_frames_small):
    model = PropertyModel("shape", "xgb", group_by="doi", estimator_params=FAST).fit(recipe_frames_small)
    dist = model.predict_dist(recipe_frames_small)
    proba = dist[[c for c in dist.columns if c.startswith("proba_")]].to_numpy()
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert set(dist["label"]) <= {"cube", "sphere"}
    assert all(lbl in s.split("|") or len(s) for lbl, s in zip(dist["label"], dist["prediction_set"], strict=True))


def test_nn_deep_ensemble_regression(hte_frames):
    model = PropertyModel("pl_peak_nm", "nn", group_by="experiment",
                          estimator_params={"n_members": 2, "epochs": 15, "hidden": 16}).fit(hte_frames)
    dist = model.predict_dist(hte_frames)
    assert np.isfinite(dist["mean"]).all() and (dist["upper"] > dist["lower"]).all()
