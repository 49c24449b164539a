import numpy as np
import pandas as pd
import pytest

from nanosynth.models.evaluation import cross_validate, fold_assignment, particle_counts
from nanosynth.schema.errors import ModelError

FAST = {"n_members": 3, "n_estimators": 40, "max_depth": 3}


def test_folds_are_seeded_grouped_and_balanced():
    groups = pd.Series([f"g{i // 3}" for i in range(60)], index=range(60))
    a, b = fold_assignment(groups, 5, 0), fold_assignment(groups, 5, 0)
    assert a.equals(b)
    assert not a.equals(fold_assignment(groups, 5, 1))
    assert (a.groupby(groups).nunique() == 1).all()  # a group never straddles folds
    assert a.value_counts().max() - a.value_counts().min() <= 3
    with pytest.raises(ModelError):
        fold_assignment(groups.iloc[:6], 5, 0)


def test_grouped_cv_reports_mae_in_mev_and_coverage(hte_frames):
    res = cross_validate(hte_frames, "abs_peak_nm", "xgb", folds=4, seed=0, group_by="experiment",
                         estimator_params=FAST)
    overall = res.overall()
    assert res.unit == "meV" and len(res.folds) == 4
    assert 0 < overall["mae"] < 200 and 0 <= overall["coverage"] <= 1
    again = cross_validate(hte_frames, "abs_peak_nm", "xgb", folds=4, seed=0, group_by="experiment",
                           estimator_params=FAST)
    assert np.allclose(res.predictions["pred"], again.predictions["pred"])  # reproducible


def test_min_count_protocol_scores_only_counted_recipes(recipe_frames_small):
    frames = recipe_frames_small
    sizes = frames.outcomes["property"] == "size_nm"
    frames.outcomes.loc[sizes, "method"] = [f"TEM; {100 if i % 3 else 500} particles" for i in range(sizes.sum())]
    counts = particle_counts(frames)
    assert set(counts.unique()) == {100.0, 500.0}
    res = cross_validate(frames, "size_nm", "xgb", folds=3, seed=0, estimator_params=FAST, min_count=300)
    scored = set(res.predictions["recipe_id"])
    assert scored == set(counts.index[counts >= 300])


def test_evaluate_model_scores_a_fitted_model_on_new_frames(hte_frames):
    from nanosynth.models.evaluation import evaluate_model
    from nanosynth.models.pipeline import PropertyModel

    model = PropertyModel("abs_peak_nm", "xgb", group_by="experiment", estimator_params=FAST).fit(hte_frames)
    result = evaluate_model(model, hte_frames)
    assert len(result.predictions) == hte_frames.outcomes.query("property == 'abs_peak_nm'").recipe_id.nunique()
    assert 0 <= result.metrics["mae"] < 60 and 0 <= result.metrics["coverage"] <= 1
    assert result.n_out_of_domain == 0


def test_evaluate_model_refuses_data_without_the_target(hte_frames):
    import pytest

    from nanosynth.models.evaluation import evaluate_model
    from nanosynth.models.pipeline import PropertyModel
    from nanosynth.schema.errors import ModelError

    model = PropertyModel("abs_peak_nm", "xgb", group_by="experiment", estimator_params=FAST).fit(hte_frames)
    no_outcomes = type(hte_frames)(hte_frames.recipes, hte_frames.chemicals, hte_frames.steps,
                                   hte_frames.outcomes.iloc[0:0])
    with pytest.raises(ModelError, match="no abs_peak_nm outcomes"):
        evaluate_model(model, no_outcomes)
