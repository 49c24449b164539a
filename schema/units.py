"""Units through pint: one lazily built registry and conversions onto the schema's canonical units.

Canonical units of the schema: amounts in mmol, volumes in mL, masses in g, concentrations in mM (mmol/L),
temperatures in K (with °C kept beside), times in s, heating rates in K/min, wavelengths in nm, energies in meV.
Raw text and raw unit are always kept by the caller beside the normalized value.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

from nanosynth.schema.errors import UnitError

#: Spellings found in papers that pint does not know, mapped to pint expressions.
_UNIT_ALIASES: dict[str, str] = {
    "°c": "degC",
    "ºc": "degC",
    "˚c": "degC",
    "℃": "degC",
    "oc": "degC",
    "deg c": "degC",
    "degc": "degC",
    "celsius": "degC",
    "°f": "degF",
    "k": "kelvin",
    "ml": "milliliter",
    "µl": "microliter",
    "μl": "microliter",
    "ul": "microliter",
    "l": "liter",
    "mmol": "millimole",
    "µmol": "micromole",
    "μmol": "micromole",
    "umol": "micromole",
    "nmol": "nanomole",
    "mol": "mole",
    "m": "molar",
    "mm": "millimolar",
    "µm": "micromolar",
    "μm": "micromolar",
    "um": "micromolar",
    "nm": "nanometer",
    "g": "gram",
    "mg": "milligram",
    "µg": "microgram",
    "μg": "microgram",
    "kg": "kilogram",
    "s": "second",
    "sec": "second",
    "secs": "second",
    "min": "minute",
    "mins": "minute",
    "h": "hour",
    "hr": "hour",
    "hrs": "hour",
    "hour": "hour",
    "hours": "hour",
    "day": "day",
    "days": "day",
    "°c/min": "degC/minute",
    "k/min": "kelvin/minute",
    "°c min-1": "degC/minute",
    "°c min−1": "degC/minute",
    "ev": "electron_volt",
    "mev": "millielectron_volt",
    "rpm": "revolutions_per_minute",
}


@functools.cache
def ureg():
    """Return the shared pint registry (built on first use, never at import)."""
    import pint

    registry = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    for definition in ("molar = mole / liter = M", "millimolar = millimole / liter = mM",
                       "micromolar = micromole / liter = uM"):
        if definition.split(" ", 1)[0] not in registry:
            registry.define(definition)
    return registry


@functools.lru_cache(maxsize=4096)
def parse_unit(text: str):
    """Parse a unit as written in a paper (``"°C"``, ``"mL"``, ``"mmol"``, ``"h"``) into a pint unit.

    Raises
    ------
    UnitError
        When the unit is unknown; the message lists the text so it can be added to the alias table.
    """
    if text is None or not str(text).strip():
        raise UnitError("empty unit: give a unit such as 'mL', 'mmol', '°C' or 's'")
    raw = str(text).strip()
    key = raw.lower().replace("−", "-").replace("–", "-")
    key = re.sub(r"\s+", " ", key)
    expr = _UNIT_ALIASES.get(key, raw)
    registry = ureg()
    try:
        unit = registry.parse_units(expr)
    except Exception as exc:  # pint raises several types (UndefinedUnitError, DefinitionSyntaxError, ...)
        raise UnitError(
            f"unknown unit {raw!r}: use a unit pint understands (mL, mmol, g, M, °C, K, s, min, h) "
            "or add the spelling to schema.units._UNIT_ALIASES"
        ) from exc
    return unit


_VALUE_UNIT = re.compile(r"^\s*(?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)?\s*(?P<unit>\S.*?)?\s*$")


def split_value_unit(text: str) -> tuple[float | None, str | None]:
    """``'0.2 mmol'`` → ``(0.2, 'mmol')``: a leading number and the unit text after it; either may be absent
    (``'K'`` → ``(None, 'K')``, ``''`` → ``(None, None)``). The unit is not checked here (see :func:`parse_unit`)."""
    m = _VALUE_UNIT.match(str(text))
    return (float(m["num"]) if m["num"] is not None else None), m["unit"]


def convert(value: float, unit: str, target: str) -> float:
    """Convert ``value`` in ``unit`` (paper spelling allowed) to ``target`` (paper spelling allowed).

    Raises
    ------
    UnitError
        For unknown units or incompatible dimensions.
    """
    registry = ureg()
    src = parse_unit(unit)
    dst = parse_unit(target)
    try:
        return float(registry.Quantity(float(value), src).to(dst).magnitude)
    except Exception as exc:
        raise UnitError(f"cannot convert {value} {unit} to {target}: the dimensions differ") from exc


def to_kelvin(value: float, unit: str = "°C") -> float:
    """Temperature in K from a value in ``unit`` (°C by default)."""
    return convert(value, unit, "kelvin")


def kelvin_to_celsius(kelvin: float) -> float:
    """°C from K, without pint (hot path in validators)."""
    return kelvin - 273.15


def to_seconds(value: float, unit: str) -> float:
    """Time in s from a value in ``unit``."""
    return convert(value, unit, "second")


def nm_to_ev(nm: float) -> float:
    """Photon energy in eV of a wavelength in nm (E = 1239.84 / λ)."""
    if nm <= 0:
        raise UnitError(f"wavelength must be positive, got {nm} nm")
    return 1239.84 / nm


def ev_to_nm(ev: float) -> float:
    """Wavelength in nm of a photon energy in eV."""
    if ev <= 0:
        raise UnitError(f"energy must be positive, got {ev} eV")
    return 1239.84 / ev


def fwhm_nm_to_mev(fwhm_nm: float, peak_nm: float) -> float:
    """FWHM in meV of a band of ``fwhm_nm`` centred at ``peak_nm`` (exact for a symmetric band edge)."""
    lo, hi = peak_nm - fwhm_nm / 2.0, peak_nm + fwhm_nm / 2.0
    if lo <= 0:
        raise UnitError(f"FWHM {fwhm_nm} nm is too wide for a peak at {peak_nm} nm")
    return 1000.0 * (1239.84 / lo - 1239.84 / hi)


@dataclass(frozen=True)
class NormalizedAmount:
    """An amount on the schema's canonical units; exactly the fields its dimension allows are set."""

    mmol: float | None = None
    ml: float | None = None
    g: float | None = None
    mm: float | None = None
    ratio: float | None = None


