"""Closed-loop reactor campaigns with durable bookkeeping.

Life of an experiment (rows of :class:`nanosynth.schema.tables.Experiment`, each transition committed at once):

``planned`` (proposal written with the model's prediction) → safety check → ``dispatched`` (committed *before*
the request is sent) → ``done`` / ``failed`` (with the reason) / ``aborted``, with the result committed as soon as
it arrives (plus a ``campaign`` recipe row with the measured outcomes, so lab data sit beside the literature).

Resuming (``resume_campaign``) never repeats a finished experiment:

* finished experiments (done/failed/aborted) are kept as they are and feed the planner;
* planned experiments that were never sent are dispatched as planned;
* an experiment left ``dispatched`` without a result (the process died while the reactor ran) is first looked up
  through the adapter's ``collect(request_id)`` (e.g. a result file that arrived later); if there is none it is
  marked ``failed`` with reason ``interrupted`` and is *not* re-run automatically — the reactor may have
  consumed precursors or be in an unknown state, so a person should look at it; it counts against the budget
  and the planner re-plans from the results that exist.

Faults: any exception from the adapter during a run (:class:`~nanosynth.schema.errors.HardwareError`, ``TimeoutError``, a
lost connection, an invalid reading) marks the experiment ``failed`` with the reason — committed before anything
else happens — and the campaign continues (``on_fault="continue"``, up to ``max_consecutive_faults`` in a row) or stops cleanly with
status ``stopped`` (``on_fault="stop"``). A :class:`~nanosynth.schema.errors.SafetyLimitError` refuses the request before
anything is sent; the experiment is marked ``aborted`` and the campaign ``failed``.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine

from nanosynth.artifacts import atomic_write_text
from nanosynth.db import campaigns as store
from nanosynth.db.engine import session_scope
from nanosynth.db.write import add_recipes
from nanosynth.lab.adapters.base import (
    Capabilities,
    ExperimentRequest,
    ExperimentResult,
    ReactorAdapter,
    ResultStatus,
    SafetyLimits,
    resolve_limits,
    utcnow,
)
from nanosynth.lab.adapters.contract import ContractAdapter, ReactorMapping, as_contract
from nanosynth.lab.adapters.loader import adapter_path
from nanosynth.lab.planner import Objective, Observation, Planner, pareto_front
from nanosynth.lab.prior import PriorModel
from nanosynth.lab.records import experiment_recipe
from nanosynth.lab.space import SearchSpace
from nanosynth.schema.enums import SPECTRUM_PREFIX, CampaignStatus, ExperimentStatus, spectral_name
from nanosynth.schema.errors import ConfigError, HardwareError, NanosynthError, SafetyLimitError
from nanosynth.schema.tables import Experiment

log = logging.getLogger(__name__)

#: ``--minimize fwhm`` means the FWHM of the spectrum of the first target.
FWHM_ALIASES = {prefix: spectral_name("fwhm_mev", s) for s, prefix in SPECTRUM_PREFIX.items()}
SKIPPED = "not run: the campaign ended (target reached or budget used) before this planned experiment was sent"
INTERRUPTED = ("interrupted: dispatched but no result was recorded (the campaign process died while the reactor "
               "ran); not re-run automatically — check the reactor and the sample")


class CampaignSettings(BaseModel):
    """Everything that defines a campaign (stored in ``Campaign.config`` so it can be resumed)."""

    targets: dict[str, float]
    tolerance: float = Field(default=3.0, gt=0)
    tolerances: dict[str, float] = Field(default_factory=dict, description="per-target tolerance (±)")
    bounds: dict[str, tuple[float | None, float | None]] = Field(
        default_factory=dict, description="outcome bounds, e.g. pl_fwhm_mev ≤ 110 → (None, 110)")
    minimize: list[str] = Field(default_factory=list)
    maximize: list[str] = Field(default_factory=list)
    budget: int = Field(default=20, ge=1)
    batch_size: int = Field(default=1, ge=1)
    initial_size: int = Field(default=2, ge=1, description="size of the first batch (seeded: best-first and diverse; "
                              "space-filling designs want more, e.g. 5)")
    seeded: bool = True
    seed: int = 0
    on_fault: Literal["continue", "stop"] = "continue"
    max_consecutive_faults: int = Field(default=3, ge=1)
    stop_on_target: bool = Field(default=True, description="stop once the targets are met (when nothing is minimized)")
    adapter: str | None = None
    adapter_options: dict[str, Any] = Field(default_factory=dict)
    prior: dict[str, Any] = Field(default_factory=dict, description="description of the prior models used")
    mapping: dict[str, Any] | None = Field(default=None, description="the reactor's mapping file (its content)")
    purpose: Literal["target", "calibration"] = Field(default="target", description="'calibration': experiments "
                                                      "planned up front to identify the temperature offset")
    n_candidates: int = Field(default=2048, ge=64)
    safety_limits: dict[str, tuple[float | None, float | None]] = Field(
        default_factory=dict, description="safety limits stored with the campaign (parameter units): enforced on "
        "every run and resume, only ever tightened")

    def objective(self) -> Objective:
        return Objective(targets=dict(self.targets), tolerance=self.tolerance, minimize=tuple(self.minimize),
                         maximize=tuple(self.maximize), tolerances=dict(self.tolerances), bounds=dict(self.bounds))

    @property
    def optimizes(self) -> bool:
        """True when outcomes are minimized or maximized (the campaign then uses its whole budget)."""
        return bool(self.minimize or self.maximize)


def resolve_output(name: str, targets: dict[str, float]) -> str:
    """Map ``fwhm``/``fwhm_mev``/``fwhm_nm`` to the FWHM of the first target's spectrum (``pl_fwhm_mev`` ...)."""
    first = next(iter(targets), "abs_peak_nm")
    prefix = "pl" if first.startswith("pl") else "abs"
    low = name.strip().lower()
    if low == "fwhm":
        return FWHM_ALIASES[prefix]
    if low in ("fwhm_mev", "fwhm_nm"):
        return f"{prefix}_{low}"
    return name.strip()


