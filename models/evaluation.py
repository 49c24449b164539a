"""Cross-validation of :class:`nanosynth.models.pipeline.PropertyModel` on recipe frames: seeded folds, random or
grouped, and the protocols a reactor asks about: leave-one-level-out (interpolation / extrapolation) and end levels.

Metrics per fold: MAE / RMSE / R² in the reported unit (meV for peaks and FWHM, nm for sizes), coverage and mean
width of the calibrated intervals, accuracy and set coverage for shape.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nanosynth.models.features import subset_frames
from nanosynth.models.pipeline import OutOfDomainWarning, PropertyModel, recipe_groups
from nanosynth.models.targets import get_target, target_samples
from nanosynth.schema.errors import ModelError

log = logging.getLogger(__name__)


def particle_counts(frames) -> pd.Series:
    """Particles counted for each recipe's size (parsed from the size outcome's method, ``"...; 1195 particles"``)."""
    outs = frames.outcomes
    size = outs[outs["property"] == "size_nm"]
    counts = size["method"].astype(str).str.extract(r"(\d+) particles", expand=False).astype(float)
    return pd.Series(counts.to_numpy(), index=size["recipe_id"].to_numpy()).groupby(level=0).first()


def fold_assignment(groups: pd.Series, folds: int, seed: int) -> pd.Series:
    """Fold number per recipe: groups shuffled with ``seed`` then dealt greedily to the smallest fold."""
    if folds < 2:
        raise ModelError(f"--folds must be at least 2, got {folds}")
    sizes = groups.value_counts()
    if len(sizes) < folds:
        raise ModelError(f"only {len(sizes)} groups for {folds} folds: use fewer folds or another --group-by")
    rng = np.random.default_rng(seed)
    order = list(sizes.index)
    rng.shuffle(order)
    # big groups first (stable for equal sizes), each to the currently smallest fold
    order.sort(key=lambda g: -sizes[g])
    load = np.zeros(folds)
    fold_of = {}
    for g in order:
        k = int(np.argmin(load))
        fold_of[g] = k
        load[k] += sizes[g]
    return groups.map(fold_of)


def regression_metrics(y, pred, lower=None, upper=None) -> dict:
    y, pred = np.asarray(y, float), np.asarray(pred, float)
    err = pred - y
    ss_tot = float(((y - y.mean()) ** 2).sum())
    out = {"n": int(len(y)), "mae": float(np.abs(err).mean()), "rmse": float(np.sqrt((err ** 2).mean())),
           "r2": float(1 - (err ** 2).sum() / ss_tot) if ss_tot > 0 else float("nan")}
    if lower is not None:
        lower, upper = np.asarray(lower, float), np.asarray(upper, float)
        out["coverage"] = float(((y >= lower) & (y <= upper)).mean())
        out["interval_width"] = float((upper - lower).mean())
    return out


def classification_metrics(y, label, sets=None) -> dict:
    y, label = np.asarray(y, dtype=object), np.asarray(label, dtype=object)
    out = {"n": int(len(y)), "accuracy": float((y == label).mean())}
    if sets is not None:
        out["coverage"] = float(np.mean([t in s.split("|") for t, s in zip(y, sets, strict=True)]))
        out["set_size"] = float(np.mean([len(s.split("|")) for s in sets]))
    return out


@dataclass
class CVResult:
    """Per-fold metrics, their mean, and the out-of-fold predictions."""

    target: str
    model: str
    unit: str
    protocol: str = "grouped"
    folds: list[dict] = field(default_factory=list)
    predictions: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def kind(self) -> str:
        return get_target(self.target).kind

    def overall(self) -> dict:
        """Metrics over all out-of-fold predictions pooled, plus the mean of the per-fold MAE/accuracy."""
        p = self.predictions
        if self.kind == "classification":
            out = classification_metrics(p["y"], p["label"], p["prediction_set"])
            out["fold_mean_accuracy"] = float(np.mean([f["accuracy"] for f in self.folds]))
        else:
            out = regression_metrics(p["y"], p["pred"], p["lower"], p["upper"])
            out["fold_mean_mae"] = float(np.mean([f["mae"] for f in self.folds]))
            for kind, part in p.groupby("split_kind") if "split_kind" in p else ():
                if kind != "fold":
                    sub = regression_metrics(part["y"], part["pred"], part["lower"], part["upper"])
                    out.update({f"{m}_{kind}": sub[m] for m in ("mae", "coverage", "interval_width", "n")})
            if "spectrum" in p and p["spectrum"].notna().any():
                for s, part in p.groupby("spectrum"):
                    out[f"mae_{s}"] = float(np.abs(part["pred"] - part["y"]).mean())
        return out


#: Cross-validation protocols: folds of groups (``grouped``), of recipes (``random``), leave-one-level-out of every
#: grid factor (``level-out``: interior levels = interpolation, end levels = extrapolation), end levels only
#: (``extrapolate``: train inside the range, test beyond it).
PROTOCOLS = ("grouped", "random", "level-out", "extrapolate")
#: Grid factors of the level-out protocols (feature columns of :func:`nanosynth.models.features.base_table`).
LEVEL_FACTORS = ("t_growth_c", "mm_cation_precursor", "mm_anion_precursor", "ratio_ligand_cation")


@dataclass(frozen=True)
class Split:
    """One train/test split: a label (``fold 3``, ``t_growth_c=240``), its kind and the recipe ids."""

    label: str
    kind: str  # "fold", "interpolation" or "extrapolation"
    test_ids: pd.Index
    train_ids: pd.Index


def _rounded(values: pd.Series) -> pd.Series:
    """Values to 3 significant digits (so 10.002 and 10 are one level)."""
    mag = np.floor(np.log10(values.abs().where(values.abs() > 0, 1.0)))
    return pd.Series([round(v, int(2 - m)) if np.isfinite(v) else v for v, m in zip(values, mag, strict=True)],
                     index=values.index)


def level_splits(frames, ids: pd.Index, factors=LEVEL_FACTORS, ends_only: bool = False) -> list[Split]:
    """Leave-one-level-out splits: for every factor with at least 3 levels among ``ids``, each level's recipes are
    the test set and every recipe at another level (or without the factor) trains. Interior levels are labelled
    ``interpolation``, the lowest and highest ``extrapolation``; ``ends_only`` keeps only those.

    Raises
    ------
    ModelError
        When no factor has 3 or more levels (the source is not a grid).
    """
    from nanosynth.models.features import base_table

    table = base_table(subset_frames(frames, ids)).reindex(ids)
    splits = []
    for factor in factors:
        if factor not in table:
            continue
        values = _rounded(pd.to_numeric(table[factor], errors="coerce"))
        levels = sorted(values.dropna().unique())
        if len(levels) < 3:
            continue
        for k, level in enumerate(levels):
            end = k in (0, len(levels) - 1)
            if ends_only and not end:
                continue
            test = values.index[values == level]
            splits.append(Split(f"{factor}={level:g}", "extrapolation" if end else "interpolation", test,
                                ids.difference(test, sort=False)))
    if not splits:
        raise ModelError("no grid factor with 3 or more levels in this selection: use --protocol grouped or random")
    return splits


def fold_splits(frames, ids: pd.Index, folds: int, seed: int, group_by: str | None) -> list[Split]:
    """K-fold splits of ``ids`` by group (``group_by``; each recipe its own group when None/``none``)."""
    fold_of = fold_assignment(recipe_groups(frames, group_by).reindex(ids), folds, seed)
    return [Split(f"fold {k}", "fold", fold_of.index[fold_of == k], fold_of.index[fold_of != k])
            for k in range(folds)]


def _score_split(frames, samples, spec, split: Split, always_train, pm: PropertyModel,
                 max_value) -> tuple[pd.DataFrame, dict]:
    """Fit ``pm`` on the split's training recipes, predict its test recipes; returns predictions and metrics."""
    pm.fit(subset_frames(frames, split.train_ids.append(always_train)), max_value=max_value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OutOfDomainWarning)
        dist = pm.predict_dist(subset_frames(frames, split.test_ids))
    truth = samples[samples["recipe_id"].isin(split.test_ids)]
    merged = truth.merge(dist, on=["recipe_id", "spectrum"] if spec.cascade else ["recipe_id"], how="inner")
    merged["split"], merged["split_kind"] = split.label, split.kind
    if spec.kind == "classification":
        metrics = classification_metrics(merged["y"], merged["label"], merged["prediction_set"])
    else:
        merged["pred"] = merged["mean_model"]
        merged["lower"], merged["upper"] = merged["lower_model"], merged["upper_model"]
        metrics = regression_metrics(merged["y"], merged["pred"], merged["lower"], merged["upper"])
    metrics.update({"split": split.label, "kind": split.kind, "n_train": pm.n_train_})
    return merged, metrics


