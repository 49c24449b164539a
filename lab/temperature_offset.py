"""Temperature offset of a reactor: is it identifiable from the data, which experiments would identify it, calibrate.

A reactor whose true temperature is its setpoint plus ΔT gives results that the literature prior ``f`` explains
as ``y ≈ f(T + ΔT, x) + b`` (``b``: the prior's own constant error). ΔT and ``b`` are fitted together (grid
search over ΔT, ``b`` in closed form), so a biased prior is not mistaken for an offset. ΔT is *identifiable* only
when the prior's temperature sensitivities ``s_i = ∂f/∂T`` at the experiments differ enough from each other to
separate a shift in T from a constant: its standard error is ``σ / sqrt(Σ (s_i − s̄)²)``. Runs clustered at one
temperature (e.g. 291–296 °C) do not identify it, whatever the fitted number says.

:func:`calibration_design` picks the experiments that would: a greedy D-optimal design for ``(ΔT, b)`` over
candidates spread across the temperature range, favouring where the prediction is most sensitive to temperature.
:func:`calibrate_reactor` runs them as a campaign and fits the offset (``nanosynth lab calibrate``).
"""

from __future__ import annotations

import functools
import logging
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sqlalchemy.engine import Engine

from nanosynth.lab.campaign import CalibrationRunner, lab_frame
from nanosynth.lab.prior import PriorModel
from nanosynth.lab.space import SearchSpace, min_distances
from nanosynth.schema.errors import ConfigError, ModelError

log = logging.getLogger(__name__)
TEMPERATURE = "temperature_c"
#: Smallest temperature span (°C) of the runs for an offset to be called significant.
MIN_SPAN_C = 20.0
#: Largest standard error (°C) of an offset that is called identifiable.
MAX_SE_C = 3.0
#: Repeatability floor (outcome units) of the residual scatter used for standard errors.
NOISE_FLOOR = 0.5
#: Setpoints stay this far (°C) inside the prior's data: an offset of this size keeps the true temperature there.
MARGIN_C = 15.0