def resolve_minimize(names: list[str], targets: dict[str, float]) -> list[str]:
    """Map ``fwhm`` to the FWHM output of the first target's spectrum (``abs_fwhm_mev`` or ``pl_fwhm_mev``)."""
    return [resolve_output(n, targets) for n in names]


_TARGET = re.compile(r"^\s*(?P<name>[A-Za-z_][\w]*)\s*(?P<op><=|>=|=|<|>)\s*(?P<value>[-+]?[\d.]+(?:[eE][-+]?\d+)?)"
                     r"\s*(?:(?:±|\+-|\+/-)\s*(?P<tol>[\d.]+(?:[eE][-+]?\d+)?))?\s*$")


def parse_targets(items: list[str]) -> dict[str, Any]:
    """``--target`` strings → ``targets``, ``tolerances`` and ``bounds`` of :class:`CampaignSettings`.

    ``abs_peak_nm=550±3`` (or ``550+-3``; without ``±`` the campaign tolerance applies) is a target;
    ``fwhm_mev<=110`` and ``plqy>=0.5`` are bounds. ``fwhm_mev`` means the FWHM of the first target's spectrum.

    Raises
    ------
    ConfigError
        When an item has another shape.
    """
    targets: dict[str, float] = {}
    tolerances: dict[str, float] = {}
    raw_bounds: list[tuple[str, str, float]] = []
    for item in items:
        m = _TARGET.match(item)
        if m is None:
            raise ConfigError(f"--target {item!r} must look like abs_peak_nm=560, abs_peak_nm=560±3, "
                              "pl_fwhm_mev<=110 or plqy>=0.5")
        if m["op"] == "=":
            targets[m["name"]] = float(m["value"])
            if m["tol"]:
                tolerances[m["name"]] = float(m["tol"])
        elif m["tol"]:
            raise ConfigError(f"--target {item!r}: a bound takes no ± tolerance")
        else:
            raw_bounds.append((m["name"], m["op"], float(m["value"])))
    bounds: dict[str, tuple[float | None, float | None]] = {}
    for name, op, value in raw_bounds:
        name = resolve_output(name, targets)
        lo, hi = bounds.get(name, (None, None))
        bounds[name] = (lo, value) if op.startswith("<") else (value, hi)
    return {"targets": targets, "tolerances": tolerances, "bounds": bounds}


@dataclass
class CampaignOutcome:
    """Summary of a campaign run (the full report is :func:`campaign_report`)."""

    campaign_id: int
    status: str
    experiments_run: int
    experiments_to_target: int | None
    best: dict[str, Any] | None
    report: dict[str, Any] | None = None


EventCallback = Callable[[str, dict[str, Any]], None]


def _request_id(campaign_id: int, seq: int) -> str:
    return f"campaign-{campaign_id}-exp-{seq}"


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in values.items()}