def _eligible(frames, ids: pd.Index, min_count: int | None) -> tuple[pd.Index, pd.Index]:
    """``(scored ids, always-train ids)`` of the Gu et al. protocol (all scored when ``min_count`` is None)."""
    if min_count is None:
        return ids, pd.Index([])
    counts = particle_counts(frames).reindex(ids)
    if counts.isna().all():
        raise ModelError("--min-count needs particle counts on the size outcomes (gu2024 import): none found")
    eligible = (counts >= min_count).to_numpy()
    return ids[eligible], ids[~eligible]


def cross_validate(frames, target: str, model: str = "xgb", folds: int = 5, seed: int = 0,
                   group_by: str | None = None, max_value: float | None = None,
                   estimator_params: dict | None = None, n_jobs: int = 1,
                   progress: Callable[[int, dict], None] | None = None,
                   min_count: int | None = None, protocol: str = "grouped") -> CVResult:
    """Seeded cross-validation under a protocol (:data:`PROTOCOLS`).

    ``grouped`` deals groups (``group_by``: ``doi``, ``experiment`` ...; recipes when None) into ``folds`` folds,
    ``random`` deals recipes; ``level-out`` holds out every level of every grid factor (:data:`LEVEL_FACTORS`)
    in turn and ``extrapolate`` only the end levels (``folds`` is ignored by both). The model's own calibration
    groups follow ``group_by``. ``min_count`` reproduces the Gu et al. protocol: only recipes whose size was
    measured on at least that many particles are scored; the others are always trained on.
    """
    if protocol not in PROTOCOLS:
        raise ModelError(f"unknown protocol {protocol!r}: use one of {', '.join(PROTOCOLS)}")
    spec = get_target(target)
    samples = target_samples(frames, spec, max_value=max_value)
    if len(samples) < folds * 2:
        raise ModelError(f"{len(samples)} recipes with {spec.prop} are too few for {folds}-fold cross-validation")
    ids, always_train = _eligible(frames, pd.Index(samples["recipe_id"].unique()), min_count)
    if protocol in ("level-out", "extrapolate"):
        splits = level_splits(frames, ids, ends_only=protocol == "extrapolate")
    else:
        splits = fold_splits(frames, ids, folds, seed, None if protocol == "random" else group_by)
    result = CVResult(target, model, spec.unit, protocol=protocol)
    parts = []
    for k, split in enumerate(splits):
        pm = PropertyModel(target, model, group_by=group_by or "none", estimator_params=estimator_params,
                           random_state=seed, n_jobs=n_jobs)
        merged, metrics = _score_split(frames, samples, spec, split, always_train, pm, max_value)
        merged["fold"], metrics["fold"] = k, k
        result.folds.append(metrics)
        parts.append(merged)
        if progress is not None:
            progress(k, metrics)
        log.info("%s: %s", split.label, metrics)
    result.predictions = pd.concat(parts, ignore_index=True)
    return result


