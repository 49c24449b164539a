"""The reactor adapter contract: capabilities, requests, results, safety limits.

A lab plugs its own reactor into nanosynth by subclassing :class:`ReactorAdapter` and pointing the CLI at it
(``--adapter my_lab.reactor:MyReactor --adapter-option host=10.0.0.5``). Plug-in authors implement
:meth:`ReactorAdapter.capabilities`, :meth:`ReactorAdapter.execute` and :meth:`ReactorAdapter.abort` (and
``connect``/``close`` when the device needs a connection). The public :meth:`ReactorAdapter.run` checks every
request against the reactor's capabilities and its configured safety limits *before* ``execute`` is called, so a
request that violates a limit is refused with :class:`~nanosynth.schema.errors.SafetyLimitError` and nothing is sent.
"""

from __future__ import annotations

import abc
import difflib
import logging
import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from types import TracebackType
from typing import Any, Literal, Self

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from nanosynth.lab.adapters.expressions import evaluate, parse_expression
from nanosynth.schema.errors import HardwareError, SafetyLimitError, SchemaValidationError, UnitError
from nanosynth.schema.units import convert, split_value_unit

log = logging.getLogger(__name__)

#: Called with the fraction (0..1) of an experiment that is done.
ProgressCallback = Callable[[float], None]


def utcnow() -> datetime:
    """Timezone-aware now in UTC (the database refuses naive datetimes)."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime (naive values are taken to be UTC already)."""
    return value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)


class ParameterSpec(BaseModel):
    """One controllable parameter of a reactor."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(description="machine name used in requests, e.g. 'temperature_c'")
    unit: str = Field(description="unit as a pint-parsable string, e.g. 'degC', 'mM', 's', '' for ratios")
    min: float
    max: float
    resolution: float = Field(default=0.0, ge=0.0, description="smallest settable step (0 = continuous)")
    log_scale: bool = Field(default=False, description="explore this parameter on a log scale")
    description: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.max > self.min:
            raise ValueError(f"parameter {self.name}: max {self.max} must be greater than min {self.min}")
        if self.log_scale and self.min <= 0:
            raise ValueError(f"parameter {self.name}: log_scale needs min > 0")
        return self

    def quantize(self, value: float) -> float:
        """Round ``value`` to the parameter's resolution (no clipping)."""
        if self.resolution <= 0:
            return float(value)
        steps = round((value - self.min) / self.resolution)
        decimals = max(0, -math.floor(math.log10(self.resolution)) + 1)
        return round(self.min + steps * self.resolution, decimals)


class OutputSpec(BaseModel):
    """One quantity a reactor measures: a fitted value, or a raw spectrum that nanosynth fits.

    ``kind="spectrum"`` declares a raw spectrum (``spectrum`` says which: ``absorption`` or ``pl``); nanosynth fits
    peak position and FWHM from it (and PLQY when ``plqy`` is set and the spectrum carries ``absorbed_photons``)
    with :mod:`nanosynth.lab.spectra`, the code that fits the curated platform data.
    """

    model_config = ConfigDict(frozen=True)

    name: str = Field(description="e.g. 'abs_peak_nm', 'pl_fwhm_mev', or the name of a raw spectrum")
    unit: str
    kind: Literal["value", "spectrum"] = "value"
    spectrum: Literal["absorption", "pl"] | None = Field(default=None, description="kind of a raw spectrum")
    plqy: bool = Field(default=False, description="a PL spectrum that carries absorbed_photons gives PLQY")
    description: str = ""

    @model_validator(mode="after")
    def _spectrum_kind(self) -> Self:
        if self.kind == "spectrum" and self.spectrum is None:
            raise ValueError(f"output {self.name}: a raw spectrum must say spectrum='absorption' or 'pl'")
        return self


class Constraint(BaseModel):
    """A coupled constraint on parameters, e.g. ``q_cs_ul_min + q_pb_ul_min <= 600`` (parameter units)."""

    model_config = ConfigDict(frozen=True)

    expression: str = Field(min_length=1)
    description: str = ""

    @field_validator("expression")
    @classmethod
    def _parses(cls, v: str) -> str:
        parse_expression(v)
        return v