class CampaignRunner:
    """Runs (and resumes) one campaign on an adapter, writing everything to the database as it happens.

    Parameters
    ----------
    engine:
        Database engine (tables must exist).
    adapter:
        The reactor adapter (connected by the runner for the duration of :meth:`run`).
    priors:
        Literature models per outcome used to seed and as the GP prior mean (ignored when ``settings.seeded``
        is false).
    raw_dir:
        Folder for raw spectra (``campaign-<id>/exp-<seq>.json``); when None, spectra are stored inside the
        ``Experiment.result`` JSON.
    on_event:
        Called with ``("planned"|"dispatched"|"finished", experiment dict)`` (the CLI draws progress with it).
    safety_limits:
        Further limits (any spelling :func:`~nanosynth.lab.adapters.base.resolve_limits` accepts, naming schema
        or reactor parameters): stored with the campaign on :meth:`create`, added to the stored ones on
        :meth:`run` (limits are only ever tightened).
    mapping:
        The reactor's mapping file (path, dict or :class:`~nanosynth.lab.adapters.contract.ReactorMapping`); the
        adapter is used through :class:`~nanosynth.lab.adapters.contract.ContractAdapter` either way.
    """

    def __init__(self, engine: Engine, adapter: ReactorAdapter, priors: dict[str, PriorModel] | None = None, *,
                 raw_dir: Path | None = None, on_event: EventCallback | None = None, safety_limits: Any = None,
                 mapping: ReactorMapping | dict[str, Any] | str | Path | None = None) -> None:
        self.engine = engine
        self.adapter: ContractAdapter = as_contract(adapter, mapping)
        self.priors = dict(priors or {})
        self.raw_dir = Path(raw_dir) if raw_dir else None
        self.on_event = on_event
        self.extra_limits = safety_limits
        self.limits = SafetyLimits()

    # ------------------------------------------------------------------ creation
    def create(self, settings: CampaignSettings, name: str | None = None, model_artifact_id: int | None = None) -> int:
        """Write a new Campaign row and return its id (nothing is sent to the reactor).

        Raises
        ------
        ConfigError
            When a target or minimized outcome is not measured by the reactor, or a seeded campaign lacks priors.
        SafetyLimitError
            When a safety limit names no parameter, has an unknown unit or a bad shape.
        """
        caps = self.adapter.capabilities()
        limits = self._combined_limits(settings.safety_limits)
        unknown = [o for o in settings.objective().outputs if o not in caps.output_names]
        if unknown:
            raise ConfigError(f"{caps.reactor} does not measure {unknown}; it measures {caps.output_names}")
        if settings.seeded:
            missing = [t for t in settings.targets if t not in self.priors]
            if missing:
                raise ConfigError(f"no prior model for {missing}: train/register one ('nanosynth models train') "
                                  "or run with --no-seed")
        settings = settings.model_copy(update={"adapter": settings.adapter or adapter_path(self.adapter.inner),
                                               "safety_limits": limits.bounds,
                                               "mapping": self.adapter.mapping.model_dump(mode="json")})
        with session_scope(self.engine) as s:
            return store.add_campaign(s, {
                "name": name or f"target {', '.join(f'{k}={v:g}' for k, v in settings.targets.items())}",
                "status": CampaignStatus.CREATED.value, "adapter": settings.adapter,
                "target": {"targets": settings.targets, "tolerance": settings.tolerance,
                           "minimize": settings.minimize},
                "config": settings.model_dump(mode="json"), "model_artifact_id": model_artifact_id})

    # ------------------------------------------------------------------ safety limits
    def _combined_limits(self, *stored: Any) -> SafetyLimits:
        """``stored`` limits ∩ the runner's extra limits ∩ the adapter's own, all checked against the reactor."""
        caps = self.adapter.capabilities()
        self.adapter.safety_limits.check_names(caps)
        limits = self.adapter.safety_limits
        for value in (*stored, self.extra_limits):
            limits = limits.intersect(resolve_limits(self.adapter.translate_limits(value), caps))
        limits.clip_box(caps)
        return limits

    def _enforce_limits(self, campaign_id: int, settings: CampaignSettings) -> CampaignSettings:
        """Tighten the stored limits with those given now, store the result, and enforce it for this run."""
        legacy = settings.adapter_options.get("safety_limits")  # campaigns stored before limits had their own field
        stored = resolve_limits(self.adapter.translate_limits(settings.safety_limits), self.adapter.capabilities())
        self.limits = self._combined_limits(stored, legacy)
        if self.extra_limits is not None:
            given = resolve_limits(self.adapter.translate_limits(self.extra_limits), self.adapter.capabilities())
            looser = sorted(n for n, b in stored.intersect(given).bounds.items() if b != given.bounds.get(n, b))
            if looser:
                log.warning("campaign %s: limits on %s given now are looser than the stored ones, which stay in "
                            "force (limits are only tightened on resume)", campaign_id, ", ".join(looser))
        if self.limits.bounds != settings.safety_limits:
            settings = settings.model_copy(update={"safety_limits": self.limits.bounds})
            with session_scope(self.engine) as s:
                store.set_campaign_config(s, campaign_id, settings.model_dump(mode="json"))
        log.info("campaign %s: safety limits in force %s", campaign_id, self.limits.bounds)
        return settings

    # ------------------------------------------------------------------ helpers
    def _emit(self, event: str, exp: Experiment) -> None:
        if self.on_event is not None:
            self.on_event(event, {"seq": exp.seq, "status": exp.status, "parameters": exp.parameters,
                                  "predicted": exp.predicted, "result": exp.result, "error": exp.error})

    def _load(self, campaign_id: int) -> tuple[CampaignSettings, list[Experiment]]:
        with session_scope(self.engine) as s:
            camp = store.get_campaign(s, campaign_id)
            return CampaignSettings.model_validate(camp.config), store.list_experiments(s, campaign_id)

    def _update(self, exp_id: int, **values: Any) -> Experiment:
        with session_scope(self.engine) as s:
            return store.update_experiment(s, exp_id, **values)

    def _set_campaign(self, campaign_id: int, status: CampaignStatus, note: str | None = None) -> None:
        with session_scope(self.engine) as s:
            store.set_campaign_status(s, campaign_id, status, note)

    @staticmethod
    def _observations(exps: list[Experiment]) -> list[Observation]:
        obs = []
        for e in exps:
            if e.dispatched_at is None or e.status in (ExperimentStatus.PLANNED.value, ExperimentStatus.DISPATCHED.value):
                continue
            res = e.result or {}
            status = res.get("status") or ("ok" if e.status == ExperimentStatus.DONE.value else e.status)
            outcomes = {k: float(v) for k, v in (res.get("outcomes") or {}).items() if v is not None}
            obs.append(Observation(parameters=dict(e.parameters), status=status, outcomes=outcomes))
        return obs

    # ------------------------------------------------------------------ recovery
    def recover(self, campaign_id: int) -> int:
        """Settle experiments left ``dispatched`` by a dead process (collect late results or mark interrupted)."""
        _, exps = self._load(campaign_id)
        settled = 0
        for e in exps:
            if e.status != ExperimentStatus.DISPATCHED.value:
                continue
            late = None
            collect = getattr(self.adapter, "collect", None)
            if callable(collect):
                try:
                    late = collect(_request_id(campaign_id, e.seq))
                except Exception as exc:  # noqa: BLE001 - any failure to collect leaves it 'interrupted'
                    log.warning("could not collect a late result for %s: %s", e.seq, exc)
            if late is not None:
                self._record(campaign_id, e, late)
            else:
                e = self._update(e.id, status=ExperimentStatus.FAILED.value, error=INTERRUPTED,
                                 finished_at=utcnow(), result={"status": "failed", "outcomes": {}, "error": INTERRUPTED})
                self._emit("finished", e)
            settled += 1
        return settled

    # ------------------------------------------------------------------ recording
    def _record(self, campaign_id: int, exp: Experiment, result: ExperimentResult) -> Experiment:
        summary = result.summary()
        summary["outcomes"] = _clean(result.outcomes)
        raw_uri = None
        if result.spectra:
            spectra = [sp.model_dump() for sp in result.spectra]
            if self.raw_dir is not None:
                path = self.raw_dir / f"campaign-{campaign_id}" / f"exp-{exp.seq}.json"
                atomic_write_text(path, json.dumps({"request_id": result.request_id, "spectra": spectra}))
                raw_uri = path.resolve().as_uri()
            else:
                summary["spectra"] = spectra
        status = {ResultStatus.OK: ExperimentStatus.DONE, ResultStatus.ABORTED: ExperimentStatus.ABORTED}.get(
            result.status, ExperimentStatus.FAILED)
        error = result.error
        if result.status is ResultStatus.NO_SIGNAL and error and not error.startswith("no "):
            error = f"no signal: {error}"
        with session_scope(self.engine) as s:
            row = store.update_experiment(s, exp.id, status=status.value, result=summary, error=error,
                                          raw_data_uri=raw_uri, finished_at=result.finished_at or utcnow())
            if result.ok:
                caps = self.adapter.capabilities()
                product = caps.product
                rec = experiment_recipe(campaign_id, row.seq, row.id, row.parameters, result.outcomes, caps.reactor,
                                        composition=product.composition if product else "CdSe",
                                        method=product.method if product else None,
                                        simulated=caps.simulated)
                add_recipes(s, [rec], replace=True)
                s.refresh(row)
        self._emit("finished", row)
        return row

    def _plan(self, campaign_id: int, settings: CampaignSettings, exps: list[Experiment],
              planner: Planner, remaining: int) -> None:
        obs = self._observations(exps)
        started = any(e.dispatched_at is not None for e in exps)
        k = min(settings.batch_size if started else settings.initial_size, remaining)
        if not started:
            proposals = planner.initial_batch(k)
        else:
            planner.seed = settings.seed * 10007 + len(exps)
            proposals = planner.next_batch(obs, k)
        if not proposals:
            raise HardwareError(f"the planner found no new experiment in the allowed space for campaign {campaign_id}")
        next_seq = max((e.seq for e in exps), default=-1) + 1
        with session_scope(self.engine) as s:
            store.add_experiments(s, [{"campaign_id": campaign_id, "seq": next_seq + i,
                                       "status": ExperimentStatus.PLANNED.value, "parameters": p.parameters,
                                       "predicted": p.as_json()} for i, p in enumerate(proposals)])
        for e in self._load(campaign_id)[1][-len(proposals):]:
            self._emit("planned", e)

    # ------------------------------------------------------------------ main loop
    def run(self, campaign_id: int, budget: int | None = None) -> CampaignOutcome:
        """Run (or resume) campaign ``campaign_id`` until the target is met, the budget is used, or it stops.

        Parameters
        ----------
        budget:
            New total budget (to extend a campaign on resume); default: the stored one.

        Raises
        ------
        SafetyLimitError
            A planned request violates the reactor's limits or the campaign's stored ones (nothing sent; campaign
            marked failed), or a limit is malformed (nothing planned or sent).
        """
        settings, _ = self._load(campaign_id)
        settings = self._enforce_limits(campaign_id, settings)
        if budget is not None and budget != settings.budget:
            settings = settings.model_copy(update={"budget": budget})
            with session_scope(self.engine) as s:
                store.set_campaign_config(s, campaign_id, settings.model_dump(mode="json"))
        priors = self.priors if settings.seeded else {}
        if settings.seeded and not all(t in priors for t in settings.targets):
            raise ConfigError(f"campaign {campaign_id} was seeded from prior models; give the same priors to resume it")
        space = SearchSpace(self.adapter.capabilities(), self.limits)
        planner = Planner(space, settings.objective(), priors, seed=settings.seed, n_candidates=settings.n_candidates)
        try:
            with self.adapter:
                self.recover(campaign_id)
                self._set_campaign(campaign_id, CampaignStatus.RUNNING)
                self._loop(campaign_id, settings, planner)
        except SafetyLimitError:
            raise
        except Exception as exc:
            self._stop_on_error(campaign_id, exc)
            if isinstance(exc, NanosynthError):
                raise
            raise HardwareError(f"campaign {campaign_id} stopped: {type(exc).__name__}: {exc}; resume it with "
                                f"'nanosynth lab campaign --resume {campaign_id}' once the reactor is back") from exc
        return self.outcome(campaign_id)

    def _stop_on_error(self, campaign_id: int, exc: Exception) -> None:
        """An unexpected error ended the run: fail what is left ``dispatched`` and mark the campaign stopped."""
        for e in self._load(campaign_id)[1]:
            if e.status == ExperimentStatus.DISPATCHED.value:
                self._fail(e, exc, "campaign stopped")
        self._set_campaign(campaign_id, CampaignStatus.STOPPED, f"stopped: {type(exc).__name__}: {exc}")

    def _loop(self, campaign_id: int, settings: CampaignSettings, planner: Planner) -> None:
        """Plan and run experiments one at a time until the campaign is done or stopped."""
        objective = settings.objective()
        consecutive_faults = 0
        while True:
            _, exps = self._load(campaign_id)
            used = sum(e.dispatched_at is not None for e in exps)
            met = any(e.status == ExperimentStatus.DONE.value and objective.met((e.result or {}).get("outcomes"))
                      for e in exps)
            planned = [e for e in exps if e.status == ExperimentStatus.PLANNED.value]
            if used >= settings.budget or (met and settings.stop_on_target and not settings.optimizes):
                for e in planned:
                    self._update(e.id, status=ExperimentStatus.ABORTED.value, error=SKIPPED)
                self._set_campaign(campaign_id, CampaignStatus.DONE,
                                   "target reached" if met else "budget used without reaching the target")
                return
            if not planned:
                self._plan(campaign_id, settings, exps, planner, settings.budget - used)
                continue
            result = self._dispatch(campaign_id, planned[0])
            if not isinstance(result, Exception):
                result = self._record_or_fail(campaign_id, planned[0], result)
            if not isinstance(result, Exception):
                consecutive_faults = 0
                continue
            consecutive_faults += 1
            if settings.on_fault == "stop" or consecutive_faults >= settings.max_consecutive_faults:
                what = f"{type(result).__name__}: {result}"
                why = (f"stopped after a hardware fault: {what}" if settings.on_fault == "stop" else
                       f"stopped after {consecutive_faults} hardware faults in a row: {what}")
                self._set_campaign(campaign_id, CampaignStatus.STOPPED, why)
                return

    def _fail(self, exp: Experiment, exc: Exception, what: str = "hardware fault") -> Exception:
        """Mark ``exp`` failed with the reason (committed at once) and return ``exc``."""
        reason = f"{what}: {type(exc).__name__}: {exc}" if not isinstance(exc, HardwareError) else f"{what}: {exc}"
        exp = self._update(exp.id, status=ExperimentStatus.FAILED.value, finished_at=utcnow(), error=reason,
                           result={"status": "failed", "outcomes": {}, "error": reason})
        log.warning("experiment %s failed: %s", exp.seq, reason)
        self._emit("finished", exp)
        return exc

    def _record_or_fail(self, campaign_id: int, exp: Experiment, result: ExperimentResult) -> Experiment | Exception:
        """Record a result; a result that cannot be recorded (invalid reading) fails the experiment instead."""
        try:
            return self._record(campaign_id, exp, result)
        except Exception as exc:  # noqa: BLE001 - whatever went wrong, the experiment must not stay 'dispatched'
            return self._fail(exp, exc, "invalid result")

    def _dispatch(self, campaign_id: int, exp: Experiment) -> ExperimentResult | Exception:
        """Check, mark dispatched and run one planned experiment; any adapter exception is recorded and returned."""
        request = ExperimentRequest(request_id=_request_id(campaign_id, exp.seq), parameters=exp.parameters,
                                    campaign_id=campaign_id, seq=exp.seq)
        try:
            problems = self.limits.violations(request.parameters)
            if problems:
                raise SafetyLimitError(f"request {request.request_id} refused, nothing was sent: {'; '.join(problems)}"
                                       ". The campaign's stored safety limits forbid it.")
            self.adapter.check(request)
        except (SafetyLimitError, ValueError) as exc:
            self._update(exp.id, status=ExperimentStatus.ABORTED.value, error=f"refused before dispatch: {exc}")
            self._set_campaign(campaign_id, CampaignStatus.FAILED, f"safety refusal: {exc}")
            raise
        exp = self._update(exp.id, status=ExperimentStatus.DISPATCHED.value, dispatched_at=utcnow())
        self._emit("dispatched", exp)
        try:
            return self.adapter.run(request)
        except SafetyLimitError as exc:  # refused by the device or its server: nothing ran
            self._update(exp.id, status=ExperimentStatus.ABORTED.value, finished_at=utcnow(),
                         error=f"refused by the reactor: {exc}")
            self._set_campaign(campaign_id, CampaignStatus.FAILED, f"safety refusal: {exc}")
            raise
        except Exception as exc:  # noqa: BLE001 - timeouts, disconnects, invalid readings: all are recorded
            return self._fail(exp, exc)
        except KeyboardInterrupt:
            self.adapter.abort()
            self._set_campaign(campaign_id, CampaignStatus.STOPPED,
                               f"interrupted by the operator during experiment {exp.seq}; resume with "
                               f"'nanosynth lab campaign --resume {campaign_id}'")
            raise

    def outcome(self, campaign_id: int) -> CampaignOutcome:
        """The outcome of a campaign as stored (with its full report)."""
        report = campaign_report(self.engine, campaign_id)
        return CampaignOutcome(campaign_id=campaign_id, status=report["status"],
                               experiments_run=report["experiments_run"],
                               experiments_to_target=report["experiments_to_target"], best=report["best"],
                               report=report)