@dataclass
class EvaluationResult:
    """A fitted model scored on frames with measured outcomes: metrics, predictions vs truth, domain counts."""

    metrics: dict
    predictions: pd.DataFrame
    n_out_of_domain: int
    n_warnings: int


def evaluate_model(model: PropertyModel, frames) -> EvaluationResult:
    """Score ``model`` on every recipe of ``frames`` that has its target measured.

    Raises
    ------
    ModelError
        When ``frames`` hold none of the target's outcomes.
    """
    spec = model.spec
    truth = target_samples(frames, spec)
    if truth.empty:
        raise ModelError(f"the data has no {spec.prop} outcomes"
                         + (f" for spectrum {'/'.join(spec.spectra)}" if spec.spectra else "")
                         + f": nothing to evaluate a {spec.name} model on")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", OutOfDomainWarning)
        spectra = tuple(sorted(set(truth["spectrum"].dropna()))) if spec.cascade else None
        dist = model.predict_dist(frames, spectra=spectra) if spec.cascade else model.predict_dist(frames)
    merged = truth.merge(dist, on=["recipe_id", "spectrum"] if spec.cascade else ["recipe_id"], how="inner")
    if spec.kind == "classification":
        metrics = classification_metrics(merged["y"], merged["label"], merged["prediction_set"])
    else:
        metrics = regression_metrics(merged["y"], merged["mean_model"], merged["lower_model"],
                                     merged["upper_model"])
        if spec.cascade:
            for spectrum, part in merged.groupby("spectrum"):
                metrics[f"mae_{spectrum}"] = float((part["mean_model"] - part["y"]).abs().mean())
    return EvaluationResult(metrics, merged, int((~merged["in_domain"]).sum()), len(caught))