@dataclass
class OffsetFit:
    """A fitted temperature offset with what the data can say about it."""

    offset_c: float
    bias: float
    rmse: float
    standard_error_c: float
    p_value: float
    span_c: tuple[float, float]
    n: int
    identifiable: bool
    significant: bool
    reason: str
    design: list[dict[str, float]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        """``fitted temperature offset X °C (significant|not significant)`` (the last line of the CLI)."""
        return (f"fitted temperature offset {self.offset_c:+.1f} °C "
                f"({'significant' if self.significant else 'not significant'})")


def _shifted(X: pd.DataFrame, dt: float) -> pd.DataFrame:
    Z = X.copy()
    Z[TEMPERATURE] = Z[TEMPERATURE] + dt
    return Z


def sensitivities(prior: PriorModel, X: pd.DataFrame, dt: float = 0.0, step_c: float = 4.0) -> np.ndarray:
    """∂prior/∂T (outcome units per °C) at ``X`` shifted by ``dt``, by central differences."""
    up, _ = prior.predict_dist(_shifted(X, dt + step_c))
    down, _ = prior.predict_dist(_shifted(X, dt - step_c))
    return (np.asarray(up, float) - np.asarray(down, float)) / (2 * step_c)


def _grid_fit(prior: PriorModel, X: pd.DataFrame, y: np.ndarray, span_c: float, step_c: float,
              with_bias: bool) -> tuple[float, float, float]:
    best = (0.0, 0.0, math.inf)
    for dt in np.arange(-span_c, span_c + step_c / 2, step_c):
        m, _ = prior.predict_dist(_shifted(X, float(dt)))
        r = y - np.asarray(m, float)
        b = float(np.mean(r)) if with_bias else 0.0
        rmse = float(np.sqrt(np.mean((r - b) ** 2)))
        if rmse < best[2] - 1e-12 or (abs(rmse - best[2]) <= 1e-12 and abs(dt) < abs(best[0])):
            best = (float(dt), b, rmse)
    return best


def _standard_error(prior: PriorModel, X: pd.DataFrame, dt: float, rmse: float, n: int, noise_floor: float,
                    with_bias: bool) -> float:
    """Standard error of ΔT: ``σ / sqrt(Σ (s_i − s̄)²)`` with a fitted bias, ``σ / sqrt(Σ s_i²)`` without."""
    s = sensitivities(prior, X, dt)
    spread = float(np.sqrt(np.sum((s - s.mean()) ** 2))) if with_bias else float(np.sqrt(np.sum(s**2)))
    sigma = max(rmse * math.sqrt(n / max(n - (2 if with_bias else 1), 1)), noise_floor)
    return sigma / spread if spread > 0 else math.inf


def fit_offset(prior: PriorModel, X: pd.DataFrame, y: np.ndarray, *, search_c: float = 40.0, step_c: float = 0.25,
               noise_floor: float = NOISE_FLOOR) -> OffsetFit:
    """Fit ΔT and the prior's constant error ``b`` together and say whether ΔT is identifiable and significant.

    When the runs' temperature sensitivities are too alike to separate ΔT from ``b`` (a prior that is nearly
    linear in temperature), ΔT is fitted from the level alone, assuming the prior has no constant error (its mean
    error on its own training data is ~0); the reason says so. Significant means: the runs span at least
    :data:`MIN_SPAN_C`, the standard error is at most :data:`MAX_SE_C`, ΔT is more than two standard errors from
    0, and adding ΔT removes error beyond chance (F-test, p < 0.01).
    """
    n = len(y)
    temps = X[TEMPERATURE].to_numpy(float)
    span = (float(temps.min()), float(temps.max())) if n else (math.nan, math.nan)
    width = span[1] - span[0]
    dt, b, rmse = _grid_fit(prior, X, y, search_c, step_c, with_bias=True)
    se = _standard_error(prior, X, dt, rmse, n, noise_floor, with_bias=True)
    m0, _ = prior.predict_dist(X)
    r0 = y - np.asarray(m0, float)
    rmse0, dof, assumption = float(np.sqrt(np.mean((r0 - r0.mean()) ** 2))), 2, ""
    if se > MAX_SE_C and n >= 3:
        dt_l, _, rmse_l = _grid_fit(prior, X, y, search_c, step_c, with_bias=False)
        se_l = _standard_error(prior, X, dt_l, rmse_l, n, noise_floor, with_bias=False)
        if se_l < se:
            dt, b, rmse, se, dof = dt_l, 0.0, rmse_l, se_l, 1
            rmse0 = float(np.sqrt(np.mean(r0**2)))
            assumption = ", fitted from the level assuming the prior has no constant error"
    sigma = max(rmse * math.sqrt(n / max(n - dof, 1)), noise_floor)
    f_stat = (rmse0**2 - rmse**2) * n / max(sigma**2, 1e-12)
    p = float(1 - stats.f.cdf(f_stat, 1, max(n - dof, 1))) if n > 2 else 1.0
    identifiable = n >= 3 and width >= MIN_SPAN_C and se <= MAX_SE_C
    if not identifiable:
        reason = (f"not identifiable from {n} runs spanning {span[0]:.0f}–{span[1]:.0f} °C (standard error "
                  f"{se:.1f} °C; needs a span ≥ {MIN_SPAN_C:.0f} °C and a standard error ≤ {MAX_SE_C:.0f} °C)")
    else:
        reason = f"{n} runs spanning {span[0]:.0f}–{span[1]:.0f} °C, standard error {se:.1f} °C, p = {p:.2g}"
    significant = identifiable and p < 0.01 and abs(dt) > 2 * se
    return OffsetFit(offset_c=dt, bias=b, rmse=rmse, standard_error_c=float(se), p_value=p, span_c=span, n=n,
                     identifiable=identifiable, significant=significant, reason=reason + assumption)


def _candidates(space: SearchSpace, n: int, levels: int, seed: int, support: pd.DataFrame | None = None
                ) -> pd.DataFrame:
    """Candidate experiments: settings of the other parameters × temperatures across the box.

    With ``support`` (literature rows with the reactor's parameters), the settings and temperatures are those of
    the rows inside the box — where the prior is fitted on data rather than extrapolating; otherwise ``n`` Sobol
    settings × ``levels`` temperatures spread over the box.
    """
    if TEMPERATURE not in space.names:
        raise ConfigError(f"the reactor has no {TEMPERATURE!r} parameter: no temperature offset to calibrate")
    spec = next(p for p in space.specs if p.name == TEMPERATURE)
    lo, hi = space.box[TEMPERATURE]
    temps = [spec.quantize(t) for t in np.linspace(lo, hi, levels)]
    base = space.decode(space.sobol(n, seed))
    if support is not None and set(space.names) <= set(support.columns):
        rows = support.dropna(subset=space.names)
        inside = np.all([(rows[c] >= space.box[c][0]) & (rows[c] <= space.box[c][1]) for c in space.names], axis=0)
        rows = rows[inside]
        if rows[TEMPERATURE].nunique() >= 3:
            t_lo, t_hi = rows[TEMPERATURE].min() + MARGIN_C, rows[TEMPERATURE].max() - MARGIN_C
            temps = [spec.quantize(t) for t in np.linspace(t_lo, t_hi, 5)] if t_hi - t_lo >= MIN_SPAN_C else \
                sorted(rows[TEMPERATURE].unique().tolist())
            others = [c for c in space.names if c != TEMPERATURE]
            base = rows[others].drop_duplicates().sample(frac=1.0, random_state=seed).head(n).reset_index(drop=True)
            base = space.decode(space.encode(base.assign(**{TEMPERATURE: lo})))
    frame = pd.concat([base.assign(**{TEMPERATURE: t}) for t in temps], ignore_index=True)
    return frame[space.feasible(frame)].reset_index(drop=True)


def calibration_design(prior: PriorModel, space: SearchSpace, k: int, *, seed: int = 0,
                       exclude: pd.DataFrame | None = None, support: pd.DataFrame | None = None
                       ) -> list[dict[str, float]]:
    """``k`` experiments that identify ΔT: greedy D-optimal for ``(ΔT, b)``, spread over temperature.

    Each step adds the candidate with the largest ``fᵀ I⁻¹ f`` (``f = (s, 1)``, ``I`` the information of the
    chosen runs and of ``exclude``), i.e. where the prediction is most sensitive to temperature in a way the
    chosen runs do not already cover; candidates closer than 0.1 (unit cube) to a chosen run are skipped.
    """
    cand = _candidates(space, 64, 13, seed, support)
    s = sensitivities(prior, cand)
    F = np.column_stack([s, np.ones(len(s))])
    # the most extreme sensitivities are where the prior is most likely wrong (winner's curse): keep typical ones
    typical = (s >= np.quantile(s, 0.4)) & (s <= np.quantile(s, 0.85))
    info = np.diag([1e-3, 1.0])  # the prior's constant error is taken as uncertain as one run: favours large |s|
    chosen_X = np.empty((0, space.dim))
    if exclude is not None and len(exclude):
        s_ex = sensitivities(prior, exclude[space.names])
        info += np.column_stack([s_ex, np.ones(len(s_ex))]).T @ np.column_stack([s_ex, np.ones(len(s_ex))])
        chosen_X = space.encode(exclude[space.names])
    X = space.encode(cand)
    out: list[dict[str, float]] = []
    for _ in range(k):
        gain = np.einsum("ij,jk,ik->i", F, np.linalg.inv(info), F)
        gain[min_distances(X, chosen_X) < 0.1] = -np.inf
        gain[~typical] = -np.inf
        i = int(np.argmax(gain))
        if not np.isfinite(gain[i]):
            break
        info += np.outer(F[i], F[i])
        chosen_X = np.vstack([chosen_X, X[[i]]])
        out.append({k: float(v) for k, v in cand.iloc[i].items()})
    return out


def calibrate_reactor(engine: Engine, adapter: Any, prior: PriorModel, output: str, budget: int = 6, *,
                      seed: int = 0, name: str | None = None, raw_dir: Any = None, on_event: Any = None,
                      prior_info: dict[str, Any] | None = None, safety_limits: Any = None,
                      mapping: Any = None, support: pd.DataFrame | None = None) -> tuple[int, OffsetFit]:
    """Plan ``budget`` calibration experiments, run them as a campaign, fit the temperature offset.

    ``support``: literature rows the prior was fitted on (the design stays where they are, see
    :func:`calibration_design`).

    Returns ``(campaign_id, fit)``.

    Raises
    ------
    ConfigError
        When the reactor has no temperature parameter or does not measure ``output``.
    ModelError
        When fewer than 3 calibration runs gave ``output``.
    """
    runner = CalibrationRunner(engine, adapter, {output: prior}, raw_dir=raw_dir, on_event=on_event,
                               safety_limits=safety_limits, mapping=mapping)
    cid = runner.create_calibration(output, budget, seed=seed, name=name, prior_info=prior_info)
    if on_event is not None:
        on_event("started", {"campaign_id": cid, "resumed": False, "adapter": type(runner.adapter.inner).__name__,
                             "outputs": [output], "unseeded": None})
    runner.plan_design(cid, functools.partial(calibration_design, support=support), prior, output)
    runner.run(cid)
    return cid, offset_from_campaign(engine, cid, prior, output)


def offset_from_campaign(engine: Engine, campaign_id: int, prior: PriorModel, output: str) -> OffsetFit:
    """The temperature offset fitted on a campaign's successful runs (with what they can identify).

    Raises
    ------
    ModelError
        With fewer than 3 results for ``output``.
    """
    _, lab = lab_frame(engine, campaign_id)
    rows = lab.dropna(subset=[output]).reset_index(drop=True) if output in lab else lab.iloc[0:0]
    if len(rows) < 3:
        raise ModelError(f"campaign {campaign_id}: only {len(rows)} successful runs with {output}; a temperature "
                         "offset needs at least 3")
    return fit_offset(prior, rows[lab.attrs["parameters"]], rows[output].to_numpy(float))


def calibrate_adapter(engine: Engine, adapter: str = "simulated", adapter_options: dict[str, Any] | None = None, *,
                      budget: int = 6, output: str | None = None, mapping: Any = None, safety_limits: Any = None,
                      prior_dataset: str = "cdse-hte", seed: int = 0, raw_dir: Any = None,
                      on_event: Any = None) -> tuple[int, OffsetFit]:
    """What ``nanosynth lab calibrate`` runs: load the adapter, find its prior, run :func:`calibrate_reactor`.

    ``output`` defaults to the first of ``abs_peak_nm``/``pl_peak_nm`` the reactor measures.

    Raises
    ------
    ConfigError
        When the adapter cannot be loaded or measures no peak position.
    ModelError
        When no prior matches the reactor's product (the offset is measured against the literature model).
    """
    from nanosynth.db.engine import session_scope
    from nanosynth.lab.adapters.contract import as_contract
    from nanosynth.lab.adapters.loader import load_adapter
    from nanosynth.lab.prior import product_literature, product_priors

    reactor = as_contract(load_adapter(adapter, adapter_options or {}), mapping)
    caps = reactor.capabilities()
    output = output or next((o for o in ("abs_peak_nm", "pl_peak_nm") if o in caps.output_names), None)
    if output is None or output not in caps.output_names:
        raise ConfigError(f"{caps.reactor} does not measure {output or 'a peak position'}; choose --output among "
                          f"{caps.output_names}")
    with session_scope(engine) as s:
        priors, info = product_priors(s, caps, [output], dataset=prior_dataset, random_state=seed, smooth=True)
        support = product_literature(s, caps, prior_dataset)
    if output not in priors:
        raise ModelError(f"no prior for {output}: {info.get('unseeded') or info}. The temperature offset is "
                         "measured against the literature model: import or register one first")
    return calibrate_reactor(engine, reactor, priors[output], output, budget, seed=seed, raw_dir=raw_dir,
                             on_event=on_event, prior_info=info, safety_limits=safety_limits, support=support)