class CalibrationRunner(CampaignRunner):
    """A campaign whose experiments are planned up front to identify the reactor's temperature offset."""

    def create_calibration(self, output: str, budget: int, *, seed: int = 0, name: str | None = None,
                           prior_info: dict[str, Any] | None = None) -> int:
        """Write the calibration campaign row (purpose ``calibration``, the whole budget, no target)."""
        settings = CampaignSettings(targets={}, bounds={output: (None, None)}, budget=budget, seed=seed,
                                    initial_size=budget, stop_on_target=False, purpose="calibration",
                                    prior=dict(prior_info or {}))
        return self.create(settings, name=name or f"temperature-offset calibration ({output})")

    def plan_design(self, campaign_id: int, design: Callable[..., list[dict[str, float]]], prior: PriorModel,
                    output: str) -> None:
        """Store the calibration design (``design(prior, space, k, seed=...)``) as planned experiments."""
        settings, exps = self._load(campaign_id)
        limits = self._combined_limits(settings.safety_limits)
        space = SearchSpace(self.adapter.capabilities(), limits)
        points = design(prior, space, settings.budget, seed=settings.seed)
        mean, std = prior.predict_dist(pd.DataFrame(points, columns=space.names))
        with session_scope(self.engine) as s:
            store.add_experiments(s, [{
                "campaign_id": campaign_id, "seq": len(exps) + i, "status": ExperimentStatus.PLANNED.value,
                "parameters": p, "predicted": {"outcomes": {output: {"mean": float(m), "std": float(sd)}},
                                               "source": "calibration_design"}}
                for i, (p, m, sd) in enumerate(zip(points, mean, std, strict=True))])


