"""The search space of a campaign: the reactor's parameters inside its safety limits, mapped to a unit cube.

Parameters flagged ``log_scale`` (concentrations, ratios, times) are explored on a log axis. Points decoded from
the cube are rounded to each parameter's resolution and clipped into the box, so every proposal is settable and
inside the safety limits.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy.stats import qmc

from nanosynth.lab.adapters.base import Capabilities, ParameterSpec, SafetyLimits
from nanosynth.schema.errors import SafetyLimitError


class SearchSpace:
    """Box of settable parameter values (capabilities ∩ safety limits) with a unit-cube encoding.

    Parameters
    ----------
    capabilities:
        The reactor's capabilities.
    safety_limits:
        The reactor's safety limits (the box is clipped to them).
    """

    def __init__(self, capabilities: Capabilities, safety_limits: SafetyLimits | None = None) -> None:
        self.capabilities = capabilities
        self.specs: tuple[ParameterSpec, ...] = capabilities.parameters
        self.box = (safety_limits or SafetyLimits()).clip_box(capabilities)
        self.names = [p.name for p in self.specs]
        lo, hi = [], []
        for p in self.specs:
            a, b = self.box[p.name]
            if p.log_scale:
                a, b = math.log(a), math.log(b)
            lo.append(a)
            hi.append(b)
        self._lo, self._hi = np.array(lo), np.array(hi)

    @property
    def dim(self) -> int:
        return len(self.specs)

    def decode(self, u: np.ndarray) -> pd.DataFrame:
        """Unit-cube points (n, d) → parameter DataFrame (quantized, clipped to the box)."""
        u = np.clip(np.atleast_2d(u), 0.0, 1.0)
        x = self._lo + u * (self._hi - self._lo)
        cols = {}
        for j, p in enumerate(self.specs):
            v = np.exp(x[:, j]) if p.log_scale else x[:, j]
            a, b = self.box[p.name]
            v = np.array([min(max(p.quantize(float(t)), a), b) for t in v])
            cols[p.name] = v
        return pd.DataFrame(cols, columns=self.names)

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        """Parameter DataFrame (or records) → unit-cube points (n, d)."""
        frame = pd.DataFrame(frame)
        x = np.column_stack([
            np.log(np.maximum(frame[p.name].to_numpy(float), 1e-300)) if p.log_scale else frame[p.name].to_numpy(float)
            for p in self.specs
        ])
        return (x - self._lo) / np.where(self._hi > self._lo, self._hi - self._lo, 1.0)

    def feasible(self, frame: pd.DataFrame) -> np.ndarray:
        """Boolean mask of the rows of a parameter frame that satisfy every coupled constraint."""
        if not self.capabilities.constraints or len(frame) == 0:
            return np.ones(len(frame), dtype=bool)
        return self.capabilities.feasible({n: frame[n].to_numpy(float) for n in self.names})

    def feasible_design(self, k: int, seed: int) -> pd.DataFrame:
        """``k`` space-filling points (Latin hypercube) that satisfy the coupled constraints.

        Raises
        ------
        SafetyLimitError
            When (almost) no point of the box satisfies the constraints.
        """
        frame = self.decode(self.latin_hypercube(k, seed))
        if self.feasible(frame).all():
            return frame
        pool = self.decode(self.sobol(max(256, 64 * k), seed))
        pool = pool[self.feasible(pool)].reset_index(drop=True)
        if len(pool) < k:
            raise SafetyLimitError(f"only {len(pool)} of {max(256, 64 * k)} points of the allowed box satisfy the "
                                   f"constraints {[c.expression for c in self.capabilities.constraints]}: loosen "
                                   "the safety limits or check the constraints")
        chosen = [0]  # greedy max-min distance selection among feasible points
        X = self.encode(pool)
        for _ in range(k - 1):
            chosen.append(int(np.argmax(min_distances(X, X[chosen]))))
        return pool.iloc[chosen].reset_index(drop=True)

    def sobol(self, n: int, seed: int) -> np.ndarray:
        """``n`` scrambled Sobol points in the unit cube (deterministic given ``seed``)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # balance warning for n not a power of 2
            return qmc.Sobol(self.dim, scramble=True, seed=seed).random(n)

    def latin_hypercube(self, n: int, seed: int) -> np.ndarray:
        """``n`` Latin-hypercube points optimized for low discrepancy (space-filling initial design)."""
        return qmc.LatinHypercube(self.dim, seed=seed, optimization="random-cd").random(n)


def min_distances(points: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Distance from each of ``points`` to the nearest of ``others`` (∞ when ``others`` is empty)."""
    if len(others) == 0:
        return np.full(len(points), np.inf)
    d = np.sqrt(((points[:, None, :] - others[None, :, :]) ** 2).sum(-1))
    return d.min(axis=1)
