"""Shared machinery of the ensembles: group subsampling, out-of-bag calibration, predictive distributions.

Every ensemble trains ``n_members`` members, each on a random ``member_fraction`` of the *groups* (papers,
experiments ...; rows when no groups are given). A point's out-of-bag prediction averages the members that did
not see its group; those residuals calibrate the intervals (split conformal), so the intervals are honest for
new groups, not just new rows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from nanosynth.models.calibration import calibrate_classes, calibrate_regression, regression_scale
from nanosynth.models.errors import NotFittedError
from nanosynth.schema.errors import ModelError

log = logging.getLogger(__name__)


@dataclass
class RegressionDist:
    """Predictive distribution of a regression: mean, standard deviation, calibrated interval."""

    mean: np.ndarray
    std: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    level: float


@dataclass
class ClassDist:
    """Predictive distribution of a classification: class probabilities, their member spread, prediction sets."""

    classes: list[str]
    proba: np.ndarray
    proba_std: np.ndarray
    sets: list[list[str]]
    level: float

    @property
    def label(self) -> np.ndarray:
        return np.asarray(self.classes, dtype=object)[self.proba.argmax(axis=1)]


def check_xy(X, y=None, min_rows: int = 2) -> tuple[np.ndarray, np.ndarray | None]:
    """Float matrix and target; :class:`ModelError` on empty or single-row input."""
    arr = np.asarray(X.to_numpy() if isinstance(X, pd.DataFrame) else X, dtype=float)
    if arr.ndim != 2:
        raise ModelError(f"X must be 2-D (rows × features), got shape {arr.shape}")
    if y is not None:
        yy = np.asarray(y)
        if len(yy) != len(arr):
            raise ModelError(f"X has {len(arr)} rows but y has {len(yy)}")
        if len(arr) < min_rows:
            raise ModelError(
                f"cannot train on {len(arr)} row(s): the selection needs at least {min_rows} recipes with the "
                "target outcome (check --source/--target and that the dataset is imported)"
            )
        return arr, yy
    return arr, None


def member_masks(n: int, groups, n_members: int, fraction: float, seed: int) -> np.ndarray:
    """Boolean (members × rows) in-bag masks drawn by group."""
    rng = np.random.default_rng(seed)
    g = np.arange(n) if groups is None else pd.factorize(np.asarray(groups))[0]
    uniq = np.unique(g)
    masks = np.zeros((n_members, n), dtype=bool)
    if n_members == 1 or len(uniq) < 3:
        masks[:] = True
        return masks
    k = max(1, min(len(uniq) - 1, int(round(fraction * len(uniq)))))
    for m in range(n_members):
        chosen = rng.choice(uniq, size=k, replace=False)
        masks[m] = np.isin(g, chosen)
    return masks


class _FullFitMixin:
    """Optional extra member trained on all rows: it gives the point prediction, the subsample members the spread.

    The out-of-bag calibration uses only the subsample members, whose partial-data errors are at least as large
    as the full model's, so intervals stay conservative.
    """

    full_fit: bool

    def _use_full(self, masks) -> bool:
        self.full_member_ = bool(getattr(self, "full_fit", False)) and not masks.all()
        return self.full_member_

    def _has_full(self) -> bool:
        if hasattr(self, "full_member_"):
            return self.full_member_
        return bool(getattr(self, "full_fit", False)) and len(self.members_) == self.n_members + 1


class EnsembleRegressorMixin(_FullFitMixin):
    """``fit`` / ``predict`` / ``predict_dist`` around ``_fit_member`` and ``_predict_members``."""

    interval: float
    n_members: int
    member_fraction: float
    random_state: int

    def fit(self, X, y, groups=None, sample_weight=None, X_calibration=None):
        """Fit the members on group subsamples and calibrate intervals on out-of-bag residuals.

        ``X_calibration`` (same shape as ``X``) replaces ``X`` when computing the out-of-bag predictions, e.g. a
        cascade input that is measured in training but predicted at use.
        """
        Xa, ya = check_xy(X, y)
        ya = ya.astype(float)
        if not np.isfinite(ya).all():
            raise ModelError("the regression target has missing or infinite values: filter them before fit")
        self.n_features_in_ = Xa.shape[1]
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        masks = member_masks(len(ya), groups, self.n_members, self.member_fraction, self.random_state)
        self._prepare(Xa, ya)
        self.members_ = []
        for m, mask in enumerate(masks):
            w = None if sample_weight is None else np.asarray(sample_weight, dtype=float)[mask]
            self.members_.append(self._fit_member(Xa[mask], ya[mask], m, w))
        preds = self._predict_members(Xa if X_calibration is None else check_xy(X_calibration)[0])
        if self._use_full(masks):
            w = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
            self.members_.append(self._fit_member(Xa, ya, len(masks), w))
        oob = np.where(~masks, preds, np.nan)
        with np.errstate(invalid="ignore"):
            oob_mean = np.nanmean(np.where(np.isnan(oob).all(axis=0), 0.0, oob), axis=0)
        oob_mean[np.isnan(oob).all(axis=0)] = np.nan
        if masks.all():  # one member or too few groups: fall back on the in-sample residuals, inflated
            oob_mean = preds.mean(axis=0)
        try:
            self.q_, self.tau_, self.sd_ref_ = calibrate_regression(ya, oob_mean, preds.std(axis=0), self.interval)
        except ModelError:  # tiny training set: conservative intervals (2× a Gaussian band of the target spread)
            log.warning("only %d training rows: intervals are not calibrated, using a conservative band", len(ya))
            self.q_, self.tau_, self.sd_ref_ = 2.0 * 1.6448536269514722, float(np.std(ya)) or 1.0, 1.0
        self.oob_pred_ = np.where(np.isfinite(oob_mean), oob_mean, preds.mean(axis=0))
        self.oob_mae_ = float(np.nanmean(np.abs(ya - oob_mean)))
        return self

    def _check_fitted(self):
        if not hasattr(self, "members_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet: call fit(X, y) first")

    def predict(self, X) -> np.ndarray:
        """Ensemble mean."""
        return self.predict_dist(X).mean

    def predict_dist(self, X, inflate=None) -> RegressionDist:
        """Mean, standard deviation and calibrated ``interval`` bounds; ``inflate`` (per row) widens them."""
        self._check_fitted()
        Xa, _ = check_xy(X)
        if Xa.shape[1] != self.n_features_in_:
            raise ModelError(f"X has {Xa.shape[1]} features but the model was fitted with {self.n_features_in_}")
        preds = self._predict_members(Xa)
        if self._has_full():
            mean, preds = preds[-1], preds[:-1]
        else:
            mean = preds.mean(axis=0)
        sigma = regression_scale(preds.std(axis=0), self.tau_, self.sd_ref_)
        if inflate is not None:
            sigma = sigma * np.asarray(inflate, dtype=float)
        half = self.q_ * sigma
        # report a Gaussian-equivalent standard deviation of the calibrated interval
        from scipy.stats import norm

        std = half / float(norm.ppf(0.5 + self.interval / 2))
        return RegressionDist(mean, std, mean - half, mean + half, self.interval)


class EnsembleClassifierMixin(_FullFitMixin):
    """``fit`` / ``predict`` / ``predict_proba`` / ``predict_dist`` for class labels (strings)."""

    interval: float
    n_members: int
    member_fraction: float
    random_state: int

    def fit(self, X, y, groups=None, sample_weight=None):
        Xa, ya = check_xy(X, y)
        self.classes_ = sorted({str(v) for v in ya})
        if len(self.classes_) < 2:
            raise ModelError(f"only one class ({self.classes_[0]!r}) in the training data: need at least two")
        idx = np.array([self.classes_.index(str(v)) for v in ya])
        self.n_features_in_ = Xa.shape[1]
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        masks = member_masks(len(idx), groups, self.n_members, self.member_fraction, self.random_state)
        self._prepare(Xa, idx)
        self.members_ = [self._fit_member(Xa[mask], idx[mask], m, None if sample_weight is None
                                          else np.asarray(sample_weight)[mask])
                         for m, mask in enumerate(masks)]
        probs = self._predict_members(Xa)  # members × rows × classes
        if self._use_full(masks):
            self.members_.append(self._fit_member(Xa, idx, len(masks), sample_weight))
        oob = np.where(~masks[:, :, None], probs, np.nan)
        never = np.isnan(oob[:, :, 0]).all(axis=0)
        with np.errstate(invalid="ignore"):
            oob_p = np.nanmean(np.where(never[None, :, None], 0.0, oob), axis=0)
        oob_p[never] = np.nan
        if masks.all():
            oob_p = probs.mean(axis=0)
        try:
            self.q_ = calibrate_classes(idx, oob_p, self.interval)
        except ModelError:  # tiny training set: prediction sets hold every class
            log.warning("only %d training rows: prediction sets are not calibrated (all classes)", len(idx))
            self.q_ = 1.0
        ok = ~np.isnan(oob_p).any(axis=1)
        self.oob_accuracy_ = float((oob_p[ok].argmax(axis=1) == idx[ok]).mean())
        return self

    def _check_fitted(self):
        if not hasattr(self, "members_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet: call fit(X, y) first")

    def predict_proba(self, X) -> np.ndarray:
        return self.predict_dist(X).proba

    def predict(self, X) -> np.ndarray:
        return self.predict_dist(X).label

    def predict_dist(self, X, inflate=None) -> ClassDist:
        """Probabilities, member spread and conformal prediction sets; ``inflate`` > 1 flattens probabilities."""
        self._check_fitted()
        Xa, _ = check_xy(X)
        if Xa.shape[1] != self.n_features_in_:
            raise ModelError(f"X has {Xa.shape[1]} features but the model was fitted with {self.n_features_in_}")
        probs = self._predict_members(Xa)
        if self._has_full():
            proba, probs = probs[-1], probs[:-1]
        else:
            proba = probs.mean(axis=0)
        if inflate is not None:
            t = np.asarray(inflate, dtype=float)[:, None]
            proba = proba ** (1.0 / t)
            proba = proba / proba.sum(axis=1, keepdims=True)
        sets = [[c for c, p in zip(self.classes_, row, strict=True) if p >= 1.0 - self.q_] or
                [self.classes_[int(row.argmax())]] for row in proba]
        return ClassDist(list(self.classes_), proba, probs.std(axis=0), sets, self.interval)


class EnsembleParams(BaseEstimator):
    """Parameters shared by all ensembles (sklearn ``get_params``/``set_params``)."""


ESTIMATORS = ("xgb", "nn", "rf", "et")


def make_estimator(kind: str, task: str, **params):
    """An unfitted estimator: ``kind`` in xgb|nn|rf, ``task`` regression|classification."""
    from nanosynth.models.estimators.forest import (ExtraTreesClassifier, ExtraTreesRegressor, ForestClassifier,
                                          ForestRegressor)
    from nanosynth.models.estimators.nn import MLPEnsembleClassifier, MLPEnsembleRegressor
    from nanosynth.models.estimators.xgb import XGBEnsembleClassifier, XGBEnsembleRegressor

    table = {("xgb", "regression"): XGBEnsembleRegressor, ("xgb", "classification"): XGBEnsembleClassifier,
             ("nn", "regression"): MLPEnsembleRegressor, ("nn", "classification"): MLPEnsembleClassifier,
             ("rf", "regression"): ForestRegressor, ("rf", "classification"): ForestClassifier,
             ("et", "regression"): ExtraTreesRegressor, ("et", "classification"): ExtraTreesClassifier}
    if (kind, task) not in table:
        raise ModelError(f"unknown model {kind!r}: use one of {', '.join(ESTIMATORS)}")
    cls = table[(kind, task)]
    valid = cls().get_params()
    unknown = set(params) - set(valid)
    if unknown:
        raise ModelError(f"{cls.__name__} has no parameter(s) {', '.join(sorted(unknown))}")
    return cls(**params)