def run_campaign(engine: Engine, adapter: ReactorAdapter, settings: CampaignSettings,
                 priors: dict[str, PriorModel] | None = None, *, name: str | None = None,
                 raw_dir: Path | None = None, on_event: EventCallback | None = None,
                 model_artifact_id: int | None = None, safety_limits: Any = None,
                 mapping: Any = None) -> CampaignOutcome:
    """Create and run a campaign (see :class:`CampaignRunner`); ``safety_limits`` and ``mapping`` are stored."""
    runner = CampaignRunner(engine, adapter, priors, raw_dir=raw_dir, on_event=on_event, safety_limits=safety_limits,
                            mapping=mapping)
    cid = runner.create(settings, name=name, model_artifact_id=model_artifact_id)
    return runner.run(cid)


def resume_campaign(engine: Engine, adapter: ReactorAdapter, campaign_id: int,
                    priors: dict[str, PriorModel] | None = None, *, budget: int | None = None,
                    raw_dir: Path | None = None, on_event: EventCallback | None = None,
                    safety_limits: Any = None, mapping: Any = None) -> CampaignOutcome:
    """Continue an interrupted campaign without repeating finished experiments (see module docstring).

    The campaign's stored safety limits stay in force; ``safety_limits`` given here are added to them and stored
    (limits are only ever tightened). The stored mapping is used unless ``mapping`` is given.
    """
    if mapping is None:
        mapping = load_settings(engine, campaign_id).mapping
    runner = CampaignRunner(engine, adapter, priors, raw_dir=raw_dir, on_event=on_event, safety_limits=safety_limits,
                            mapping=mapping)
    return runner.run(campaign_id, budget=budget)


