"""The declared contract between a reactor and nanosynth: mapping file, unit conversion, raw-spectrum fitting.

A reactor adapter declares its parameters (names, units, bounds, coupled constraints) and its outputs (fitted
values or raw spectra) in its own vocabulary (:class:`~nanosynth.lab.adapters.base.Capabilities`). A mapping file
(TOML, :class:`ReactorMapping`) relates those names to the schema's (``T_K`` → ``temperature_c``); units are
converted with pint and refused when incompatible (K ↔ °C and µL/min ↔ mL/min convert, K ↔ mL/min is refused).
:class:`ContractAdapter` wraps any adapter so that campaigns, priors, records and reconciliation only ever see
schema names and schema units; raw spectra are fitted by :mod:`nanosynth.lab.spectra` (the code that fits the
curated platform data). Every adapter a campaign runs goes through it (an adapter that already speaks the schema's
names gets the identity mapping).
"""

from __future__ import annotations

import logging
import math
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nanosynth.lab import spectra as fitting
from nanosynth.lab.adapters.base import (
    Capabilities,
    Constraint,
    ExperimentRequest,
    ExperimentResult,
    LimitEntry,
    OutputSpec,
    ParameterSpec,
    Product,
    ProgressCallback,
    ReactorAdapter,
    SafetyLimits,
    SpectrumData,
    coerce_limit_entries,
)
from nanosynth.lab.adapters.expressions import substitute
from nanosynth.schema.errors import ConfigError, HardwareError, UnitError
from nanosynth.schema.units import convert

log = logging.getLogger(__name__)

#: Schema name endings and their canonical unit (parameters and outputs); the first match wins.
SCHEMA_UNITS: tuple[tuple[str, str], ...] = (
    ("_ml_min", "mL/min"), ("temperature_c", "degC"), ("_temperature_c", "degC"), ("_s", "s"), ("_mm", "mM"),
    ("_ratio", ""), ("_ml", "mL"), ("_mmol", "mmol"), ("_mev", "meV"), ("_ev", "eV"), ("_nm", "nm"), ("plqy", ""),
)
#: Outputs fitted from a raw spectrum, by spectrum kind.
FITTED_OUTPUTS = {
    "absorption": (("abs_peak_nm", "nm"), ("abs_peak_ev", "eV"), ("abs_fwhm_mev", "meV"), ("abs_fwhm_nm", "nm"),
                   ("abs_height", "absorbance")),
    "pl": (("pl_peak_nm", "nm"), ("pl_peak_ev", "eV"), ("pl_fwhm_mev", "meV"), ("pl_fwhm_nm", "nm"),
           ("pl_height", "counts")),
}


class InvalidReadingError(HardwareError):
    """The reactor returned a reading that cannot be right (not a number, wrong shape)."""


def schema_unit(name: str) -> str | None:
    """The schema's unit of a parameter/output name (``temperature_c`` → ``degC``), None when it has none."""
    for suffix, unit in SCHEMA_UNITS:
        if name == suffix or name.endswith(suffix):
            return unit
    return None


def _pint(unit: str) -> str:
    return unit.strip() or "dimensionless"


def affine(from_unit: str, to_unit: str, what: str) -> tuple[float, float]:
    """``(a, b)`` with ``value_in_to = a · value_in_from + b`` (identity for equal units).

    Raises
    ------
    UnitError
        When the units are unknown or of different dimensions (e.g. K and mL/min), or not related affinely.
    """
    if from_unit.strip() == to_unit.strip():
        return 1.0, 0.0
    try:
        b = convert(0.0, _pint(from_unit), _pint(to_unit))
        a = convert(1.0, _pint(from_unit), _pint(to_unit)) - b
        c = convert(2.0, _pint(from_unit), _pint(to_unit))
    except UnitError as exc:
        raise UnitError(f"{what}: cannot convert {from_unit or 'dimensionless'!r} to {to_unit or 'dimensionless'!r}"
                        f" ({exc}); fix the unit in the adapter or in the mapping file") from exc
    if not math.isclose(c, 2 * a + b, rel_tol=1e-9, abs_tol=1e-9) or a == 0:
        raise UnitError(f"{what}: {from_unit!r} → {to_unit!r} is not a linear conversion")
    return a, b