class Product(BaseModel):
    """What a reactor makes: the prior is chosen from models and recipes of this composition and method."""

    model_config = ConfigDict(frozen=True)

    composition: str = Field(min_length=1, description="e.g. 'CdSe', 'CsPbBr3'")
    method: str | None = Field(default=None, description="synthesis method as in the schema, e.g. 'hot_injection'")


class Capabilities(BaseModel):
    """What a reactor can set and measure."""

    model_config = ConfigDict(frozen=True)

    reactor: str = Field(description="human-readable reactor/platform name")
    parameters: tuple[ParameterSpec, ...]
    outputs: tuple[OutputSpec, ...]
    spectra: tuple[str, ...] = Field(default=(), description="spectra returned: 'absorption', 'pl'")
    simulated: bool = Field(default=False, description="a simulator (digital twin): its results are labelled "
                                                       "simulated in the database")
    constraints: tuple[Constraint, ...] = Field(default=(), description="coupled constraints (parameter units)")
    product: Product | None = Field(default=None, description="what the reactor makes (chooses the prior)")

    @field_validator("parameters")
    @classmethod
    def _unique(cls, v: tuple[ParameterSpec, ...]) -> tuple[ParameterSpec, ...]:
        names = [p.name for p in v]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate parameter names in {names}")
        return v

    @model_validator(mode="after")
    def _constraint_names(self) -> Self:
        for c in self.constraints:
            parse_expression(c.expression, self.parameter_names)
        return self

    def feasible(self, values: Mapping[str, Any]) -> np.ndarray:
        """True where every coupled constraint holds (``values``: name → scalar or array)."""
        ok = np.ones(np.shape(next(iter(values.values()), 0.0)), dtype=bool)
        for c in self.constraints:
            ok &= evaluate(c.expression, {n: values[n] for n in self.parameter_names})
        return ok

    def constraint_violations(self, parameters: Mapping[str, float]) -> list[str]:
        """The coupled constraints ``parameters`` violate, as text (empty when all hold)."""
        return [f"constraint {c.expression!r} does not hold" + (f" ({c.description})" if c.description else "")
                for c in self.constraints if not bool(evaluate(c.expression, parameters))]

    @property
    def parameter_names(self) -> list[str]:
        return [p.name for p in self.parameters]

    @property
    def output_names(self) -> list[str]:
        return [o.name for o in self.outputs]

    def parameter(self, name: str) -> ParameterSpec:
        """The spec of parameter ``name``.

        Raises
        ------
        SchemaValidationError
            When the reactor has no such parameter.
        """
        for p in self.parameters:
            if p.name == name:
                return p
        raise SchemaValidationError(f"reactor {self.reactor!r} has no parameter {name!r}; it has {self.parameter_names}")