def load_settings(engine: Engine, campaign_id: int) -> CampaignSettings:
    """The stored settings of a campaign.

    Raises
    ------
    DatabaseError
        When the campaign does not exist.
    """
    with session_scope(engine) as s:
        return CampaignSettings.model_validate(store.get_campaign(s, campaign_id).config)


def lab_frame(engine: Engine, campaign_id: int) -> tuple[Campaign, pd.DataFrame]:
    """A campaign and its successful runs: one row per run, parameters and outcomes as columns.

    ``frame.attrs["parameters"]`` lists the parameter columns.
    """
    with session_scope(engine) as s:
        camp = store.get_campaign(s, campaign_id)
        exps = store.list_experiments(s, campaign_id, status=ExperimentStatus.DONE.value)
    rows = []
    for e in exps:
        outcomes = (e.result or {}).get("outcomes") or {}
        rows.append({"seq": e.seq, **e.parameters, **{k: v for k, v in outcomes.items() if v is not None}})
    frame = pd.DataFrame(rows)
    frame.attrs["parameters"] = list(exps[0].parameters) if exps else []
    return camp, frame


def campaign_report(engine: Engine, campaign_id: int) -> dict[str, Any]:
    """The whole campaign as JSON-able dict: settings, experiments (predicted vs measured), experiments_to_target.

    ``experiments_to_target`` is the number of experiments dispatched up to and including the first whose results
    met every target within tolerance (None if never).
    """
    with session_scope(engine) as s:
        camp = store.get_campaign(s, campaign_id)
        exps = store.list_experiments(s, campaign_id)
    settings = CampaignSettings.model_validate(camp.config)
    objective = settings.objective()
    rows = []
    to_target = None
    run_count = 0
    best = None
    best_key = None
    for e in exps:
        res = e.result or {}
        measured = res.get("outcomes") or {}
        if e.dispatched_at is not None:
            run_count += 1
        met = e.status == ExperimentStatus.DONE.value and objective.met(measured)
        if met and to_target is None:
            to_target = run_count
        predicted = {k: v.get("mean") for k, v in ((e.predicted or {}).get("outcomes") or {}).items()}
        rows.append({
            "seq": e.seq, "status": e.status, "parameters": e.parameters, "predicted": predicted,
            "predicted_std": {k: v.get("std") for k, v in ((e.predicted or {}).get("outcomes") or {}).items()},
            "plan_source": (e.predicted or {}).get("source"),
            "measured": {k: measured.get(k) for k in objective.outputs if k in measured} | {
                k: v for k, v in measured.items() if k in ("abs_peak_nm", "pl_peak_nm", "abs_fwhm_mev", "pl_fwhm_mev",
                                                            "size_nm", "plqy")},
            "within_tolerance": met, "error": e.error, "raw_data_uri": e.raw_data_uri,
            "dispatched_at": e.dispatched_at.isoformat() if e.dispatched_at else None,
            "finished_at": e.finished_at.isoformat() if e.finished_at else None,
        })
        if e.status == ExperimentStatus.DONE.value:
            key = (not met, objective.distance(measured) if not met else 0.0,
                   sum((measured.get(m) or math.inf) for m in objective.minimize)
                   - sum((measured.get(m) or -math.inf) for m in objective.maximize) if met else 0.0)
            if best_key is None or key < best_key:
                best_key, best = key, rows[-1]
    done = [(r, (e.result or {}).get("outcomes") or {}) for r, e in zip(rows, exps, strict=True)
            if e.status == ExperimentStatus.DONE.value]
    front = [done[i][0] for i in pareto_front(objective, [o for _, o in done])]
    return {
        "campaign_id": camp.id, "name": camp.name, "status": camp.status, "adapter": camp.adapter,
        "targets": settings.targets, "tolerance": settings.tolerance, "tolerances": settings.tolerances,
        "bounds": settings.bounds, "minimize": settings.minimize, "maximize": settings.maximize,
        "seeded": settings.seeded, "budget": settings.budget, "seed": settings.seed, "prior": settings.prior,
        "safety_limits": settings.safety_limits,
        "note": camp.config.get("last_note"),
        "created_at": camp.created_at.isoformat(), "finished_at": camp.finished_at.isoformat() if camp.finished_at else None,
        "experiments_run": run_count, "experiments_to_target": to_target, "best": best,
        "pareto_front": [{"seq": r["seq"], "parameters": r["parameters"], "measured": r["measured"]} for r in front],
        "counts": {st.value: sum(e.status == st.value for e in exps) for st in ExperimentStatus},
        "experiments": rows,
    }