def _grid_space(frames, ids: pd.Index, factors=LEVEL_FACTORS) -> pd.DataFrame:
    """The grid factors and log time of ``ids``, standardized (log scale for positive inputs spanning ≥ 4×)."""
    from nanosynth.models.features import base_table

    table = base_table(subset_frames(frames, ids))[[*factors, "log_time_s"]].astype(float)
    table = table.loc[:, table.notna().any()]
    for col in table:
        lo, hi = table[col].min(), table[col].max()
        if lo > 0 and hi >= 4 * lo:
            table[col] = np.log(table[col])
    table = table.fillna(table.median())
    std = table.std().replace(0.0, 1.0)
    return (table - table.mean()) / std


def coverage_by_distance(frames, result: CVResult, bins: int = 6) -> pd.DataFrame:
    """Interval coverage and width of out-of-fold predictions against their distance to the training data.

    The distance of a held-out recipe is the Euclidean distance, in the standardized space of the grid factors
    and log time (:func:`_grid_space`), to the nearest recipe its split trained on. Rows are binned by quantiles
    of that distance.

    Returns
    -------
    DataFrame
        One row per bin: ``distance`` (bin median), ``n``, ``coverage``, ``interval_width`` and ``mae`` (learning
        unit of the target, e.g. meV for peaks).
    """
    from sklearn.neighbors import NearestNeighbors

    pred = result.predictions
    if pred.empty or "lower" not in pred:
        raise ModelError("coverage by distance needs regression predictions with intervals")
    space = _grid_space(frames, pd.Index(frames.recipes["recipe_id"]))
    dist = pd.Series(np.nan, index=pred.index)
    for _, part in pred.groupby("split"):
        test = pd.Index(part["recipe_id"].unique())
        train = space.index.difference(test)
        nn = NearestNeighbors(n_neighbors=1).fit(space.loc[train].to_numpy())
        d, _ = nn.kneighbors(space.loc[part["recipe_id"]].to_numpy())
        dist.loc[part.index] = d[:, 0]
    frame = pd.DataFrame({"distance": dist, "covered": (pred["y"] >= pred["lower"]) & (pred["y"] <= pred["upper"]),
                          "width": pred["upper"] - pred["lower"], "error": (pred["pred"] - pred["y"]).abs()})
    frame["bin"] = pd.qcut(frame["distance"].rank(method="first"), bins, labels=False)
    return frame.groupby("bin").agg(distance=("distance", "median"), n=("covered", "size"),
                                    coverage=("covered", "mean"), interval_width=("width", "mean"),
                                    mae=("error", "mean")).reset_index(drop=True)
