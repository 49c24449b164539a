"""The ensembles follow the scikit-learn estimator contract (``parametrize_with_checks``, small settings)."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from nanosynth.models.estimators import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    ForestClassifier,
    ForestRegressor,
    MLPEnsembleClassifier,
    MLPEnsembleRegressor,
    XGBEnsembleClassifier,
    XGBEnsembleRegressor,
)

SMALL_TREES = {"n_members": 3, "n_estimators": 20}
SMALL_NN = {"n_members": 2, "epochs": 30, "hidden": 32}

ESTIMATORS = [
    XGBEnsembleRegressor(**SMALL_TREES, max_depth=3, learning_rate=0.3),
    XGBEnsembleClassifier(**SMALL_TREES, max_depth=3, learning_rate=0.3),
    ForestRegressor(**SMALL_TREES),
    ForestClassifier(**SMALL_TREES),
    ExtraTreesRegressor(**SMALL_TREES),
    ExtraTreesClassifier(**SMALL_TREES),
    MLPEnsembleRegressor(**SMALL_NN),
    MLPEnsembleClassifier(**SMALL_NN),
]


def expected_failures(estimator) -> dict[str, str]:
    """Checks that do not apply to these ensembles, with the reason."""
    weight_reasons = {
        XGBEnsembleRegressor: "row subsampling (subsample=0.8) draws rows at random",
        XGBEnsembleClassifier: "row subsampling (subsample=0.8) draws rows at random",
        ForestRegressor: "bootstrap draws rows at random (scikit-learn's own random forest fails this check too)",
        ForestClassifier: "bootstrap draws rows at random (scikit-learn's own random forest fails this check too)",
        MLPEnsembleRegressor: "mini-batch training puts the two copies of a row in different batches",
        MLPEnsembleClassifier: "mini-batch training puts the two copies of a row in different batches",
    }
    failures = {}
    if type(estimator) in weight_reasons:
        failures["check_sample_weight_equivalence_on_dense_data"] = (
            f"a row of weight 2 is not two copies of the row: {weight_reasons[type(estimator)]}")
    if isinstance(estimator, MLPEnsembleRegressor | MLPEnsembleClassifier):
        failures["check_methods_subset_invariance"] = (
            "float32 networks: matrix products round differently with the batch size (~1e-7 relative)")
    return failures


@pytest.mark.slow
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failures)
def test_sklearn_estimator_contract(estimator, check):
    check(estimator)