def _seed_priors(engine: Engine, settings: CampaignSettings, prior_dataset: str,
                 capabilities: Capabilities) -> tuple[CampaignSettings, dict[str, PriorModel], int | None]:
    """Priors of a seeded campaign for the reactor's declared product (settings record which were used).

    When no registered model or literature recipe matches a target, the campaign says so (``settings.prior``,
    a warning) and runs unseeded.
    """
    from nanosynth.lab.prior import product_priors

    if not settings.seeded:
        return settings, {}, None
    with session_scope(engine) as s:
        priors, info = product_priors(s, capabilities, settings.objective().outputs, dataset=prior_dataset,
                                      random_state=settings.seed)
    if not all(t in priors for t in settings.targets):
        log.warning("running unseeded: %s", info.get("unseeded"))
        return settings.model_copy(update={"seeded": False, "prior": info,
                                           "initial_size": max(settings.initial_size, 4)}), {}, None
    artifact_id = next((v.get("model_artifact_id") for v in info.values() if isinstance(v, dict)
                        and v.get("model_artifact_id")), None)
    return settings.model_copy(update={"prior": info}), priors, artifact_id


def launch_campaign(engine: Engine, settings: CampaignSettings | None = None, *, resume: int | None = None,
                    adapter: str = "simulated", adapter_options: dict[str, Any] | None = None,
                    safety_limits: Any = None, budget: int | None = None,
                    prior_dataset: str = "cdse-hte", name: str | None = None, raw_dir: Path | None = None,
                    on_event: EventCallback | None = None, mapping: Any = None) -> CampaignOutcome:
    """Start a new campaign (``settings``) or resume a stored one (``resume``): what ``nanosynth lab campaign`` runs.

    The adapter is loaded by name (a resumed campaign reuses its stored adapter and options unless given others);
    a seeded campaign gets its priors from the database for the reactor's declared product (registered models
    first, else tree ensembles on ``prior_dataset`` or on the product's literature recipes; none → unseeded, and
    the ``started`` event says why). ``on_event`` also receives ``("started", {"campaign_id", "resumed",
    "adapter", "outputs", "unseeded"})``.

    Parameters
    ----------
    settings:
        Settings of a new campaign (ignored when resuming).
    resume:
        Id of the campaign to continue.
    adapter, adapter_options:
        Adapter name or ``package.module:Class`` and its options.
    mapping:
        The reactor's mapping file (path or dict); a resumed campaign reuses the stored one.
    safety_limits:
        Limits in any spelling :func:`~nanosynth.lab.adapters.base.resolve_limits` accepts (``--limit`` strings,
        ``nanosynth.toml`` entries): checked against the reactor before anything else happens, stored with the
        campaign, and added to the stored ones on resume.
    budget:
        New total budget of a resumed campaign.

    Raises
    ------
    ConfigError
        Neither settings nor a campaign to resume, or an unusable adapter.
    SafetyLimitError
        A limit names no parameter of the reactor, or has an unknown unit or a bad shape; nothing was dispatched.
    DatabaseError
        The campaign to resume does not exist.
    """
    from nanosynth.lab.adapters.loader import load_adapter

    options = dict(adapter_options or {})
    if resume is not None:
        settings = load_settings(engine, resume)
        options = {**settings.adapter_options, **options}
        adapter = adapter if adapter != "simulated" or not settings.adapter else settings.adapter
        mapping = mapping if mapping is not None else settings.mapping
    elif settings is None:
        raise ConfigError("give the settings of a new campaign or the id of one to resume")
    reactor = as_contract(load_adapter(adapter, options), mapping)
    return _launch(engine, reactor, settings, resume=resume, adapter=adapter, options=options,
                   safety_limits=safety_limits, budget=budget, prior_dataset=prior_dataset, name=name,
                   raw_dir=raw_dir, on_event=on_event)