class SafetyLimits(BaseModel):
    """Per-reactor safety limits: closed intervals per parameter, configured by the lab (not by the optimizer).

    ``bounds`` maps a parameter name to ``[min, max]``; either end may be ``None`` (unbounded on that side).
    Example (nanosynth.toml): ``[lab.safety_limits] temperature_c = [150, 280]``; see :func:`resolve_limits` for
    every accepted spelling.
    """

    model_config = ConfigDict(frozen=True)

    bounds: dict[str, tuple[float | None, float | None]] = Field(default_factory=dict)

    @field_validator("bounds")
    @classmethod
    def _bounds_ordered(cls, v: dict[str, tuple[float | None, float | None]]):
        for name, (lo, hi) in v.items():
            if lo is not None and hi is not None and lo > hi:
                raise ValueError(f"safety limit {name}: min {lo} is above max {hi}")
        return v

    def violations(self, parameters: dict[str, float]) -> list[str]:
        """Human-readable list of every limit ``parameters`` violates (empty when safe)."""
        out = []
        for name, (lo, hi) in self.bounds.items():
            if name not in parameters:
                continue
            value = parameters[name]
            if value is None or not math.isfinite(float(value)):
                out.append(f"{name}={value} is not a finite number")
            elif lo is not None and value < lo:
                out.append(f"{name}={value} is below the safety limit {lo}")
            elif hi is not None and value > hi:
                out.append(f"{name}={value} is above the safety limit {hi}")
        return out

    def intersect(self, other: SafetyLimits) -> SafetyLimits:
        """Limits that satisfy both ``self`` and ``other`` (the tighter bound on each side)."""
        bounds = dict(self.bounds)
        for name, (lo, hi) in other.bounds.items():
            a, b = bounds.get(name, (None, None))
            lo2 = lo if a is None else (a if lo is None else max(a, lo))
            hi2 = hi if b is None else (b if hi is None else min(b, hi))
            bounds[name] = (lo2, hi2)
        return SafetyLimits(bounds=bounds)

    def check_names(self, capabilities: Capabilities) -> None:
        """Refuse limits on names that are not parameters of the reactor (a misspelled limit must not be ignored).

        Raises
        ------
        SafetyLimitError
            When a limit names no parameter; the message suggests the nearest parameter name.
        """
        for name in self.bounds:
            if name not in capabilities.parameter_names:
                raise SafetyLimitError(unknown_parameter_message(name, capabilities))

    def clip_box(self, capabilities: Capabilities) -> dict[str, tuple[float, float]]:
        """The box the optimizer may explore: capability ranges intersected with these limits.

        Raises
        ------
        SafetyLimitError
            When a limit names no parameter or leaves nothing of a parameter's range.
        """
        self.check_names(capabilities)
        box = {}
        for p in capabilities.parameters:
            lo, hi = self.bounds.get(p.name, (None, None))
            a = p.min if lo is None else max(p.min, lo)
            b = p.max if hi is None else min(p.max, hi)
            if a > b:
                raise SafetyLimitError(
                    f"safety limits for {p.name} [{lo}, {hi}] leave nothing of the reactor range [{p.min}, {p.max}]:"
                    " fix the configured limits"
                )
            box[p.name] = (a, b)
        return box


def unknown_parameter_message(name: str, capabilities: Capabilities) -> str:
    """One line saying that ``name`` is not a parameter, with the nearest valid name and the full list."""
    valid = capabilities.parameter_names
    near = difflib.get_close_matches(name.lower(), valid, n=1, cutoff=0.4)
    hint = f"did you mean {near[0]!r}? " if near else ""
    return (f"safety limit {name!r} is not a parameter of {capabilities.reactor}: {hint}valid names are "
            f"{', '.join(valid)} (nothing was dispatched)")