def normalize_amount(value: float, unit: str | None, molar_mass: float | None = None,
                     density_g_ml: float | None = None) -> NormalizedAmount:
    """Normalize an amount to mmol / mL / g / mM / ratio by its dimension.

    Mass is converted to mmol when ``molar_mass`` (g/mol) is known, volume to g (and so mmol) when
    ``density_g_ml`` is known. A missing or dimensionless unit is a ratio.

    Raises
    ------
    UnitError
        On unknown units, negative or non-finite values, or dimensions that are not an amount.
    """
    if value is None or not math.isfinite(float(value)):
        raise UnitError(f"amount {value!r} is not a finite number")
    if float(value) < 0:
        raise UnitError(f"amount {value} {unit or ''} is negative: amounts must be ≥ 0")
    value = float(value)
    if unit is None or str(unit).strip() in {"", "eq", "equiv", "ratio", "x"}:
        return NormalizedAmount(ratio=value)
    registry = ureg()
    src = parse_unit(unit)
    q = registry.Quantity(value, src)
    dim = q.dimensionality
    if dim == registry.mole.dimensionality:
        return NormalizedAmount(mmol=q.to("millimole").magnitude)
    if dim == registry.liter.dimensionality:
        ml = q.to("milliliter").magnitude
        g = ml * density_g_ml if density_g_ml else None
        mmol = g / molar_mass * 1000.0 if (g is not None and molar_mass) else None
        return NormalizedAmount(ml=ml, g=g, mmol=mmol)
    if dim == registry.gram.dimensionality:
        g = q.to("gram").magnitude
        mmol = g / molar_mass * 1000.0 if molar_mass else None
        return NormalizedAmount(g=g, mmol=mmol)
    if dim == (registry.mole / registry.liter).dimensionality:
        return NormalizedAmount(mm=q.to("millimolar").magnitude)
    if q.dimensionless:
        return NormalizedAmount(ratio=q.to("dimensionless").magnitude)
    raise UnitError(f"{unit!r} is not a unit of amount (mol, L, g, M or a ratio)")