class MappedName(BaseModel):
    """One entry of a mapping file: the schema name and (optionally) the schema-side unit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    unit: str | None = None


class ReactorMapping(BaseModel):
    """The TOML mapping file: reactor names → schema names (see ``docs/adapters.md``).

    ``parameters``/``outputs`` map a reactor name to a schema name (a string) or to ``{name, unit}``; ``spectra``
    maps a reactor spectrum name to ``absorption`` or ``pl``; ``product`` says what the reactor makes.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    product: Product | None = None
    parameters: dict[str, str | MappedName] = Field(default_factory=dict)
    outputs: dict[str, str | MappedName] = Field(default_factory=dict)
    spectra: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> ReactorMapping:
        """Read and validate a mapping file.

        Raises
        ------
        ConfigError
            When the file is missing, not TOML, or has unknown keys or wrong shapes.
        """
        try:
            doc = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read mapping file {path}: {exc}") from exc
        return cls.parse(doc, where=str(path))

    @classmethod
    def parse(cls, doc: Any, where: str = "mapping") -> ReactorMapping:
        """Validate a mapping given as a dict (or return it unchanged when it already is one)."""
        if isinstance(doc, ReactorMapping):
            return doc
        try:
            return cls.model_validate(doc or {})
        except ValidationError as exc:
            raise ConfigError(f"invalid {where}: {exc}") from exc

    def target(self, section: str, name: str) -> MappedName:
        """Schema name (and unit) of reactor name ``name`` in ``section`` (identity when not mapped)."""
        value = getattr(self, section).get(name, name)
        return value if isinstance(value, MappedName) else MappedName(name=value)


def _parameter(spec: ParameterSpec, mapped: MappedName) -> tuple[ParameterSpec, tuple[float, float]]:
    unit = mapped.unit if mapped.unit is not None else schema_unit(mapped.name)
    unit = spec.unit if unit is None else unit
    a, b = affine(spec.unit, unit, f"parameter {spec.name} → {mapped.name}")
    lo, hi = sorted((a * spec.min + b, a * spec.max + b))
    log_scale = spec.log_scale and lo > 0
    out = ParameterSpec(name=mapped.name, unit=unit, min=round(lo, 9), max=round(hi, 9),
                        resolution=abs(a) * spec.resolution, log_scale=log_scale,
                        description=spec.description or f"reactor parameter {spec.name} ({spec.unit})")
    return out, (a, b)


def _inverse(name: str, a: float, b: float) -> str:
    """Expression of the reactor value from the schema value ``name`` when ``schema = a · reactor + b``."""
    if (a, b) == (1.0, 0.0):
        return name
    scale = f"{1.0 / a:.12g} * {name}" if a != 1.0 else name
    return f"({scale} - {b / a:.12g})" if b else scale


