"""Split-conformal calibration on out-of-bag predictions.

Regression uses scores ``|y - mean| / sigma`` with ``sigma = tau · max(1, sd / sd_ref)``: ``tau`` is the median
out-of-bag absolute residual, ``sd`` the spread of the ensemble members at the point and ``sd_ref`` the 95th
percentile of that spread over the training rows. The interval is ``mean ± q · sigma``: constant width for inputs
like the training data (the member spread at training rows is distorted by in-bag members and is not used there),
wider where the members disagree more than anywhere in training. Classification uses the least-ambiguous set-valued score ``1 - p(true class)``.
"""

from __future__ import annotations

import math

import numpy as np

from nanosynth.schema.errors import ModelError


def conformal_quantile(scores: np.ndarray, level: float) -> float:
    """The finite-sample conformal quantile ``ceil((n+1)·level)/n`` of ``scores`` (inf when too few)."""
    scores = np.asarray(scores, dtype=float)
    scores = scores[np.isfinite(scores)]
    n = len(scores)
    if not 0.0 < level < 1.0:
        raise ModelError(f"interval level {level} must be between 0 and 1 (e.g. 0.9)")
    if n == 0:
        return math.inf
    rank = math.ceil((n + 1) * level)
    if rank > n:
        return float(scores.max())
    return float(np.sort(scores)[rank - 1])


def regression_scale(member_sd: np.ndarray, tau: float, sd_ref: float) -> np.ndarray:
    """``sigma`` of the score: ``tau`` widened where the member spread exceeds its training reference."""
    ratio = np.asarray(member_sd, dtype=float) / max(sd_ref, 1e-12)
    return tau * np.maximum(1.0, ratio)


def calibrate_regression(y: np.ndarray, oob_mean: np.ndarray, member_sd: np.ndarray,
                         level: float) -> tuple[float, float, float]:
    """``(q, tau, sd_ref)`` from out-of-bag predictions (NaN where a point was never out of bag)."""
    ok = np.isfinite(oob_mean)
    resid = np.abs(np.asarray(y, dtype=float)[ok] - oob_mean[ok])
    if len(resid) < 5:
        raise ModelError(
            f"only {len(resid)} out-of-bag predictions to calibrate the uncertainty: train on more recipes "
            "(at least ~20) or with more ensemble members"
        )
    tau = float(np.median(resid)) or 1e-6
    sd_ref = float(np.percentile(member_sd, 95)) or 1e-6
    scores = resid / regression_scale(member_sd[ok], tau, sd_ref)
    return conformal_quantile(scores, level), tau, sd_ref


def calibrate_classes(y_idx: np.ndarray, oob_proba: np.ndarray, level: float) -> float:
    """Threshold ``q`` so that the set ``{k: p_k >= 1 - q}`` covers ``level`` of out-of-bag points."""
    ok = np.isfinite(oob_proba).all(axis=1)
    if ok.sum() < 5:
        raise ModelError("too few out-of-bag predictions to calibrate prediction sets: train on more recipes")
    scores = 1.0 - oob_proba[ok, y_idx[ok]]
    return conformal_quantile(scores, level)