class LimitEntry(BaseModel):
    """One safety limit as a user wrote it: parameter name, bounds (None = open end), optional unit of the bounds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    min: float | None = None
    max: float | None = None
    unit: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        for v in (self.min, self.max):
            if v is not None and not math.isfinite(v):
                raise ValueError(f"safety limit {self.name}: bounds must be finite numbers, not {v}")
        if self.min is None and self.max is None:
            raise ValueError(f"safety limit {self.name}: give at least one bound")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"safety limit {self.name}: min {self.min} is above max {self.max}")
        return self


_LIMIT_SHAPE = ("write a limit as 'temperature_c=150:280' (either end may be empty, an optional unit may follow "
                "each number or the range: '150:280 degC'), as {name: [min, max]} or as a list of such strings or "
                "of {name, min, max, unit} tables")


def _bound(text: str, item: str) -> tuple[float | None, str | None]:
    num, unit = split_value_unit(text)
    if num is None and unit:
        raise SafetyLimitError(f"safety limit {item!r}: {text.strip()!r} is not a number; {_LIMIT_SHAPE}")
    return num, unit


def parse_limit(item: str) -> LimitEntry:
    """Parse ``NAME=LO:HI`` (``--limit`` on the CLI); a unit may follow each number or the whole range.

    Raises
    ------
    SafetyLimitError
        When the text is malformed (no ``=`` or ``:``, not numbers, LO above HI, two different units).
    """
    name, sep, rng = str(item).partition("=")
    lo_text, colon, hi_text = rng.partition(":")
    if not sep or not colon or not name.strip():
        raise SafetyLimitError(f"safety limit {item!r} is malformed: {_LIMIT_SHAPE}")
    lo, lo_unit = _bound(lo_text, item)
    hi, hi_unit = _bound(hi_text, item)
    if lo_unit and hi_unit and lo_unit != hi_unit:
        raise SafetyLimitError(f"safety limit {item!r} has two units ({lo_unit}, {hi_unit}): use one")
    return _entry(name.strip(), lo, hi, lo_unit or hi_unit)


def _entry(name: str, lo: Any, hi: Any, unit: Any = None) -> LimitEntry:
    try:
        return LimitEntry(name=name, min=lo, max=hi, unit=unit)
    except ValueError as exc:
        reason = exc.errors()[0]["msg"].removeprefix("Value error, ") if hasattr(exc, "errors") else str(exc)
        raise SafetyLimitError(f"invalid safety limit {name!r} ({reason}): {_LIMIT_SHAPE}") from exc


def _entry_from_value(name: str, value: Any) -> LimitEntry:
    if isinstance(value, Mapping):
        extra = sorted(set(value) - {"min", "max", "unit"})
        if extra:
            raise SafetyLimitError(f"safety limit {name!r} has unknown keys {extra}: use min, max and unit")
        return _entry(name, value.get("min"), value.get("max"), value.get("unit"))
    if isinstance(value, list | tuple) and len(value) in (2, 3):
        return _entry(name, *value)
    raise SafetyLimitError(f"safety limit {name!r} = {value!r} has the wrong shape: {_LIMIT_SHAPE}")


def coerce_limit_entries(value: Any) -> list[LimitEntry]:
    """Every accepted spelling of safety limits → a list of :class:`LimitEntry` (no name check yet).

    Accepted: None, :class:`SafetyLimits`, ``{"bounds": {...}}``, ``{name: [min, max(, unit)]}``,
    ``{name: {min, max, unit}}``, and lists of ``"name=lo:hi"`` strings, ``{name, min, max, unit}`` tables or
    :class:`LimitEntry` objects.

    Raises
    ------
    SafetyLimitError
        For any other shape, a malformed bound or min above max.
    """
    if value is None:
        return []
    if isinstance(value, SafetyLimits):
        value = value.bounds
    if isinstance(value, str | LimitEntry):
        value = [value]
    if isinstance(value, Mapping):
        if set(value) == {"bounds"} and isinstance(value["bounds"], Mapping):
            value = value["bounds"]
        return [_entry_from_value(str(k), v) for k, v in value.items()]
    if not isinstance(value, list | tuple):
        raise SafetyLimitError(f"safety limits {value!r} have the wrong shape: {_LIMIT_SHAPE}")
    out = []
    for item in value:
        if isinstance(item, LimitEntry):
            out.append(item)
        elif isinstance(item, str):
            out.append(parse_limit(item))
        elif isinstance(item, Mapping) and "name" in item:
            out.append(_entry_from_value(str(item["name"]), {k: v for k, v in item.items() if k != "name"}))
        else:
            raise SafetyLimitError(f"safety limit {item!r} in a list has the wrong shape: {_LIMIT_SHAPE}")
    return out


def _in_parameter_unit(entry: LimitEntry, spec: ParameterSpec) -> tuple[float | None, float | None]:
    if not entry.unit or entry.unit == spec.unit:
        return entry.min, entry.max
    if not spec.unit:
        raise SafetyLimitError(f"safety limit {entry.name!r}: the parameter has no unit, drop {entry.unit!r}")
    try:
        lo, hi = (None if v is None else convert(v, entry.unit, spec.unit) for v in (entry.min, entry.max))
    except UnitError as exc:
        raise SafetyLimitError(f"safety limit {entry.name!r}: unit {entry.unit!r} is unknown or not convertible "
                               f"to {spec.unit!r} ({exc}); give the bounds in {spec.unit}") from exc
    return lo, hi


def resolve_limits(value: Any, capabilities: Capabilities) -> SafetyLimits:
    """Validate safety limits of any accepted spelling against a reactor and convert them to its units.

    Several limits on one parameter are intersected (the tightest wins).

    Raises
    ------
    SafetyLimitError
        For an unknown parameter name (the nearest valid name is suggested), unit or shape; nothing is dispatched.
    """
    limits = SafetyLimits()
    for entry in coerce_limit_entries(value):
        if entry.name not in capabilities.parameter_names:
            raise SafetyLimitError(unknown_parameter_message(entry.name, capabilities))
        bounds = _in_parameter_unit(entry, capabilities.parameter(entry.name))
        limits = limits.intersect(SafetyLimits(bounds={entry.name: bounds}))
    limits.clip_box(capabilities)
    return limits


class ExperimentRequest(BaseModel):
    """One experiment to run: a full set of parameter values plus bookkeeping ids."""

    model_config = ConfigDict(frozen=True)

    request_id: str = Field(min_length=1, max_length=200, description="unique id, e.g. 'campaign-3/exp-7'")
    parameters: dict[str, float]
    campaign_id: int | None = None
    seq: int | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class ResultStatus(StrEnum):
    """How an experiment ended."""

    OK = "ok"
    NO_SIGNAL = "no_signal"
    FAILED = "failed"
    ABORTED = "aborted"


class SpectrumData(BaseModel):
    """One measured spectrum on a wavelength axis."""

    kind: str = Field(description="'absorption' or 'pl'")
    wavelength_nm: list[float]
    intensity: list[float]
    unit: str = Field(default="a.u.", description="'absorbance' for absorption, 'counts' for PL ...")
    absorbed_photons: float | None = Field(default=None, ge=0, description="PL only: photons absorbed by the "
                                           "sample (integrating sphere), in the units of the integrated PL; gives PLQY")

    @model_validator(mode="after")
    def _same_length(self) -> Self:
        if len(self.wavelength_nm) != len(self.intensity):
            raise ValueError(
                f"spectrum {self.kind}: {len(self.wavelength_nm)} wavelengths but {len(self.intensity)} intensities"
            )
        return self


class ExperimentResult(BaseModel):
    """What a reactor returns for one request."""

    request_id: str
    status: ResultStatus
    outcomes: dict[str, float] = Field(default_factory=dict, description="fitted values, e.g. abs_peak_nm")
    spectra: list[SpectrumData] = Field(default_factory=list)
    started_at: datetime
    finished_at: datetime
    error: str | None = Field(default=None, description="reason when status is not ok")
    raw: dict[str, Any] = Field(default_factory=dict, description="instrument metadata, file paths, fit details")

    @field_validator("started_at", "finished_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        return as_utc(v)

    @property
    def ok(self) -> bool:
        return self.status is ResultStatus.OK

    def summary(self) -> dict[str, Any]:
        """A JSON-able dict without the spectra arrays (what goes into ``Experiment.result``)."""
        return {
            "status": self.status.value,
            "outcomes": {k: (None if v is None or not math.isfinite(v) else v) for k, v in self.outcomes.items()},
            "error": self.error,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "raw": self.raw,
        }


class ReactorAdapter(abc.ABC):
    """Base class of every reactor adapter.

    Subclasses implement :meth:`capabilities`, :meth:`execute` and :meth:`abort`; override :meth:`connect` and
    :meth:`close` when the device needs a connection. Use adapters as context managers::

        with SimulatedReactor(seed=1) as reactor:
            result = reactor.run(ExperimentRequest(request_id="r1", parameters={...}))

    Parameters
    ----------
    safety_limits:
        Limits configured for this reactor (a :class:`SafetyLimits` or a ``{"bounds": {...}}`` mapping or a plain
        ``{name: [min, max]}`` mapping). Requests outside them are refused before anything is sent.
    """

    def __init__(self, *, safety_limits: SafetyLimits | dict[str, Any] | list[Any] | None = None) -> None:
        self.safety_limits = coerce_safety_limits(safety_limits)
        self._connected = False

    # ------------------------------------------------------------------ to implement
    @abc.abstractmethod
    def capabilities(self) -> Capabilities:
        """Parameter names, units, ranges and resolution, and the measured outputs."""

    @abc.abstractmethod
    def execute(self, request: ExperimentRequest, progress: ProgressCallback | None = None) -> ExperimentResult:
        """Send a validated request to the device and block until its result is in.

        Called only by :meth:`run`, after the safety check. Call ``progress(fraction)`` (0..1) when the device
        reports progress (optional). Raise :class:`~nanosynth.schema.errors.HardwareError` for device
        faults (timeouts, lost connection); return a result with status ``failed``/``no_signal`` for chemistry
        that ran but produced nothing usable.
        """

    @abc.abstractmethod
    def abort(self) -> None:
        """Stop the running experiment as soon as the device allows (safe state)."""

    def collect(self, request_id: str) -> ExperimentResult | None:
        """A result for ``request_id`` that arrived while nobody waited (after a crash); None if unknown.

        Adapters whose devices keep results (file drop folders, instrument queues) override this so that a
        resumed campaign records late results instead of marking them interrupted.
        """
        return None

    def connect(self) -> None:
        """Open the connection to the device (default: nothing to open)."""
        self._connected = True

    def close(self) -> None:
        """Release the device (default: nothing to release). Safe to call twice."""
        self._connected = False

    # ------------------------------------------------------------------ provided
    @property
    def connected(self) -> bool:
        return self._connected

    def __enter__(self) -> Self:
        self.connect()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def effective_box(self) -> dict[str, tuple[float, float]]:
        """Parameter box inside both the reactor's range and its safety limits."""
        return self.safety_limits.clip_box(self.capabilities())

    def check(self, request: ExperimentRequest) -> None:
        """Refuse a request that the reactor cannot or must not run.

        Raises
        ------
        SchemaValidationError
            When a parameter is missing or unknown.
        SafetyLimitError
            When a value is outside the reactor's range or the configured safety limits.
        """
        caps = self.capabilities()
        self.safety_limits.check_names(caps)
        names = set(caps.parameter_names)
        given = set(request.parameters)
        if given - names or names - given:
            raise SchemaValidationError(
                f"request {request.request_id}: unknown parameters {sorted(given - names)}, missing "
                f"{sorted(names - given)}; {caps.reactor} takes exactly {caps.parameter_names}"
            )
        problems = []
        for p in caps.parameters:
            v = request.parameters[p.name]
            if not math.isfinite(v):
                problems.append(f"{p.name}={v} is not a finite number")
            elif not (p.min <= v <= p.max):
                problems.append(f"{p.name}={v} {p.unit} is outside the reactor range [{p.min}, {p.max}]")
        if not problems:
            problems += caps.constraint_violations(request.parameters)
        problems += self.safety_limits.violations(request.parameters)
        if problems:
            raise SafetyLimitError(
                f"request {request.request_id} refused, nothing was sent to {caps.reactor}: " + "; ".join(problems)
                + ". Change the request or the reactor's configured safety limits."
            )

    def run(self, request: ExperimentRequest, progress: ProgressCallback | None = None) -> ExperimentResult:
        """Check ``request`` against capabilities and safety limits, then run it (blocking).

        Raises
        ------
        SafetyLimitError
            The request violates a limit; nothing was sent.
        HardwareError
            The adapter is not connected, or the device failed.
        """
        self.check(request)
        if not self._connected:
            raise HardwareError(
                f"{type(self).__name__} is not connected: use 'with adapter:' or call connect() before run()"
            )
        log.info("dispatching %s: %s", request.request_id, request.parameters)
        return self.execute(request, progress)


