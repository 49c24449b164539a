"""``PropertyModel``: recipe frames → features → ensemble → calibrated prediction, with the FWHM cascade.

The scikit-learn contract holds at the frames level: parameters in ``__init__``, ``fit(frames)`` learns
attributes ending in ``_``, ``predict``/``predict_dist`` raise :class:`nanosynth.models.errors.NotFittedError` before fit.
Inputs outside the training domain (unknown chemicals or composition, temperatures/concentrations outside the
training range) are predicted anyway, with a warning and intervals widened by ``ood_inflation``.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from nanosynth.models.errors import NotFittedError
from nanosynth.models.estimators import make_estimator
from nanosynth.models.features import (
    FeatureBuilder,
    FeatureConfig,
    check_frames,
    frames_for_conditions,
    subset_frames,
)
from nanosynth.models.targets import PEAK_OF_SPECTRUM, get_target, measured_inputs, mev_to_nm, target_samples
from nanosynth.schema.errors import ModelError

log = logging.getLogger(__name__)

GROUP_KEYS = ("none", "doi", "citation", "experiment", "series", "composition")


class OutOfDomainWarning(UserWarning):
    """Some prediction inputs lie outside the training domain; their uncertainty was widened."""


def recipe_groups(frames, how: str | None) -> pd.Series:
    """Group label per recipe id: ``doi`` (then citation), ``citation`` (then DOI), ``experiment``/``series``
    (``series_key``), ``composition``, or ``none`` (each recipe its own group)."""
    rec = frames.recipes.set_index("recipe_id")
    ids = rec.index.to_series()
    key = (how or "none").lower()
    if key not in GROUP_KEYS:
        raise ModelError(f"unknown grouping {how!r}: use one of {', '.join(GROUP_KEYS)}")
    fallback = "recipe:" + ids.astype(str)
    if key == "none":
        return fallback
    if key == "doi":
        col = rec["doi"].fillna(rec["citation"])
    elif key == "citation":
        col = rec["citation"].fillna(rec["doi"])
    elif key in ("experiment", "series"):
        col = rec["series_key"]
    else:
        col = rec["target_composition"]
    return col.where(col.notna(), fallback).astype(str)


def select_recipes(frames, max_size_nm: float | None = None):
    """Recipes whose size outcome is ≤ ``max_size_nm`` (all when None) — the Gu et al. ≤ 20 nm selection."""
    if max_size_nm is None:
        return frames
    outs = frames.outcomes
    size = outs[outs["property"] == "size_nm"]
    keep = size[pd.to_numeric(size["value"], errors="coerce") <= max_size_nm]["recipe_id"].unique()
    return subset_frames(frames, keep)


class PropertyModel(BaseEstimator):
    """Synthesis → property model on recipe frames.

    Parameters
    ----------
    target:
        ``size_nm``, ``shape``, ``abs_peak_nm``, ``pl_peak_nm``, ``fwhm_mev`` (both spectra, cascade),
        ``pl_fwhm_mev``, ``abs_fwhm_mev``, ``size_dist_pct``.
    model:
        ``xgb`` (XGBoost ensemble), ``nn`` (PyTorch deep ensemble), ``rf`` (random-forest baseline) or ``et``
        (extremely randomized trees).
    group_by:
        How members' subsamples are drawn for calibration (``none``, ``doi``, ``citation``, ``experiment``...):
        match the situation the intervals must hold in (new papers, new experiments ...).
    interval:
        Coverage of the predictive intervals.
    ood_inflation:
        Factor on the interval half-width of out-of-domain inputs.
    estimator_params:
        Extra parameters of the estimator (e.g. ``{"n_estimators": 300}``).
    feature_config:
        :class:`nanosynth.models.features.FeatureConfig`.
    random_state, n_jobs:
        Seed and threads.
    """

    def __init__(self, target: str = "size_nm", model: str = "xgb", group_by: str = "none",
                 interval: float = 0.9, ood_inflation: float = 3.0, estimator_params: dict | None = None,
                 feature_config: FeatureConfig | None = None, random_state: int = 0, n_jobs: int = 1):
        self.target = target
        self.model = model
        self.group_by = group_by
        self.interval = interval
        self.ood_inflation = ood_inflation
        self.estimator_params = estimator_params
        self.feature_config = feature_config
        self.random_state = random_state
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------------------------------------ helpers
    @property
    def spec(self):
        return get_target(self.target)

    def _estimator(self):
        params = {"interval": self.interval, "random_state": self.random_state, "n_jobs": self.n_jobs}
        params.update(self.estimator_params or {})
        return make_estimator(self.model, self.spec.kind, **params)

    def _design(self, frames, samples: pd.DataFrame, X: pd.DataFrame, cascade_peaks: dict | None) -> pd.DataFrame:
        """Rows of ``samples`` (recipe_id, spectrum): features, plus spectrum flag and cascade peak (FWHM)."""
        design = X.loc[samples["recipe_id"].to_numpy()].reset_index(drop=True)
        if self.spec.inputs:
            design = pd.concat([design, measured_inputs(frames, self.spec, samples["recipe_id"].to_numpy())], axis=1)
        if self.spec.cascade:
            design["spectrum=pl"] = (samples["spectrum"].to_numpy() == "pl").astype(float)
            peak = np.full(len(samples), np.nan)
            for spectrum in self.spec.spectra:
                rows = (samples["spectrum"] == spectrum).to_numpy()
                if rows.any() and cascade_peaks is not None and spectrum in cascade_peaks:
                    peak[rows] = cascade_peaks[spectrum].reindex(samples.loc[rows, "recipe_id"]).to_numpy()
            design["cascade_peak_mev"] = peak
        return design

    def _check_fitted(self):
        if not hasattr(self, "estimator_"):
            raise NotFittedError(f"this PropertyModel({self.target!r}) is not fitted yet: call fit(frames) first")

    # -------------------------------------------------------------------------------------------------- fit
    def fit(self, frames, y=None, max_value: float | None = None) -> PropertyModel:
        """Train on every recipe of ``frames`` that has the target outcome (``y`` is ignored: the target comes
        from the frames' outcomes).

        Raises
        ------
        ModelError
            When fewer than two recipes carry the target (empty or single-row selection).
        """
        frames = check_frames(frames)
        spec = self.spec
        samples = target_samples(frames, spec, max_value=max_value)
        if len(samples) < 2:
            raise ModelError(
                f"cannot train {spec.name}: the selection has {len(samples)} recipe(s) with a {spec.prop} outcome "
                "(need at least 2, realistically dozens). Import the dataset (nanosynth db import) or widen the "
                "selection"
            )
        train_frames = subset_frames(frames, samples["recipe_id"].unique())
        self.features_ = FeatureBuilder(self.feature_config).fit(train_frames)
        X = self.features_.transform(train_frames)
        self.cascade_ = {}
        true_peaks = calib_peaks = None
        if spec.cascade:
            true_peaks, calib_peaks = self._fit_cascade(frames, samples)
        design = self._design(train_frames, samples, X, true_peaks)
        fit_kwargs = {}
        if calib_peaks is not None:
            fit_kwargs["X_calibration"] = self._design(train_frames, samples, X, calib_peaks)
        groups = recipe_groups(train_frames, self.group_by).reindex(samples["recipe_id"]).to_numpy()
        self.estimator_ = self._estimator().fit(design, self._learning_target(samples), groups=groups, **fit_kwargs)
        self.train_ids_ = samples["recipe_id"].to_numpy()
        self.columns_ = list(design.columns)
        self.n_train_ = len(samples)
        return self

    def _learning_target(self, samples: pd.DataFrame) -> np.ndarray:
        """The target values in the learning space (log for log-scale targets)."""
        spec = self.spec
        y = samples["y"].to_numpy()
        if spec.log:
            if spec.kind != "regression" or (y.astype(float) <= 0).any():
                raise ModelError(f"{spec.name} must be positive to be learned on a log scale")
            y = np.log(y.astype(float))
        return y

    def _fit_cascade(self, frames, samples: pd.DataFrame) -> tuple[dict, dict]:
        """Fit one peak model per spectrum (``cascade_``); returns the peaks fed to the FWHM model in training
        (measured, else predicted) and for calibration (out-of-bag predictions, else the training peaks)."""
        true_peaks, oob_peaks = {}, {}
        for spectrum in self.spec.spectra:
            peak_target = PEAK_OF_SPECTRUM[spectrum]
            sub = PropertyModel(peak_target, self.model, self.group_by, self.interval, self.ood_inflation,
                                self.estimator_params, self.feature_config, self.random_state, self.n_jobs)
            sub.fit(frames)
            self.cascade_[spectrum] = sub
            peak_samples = target_samples(frames, get_target(peak_target))
            true_peaks[spectrum] = peak_samples.set_index("recipe_id")["y"]
            # out-of-bag (new-experiment) peak predictions calibrate the FWHM intervals
            oob_peaks[spectrum] = pd.Series(sub.estimator_.oob_pred_, index=sub.train_ids_)
            # recipes without a measured peak get the cascade prediction
            missing = sorted(set(samples.loc[samples["spectrum"] == spectrum, "recipe_id"]) -
                             set(true_peaks[spectrum].index))
            if missing:
                pred = sub.predict_dist(subset_frames(frames, missing))
                true_peaks[spectrum] = pd.concat([true_peaks[spectrum], pred.set_index("recipe_id")["mean_model"]])
        calib = {s: oob_peaks[s].reindex(true_peaks[s].index).fillna(true_peaks[s]) for s in oob_peaks}
        return true_peaks, calib

    # ---------------------------------------------------------------------------------------------- predict
    def predict_dist(self, frames, spectra: tuple[str, ...] | None = None) -> pd.DataFrame:
        """One row per recipe (per recipe and spectrum for FWHM): prediction with calibrated uncertainty.

        Columns: ``recipe_id``, ``spectrum`` (FWHM only), ``mean``, ``std``, ``lower``, ``upper`` in the stored
        unit of the target (nm for sizes and peaks, meV for FWHM), ``mean_model``/``lower_model``/``upper_model``
        in the learning space (meV for peaks), ``in_domain`` and ``warning``. Classification gives ``label``,
        ``proba_<class>``, ``prediction_set`` and ``confidence`` instead.
        """
        self._check_fitted()
        frames = check_frames(frames)
        spec = self.spec
        X, report = self.features_.transform_with_report(frames)
        samples, sub_dists = self._prediction_rows(frames, X.index.to_numpy(), spectra)
        peaks = {s: d["mean_model"] for s, d in sub_dists.items()} if spec.cascade else None
        design = self._design(frames, samples, X, peaks)
        if len(design) == 0:
            return pd.DataFrame(columns=["recipe_id", "mean", "std", "lower", "upper", "in_domain", "warning"])
        flagged = report.flagged(samples["recipe_id"].to_numpy())
        for s, sub_d in sub_dists.items():  # a cascade input outside its domain flags the FWHM row too
            rows = (samples["spectrum"] == s).to_numpy()
            flagged[rows] |= ~sub_d["in_domain"].reindex(samples.loc[rows, "recipe_id"]).fillna(False).to_numpy(bool)
        reasons = ["; ".join(report.reasons(r)) for r in samples["recipe_id"]]
        self._warn_out_of_domain(flagged, reasons)
        out = samples.copy()
        dist = self.estimator_.predict_dist(design, inflate=np.where(flagged, self._inflation(), 1.0))
        if spec.kind == "classification":
            _class_columns(out, dist)
        else:
            self._regression_columns(out, dist)
        out["in_domain"] = ~flagged
        out["warning"] = [r if f else "" for r, f in zip(reasons, flagged, strict=True)]
        if not spec.cascade:
            out = out.drop(columns=["spectrum"])
        return out.reset_index(drop=True)

    def _prediction_rows(self, frames, ids: np.ndarray, spectra) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
        """Rows to predict (recipe_id, spectrum) and, for FWHM, each spectrum's peak predictions by recipe."""
        if not self.spec.cascade:
            return pd.DataFrame({"recipe_id": ids, "spectrum": None}), {}
        use = spectra or self.spec.spectra
        samples = pd.DataFrame({"recipe_id": np.concatenate([ids] * len(use)),
                                "spectrum": np.repeat(list(use), len(ids))})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OutOfDomainWarning)
            sub_dists = {s: self.cascade_[s].predict_dist(frames).set_index("recipe_id") for s in use}
        return samples, sub_dists

    def _inflation(self) -> float:
        """Interval factor for out-of-domain rows: 1 for an estimator whose intervals are already calibrated on
        held-out levels beyond the range (``gp``), else ``ood_inflation``."""
        return 1.0 if getattr(self.estimator_, "calibrated_beyond_range", False) else self.ood_inflation

    def _warn_out_of_domain(self, flagged: np.ndarray, reasons: list[str]) -> None:
        if flagged.any():
            example = next(r for r, f in zip(reasons, flagged, strict=True) if f) or "cascade input"
            warnings.warn(
                f"{int(flagged.sum())} of {len(flagged)} prediction input(s) are outside the training domain of "
                f"{self.spec.name} (e.g. {example}): their uncertainty was widened ×{self._inflation():g}"
                + (" (beyond-range calibration of the model)" if self._inflation() == 1.0 else ""),
                OutOfDomainWarning, stacklevel=3)

    def _regression_columns(self, out: pd.DataFrame, dist) -> None:
        """Mean/std/interval columns in the learning space (``*_model``) and in the stored unit (in place)."""
        spec = self.spec
        if spec.log:  # back from log space: median-type mean, multiplicative interval, delta-method std
            dist.mean, dist.lower, dist.upper = np.exp(dist.mean), np.exp(dist.lower), np.exp(dist.upper)
            dist.std = dist.std * dist.mean
        out["mean_model"], out["lower_model"], out["upper_model"] = dist.mean, dist.lower, dist.upper
        out["std_model"] = dist.std
        if spec.energy:
            out["mean"] = mev_to_nm(dist.mean)
            out["lower"] = mev_to_nm(dist.upper)  # higher energy = shorter wavelength
            out["upper"] = mev_to_nm(np.maximum(dist.lower, 1e-6))
            out["std"] = dist.std * out["mean"] / dist.mean  # dλ = λ dE / E
        else:
            out["mean"], out["lower"], out["upper"], out["std"] = dist.mean, dist.lower, dist.upper, dist.std

    def predict(self, frames) -> np.ndarray:
        """Point predictions (stored unit; class label for shape)."""
        dist = self.predict_dist(frames)
        return dist["label"].to_numpy() if self.spec.kind == "classification" else dist["mean"].to_numpy()