def _launch(engine: Engine, reactor: ContractAdapter, settings: CampaignSettings, *, resume: int | None,
            adapter: str, options: dict[str, Any], safety_limits: Any, budget: int | None, prior_dataset: str,
            name: str | None, raw_dir: Path | None, on_event: EventCallback | None) -> CampaignOutcome:
    """Check limits, seed, create (or resume) and run the campaign of :func:`launch_campaign`."""
    caps = reactor.capabilities()
    reactor.safety_limits.check_names(caps)
    safety_limits = resolve_limits(reactor.translate_limits(safety_limits), caps) if safety_limits else None
    if resume is None:
        settings = settings.model_copy(update={"adapter": adapter if ":" in adapter else None,
                                               "adapter_options": options})
        settings, priors, artifact_id = _seed_priors(engine, settings, prior_dataset, caps)
    else:
        _, priors, artifact_id = _seed_priors(engine, settings, prior_dataset, caps)
    runner = CampaignRunner(engine, reactor, priors, raw_dir=raw_dir, on_event=on_event, safety_limits=safety_limits)
    cid = resume if resume is not None else runner.create(settings, name=name, model_artifact_id=artifact_id)
    if on_event is not None:
        on_event("started", {"campaign_id": cid, "resumed": resume is not None,
                             "adapter": type(reactor.inner).__name__, "outputs": list(settings.objective().outputs),
                             "unseeded": None if settings.seeded else settings.prior.get("unseeded")})
    return runner.run(cid, budget=budget if resume is not None else None)
