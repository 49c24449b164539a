"""The estimator factory: model kind (``xgb``, ``nn``, ``rf``, ``et``, ``gp``) and task → an unfitted estimator.

It imports the concrete estimator modules; none of them imports it (nor does :mod:`.base`), so there is no cycle.
"""

from __future__ import annotations

from sklearn.base import BaseEstimator

from nanosynth.models.estimators.forest import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    ForestClassifier,
    ForestRegressor,
)
from nanosynth.models.estimators.gp import GPRegressor
from nanosynth.models.estimators.nn import MLPEnsembleClassifier, MLPEnsembleRegressor
from nanosynth.models.estimators.xgb import XGBEnsembleClassifier, XGBEnsembleRegressor
from nanosynth.schema.errors import ModelError

#: Model kinds accepted by :func:`make_estimator` (and ``--model`` on the command line).
ESTIMATORS = ("xgb", "nn", "rf", "et", "gp")

_TABLE: dict[tuple[str, str], type[BaseEstimator]] = {
    ("xgb", "regression"): XGBEnsembleRegressor, ("xgb", "classification"): XGBEnsembleClassifier,
    ("nn", "regression"): MLPEnsembleRegressor, ("nn", "classification"): MLPEnsembleClassifier,
    ("rf", "regression"): ForestRegressor, ("rf", "classification"): ForestClassifier,
    ("et", "regression"): ExtraTreesRegressor, ("et", "classification"): ExtraTreesClassifier,
    ("gp", "regression"): GPRegressor,
}


def make_estimator(kind: str, task: str, **params) -> BaseEstimator:
    """An unfitted estimator.

    Parameters
    ----------
    kind:
        ``xgb``, ``nn``, ``rf``, ``et`` or ``gp`` (Gaussian process, regression only).
    task:
        ``regression`` or ``classification``.
    **params:
        Estimator parameters (``n_members``, ``n_estimators`` ...).

    Raises
    ------
    ModelError
        When the kind is unknown or a parameter does not exist for it.
    """
    if kind == "gp" and task == "classification":
        raise ModelError("the gp model is regression-only: use --model xgb, et, rf or nn for shape")
    if (kind, task) not in _TABLE:
        raise ModelError(f"unknown model {kind!r}: use one of {', '.join(ESTIMATORS)}")
    cls = _TABLE[(kind, task)]
    unknown = set(params) - set(cls().get_params())
    if unknown:
        raise ModelError(f"{cls.__name__} has no parameter(s) {', '.join(sorted(unknown))}")
    return cls(**params)
