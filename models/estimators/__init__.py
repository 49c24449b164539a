"""Ensemble estimators on feature matrices (scikit-learn contract) with calibrated uncertainty.

:class:`XGBEnsembleRegressor` / :class:`XGBEnsembleClassifier` (gradient boosting), :class:`MLPEnsembleRegressor` /
:class:`MLPEnsembleClassifier` (PyTorch deep ensembles), :class:`ForestRegressor` / :class:`ForestClassifier`
(random-forest baseline), :class:`ExtraTreesRegressor` / :class:`ExtraTreesClassifier` and
:class:`GPRegressor` (Gaussian process, smooth between and beyond grid levels);
:func:`make_estimator` builds one by kind.
"""

from nanosynth.models.estimators.factory import ESTIMATORS, make_estimator
from nanosynth.models.estimators.forest import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    ForestClassifier,
    ForestRegressor,
)
from nanosynth.models.estimators.gp import GPRegressor
from nanosynth.models.estimators.nn import MLPEnsembleClassifier, MLPEnsembleRegressor
from nanosynth.models.estimators.xgb import XGBEnsembleClassifier, XGBEnsembleRegressor

__all__ = ["ESTIMATORS", "ExtraTreesClassifier", "ExtraTreesRegressor", "ForestClassifier", "ForestRegressor",
           "GPRegressor",            "MLPEnsembleClassifier", "MLPEnsembleRegressor", "XGBEnsembleClassifier", "XGBEnsembleRegressor",
           "make_estimator"]
