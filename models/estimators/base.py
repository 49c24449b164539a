"""Shared machinery of the ensembles: group subsampling, out-of-bag calibration, predictive distributions.

Every ensemble trains ``n_members`` members, each on a random ``member_fraction`` of the *groups* (papers,
experiments ...; rows when no groups are given). A point's out-of-bag prediction averages the members that did
not see its group; those residuals calibrate the intervals (split conformal), so the intervals are honest for
new groups, not just new rows.

The mixins follow the scikit-learn estimator contract: input checked with :func:`sklearn.utils.validation.
validate_data` (``n_features_in_``, ``feature_names_in_``), missing values (NaN) allowed, fitted attributes end
in ``_``, :class:`nanosynth.models.errors.NotFittedError` (a scikit-learn ``NotFittedError``) before ``fit``.
This module imports none of the concrete estimators (see :mod:`nanosynth.models.estimators.factory`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from nanosynth.models.calibration import calibrate_classes, calibrate_regression, regression_scale
from nanosynth.models.errors import ModelInputError, NotFittedError
from nanosynth.schema.errors import ModelError

log = logging.getLogger(__name__)

#: Interval half-width factor (2× a 90 % Gaussian band) used when the training set is too small to calibrate.
_FALLBACK_Q = 2.0 * 1.6448536269514722


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

    classes: list
    proba: np.ndarray
    proba_std: np.ndarray
    sets: list[list]
    level: float

    @property
    def label(self) -> np.ndarray:
        """The most probable class of each row."""
        return np.asarray(self.classes)[self.proba.argmax(axis=1)]


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


def check_weights(sample_weight, n: int) -> np.ndarray | None:
    """``sample_weight`` as a float array of ``n`` rows (None stays None).

    Raises
    ------
    ModelInputError
        When the weights do not have one value per row or are all zero.
    """
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=float)
    if w.ndim == 0:
        w = np.full(n, float(w))
    if w.shape != (n,):
        raise ModelInputError(f"sample_weight has shape {w.shape} but X has {n} rows: give one weight per row")
    if not np.any(w):
        raise ModelInputError("sample weights are all zero: give at least one row a positive weight")
    return w


def _oob_mean(preds: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Per row, the mean prediction of the members that did not train on it (NaN when every member did)."""
    oob = np.where(~masks, preds, np.nan)
    never = np.isnan(oob).all(axis=0)
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(np.where(never, 0.0, oob), axis=0)
    mean[never] = np.nan
    return mean


