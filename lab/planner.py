"""Experiment planning: prior-seeded or space-filling first batch, then Bayesian optimization.

Surrogate: one scikit-learn Gaussian process per optimized outcome, fitted to the *residuals* of the literature
prior (``y − prior_mean(x)``) when a prior is given, so the prior is the GP's mean function and a few lab results
correct it (a bias kernel lets one result shift the whole prior; a Matérn-5/2 ARD kernel corrects locally).
Without a prior the GP models the outcome around its observed mean.

Why scikit-learn and not BoTorch: BoTorch/GPyTorch are not installed in the project environment, and campaigns
here are small (tens of experiments, five parameters) so an exact GP with closed-form acquisition over a dense
Sobol candidate set is fast and dependency-free; batch proposals use the kriging-believer heuristic.

Acquisition: the probability that every target outcome lands within ``tolerance`` of its target,
``Π_t [Φ((t+tol−μ)/σ) − Φ((t−tol−μ)/σ)]``; when outcomes are also to be minimized (e.g. FWHM) and a result has
already met the targets, it is multiplied by the probability of improving the best in-tolerance value.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

from nanosynth.lab.prior import PriorModel
from nanosynth.lab.space import SearchSpace, min_distances
from nanosynth.schema.errors import ConfigError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Objective:
    """What a campaign is after: targets (± tolerance), bounds on outcomes, outcomes to minimize or maximize.

    ``--target abs_peak_nm=550±3 --target pl_fwhm_mev<=110 --maximize plqy`` is ``targets={"abs_peak_nm": 550}``,
    ``tolerances={"abs_peak_nm": 3}``, ``bounds={"pl_fwhm_mev": (None, 110)}``, ``maximize=("plqy",)``.
    """

    targets: dict[str, float]
    tolerance: float = 3.0
    minimize: tuple[str, ...] = ()
    maximize: tuple[str, ...] = ()
    tolerances: dict[str, float] = field(default_factory=dict)
    bounds: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.targets and not self.bounds:
            raise ConfigError("a campaign needs at least one target, e.g. --target abs_peak_nm=560")
        if self.tolerance <= 0 or any(t <= 0 for t in self.tolerances.values()):
            raise ConfigError(f"tolerances must be positive, got {self.tolerance} and {self.tolerances}")

    def tol(self, name: str) -> float:
        """Tolerance of target ``name``."""
        return float(self.tolerances.get(name, self.tolerance))

    @property
    def optimized(self) -> tuple[str, ...]:
        """Outcomes to minimize or maximize."""
        return (*self.minimize, *self.maximize)

    @property
    def outputs(self) -> list[str]:
        out = list(self.targets)
        for name in (*self.bounds, *self.minimize, *self.maximize):
            if name not in out:
                out.append(name)
        return out

    def met(self, outcomes: dict[str, Any] | None) -> bool:
        """True when every target is within tolerance and every bound holds in ``outcomes``."""
        if not outcomes:
            return False
        for name, target in self.targets.items():
            v = outcomes.get(name)
            if v is None or not math.isfinite(float(v)) or abs(float(v) - target) > self.tol(name):
                return False
        for name, (lo, hi) in self.bounds.items():
            v = outcomes.get(name)
            if v is None or not math.isfinite(float(v)) or (lo is not None and v < lo) or (hi is not None and v > hi):
                return False
        return True

    def distance(self, outcomes: dict[str, Any]) -> float:
        """How far ``outcomes`` are from the targets and bounds, in tolerances (0 when met)."""
        d = 0.0
        for name, target in self.targets.items():
            v = outcomes.get(name)
            d += abs(float(v) - target) / self.tol(name) if v is not None and math.isfinite(float(v)) else 1e9
        for name, (lo, hi) in self.bounds.items():
            v = outcomes.get(name)
            if v is None or not math.isfinite(float(v)):
                d += 1e9
            else:
                d += max(0.0, (lo - v) if lo is not None else 0.0, (v - hi) if hi is not None else 0.0) / \
                    max(abs(hi if hi is not None else lo), 1e-9) * 10
        return d


def pareto_front(objective: Objective, outcomes: list[dict[str, Any]]) -> list[int]:
    """Indices of the non-dominated results among those that meet the targets and bounds.

    The criteria are the minimized and maximized outcomes (and the distance to each target when nothing is
    optimized); a result dominates another when it is no worse on every criterion and better on one.
    """
    rows = []
    for i, o in enumerate(outcomes):
        if not objective.met(o):
            continue
        crit = [float(o.get(n, math.inf)) for n in objective.minimize]
        crit += [-float(o.get(n, -math.inf)) for n in objective.maximize]
        if not objective.optimized:
            crit += [abs(float(o[t]) - v) for t, v in objective.targets.items()]
        rows.append((i, np.nan_to_num(np.array(crit, float), nan=np.inf)))
    front = []
    for i, c in rows:
        if not any(np.all(d <= c) and np.any(d < c) for j, d in rows if j != i):
            front.append(i)
    return front


@dataclass
class Observation:
    """One finished experiment as the planner sees it."""

    parameters: dict[str, float]
    status: str
    outcomes: dict[str, float] = field(default_factory=dict)


@dataclass
class Proposal:
    """One planned experiment with the model's expectation."""

    parameters: dict[str, float]
    predicted: dict[str, dict[str, float]]
    score: float
    source: str

    def as_json(self) -> dict[str, Any]:
        """JSON-able (PostgreSQL's JSON refuses NaN: a space-filling proposal has no acquisition value)."""
        return {"outcomes": self.predicted, "acquisition": self.score if math.isfinite(self.score) else None,
                "source": self.source}