def coerce_safety_limits(value: Any) -> SafetyLimits:
    """Safety limits in any spelling :func:`coerce_limit_entries` accepts, in the parameters' own units.

    Names are checked against the reactor later (:meth:`ReactorAdapter.check`, :meth:`SafetyLimits.clip_box`).

    Raises
    ------
    SafetyLimitError
        When the value is malformed or carries a unit (units are converted by :func:`resolve_limits`, which knows
        the reactor's parameters).
    """
    if isinstance(value, SafetyLimits):
        return value
    limits = SafetyLimits()
    for entry in coerce_limit_entries(value):
        if entry.unit:
            raise SafetyLimitError(f"safety limit {entry.name!r}: adapter limits are in the parameter's own unit; "
                                   f"drop {entry.unit!r} or pass the limit with --limit / the campaign")
        limits = limits.intersect(SafetyLimits(bounds={entry.name: (entry.min, entry.max)}))
    return limits


__all__ = [
    "Capabilities",
    "Constraint",
    "ExperimentRequest",
    "ExperimentResult",
    "LimitEntry",
    "OutputSpec",
    "ParameterSpec",
    "Product",
    "ProgressCallback",
    "ReactorAdapter",
    "ResultStatus",
    "SafetyLimits",
    "SpectrumData",
    "as_utc",
    "coerce_limit_entries",
    "coerce_safety_limits",
    "parse_limit",
    "resolve_limits",
    "unknown_parameter_message",
    "utcnow",
]