def _class_columns(out: pd.DataFrame, dist) -> None:
    """Label, per-class probability, confidence and prediction-set columns (in place)."""
    out["label"] = dist.label
    for k, c in enumerate(dist.classes):
        out[f"proba_{c}"] = dist.proba[:, k]
    out["confidence"] = dist.proba.max(axis=1)
    out["prediction_set"] = ["|".join(str(c) for c in s) for s in dist.sets]


def predict_conditions(model: PropertyModel, conditions: pd.DataFrame, composition: str = "CdSe") -> pd.DataFrame:
    """Predictions with uncertainty for plain reactor-condition rows (the input columns are kept).

    Parameters
    ----------
    model:
        A fitted (or loaded) model trained on the ``cdse-hte`` source (``abs_peak_nm``, ``pl_peak_nm``,
        ``fwhm_mev`` ...).
    conditions:
        Columns ``temperature_c``, ``cd_mm``, ``se_mm``, ``oa_cd_ratio``, ``time_s`` (see
        :func:`nanosynth.models.features.frames_for_conditions`).

    Returns
    -------
    DataFrame
        ``conditions`` joined with ``mean``, ``std``, ``lower``, ``upper`` (nm for peaks, meV for FWHM),
        ``mean_model``/``lower_model``/``upper_model`` (meV for peaks), ``in_domain`` and ``warning``; FWHM models
        give one row per condition and spectrum.
    """
    dist = model.predict_dist(frames_for_conditions(conditions, composition))
    inputs = conditions.reset_index(drop=True).loc[dist["recipe_id"]].reset_index(drop=True)
    return pd.concat([inputs, dist.drop(columns=["recipe_id"])], axis=1)