def _oob_proba(probs: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Per row, the mean class probabilities of the members that did not train on it (NaN rows otherwise)."""
    oob = np.where(~masks[:, :, None], probs, np.nan)
    never = np.isnan(oob[:, :, 0]).all(axis=0)
    with np.errstate(invalid="ignore"):
        proba = np.nanmean(np.where(never[None, :, None], 0.0, oob), axis=0)
    proba[never] = np.nan
    return proba


class FittedStateMixin:
    """NaN-tolerant input tags and the fitted-state check of every nanosynth estimator.

    ``_fitted_attribute`` names the attribute that ``fit`` sets last.
    """

    _fitted_attribute = "members_"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, self._fitted_attribute)

    def _check_fitted(self) -> None:
        if not hasattr(self, self._fitted_attribute):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet: call fit(X, y) first")


class _EnsembleMixin(FittedStateMixin):
    """Validation, fitted-state and tags shared by the regressor and classifier mixins."""

    interval: float
    n_members: int
    member_fraction: float
    random_state: int
    full_fit: bool

    def _validate_fit(self, X, y, y_numeric: bool) -> tuple[np.ndarray, np.ndarray]:
        Xa, ya = validate_data(self, X, y, dtype=np.float64, ensure_all_finite=False, y_numeric=y_numeric)
        if len(Xa) < 2:
            raise ModelInputError(
                f"cannot train on {len(Xa)} sample(s): the selection needs at least 2 recipes with the target "
                "outcome (check --source/--target and that the dataset is imported)")
        return Xa, ya

    def _validate_predict(self, X) -> np.ndarray:
        self._check_fitted()
        return validate_data(self, X, dtype=np.float64, ensure_all_finite=False, reset=False)

    def _masks(self, n: int, groups) -> np.ndarray:
        return member_masks(n, groups, self.n_members, self.member_fraction, self.random_state)

    def _use_full(self, masks) -> bool:
        """Whether to train one extra member on all rows (``full_fit``): it gives the point prediction, the
        subsample members the spread. The out-of-bag calibration uses only the subsample members, whose
        partial-data errors are at least as large as the full model's, so intervals stay conservative."""
        self.full_member_ = bool(getattr(self, "full_fit", False)) and not masks.all()
        return self.full_member_

    def _has_full(self) -> bool:
        if hasattr(self, "full_member_"):
            return self.full_member_
        return bool(getattr(self, "full_fit", False)) and len(self.members_) == self.n_members + 1

    def _fit_members(self, Xa, target, masks, weights) -> None:
        """Fit one member per in-bag mask (the subsample members)."""
        self.members_ = [self._fit_member(Xa[mask], target[mask], m, None if weights is None else weights[mask])
                         for m, mask in enumerate(masks)]


class EnsembleRegressorMixin(_EnsembleMixin, RegressorMixin):
    """``fit`` / ``predict`` / ``predict_dist`` around ``_fit_member`` and ``_predict_members``."""

    def fit(self, X, y, groups=None, sample_weight=None, X_calibration=None):
        """Fit the members on group subsamples and calibrate intervals on out-of-bag residuals.

        Parameters
        ----------
        X, y:
            Feature matrix (NaN allowed) and numeric target.
        groups:
            Group label per row (paper, experiment ...): members are trained on subsamples of groups.
        sample_weight:
            Weight per row.
        X_calibration:
            Same shape as ``X``; replaces ``X`` when computing the out-of-bag predictions, e.g. a cascade input
            that is measured in training but predicted at use.

        Returns
        -------
        self
        """
        Xa, ya = self._validate_fit(X, y, y_numeric=True)
        ya = ya.astype(float)
        if not np.isfinite(ya).all():
            raise ModelInputError("the regression target has missing or infinite values: filter them before fit")
        weights = check_weights(sample_weight, len(ya))
        masks = self._masks(len(ya), groups)
        self._prepare(Xa, ya)
        self._fit_members(Xa, ya, masks, weights)
        calib = Xa if X_calibration is None else self._validate_predict(X_calibration)
        preds = self._predict_members(calib)
        if self._use_full(masks):
            self.members_.append(self._fit_member(Xa, ya, len(masks), weights))
        oob_mean = preds.mean(axis=0) if masks.all() else _oob_mean(preds, masks)  # too few groups: in-sample
        self._calibrate(ya, oob_mean, preds.std(axis=0))
        self.oob_pred_ = np.where(np.isfinite(oob_mean), oob_mean, preds.mean(axis=0))
        self.oob_mae_ = float(np.nanmean(np.abs(ya - oob_mean)))
        return self

    def _calibrate(self, ya: np.ndarray, oob_mean: np.ndarray, member_sd: np.ndarray) -> None:
        try:
            self.q_, self.tau_, self.sd_ref_ = calibrate_regression(ya, oob_mean, member_sd, self.interval)
        except ModelError:  # tiny training set: conservative intervals (2× a Gaussian band of the target spread)
            log.warning("only %d training rows: intervals are not calibrated, using a conservative band", len(ya))
            self.q_, self.tau_, self.sd_ref_ = _FALLBACK_Q, float(np.std(ya)) or 1.0, 1.0

    def predict(self, X) -> np.ndarray:
        """Ensemble mean (the full-data member's prediction when ``full_fit``)."""
        return self.predict_dist(X).mean

    def predict_dist(self, X, inflate=None) -> RegressionDist:
        """Mean, standard deviation and calibrated ``interval`` bounds; ``inflate`` (per row) widens them."""
        Xa = self._validate_predict(X)
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
        std = half / float(norm.ppf(0.5 + self.interval / 2))
        return RegressionDist(mean, std, mean - half, mean + half, self.interval)


class EnsembleClassifierMixin(_EnsembleMixin, ClassifierMixin):
    """``fit`` / ``predict`` / ``predict_proba`` / ``predict_dist`` for class labels."""

    def fit(self, X, y, groups=None, sample_weight=None):
        """Fit the members on group subsamples and calibrate prediction sets on out-of-bag probabilities.

        Parameters
        ----------
        X, y:
            Feature matrix (NaN allowed) and class labels (at least two classes).
        groups, sample_weight:
            As for the regressors.

        Returns
        -------
        self
        """
        Xa, ya = self._validate_fit(X, y, y_numeric=False)
        check_classification_targets(ya)
        self.classes_, idx = np.unique(ya, return_inverse=True)
        if len(self.classes_) < 2:
            raise ModelInputError(f"only one class ({self.classes_[0]!r}) in the training data: need at least two")
        weights = check_weights(sample_weight, len(idx))
        masks = self._masks(len(idx), groups)
        self._prepare(Xa, idx)
        self._fit_members(Xa, idx, masks, weights)
        probs = self._predict_members(Xa)  # members × rows × classes
        if self._use_full(masks):
            self.members_.append(self._fit_member(Xa, idx, len(masks), weights))
        oob_p = probs.mean(axis=0) if masks.all() else _oob_proba(probs, masks)
        try:
            self.q_ = calibrate_classes(idx, oob_p, self.interval)
        except ModelError:  # tiny training set: prediction sets hold every class
            log.warning("only %d training rows: prediction sets are not calibrated (all classes)", len(idx))
            self.q_ = 1.0
        ok = ~np.isnan(oob_p).any(axis=1)
        self.oob_accuracy_ = float((oob_p[ok].argmax(axis=1) == idx[ok]).mean())
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (columns in the order of ``classes_``)."""
        return self.predict_dist(X).proba

    def predict(self, X) -> np.ndarray:
        """Most probable class."""
        return self.predict_dist(X).label

    def predict_dist(self, X, inflate=None) -> ClassDist:
        """Probabilities, member spread and conformal prediction sets; ``inflate`` > 1 flattens probabilities."""
        Xa = self._validate_predict(X)
        probs = self._predict_members(Xa)
        if self._has_full():
            proba, probs = probs[-1], probs[:-1]
        else:
            proba = probs.mean(axis=0)
        if inflate is not None:
            t = np.asarray(inflate, dtype=float)[:, None]
            proba = proba ** (1.0 / t)
            proba = proba / proba.sum(axis=1, keepdims=True)
        classes = list(self.classes_)
        sets = [[c for c, p in zip(classes, row, strict=True) if p >= 1.0 - self.q_] or
                [classes[int(row.argmax())]] for row in proba]
        return ClassDist(classes, proba, probs.std(axis=0), sets, self.interval)