class ContractAdapter(ReactorAdapter):
    """An adapter seen through its mapping: schema names and units outside, the reactor's own inside.

    Parameters
    ----------
    inner:
        The reactor's adapter (its own names and units).
    mapping:
        A :class:`ReactorMapping`, its dict, a TOML path, or None (identity; units still checked and converted).
    """

    def __init__(self, inner: ReactorAdapter, mapping: ReactorMapping | dict[str, Any] | str | Path | None = None):
        self._connected = False
        self.inner = inner
        if isinstance(mapping, str | Path):
            mapping = ReactorMapping.load(mapping)
        self.mapping = ReactorMapping.parse(mapping)
        self._caps: Capabilities | None = None
        self._convert: dict[str, tuple[str, float, float]] = {}  # schema name → (reactor name, a, b)
        self._outputs: dict[str, tuple[str, float, float]] = {}  # reactor output → (schema name, a, b)

    # ------------------------------------------------------------------ capabilities
    def capabilities(self) -> Capabilities:
        """The reactor's capabilities in schema names and units (built once).

        Raises
        ------
        UnitError
            When a unit cannot be converted to the schema's (e.g. kelvin declared for a flow).
        ConfigError
            When the mapping names a parameter/output the reactor does not declare, or maps two onto one name.
        """
        if self._caps is None:
            self._caps = self._build(self.inner.capabilities())
        return self._caps

    def _build(self, caps: Capabilities) -> Capabilities:
        for section, declared in (("parameters", caps.parameter_names), ("outputs", caps.output_names),
                                  ("spectra", caps.output_names + list(caps.spectra))):
            unknown = sorted(set(getattr(self.mapping, section)) - set(declared))
            if unknown:
                raise ConfigError(f"mapping file maps {section} {unknown} that {caps.reactor} does not declare; "
                                  f"it declares {declared}")
        params, replace = [], {}
        for spec in caps.parameters:
            out, (a, b) = _parameter(spec, self.mapping.target("parameters", spec.name))
            self._convert[out.name] = (spec.name, a, b)
            replace[spec.name] = _inverse(out.name, a, b)
            params.append(out)
        constraints = tuple(Constraint(expression=substitute(c.expression, replace),
                                       description=c.description or f"reactor constraint {c.expression}")
                            for c in caps.constraints)
        try:
            return Capabilities(reactor=caps.reactor, parameters=tuple(params), outputs=self._output_specs(caps),
                                spectra=tuple(sorted({self._spectrum_kind(s) for s in caps.spectra})),
                                constraints=constraints, product=self.mapping.product or caps.product,
                                simulated=caps.simulated)
        except ValueError as exc:
            raise ConfigError(f"{caps.reactor} through its mapping: {exc}") from exc

    def _spectrum_kind(self, name: str) -> str:
        kind = self.mapping.spectra.get(name, name)
        if kind not in FITTED_OUTPUTS:
            raise ConfigError(f"spectrum {name!r} is neither 'absorption' nor 'pl': map it in [spectra]")
        return kind

    def _output_specs(self, caps: Capabilities) -> tuple[OutputSpec, ...]:
        outs: dict[str, OutputSpec] = {}
        for o in caps.outputs:
            if o.kind == "spectrum":
                kind = self._spectrum_kind(self.mapping.spectra.get(o.name, o.spectrum))
                for name, unit in FITTED_OUTPUTS[kind]:
                    outs[name] = OutputSpec(name=name, unit=unit, description=f"fitted from raw spectrum {o.name}")
                if kind == "pl" and o.plqy:
                    outs["plqy"] = OutputSpec(name="plqy", unit="", description=f"from {o.name} and absorbed photons")
                continue
            mapped = self.mapping.target("outputs", o.name)
            unit = mapped.unit if mapped.unit is not None else schema_unit(mapped.name)
            unit = o.unit if unit is None else unit
            a, b = affine(o.unit, unit, f"output {o.name} → {mapped.name}")
            if mapped.name in outs:
                raise ConfigError(f"two reactor outputs map onto {mapped.name!r}: fix the mapping file")
            self._outputs[o.name] = (mapped.name, a, b)
            outs[mapped.name] = OutputSpec(name=mapped.name, unit=unit, description=o.description)
        return tuple(outs.values())

    # ------------------------------------------------------------------ limits
    @property
    def safety_limits(self) -> SafetyLimits:
        """The inner adapter's own limits, in schema names and units (a misspelled name is refused)."""
        self.capabilities()
        self.inner.safety_limits.check_names(self.inner.capabilities())
        bounds = {}
        for name, (inner, a, b) in self._convert.items():
            if inner in self.inner.safety_limits.bounds:
                ends = [None if v is None else a * v + b for v in self.inner.safety_limits.bounds[inner]]
                bounds[name] = tuple(ends) if a > 0 else tuple(reversed(ends))
        return SafetyLimits(bounds=bounds)

    def translate_limits(self, value: Any) -> list[LimitEntry]:
        """Limits that name reactor parameters (in reactor units unless a unit is given) → schema names."""
        self.capabilities()
        by_inner = {inner: (name, self.inner.capabilities().parameter(inner).unit)
                    for name, (inner, _, _) in self._convert.items() if inner != name}
        out = []
        for e in coerce_limit_entries(value):
            if e.name in by_inner:
                name, unit = by_inner[e.name]
                e = LimitEntry(name=name, min=e.min, max=e.max, unit=e.unit or unit or None)
            out.append(e)
        return out

    # ------------------------------------------------------------------ requests and results
    def to_reactor(self, parameters: dict[str, float]) -> dict[str, float]:
        """Schema-named values → the reactor's names and units."""
        self.capabilities()
        return {inner: round((float(parameters[name]) - b) / a, 9) if (a, b) != (1.0, 0.0) else float(parameters[name])
                for name, (inner, a, b) in self._convert.items() if name in parameters}

    def _inner_request(self, request: ExperimentRequest) -> ExperimentRequest:
        caps = self.capabilities()
        unknown = sorted(set(request.parameters) - set(caps.parameter_names))
        params = self.to_reactor(request.parameters)
        params.update({k: request.parameters[k] for k in unknown})  # the reactor's check names them
        return request.model_copy(update={"parameters": params})

    def check(self, request: ExperimentRequest) -> None:
        self.inner.check(self._inner_request(request))

    def run(self, request: ExperimentRequest, progress: ProgressCallback | None = None) -> ExperimentResult:
        """Translate, run on the reactor (its own checks first), translate the result and fit raw spectra.

        Raises
        ------
        InvalidReadingError
            When a returned value is not a finite number.
        """
        result = self.inner.run(self._inner_request(request), progress)
        if not isinstance(result, ExperimentResult):
            raise InvalidReadingError(f"{type(self.inner).__name__} returned {type(result).__name__}, not an "
                                      "ExperimentResult")
        return self.from_reactor(result)

    execute = run

    def from_reactor(self, result: ExperimentResult) -> ExperimentResult:
        """The reactor's result in schema names and units, raw spectra fitted."""
        self.capabilities()
        outcomes = {}
        for name, value in result.outcomes.items():
            try:
                value = float(value)
            except (TypeError, ValueError) as exc:
                raise InvalidReadingError(f"{result.request_id}: output {name}={value!r} is not a number") from exc
            schema_name, a, b = self._outputs.get(name, (name, 1.0, 0.0))
            outcomes[schema_name] = a * value + b if math.isfinite(value) else value
        spectra = [sp.model_copy(update={"kind": self._spectrum_kind(sp.kind)}) for sp in result.spectra]
        fitted, fit_status = fit_spectra(spectra, outcomes)
        product = self.capabilities().product
        if product is None or product.composition != "CdSe":
            fitted.pop("size_nm", None)  # the sizing curve (Yu et al. 2003) is CdSe's
        raw = dict(result.raw)
        if fit_status:
            raw["fit_status"] = {**raw.get("fit_status", {}), **fit_status}
            raw["fit"] = {k: v for k, v in fitted.items() if math.isfinite(v)}
        return result.model_copy(update={"outcomes": {**fitted, **outcomes}, "spectra": spectra, "raw": raw})

    # ------------------------------------------------------------------ delegation
    def abort(self) -> None:
        self.inner.abort()

    def collect(self, request_id: str) -> ExperimentResult | None:
        late = self.inner.collect(request_id)
        return None if late is None else self.from_reactor(late)

    def connect(self) -> None:
        self.inner.connect()
        self._connected = True

    def close(self) -> None:
        self.inner.close()
        self._connected = False


