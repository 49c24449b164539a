"""Gradient-boosting ensembles (XGBoost), one booster per member, saved as UBJ."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator

from nanosynth.models.estimators.base import EnsembleClassifierMixin, EnsembleRegressorMixin


def _xgb():
    import xgboost

    return xgboost


class _XGBBase(BaseEstimator):
    def __init__(self, n_members: int = 5, member_fraction: float = 0.8, interval: float = 0.9,
                 n_estimators: int = 600, learning_rate: float = 0.03, max_depth: int = 6,
                 subsample: float = 0.8, colsample_bytree: float = 0.8, min_child_weight: float = 1.0,
                 reg_lambda: float = 1.0, random_state: int = 0, n_jobs: int = 1, full_fit: bool = True):
        self.n_members = n_members
        self.member_fraction = member_fraction
        self.interval = interval
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.min_child_weight = min_child_weight
        self.reg_lambda = reg_lambda
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.full_fit = full_fit

    def _booster_params(self, member: int) -> dict:
        return {"eta": self.learning_rate, "max_depth": self.max_depth, "subsample": self.subsample,
                "colsample_bytree": self.colsample_bytree, "min_child_weight": self.min_child_weight,
                "lambda": self.reg_lambda, "seed": self.random_state * 1000 + member, "nthread": self.n_jobs,
                "tree_method": "hist", "verbosity": 0}

    def _prepare(self, X, y) -> None:
        pass

    def _train(self, X, y, member, weight, extra: dict):
        xgb = _xgb()
        dtrain = xgb.DMatrix(X, label=y, weight=weight, missing=np.nan)
        return xgb.train({**self._booster_params(member), **extra}, dtrain, num_boost_round=self.n_estimators)

    # ----------------------------------------------------------------------------------------- persistence
    def save_members(self, directory: Path) -> list[str]:
        """Write one ``member_<k>.ubj`` per booster; returns the file names."""
        self._check_fitted()
        names = []
        for k, booster in enumerate(self.members_):
            name = f"member_{k}.ubj"
            booster.save_model(str(Path(directory) / name))
            names.append(name)
        return names

    def load_members(self, directory: Path, names: list[str]) -> None:
        xgb = _xgb()
        members = []
        for name in names:
            booster = xgb.Booster()
            booster.load_model(str(Path(directory) / name))
            booster.set_param({"nthread": self.n_jobs})
            members.append(booster)
        self.members_ = members

    def contributions(self, X) -> np.ndarray:
        """SHAP values (TreeSHAP, ``pred_contribs``) averaged over members: rows × (features + bias)."""
        self._check_fitted()
        xgb = _xgb()
        dm = xgb.DMatrix(np.asarray(X, dtype=float), missing=np.nan)
        contribs = [b.predict(dm, pred_contribs=True) for b in self.members_]
        return np.mean(contribs, axis=0)


class XGBEnsembleRegressor(EnsembleRegressorMixin, _XGBBase):
    """Bagged XGBoost regressors with split-conformal intervals.

    Parameters
    ----------
    n_members, member_fraction:
        Number of boosters and fraction of groups each sees (the rest calibrates the intervals).
    interval:
        Coverage of :meth:`predict_dist` intervals (0.9 = 90 %).
    n_estimators, learning_rate, max_depth, subsample, colsample_bytree, min_child_weight, reg_lambda:
        XGBoost parameters of every member.
    random_state, n_jobs:
        Seed and threads (keep 1 on shared machines).
    full_fit:
        Also train one booster on all rows for the point prediction (the subsample members give the spread and
        the out-of-bag calibration).
    """

    def _fit_member(self, X, y, member, weight):
        return self._train(X, y, member, weight, {"objective": "reg:squarederror"})

    def _predict_members(self, X) -> np.ndarray:
        xgb = _xgb()
        dm = xgb.DMatrix(X, missing=np.nan)
        return np.stack([b.predict(dm) for b in self.members_]).astype(float)


class XGBEnsembleClassifier(EnsembleClassifierMixin, _XGBBase):
    """Bagged XGBoost multi-class classifiers with conformal prediction sets (same parameters as the regressor)."""

    def _fit_member(self, X, y, member, weight):
        return self._train(X, y, member, weight, {"objective": "multi:softprob", "num_class": len(self.classes_)})

    def _predict_members(self, X) -> np.ndarray:
        xgb = _xgb()
        dm = xgb.DMatrix(X, missing=np.nan)
        return np.stack([b.predict(dm).reshape(len(X), len(self.classes_)) for b in self.members_]).astype(float)

    def contributions(self, X) -> np.ndarray:
        """SHAP values summed over classes weighted by predicted probability: rows × (features + bias)."""
        self._check_fitted()
        xgb = _xgb()
        dm = xgb.DMatrix(np.asarray(X, dtype=float), missing=np.nan)
        out = []
        for b in self.members_:
            c = b.predict(dm, pred_contribs=True)  # rows × classes × (features+1)
            p = b.predict(dm).reshape(len(X), len(self.classes_))
            out.append((np.abs(c) * p[:, :, None]).sum(axis=1))
        return np.mean(out, axis=0)