class _Surrogate:
    """GP on prior residuals (or on centred values without prior) for one outcome."""

    def __init__(self, prior: PriorModel | None, scale_floor: float, seed: int) -> None:
        self.prior = prior
        self.scale_floor = scale_floor
        self.seed = seed

    def _prior_mean(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        if self.prior is None:
            return np.full(len(frame), self.offset_), np.zeros(len(frame))
        m, s = self.prior.predict_dist(frame)
        return np.asarray(m, float), np.asarray(s, float)

    def fit(self, space: SearchSpace, frame: pd.DataFrame, y: np.ndarray, kernel=None) -> _Surrogate:
        self.space_ = space
        self.offset_ = float(np.mean(y)) if self.prior is None else 0.0
        m, _ = self._prior_mean(frame)
        r = y - m
        self.scale_ = max(float(np.sqrt(np.mean(r**2))) if self.prior is not None else float(np.std(y)),
                          self.scale_floor)
        X = space.encode(frame)
        d = space.dim
        if kernel is None:
            kernel = (ConstantKernel(1.0, (1e-2, 1e2)) * Matern(length_scale=np.full(d, 0.3),
                                                                  length_scale_bounds=(0.05, 10.0), nu=2.5)
                      + ConstantKernel(0.5 if self.prior is not None else 1e-3, (1e-4, 1e2))
                      + WhiteKernel(1e-2, (1e-5, 0.5)))
            optimize = len(y) >= 4
        else:
            optimize = False
        self.gp_ = GaussianProcessRegressor(kernel=kernel, optimizer="fmin_l_bfgs_b" if optimize else None,
                                            n_restarts_optimizer=1 if optimize else 0, normalize_y=False,
                                            random_state=self.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", UserWarning)
            self.gp_.fit(X, r / self.scale_)
        return self

    def predict(self, frame: pd.DataFrame, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        m, _ = self._prior_mean(frame)
        g, s = self.gp_.predict(X, return_std=True)
        return m + self.scale_ * g, self.scale_ * s


class Planner:
    """Proposes experiments for an :class:`Objective` in a :class:`~nanosynth.lab.space.SearchSpace`.

    Parameters
    ----------
    space:
        Where proposals may lie (capabilities ∩ safety limits).
    objective:
        Targets, tolerance, outcomes to minimize.
    priors:
        Literature model per outcome (``None`` or empty → no prior: space-filling start, plain GP).
    seed:
        Seed of the candidate sets and designs (a campaign passes its own seed + the number of finished runs).
    n_candidates:
        Size of the Sobol candidate set scored by the acquisition function.
    prior_error:
        Uncertainty added to the prior's own std when seeding (its typical error against lab results).
    """

    def __init__(self, space: SearchSpace, objective: Objective, priors: dict[str, PriorModel] | None = None,
                 *, seed: int = 0, n_candidates: int = 2048, prior_error: float | None = None) -> None:
        self.space = space
        self.objective = objective
        self.priors = dict(priors or {})
        self.seed = seed
        self.n_candidates = n_candidates
        self.prior_error = prior_error if prior_error is not None else max(objective.tolerance, 3.0)

    @property
    def seeded(self) -> bool:
        return all(t in self.priors for t in self.objective.targets)

    # ------------------------------------------------------------------ scoring
    def _p_within(self, mu: np.ndarray, sd: np.ndarray, target: float, tol: float | None = None) -> np.ndarray:
        tol = self.objective.tolerance if tol is None else tol
        sd = np.maximum(sd, 1e-6)
        return norm.cdf((target + tol - mu) / sd) - norm.cdf((target - tol - mu) / sd)

    def _candidates(self, seed: int, around: np.ndarray | None = None) -> tuple[pd.DataFrame, np.ndarray]:
        U = self.space.sobol(self.n_candidates, seed)
        if around is not None and len(around):
            rng = np.random.default_rng(seed + 7919)
            local = np.concatenate([a + rng.normal(0, s, size=(128, self.space.dim))
                                    for a in around for s in (0.03, 0.1)])
            U = np.vstack([U, np.clip(local, 0, 1)])
        frame = self.space.decode(U).drop_duplicates().reset_index(drop=True)
        frame = frame[self.space.feasible(frame)].reset_index(drop=True)
        return frame, self.space.encode(frame)

    def _select(self, frame: pd.DataFrame, X: np.ndarray, score: np.ndarray, k: int,
                radius: float, exclude: np.ndarray) -> list[int]:
        chosen: list[int] = []
        score = score.copy()
        score[min_distances(X, exclude) < 1e-6] = -np.inf
        for _ in range(k):
            i = int(np.argmax(score))
            if not np.isfinite(score[i]):
                break
            chosen.append(i)
            score[min_distances(X, X[[i]]) < radius] = -np.inf
        return chosen

    # ------------------------------------------------------------------ first batch
    def initial_batch(self, k: int, exclude: list[dict[str, float]] | None = None) -> list[Proposal]:
        """The first ``k`` experiments: best-and-diverse under the prior, or a Latin hypercube without one."""
        ex = self.space.encode(pd.DataFrame(exclude)) if exclude else np.empty((0, self.space.dim))
        if not self.seeded:
            frame = self.space.feasible_design(k, self.seed)
            return [Proposal(parameters=row, predicted={}, score=float("nan"), source="space_filling")
                    for row in frame.to_dict("records")]
        frame, X = self._candidates(self.seed)
        score = np.ones(len(frame))
        preds: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name in self.objective.outputs:
            if name not in self.priors:
                continue
            mu, sd = self.priors[name].predict_dist(frame)
            mu, sd = np.asarray(mu, float), np.asarray(sd, float)
            preds[name] = (mu, sd)
            if name in self.objective.targets:
                score *= self._p_within(mu, np.sqrt(sd**2 + self.prior_error**2), self.objective.targets[name],
                                        self.objective.tol(name))
        score *= self._bound_probability(preds, rel_sd=0.1)
        for sign, names in ((1.0, self.objective.minimize), (-1.0, self.objective.maximize)):
            for name in names:  # mild preference for better predicted values among good candidates
                if name in preds and name not in self.objective.targets:
                    mu, sd = preds[name]
                    z = sign * (mu - (np.nanmin(mu) if sign > 0 else np.nanmax(mu))) / (np.nanstd(mu) + 1e-9)
                    score *= np.exp(-0.25 * z)
        idx = self._select(frame, X, score, k, radius=0.25, exclude=ex)
        if len(idx) < k:  # box too small for that radius
            idx += [i for i in self._select(frame, X, score, k, radius=0.05, exclude=ex) if i not in idx][: k - len(idx)]
        return [self._proposal(frame, i, preds, score, "prior_seed") for i in idx]

    @staticmethod
    def _proposal(frame, i, preds, score, source) -> Proposal:
        return Proposal(
            parameters={k: float(v) for k, v in frame.iloc[i].items()},
            predicted={n: {"mean": float(mu[i]), "std": float(sd[i])} for n, (mu, sd) in preds.items()},
            score=float(score[i]), source=source)

    # ------------------------------------------------------------------ closed loop
    def next_batch(self, observations: list[Observation], k: int = 1) -> list[Proposal]:
        """Propose ``k`` experiments given every finished experiment (Bayesian optimization step)."""
        done = [o for o in observations if o.status == "ok"]
        tried = pd.DataFrame([o.parameters for o in observations]) if observations else None
        ex = self.space.encode(tried) if tried is not None else np.empty((0, self.space.dim))
        if not all(any(math.isfinite(o.outcomes.get(t, math.nan)) for o in done) for t in self.objective.targets):
            return self.initial_batch(k, exclude=[o.parameters for o in observations])
        dead = [o.parameters for o in observations if o.status == "no_signal"]
        dead_X = self.space.encode(pd.DataFrame(dead)) if dead else np.empty((0, self.space.dim))
        obs_frame = pd.DataFrame([o.parameters for o in done])
        surrogates: dict[str, _Surrogate] = {}
        data: dict[str, tuple[pd.DataFrame, np.ndarray]] = {}
        for name in self.objective.outputs:
            y = np.array([o.outcomes.get(name, math.nan) for o in done], dtype=float)
            ok = np.isfinite(y)
            if ok.sum() == 0:
                continue
            floor = self.objective.tol(name) if name in self.objective.targets else max(1e-3, 0.05 * abs(np.nanmean(y)))
            surrogates[name] = _Surrogate(self.priors.get(name), floor, self.seed).fit(
                self.space, obs_frame[ok].reset_index(drop=True), y[ok])
            data[name] = (obs_frame[ok].reset_index(drop=True), y[ok])
        best_idx = self._best_observed(done)
        around = self.space.encode(pd.DataFrame([done[i].parameters for i in best_idx])) if best_idx else None
        frame, X = self._candidates(self.seed, around)
        penalty = np.where(min_distances(X, dead_X) < 0.08, 0.05, 1.0)
        proposals: list[Proposal] = []
        chosen_X = np.empty((0, self.space.dim))
        for _ in range(k):
            preds = {n: s.predict(frame, X) for n, s in surrogates.items()}
            score = np.ones(len(frame))
            for t, target in self.objective.targets.items():
                mu, sd = preds[t]
                score *= self._p_within(mu, sd, target, self.objective.tol(t))
            score *= self._bound_probability(preds)
            for name, best in self._best_minimized(done).items():
                if name in preds:
                    mu, sd = preds[name]
                    sign = -1.0 if name in self.objective.maximize else 1.0
                    score *= norm.cdf(sign * (best - mu) / np.maximum(sd, 1e-6))
            score = score * penalty
            idx = self._select(frame, X, score, 1, radius=0.0, exclude=np.vstack([ex, chosen_X]))
            if not idx:
                break
            i = idx[0]
            proposals.append(self._proposal(frame, i, preds, score, "bayes_opt"))
            chosen_X = np.vstack([chosen_X, X[[i]]])
            if len(proposals) < k:  # kriging believer: pretend the prediction was observed, refit (no re-optimizing)
                row = frame.iloc[[i]]
                for n, s in surrogates.items():
                    f, y = data[n]
                    f2 = pd.concat([f, row], ignore_index=True)
                    y2 = np.append(y, preds[n][0][i])
                    data[n] = (f2, y2)
                    surrogates[n] = _Surrogate(s.prior, s.scale_floor, self.seed).fit(self.space, f2, y2,
                                                                                      kernel=s.gp_.kernel_)
        return proposals

    def _bound_probability(self, preds: dict[str, tuple[np.ndarray, np.ndarray]], rel_sd: float = 0.0) -> np.ndarray:
        """Probability that every bounded outcome lies within its bounds (1 where no model predicts it).

        ``rel_sd`` widens each prediction by that fraction of its value (a prior's typical error when seeding).
        """
        p = np.ones(1)
        for name, (lo, hi) in self.objective.bounds.items():
            if name not in preds:
                continue
            mu, sd = preds[name]
            sd = np.maximum(np.sqrt(sd**2 + (rel_sd * np.abs(mu)) ** 2), 1e-6)
            up = norm.cdf((hi - mu) / sd) if hi is not None else 1.0
            down = norm.cdf((lo - mu) / sd) if lo is not None else 0.0
            p = p * (up - down)
        return p

    def _best_observed(self, done: list[Observation], n: int = 3) -> list[int]:
        """Indices of the observations closest to the targets and bounds (to search around them)."""
        if not done:
            return []
        return list(np.argsort([self.objective.distance(o.outcomes) for o in done])[:n])

    def _best_minimized(self, done: list[Observation]) -> dict[str, float]:
        """Best value of each optimized outcome among results that meet the targets (minimum or maximum)."""
        out = {}
        good = [o for o in done if self.objective.met(o.outcomes)]
        for name in self.objective.optimized:
            vals = [o.outcomes.get(name, math.nan) for o in good]
            vals = [v for v in vals if math.isfinite(v)]
            if vals:
                out[name] = max(vals) if name in self.objective.maximize else min(vals)
        return out