def plqy_from_spectrum(sp: SpectrumData, fit_status: dict[str, str]) -> float:
    """PLQY = integrated PL above its baseline / absorbed photons (integrating-sphere method); NaN without them."""
    if sp.absorbed_photons is None or sp.absorbed_photons <= 0:
        return math.nan
    w = np.asarray(sp.wavelength_nm, dtype=float)
    y = np.asarray(sp.intensity, dtype=float)
    order = np.argsort(w)
    w, y = w[order], y[order]
    signal = np.clip(y - np.percentile(y, 5), 0.0, None)
    emitted = float(np.sum(0.5 * (signal[1:] + signal[:-1]) * np.diff(w)))
    fit_status["plqy"] = "ok: integrated PL / absorbed photons"
    return emitted / sp.absorbed_photons


def fit_spectra(spectra: list[SpectrumData], reported: dict[str, float]) -> tuple[dict[str, float], dict[str, str]]:
    """Fit the raw spectra whose values the reactor did not report (:func:`nanosynth.lab.spectra.analyze`).

    Returns ``(fitted outcomes, fit statuses)``; PLQY comes from a PL spectrum that carries ``absorbed_photons``.
    """
    by_kind = {sp.kind: sp for sp in spectra}
    todo = {k: (by_kind[k].wavelength_nm, by_kind[k].intensity) for k, prefix in (("absorption", "abs"), ("pl", "pl"))
            if k in by_kind and f"{prefix}_peak_nm" not in reported}
    if not todo:
        return {}, {}
    try:
        fitted, status = fitting.analyze(todo.get("absorption"), todo.get("pl"))
    except ValueError as exc:  # SchemaValidationError: malformed spectrum
        raise InvalidReadingError(f"raw spectrum cannot be fitted: {exc}") from exc
    if "pl" in todo and "plqy" not in reported:
        fitted["plqy"] = plqy_from_spectrum(by_kind["pl"], status)
    return fitted, status


def as_contract(adapter: ReactorAdapter, mapping: ReactorMapping | dict[str, Any] | str | Path | None = None
                ) -> ContractAdapter:
    """``adapter`` behind its mapping (given, or the adapter's own ``mapping`` attribute); wrapped only once."""
    if isinstance(adapter, ContractAdapter):
        return adapter
    return ContractAdapter(adapter, mapping if mapping is not None else getattr(adapter, "mapping", None))
