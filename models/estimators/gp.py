"""Gaussian-process regressor on continuous inputs: a linear trend plus an ARD RBF process, level-aware intervals.

Why a smooth learner: on a grid of conditions (temperatures 210/240/270/300 °C, concentrations 5/10/20/40 mM ...)
a tree ensemble can only cut *between* grid values, so every off-grid input lands in the leaf of one neighbour
level: its prediction is a step, and all members agree on that step (narrow, wrong intervals). A GP is smooth in
every input, follows the linear trend beyond the range and its predictive standard deviation grows with the
distance to the training data.

Inputs are prepared once from the training matrix: constant and duplicate columns dropped, strictly positive
columns spanning ≥ ``log_ratio`` (concentrations, ratios) log-transformed, NaN median-imputed, standardized.
A ridge trend is fitted on all rows, the GP (kernel hyper-parameters by marginal likelihood) on the residuals
of at most ``max_train`` rows. Intervals are split-conformal on held-out predictions: score ``|y - mean| / sd``
with ``sd`` the GP predictive standard deviation, from (a) folds of whole groups (experiments ...) and (b)
leave-one-level-out folds over every input that takes few values (``max_levels``). Interior levels give the
quantile used inside the training range, end levels the quantile used beyond it (split-conformal over the held-out
end levels as units: the conformal quantile of their per-level quantiles). Persistence: safetensors.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.linalg import cho_factor, cho_solve
from scipy.stats import norm
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import validate_data

from nanosynth.models.calibration import conformal_quantile
from nanosynth.models.errors import ModelInputError
from nanosynth.models.estimators.base import FittedStateMixin, RegressionDist

log = logging.getLogger(__name__)


def _rbf(a: np.ndarray, b: np.ndarray, length: np.ndarray, amp: float) -> np.ndarray:
    """ARD squared-exponential kernel matrix between rows of ``a`` and ``b``."""
    a, b = a / length, b / length
    sq = (a * a).sum(axis=1)[:, None] + (b * b).sum(axis=1)[None, :] - 2.0 * a @ b.T
    return amp * np.exp(-0.5 * np.clip(sq, 0.0, None))


def _levels(col: np.ndarray, max_levels: int) -> tuple[np.ndarray, np.ndarray] | None:
    """``(rounded column, its distinct values)`` at 3 significant digits when there are 3..``max_levels`` values.

    Rows are matched to a level on the rounded column itself, so a level is never lost to rounding.
    """
    rounded = np.round(col, 3 - int(np.floor(np.log10(max(np.nanmax(np.abs(col)), 1e-12)))) - 1)
    vals = np.unique(rounded[np.isfinite(rounded)])
    return (rounded, vals) if 3 <= len(vals) <= max_levels else None


class GPRegressor(FittedStateMixin, RegressorMixin, BaseEstimator):
    """Gaussian process with a linear trend and level-aware conformal intervals (regression only).

    Parameters
    ----------
    interval:
        Coverage of :meth:`predict_dist` intervals (0.9 = 90 %).
    columns:
        Names of the input columns to use (those present in ``X``; all columns when None). The physics of a source
        picks them, e.g. temperature, the two concentrations, the ligand ratio and log time for the microreactor.
    max_train:
        Rows the GP is fitted on (a seeded subsample when there are more; the trend uses all rows).
    n_folds:
        Group folds used to calibrate intervals for new groups at known input values.
    max_levels:
        An input with at most this many distinct training values counts as a grid factor: each of its levels is
        held out once to calibrate intervals between (interior levels) and beyond (end levels) the grid.
    log_ratio:
        Strictly positive inputs with max/min at least this are modelled on a log scale.
    min_length:
        Lower bound of every length scale (standardized inputs): the response may not wiggle faster than about
        one grid step, so a held-out level is bridged by its neighbours instead of fitted as a separate bump.
    ridge:
        L2 penalty of the linear trend (standardized inputs).
    random_state, n_jobs:
        Seed of the subsample and fold assignment; ``n_jobs`` is accepted for interface parity (unused).
    """

    #: Intervals beyond the training range are calibrated on held-out end levels (``q_out_``), so the model
    #: pipeline does not widen them again for out-of-domain inputs.
    calibrated_beyond_range = True
    _fitted_attribute = "z_train_"

    def __init__(self, interval: float = 0.9, columns: list[str] | None = None, max_train: int = 1500,
                 n_folds: int = 5, max_levels: int = 8, log_ratio: float = 4.0, min_length: float = 0.7,
                 ridge: float = 1.0, random_state: int = 0, n_jobs: int = 1):
        self.interval = interval
        self.columns = columns
        self.max_train = max_train
        self.n_folds = n_folds
        self.max_levels = max_levels
        self.log_ratio = log_ratio
        self.min_length = min_length
        self.ridge = ridge
        self.random_state = random_state
        self.n_jobs = n_jobs

    # ---------------------------------------------------------------------------------------- input space
    def _prepare(self, X: np.ndarray) -> None:
        """Columns kept, log flags, imputation and scaling from the training matrix."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            fill = np.nan_to_num(np.nanmedian(X, axis=0), nan=0.0)
        Xc = np.where(np.isfinite(X), X, fill)
        keep, seen = [], set()
        names = getattr(self, "feature_names_in_", None)
        wanted = None if self.columns is None or names is None else set(self.columns)
        for j in range(X.shape[1]):
            if wanted is not None and str(names[j]) not in wanted:
                continue
            key = Xc[:, j].round(9).tobytes()
            if np.ptp(Xc[:, j]) > 1e-9 and key not in seen:
                keep.append(j)
                seen.add(key)
        self.keep_ = np.asarray(keep, dtype=int)
        cols = Xc[:, self.keep_]
        lo, hi = cols.min(axis=0), cols.max(axis=0)
        self.log_ = (lo > 0) & (hi >= self.log_ratio * np.where(lo > 0, lo, 1.0))
        self.fill_ = fill
        raw = self._raw(X)
        self.x_mean_, self.x_std_ = raw.mean(axis=0), raw.std(axis=0)
        self.x_std_[self.x_std_ < 1e-9] = 1.0
        if not len(self.keep_):
            raise ModelInputError("every input column is constant: a GP needs at least one varying condition")

    def _raw(self, X: np.ndarray) -> np.ndarray:
        Xc = np.where(np.isfinite(X), X, self.fill_)[:, self.keep_]
        return np.where(self.log_, np.log(np.clip(Xc, 1e-12, None)), Xc)

    def _z(self, X: np.ndarray) -> np.ndarray:
        return (self._raw(X) - self.x_mean_) / self.x_std_

    # -------------------------------------------------------------------------------------------- fitting
    def fit(self, X, y, groups=None, sample_weight=None, X_calibration=None):
        """Fit trend, kernel and GP, then calibrate the intervals on held-out groups and levels.

        Parameters
        ----------
        X, y:
            Feature matrix (NaN allowed) and numeric target.
        groups:
            Group label per row (experiment, paper ...): calibration folds hold out whole groups.
        sample_weight:
            Not supported (must be None); a GP weights every row equally.
        X_calibration:
            Replaces ``X`` for the held-out calibration predictions (cascade inputs predicted at use).

        Returns
        -------
        self
        """
        Xa, ya = validate_data(self, X, y, dtype=np.float64, ensure_all_finite=False, y_numeric=True)
        ya = ya.astype(float)
        if len(ya) < 5 or not np.isfinite(ya).all():
            raise ModelInputError("a GP needs at least 5 rows with a finite target: filter the selection")
        if sample_weight is not None:
            raise ModelInputError("GPRegressor does not support sample weights: use --model xgb for weighting")
        self._prepare(Xa)
        Z = self._z(Xa)
        self.y_mean_, self.y_std_ = float(ya.mean()), float(ya.std()) or 1.0
        yz = (ya - self.y_mean_) / self.y_std_
        rng = np.random.default_rng(self.random_state)
        sub = np.sort(rng.choice(len(ya), size=min(self.max_train, len(ya)), replace=False))
        self.coef_ = self._trend(Z, yz)
        self._fit_kernel(Z[sub], yz[sub] - Z[sub] @ self.coef_)
        self.z_train_, self.r_train_ = Z[sub], yz[sub] - Z[sub] @ self.coef_
        self._factor()
        Zc = Z if X_calibration is None else self._z(self._validate_predict(X_calibration, check=False))
        g = np.arange(len(ya)) if groups is None else pd.factorize(np.asarray(groups))[0]
        held = self._calibrate(Zc[sub], yz[sub], g[sub], Z[sub])
        self.oob_pred_ = self._predict_z(Zc)[0]  # rows outside the GP subsample are new to the process
        self.oob_pred_[sub] = held
        self.oob_mae_ = float(np.mean(np.abs(ya[sub] - held)))
        return self

    def _trend(self, Z: np.ndarray, yz: np.ndarray) -> np.ndarray:
        """Ridge coefficients of the linear trend (no intercept: inputs and target are centred)."""
        a = Z.T @ Z + self.ridge * np.eye(Z.shape[1])
        return np.linalg.solve(a, Z.T @ yz)

    def _fit_kernel(self, Z: np.ndarray, r: np.ndarray) -> None:
        """Amplitude, ARD length scales and noise by marginal likelihood (scikit-learn's optimizer)."""
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import RBF, WhiteKernel
        from sklearn.gaussian_process.kernels import ConstantKernel as C

        kernel = C(1.0, (1e-4, 1e2)) * RBF(np.ones(Z.shape[1]), (self.min_length, 1e2)) + WhiteKernel(1e-2, (1e-6, 1.0))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # bound warnings of the optimizer
            gp = GaussianProcessRegressor(kernel, random_state=self.random_state).fit(Z, r)
        k = gp.kernel_
        self.amp_ = float(k.k1.k1.constant_value)
        self.length_ = np.atleast_1d(np.asarray(k.k1.k2.length_scale, dtype=float))
        self.noise_ = float(k.k2.noise_level)

    def _factor(self) -> None:
        """Cholesky factor and weights of the GP on the stored training rows."""
        K = _rbf(self.z_train_, self.z_train_, self.length_, self.amp_)
        K[np.diag_indices_from(K)] += self.noise_ + 1e-8
        self.chol_ = cho_factor(K, lower=True)
        self.alpha_ = cho_solve(self.chol_, self.r_train_)

    def _gp(self, Z: np.ndarray, Zt: np.ndarray, chol, alpha) -> tuple[np.ndarray, np.ndarray]:
        """Standardized mean (trend + process) and predictive sd at rows ``Z`` given training rows ``Zt``."""
        out_m, out_s = np.empty(len(Z)), np.empty(len(Z))
        for start in range(0, len(Z), 2000):  # bounded memory
            zb = Z[start:start + 2000]
            ks = _rbf(zb, Zt, self.length_, self.amp_)
            v = cho_solve(chol, ks.T)
            out_m[start:start + 2000] = ks @ alpha + zb @ self.coef_
            var = self.amp_ - np.einsum("ij,ji->i", ks, v) + self.noise_
            out_s[start:start + 2000] = np.sqrt(np.clip(var, self.noise_, None))
        return out_m, out_s

    # ---------------------------------------------------------------------------------------- calibration
    def _held_out(self, train: np.ndarray, test: np.ndarray, Zc: np.ndarray, yz: np.ndarray,
                  Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Standardized mean and sd of the ``test`` rows from a GP (fixed kernel, refitted trend) on ``train``."""
        coef = self._trend(Z[train], yz[train])
        r = yz[train] - Z[train] @ coef
        K = _rbf(Z[train], Z[train], self.length_, self.amp_)
        K[np.diag_indices_from(K)] += self.noise_ + 1e-8
        chol = cho_factor(K, lower=True)
        saved, self.coef_ = self.coef_, coef
        try:
            return self._gp(Zc[test], Z[train], chol, cho_solve(chol, r))
        finally:
            self.coef_ = saved

    def _level_folds(self, Z: np.ndarray) -> list[tuple[np.ndarray, bool]]:
        """(test mask, is-end-level) for every level of every grid-like input."""
        folds = []
        for j in range(Z.shape[1]):
            found = _levels(Z[:, j], self.max_levels)
            if found is None:
                continue
            rounded, levels = found
            for k, level in enumerate(levels):
                folds.append((rounded == level, k in (0, len(levels) - 1)))
        return folds

    def _calibrate(self, Zc: np.ndarray, yz: np.ndarray, groups: np.ndarray, Z: np.ndarray) -> np.ndarray:
        """Set the conformal quantiles ``q_`` (inside the range) and ``q_out_`` (beyond it); returns the
        out-of-group predictions of the rows (target unit)."""
        rng = np.random.default_rng(self.random_state)
        uniq = np.unique(groups)
        fold_of = dict(zip(rng.permutation(uniq), np.arange(len(uniq)) % max(2, self.n_folds), strict=True))
        fold = np.array([fold_of[g] for g in groups])
        oob = np.full(len(yz), np.nan)
        inner, outer = [], []
        for k in np.unique(fold):
            test = fold == k
            m, s = self._held_out(~test, test, Zc, yz, Z)
            oob[test] = m
            inner.append(np.abs(yz[test] - m) / s)
        for test, end in self._level_folds(Z):
            if test.all() or not test.any():
                continue
            m, s = self._held_out(~test, test, Zc, yz, Z)
            (outer if end else inner).append(np.abs(yz[test] - m) / s)
        self.q_ = conformal_quantile(np.concatenate(inner), self.interval)
        # A new end level is a new unit, as each held-out end level was: conformal over the levels' own
        # quantiles (with 8 end levels that is the largest), so one factor that extrapolates worse than the others
        # is not averaged away by the rows of the easy ones.
        self.q_out_ = (conformal_quantile(np.array([conformal_quantile(o, self.interval) for o in outer]),
                                          self.interval) if outer else self.q_)
        self.z_lo_, self.z_hi_ = Z.min(axis=0), Z.max(axis=0)
        return oob * self.y_std_ + self.y_mean_

    # ---------------------------------------------------------------------------------------------- predict
    def _validate_predict(self, X, check: bool = True) -> np.ndarray:
        if check:
            self._check_fitted()
        return validate_data(self, X, dtype=np.float64, ensure_all_finite=False, reset=False)

    def _predict_z(self, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and predictive sd in the target unit at standardized rows ``Z``."""
        m, s = self._gp(Z, self.z_train_, self.chol_, self.alpha_)
        return m * self.y_std_ + self.y_mean_, s * self.y_std_

    def predict(self, X) -> np.ndarray:
        """Posterior mean (trend + process)."""
        return self.predict_dist(X).mean

    def predict_dist(self, X, inflate=None):
        """Mean, Gaussian-equivalent sd and calibrated ``interval`` bounds; ``inflate`` (per row) widens them.

        Rows with any input beyond the training range use the end-level quantile ``q_out_``.
        """
        Z = self._z(self._validate_predict(X))
        mean, sd = self._predict_z(Z)
        beyond = ((Z < self.z_lo_ - 1e-9) | (Z > self.z_hi_ + 1e-9)).any(axis=1)
        half = np.where(beyond, max(self.q_out_, self.q_), self.q_) * sd
        if inflate is not None:
            half = half * np.asarray(inflate, dtype=float)
        std = half / float(norm.ppf(0.5 + self.interval / 2))
        return RegressionDist(mean, std, mean - half, mean + half, self.interval)

    # ----------------------------------------------------------------------------------------- persistence
    _STATE = ("keep_", "log_", "fill_", "x_mean_", "x_std_", "coef_", "length_", "z_train_", "r_train_",
              "z_lo_", "z_hi_")
    _SCALARS = ("y_mean_", "y_std_", "amp_", "noise_", "q_", "q_out_")

    def save_members(self, directory: Path) -> list[str]:
        """Write ``gp.safetensors`` (input transform, trend, kernel, training rows, calibration constants)."""
        from safetensors.numpy import save_file

        self._check_fitted()
        tensors = {k: np.ascontiguousarray(getattr(self, k), dtype=np.float64) for k in self._STATE}
        tensors["scalars"] = np.array([getattr(self, k) for k in self._SCALARS], dtype=np.float64)
        save_file(tensors, str(Path(directory) / "gp.safetensors"))
        return ["gp.safetensors"]

    def load_members(self, directory: Path, names: list[str]) -> None:
        """Restore what :meth:`save_members` wrote and refactor the kernel matrix."""
        from safetensors.numpy import load_file

        tensors = load_file(str(Path(directory) / names[0]))
        for k in self._STATE:
            setattr(self, k, tensors[k])
        self.keep_ = self.keep_.astype(int)
        self.log_ = self.log_.astype(bool)
        for k, v in zip(self._SCALARS, tensors["scalars"], strict=True):
            setattr(self, k, float(v))
        self._factor()
