"""Quantities and conditions in synthesis text: numbers with units, normalized with pint, raw text kept.

A :class:`Quantity` keeps what the paper wrote (``raw``, ``raw_unit``, the value or range as written) beside the
value on the schema's canonical unit of its kind (K, s, mmol, mL, g, mM, nm, K/min, meV, Pa, %). It also carries
its character offsets in the text it was found in.

Handled: ranges (``240–300 °C``, ``5-10 min``, ``between 5 and 10 min``), ``±`` errors (absolute or %),
scientific notation (``1.5 × 10^-3 M``, ``1.5×10⁻³ M``, ``1e-3 M``, ``10−3`` with a unicode minus), unicode
minus/degree variants (``°C``, ``ºC``, ``˚C``, ``℃``, ``° C``), numbers glued to units (``300°C``, ``5mL``),
heating rates (``10 °C/min``, ``5 K min−1``), ratios (``1:40``, ``OA/Cd = 40``, ``molar ratio of 1:2:4``),
percentages (``5 wt%``, ``10 vol%``) and qualitative conditions (``room temperature``, ``overnight``,
``reflux``, ``ice bath``).

Conventions: ``room temperature`` is 25 °C (298.15 K); ``overnight`` is 12 h; ``reflux`` has no number (the
temperature depends on the solvent) and is kept as a qualifier; the normalized value of a range is its midpoint
(low/high are kept); ``value`` of a two-part ratio ``a:b`` is ``a / b``.
"""

from __future__ import annotations

import functools
import logging
import math
import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from nanosynth.schema.errors import ExtractionError, UnitError
from nanosynth.schema.units import convert

logger = logging.getLogger(__name__)


class QuantityKind(StrEnum):
    """What a quantity measures (decides its canonical unit)."""

    TEMPERATURE = "temperature"  # K
    TIME = "time"  # s
    AMOUNT = "amount"  # mmol
    VOLUME = "volume"  # mL
    MASS = "mass"  # g
    CONCENTRATION = "concentration"  # mM
    MASS_CONCENTRATION = "mass_concentration"  # mg/mL
    PERCENT = "percent"  # %
    RATIO = "ratio"  # dimensionless
    RATE = "rate"  # K/min (heating or cooling rate)
    LENGTH = "length"  # nm (sizes and wavelengths)
    ENERGY = "energy"  # meV
    PRESSURE = "pressure"  # Pa
    SPEED = "speed"  # rpm


#: Canonical unit (label and pint expression) of each kind.
CANONICAL_UNITS: dict[QuantityKind, tuple[str, str | None]] = {
    QuantityKind.TEMPERATURE: ("K", "kelvin"),
    QuantityKind.TIME: ("s", "second"),
    QuantityKind.AMOUNT: ("mmol", "millimole"),
    QuantityKind.VOLUME: ("mL", "milliliter"),
    QuantityKind.MASS: ("g", "gram"),
    QuantityKind.CONCENTRATION: ("mM", "millimolar"),
    QuantityKind.MASS_CONCENTRATION: ("mg/mL", "milligram/milliliter"),
    QuantityKind.PERCENT: ("%", None),
    QuantityKind.RATIO: ("", None),
    QuantityKind.RATE: ("K/min", "kelvin/minute"),
    QuantityKind.LENGTH: ("nm", "nanometer"),
    QuantityKind.ENERGY: ("meV", "millielectron_volt"),
    QuantityKind.PRESSURE: ("Pa", "pascal"),
    QuantityKind.SPEED: ("rpm", "revolutions_per_minute"),
}


class Quantity(BaseModel):
    """One quantity found in text, as written and normalized.

    Attributes
    ----------
    raw:
        The text of the whole quantity (``"240–300 °C"``).
    raw_unit:
        The unit as written (``"°C"``), None for ratios and qualitative conditions.
    kind:
        What it measures.
    value, low, high, error:
        The number(s) as written, in ``raw_unit``: ``value`` for a single value (midpoint for a range),
        ``low``/``high`` for a range, ``error`` for ``±`` (in ``raw_unit``; a ``± 8%`` error sets ``error_pct``).
    unit:
        Canonical unit of ``normalized`` (K, s, mmol, mL, g, mM, mg/mL, %, K/min, nm, meV, Pa, rpm).
    normalized, normalized_low, normalized_high, normalized_error:
        The same numbers on the canonical unit (``None`` when the quantity has no number, e.g. ``reflux``).
    qualifier:
        ``room_temperature``, ``overnight``, ``reflux``, ``ice_bath`` for qualitative conditions.
    basis:
        For percentages: ``wt``, ``vol``, ``mol`` or None.
    parts, species:
        For ratios: the parts as written (``1:2:4``) and the species they refer to when given (``OA/Cd``).
    char_start, char_end:
        Offsets of ``raw`` in the text searched.
    """

    model_config = ConfigDict(frozen=True)

    raw: str
    raw_unit: str | None = None
    kind: QuantityKind
    value: float | None = None
    low: float | None = None
    high: float | None = None
    error: float | None = None
    error_pct: float | None = None
    unit: str = ""
    normalized: float | None = None
    normalized_low: float | None = None
    normalized_high: float | None = None
    normalized_error: float | None = None
    qualifier: str | None = None
    basis: str | None = None
    parts: tuple[float, ...] | None = None
    species: tuple[str, ...] | None = None
    char_start: int = 0
    char_end: int = 0

    @property
    def is_range(self) -> bool:
        """True for ``low–high`` quantities."""
        return self.low is not None and self.high is not None


# ------------------------------------------------------------------------------------------------ text folding
# Length-preserving folding so that offsets in the folded text are offsets in the original.
_FOLD = str.maketrans({
    "−": "-", "‒": "-", "‐": "-", "‑": "-", "﹣": "-", "－": "-",
    "⁻": "-", "⁺": "+", "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7",
    "⁸": "8", "⁹": "9", "µ": "μ", "ｍ": "m", " ": " ", " ": " ", " ": " ", " ": " ", "\u2009": " ",
})


def fold(text: str) -> str:
    """Fold unicode minus signs, superscript digits, micro signs and thin spaces (length-preserving)."""
    return text.translate(_FOLD)


# ----------------------------------------------------------------------------------------------------- units
_DEG = r"(?:°|º|˚|o|deg\.?)\s?C(?![a-zA-Z])|℃|degC"
_TEMP_UNIT = rf"(?:{_DEG}|K(?![a-zA-Z])|°\s?F)"
_TIME_WORD = r"(?:seconds?|secs?|s|minutes?|mins?|min|hours?|hrs?|h)"
_PER = rf"(?:\s?/\s?|\s?·\s?|\s?\*\s?|\s+per\s+|\s)"


def _spec(pattern: str, kind: QuantityKind, expr: str | None, basis: str | None = None):
    return re.compile(pattern + r"(?![A-Za-zμ])"), kind, expr, basis


# (regex, kind, pint expression; None = computed), tried in order at the position after a number.
_UNIT_SPECS = [
    # heating rates (before temperatures)
    _spec(rf"(?:{_TEMP_UNIT})\s?(?:/\s?|·\s?|\s?per\s|\s)(?:min(?:ute)?|s|sec|h)(?:\s?-\s?1|-1)?", QuantityKind.RATE,
          None),
    # temperatures
    _spec(_TEMP_UNIT, QuantityKind.TEMPERATURE, None),
    # concentrations (before amounts: "mol/L", "mmol L-1")
    _spec(r"(?:mol|mmol|μmol|umol)\s?(?:/\s?|·\s?|\s)(?:L|l|dm3|dm-3)(?:\s?-\s?1|-1)?|mol\s?dm-3", QuantityKind.CONCENTRATION,
          None),
    _spec(r"(?:M|mM|μM|uM|nM)", QuantityKind.CONCENTRATION, None),
    _spec(r"(?:mg|g|μg)\s?(?:/\s?|·\s?|\s)(?:mL|ml|L)(?:\s?-\s?1|-1)?", QuantityKind.MASS_CONCENTRATION, None),
    # amounts, volumes, masses
    _spec(r"(?:mmol|μmol|umol|nmol|mol|mmole|mmoles|moles?)", QuantityKind.AMOUNT, None),
    _spec(r"(?:mL|ml|μL|μl|uL|ul|L|cm3|cm\^3|liters?|litres?|milliliters?|millilitres?)", QuantityKind.VOLUME, None),
    _spec(r"(?:mg|μg|ug|kg|g|grams?|milligrams?)", QuantityKind.MASS, None),
    # percentages
    _spec(r"(?:wt\.?\s?%|%\s?\(?w/w\)?|weight\s?%)", QuantityKind.PERCENT, None, "wt"),
    _spec(r"(?:vol\.?\s?%|v/v\s?%|%\s?\(?v/v\)?|volume\s?%)", QuantityKind.PERCENT, None, "vol"),
    _spec(r"(?:mol\s?%|at\.?\s?%)", QuantityKind.PERCENT, None, "mol"),
    # times
    _spec(r"(?:seconds?|secs?|s|minutes?|mins?|min|hours?|hrs?|h|days?|d|weeks?)", QuantityKind.TIME, None),
    # lengths, energies, pressures, speeds
    _spec(r"(?:nm|μm|um|Å|mm|cm|nanometers?|microns?)", QuantityKind.LENGTH, None),
    _spec(r"(?:meV|eV)", QuantityKind.ENERGY, None),
    _spec(r"(?:mTorr|mtorr|Torr|torr|mbar|bar|atm|kPa|Pa|psi)", QuantityKind.PRESSURE, None),
    _spec(r"(?:rpm|r/min|r\.p\.m\.)", QuantityKind.SPEED, None),
]
# "%" alone is matched last so that "wt%" wins.
_PERCENT_ALONE = re.compile(r"%")

_PINT_OF_UNIT: dict[str, str] = {
    "M": "molar", "mM": "millimolar", "μM": "micromolar", "uM": "micromolar", "nM": "nanomolar",
    "mol": "mole", "mmol": "millimole", "mmole": "millimole", "mmoles": "millimole", "mole": "mole",
    "moles": "mole", "μmol": "micromole", "umol": "micromole", "nmol": "nanomole",
    "mL": "milliliter", "ml": "milliliter", "μL": "microliter", "μl": "microliter", "uL": "microliter",
    "ul": "microliter", "L": "liter", "cm3": "milliliter", "cm^3": "milliliter", "liter": "liter",
    "liters": "liter", "litre": "liter", "litres": "liter", "milliliter": "milliliter",
    "milliliters": "milliliter", "millilitre": "milliliter", "millilitres": "milliliter",
    "mg": "milligram", "μg": "microgram", "ug": "microgram", "kg": "kilogram", "g": "gram", "gram": "gram",
    "grams": "gram", "milligram": "milligram", "milligrams": "milligram",
    "nm": "nanometer", "μm": "micrometer", "um": "micrometer", "Å": "angstrom", "mm": "millimeter",
    "cm": "centimeter", "nanometer": "nanometer", "nanometers": "nanometer", "micron": "micrometer",
    "microns": "micrometer", "meV": "millielectron_volt", "eV": "electron_volt",
    "mTorr": "millitorr", "mtorr": "millitorr", "Torr": "torr", "torr": "torr", "mbar": "millibar",
    "bar": "bar", "atm": "atmosphere", "kPa": "kilopascal", "Pa": "pascal", "psi": "psi",
    "rpm": "revolutions_per_minute", "r/min": "revolutions_per_minute", "r.p.m.": "revolutions_per_minute",
}
_TIME_PINT = {"s": "second", "sec": "second", "secs": "second", "second": "second", "seconds": "second",
              "min": "minute", "mins": "minute", "minute": "minute", "minutes": "minute", "h": "hour",
              "hr": "hour", "hrs": "hour", "hour": "hour", "hours": "hour", "d": "day", "day": "day",
              "days": "day", "week": "week", "weeks": "week"}


def _temperature_expr(unit: str) -> str:
    u = unit.replace(" ", "")
    if u == "K":
        return "kelvin"
    if "F" in u:
        return "degF"
    return "degC"


def _unit_expr(kind: QuantityKind, unit: str) -> str | None:
    """pint expression of a unit as written (case-sensitive: ``mM`` is millimolar, ``mm`` millimetre)."""
    u = unit.strip()
    if kind is QuantityKind.TEMPERATURE:
        return _temperature_expr(u)
    if kind is QuantityKind.TIME:
        return _TIME_PINT.get(u.lower())
    if kind is QuantityKind.RATE:
        temp = _temperature_expr(re.match(_TEMP_UNIT, u).group(0))
        per = re.search(r"(min(?:ute)?|sec|s|h)(?:\s?-\s?1)?$", u).group(1)
        delta = {"kelvin": "kelvin", "degC": "delta_degC", "degF": "delta_degF"}[temp]
        return f"{delta}/{_TIME_PINT[per]}"
    if kind is QuantityKind.CONCENTRATION:
        if u in _PINT_OF_UNIT:
            return _PINT_OF_UNIT[u]
        amount = re.match(r"(mol|mmol|μmol|umol)", u).group(1)
        return f"{_PINT_OF_UNIT[amount]}/liter"
    if kind is QuantityKind.MASS_CONCENTRATION:
        mass, vol = re.match(r"(mg|g|μg)\s?(?:/\s?|·\s?|\s)(mL|ml|L)", u).groups()
        return f"{_PINT_OF_UNIT[mass]}/{_PINT_OF_UNIT[vol]}"
    if kind is QuantityKind.PERCENT:
        return None
    return _PINT_OF_UNIT.get(u)


@functools.lru_cache(maxsize=512)
def _factor(expr: str, target: str) -> tuple[float, float]:
    """(scale, offset) of the linear map expr → target, computed once per unit pair with pint."""
    zero = convert(0.0, expr, target)
    one = convert(1.0, expr, target)
    return one - zero, zero


def normalize(value: float, kind: QuantityKind, expr: str | None) -> float:
    """Value in ``expr`` → canonical unit of ``kind`` (pint, cached per unit pair)."""
    target = CANONICAL_UNITS[kind][1]
    if expr is None or target is None:
        return float(value)
    scale, offset = _factor(expr, target)
    return float(value) * scale + offset


def _normalize_delta(value: float, kind: QuantityKind, expr: str | None) -> float:
    """A difference (± error) on the canonical unit: no temperature offset."""
    target = CANONICAL_UNITS[kind][1]
    if expr is None or target is None:
        return float(value)
    scale, _ = _factor(expr, target)
    return float(value) * scale


# --------------------------------------------------------------------------------------------------- numbers
_MANTISSA = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
_EXPONENT = r"10\s?(?:\^|\*\*)\s?\(?(?P<exp>[-+]?\s?\d+)\)?|10(?P<sexp>[-+]\d+)(?![\d.])"
_NUMBER = re.compile(
    rf"(?P<mant>{_MANTISSA})(?:\s?[×xX\*·]\s?(?:{_EXPONENT})|[eE](?P<eexp>[-+]?\d+)(?![A-Za-z]))?"
    rf"|(?<![\d.])10\s?\^\s?\(?(?P<pexp>[-+]?\d+)\)?"
)
_NUMBER_START = re.compile(r"(?<![A-Za-z0-9_.])-?(?=\.?\d)")
_SIGN = re.compile(r"(?:(?<=\s)|(?<=^)|(?<=\())-(?=\d)")
_RANGE_SEP = re.compile(r"\s?(?:-|–|—|~|to|and)\s?|\s(?:-|–|—|~|to|and)\s")
_PM = re.compile(r"\s?(?:±|\+/-|\+-|\+/−)\s?")


_MAX_EXPONENT = 30


def _number_at(text: str, pos: int) -> tuple[float, int] | None:
    m = _NUMBER.match(text, pos)
    if not m:
        return None
    exp_text = m.group("pexp") or m.group("exp") or m.group("sexp") or m.group("eexp")
    exponent = int(exp_text.replace(" ", "")) if exp_text is not None else 0
    if abs(exponent) > _MAX_EXPONENT:
        return None  # "1e999": not a physical quantity
    mantissa = 1.0 if m.group("pexp") is not None else float(m.group("mant").replace(",", ""))
    value = mantissa * 10.0 ** exponent
    if not math.isfinite(value):
        return None
    return value, m.end()


def _unit_at(text: str, pos: int):
    """(unit text, kind, basis, end) of a unit starting at ``pos`` (after optional single space)."""
    for start in (pos, pos + 1) if pos < len(text) and text[pos] == " " else (pos,):
        for regex, kind, _, basis in _UNIT_SPECS:
            m = regex.match(text, start)
            if m:
                return m.group(0), kind, basis, m.end()
        m = _PERCENT_ALONE.match(text, start)
        if m:
            return "%", QuantityKind.PERCENT, None, m.end()
    return None


# --------------------------------------------------------------------------------------------- qualitative
_QUALITATIVE = [
    (re.compile(r"\b(?:room[- ]temperature|ambient temperature|RT\b|r\.\s?t\.)", re.IGNORECASE),
     QuantityKind.TEMPERATURE, "room_temperature", 25.0, "°C"),
    (re.compile(r"\bover[- ]?night\b", re.IGNORECASE), QuantityKind.TIME, "overnight", 12.0, "h"),
    (re.compile(r"\b(?:under reflux|reflux(?:ed|ing)?)\b", re.IGNORECASE), QuantityKind.TEMPERATURE, "reflux", None,
     None),
    (re.compile(r"\b(?:ice[- ](?:water )?bath)\b", re.IGNORECASE), QuantityKind.TEMPERATURE, "ice_bath", 0.0,
     "°C"),
]

# ----------------------------------------------------------------------------------------------------- ratios
_SPECIES = r"[A-Z][A-Za-z0-9()\-]{0,14}"
_RATIO_SPECIES = re.compile(
    rf"(?P<species>{_SPECIES}(?:\s?[:/]\s?{_SPECIES})+)\s?(?:\((?:molar|mole|mol)\)\s?)?"
    rf"(?:(?:molar|mole|mol|feed|atomic|volume)\s)?(?:ratios?\s?)?(?:=|of|was|is|:|were)\s?"
    rf"(?P<nums>{_MANTISSA}(?:\s?:\s?{_MANTISSA})*)"
)
_RATIO_WORDED = re.compile(
    rf"(?:ratio|ratios)\s(?:of\s)?(?:(?P<species>{_SPECIES}(?:\s?[:/]\s?{_SPECIES})+)\s(?:of\s|=\s|was\s|is\s)?)?"
    rf"(?P<nums>{_MANTISSA}(?:\s?:\s?{_MANTISSA})+)"
)
_RATIO_BARE = re.compile(rf"(?<![\d.:])(?P<nums>{_MANTISSA}(?:\s?:\s?{_MANTISSA})+)(?![\d.:])")


def _ratio(match: re.Match, offset_text: str) -> Quantity | None:
    nums = [float(x) for x in re.split(r"\s?:\s?", match.group("nums"))]
    species_text = match.groupdict().get("species")
    species = tuple(s.strip() for s in re.split(r"\s?[:/]\s?", species_text)) if species_text else None
    if any(n < 0 for n in nums):
        return None
    if species and len(nums) == 1:
        if len(species) != 2:
            return None
        value: float | None = nums[0]
        parts: tuple[float, ...] = (nums[0], 1.0)
    else:
        if species and len(species) != len(nums):
            species = None
        parts = tuple(nums)
        value = nums[0] / nums[1] if len(nums) == 2 and nums[1] > 0 else None
    return Quantity(raw=offset_text[match.start():match.end()], kind=QuantityKind.RATIO, value=value,
                    normalized=value, parts=parts, species=species, unit="", char_start=match.start(),
                    char_end=match.end())


# ------------------------------------------------------------------------------------------------------ scan
def _build(text: str, start: int, end: int, kind: QuantityKind, unit_text: str, basis: str | None,
           v1: float, v2: float | None, err: float | None, err_pct: float | None) -> Quantity | None:
    expr = _unit_expr(kind, unit_text)
    if kind is not QuantityKind.PERCENT and expr is None:
        return None
    try:
        if v2 is not None:
            low, high = (v1, v2)
            value = (low + high) / 2.0
            n_low, n_high = normalize(low, kind, expr), normalize(high, kind, expr)
            normalized = (n_low + n_high) / 2.0
        else:
            low = high = n_low = n_high = None
            value, normalized = v1, normalize(v1, kind, expr)
        n_err = _normalize_delta(err, kind, expr) if err is not None else None
    except UnitError as exc:
        logger.debug("cannot normalize %r: %s", text[start:end], exc)
        return None
    return Quantity(raw=text[start:end], raw_unit=unit_text, kind=kind, value=value, low=low, high=high, error=err,
                    error_pct=err_pct, unit=CANONICAL_UNITS[kind][0], normalized=normalized, normalized_low=n_low,
                    normalized_high=n_high, normalized_error=n_err, basis=basis, char_start=start, char_end=end)


def _scan_numeric(text: str, folded: str) -> list[Quantity]:
    found: list[Quantity] = []
    pos = 0
    n = len(folded)
    while pos < n:
        m = _NUMBER_START.search(folded, pos)
        if not m:
            break
        start = m.start()
        num_pos = m.end()
        negative = folded[num_pos - 1] == "-" and _SIGN.match(folded, num_pos - 1) is not None
        parsed = _number_at(folded, num_pos)
        if parsed is None:
            pos = m.end() + 1
            continue
        v1, cur = parsed
        if negative:
            v1 = -v1
        q = _parse_after_number(text, folded, start, cur, v1)
        if q is None:
            pos = cur if cur > pos else pos + 1
            continue
        found.append(q)
        pos = q.char_end
    return found


def _parse_after_number(text: str, folded: str, start: int, cur: int, v1: float) -> Quantity | None:
    unit1 = _unit_at(folded, cur)
    after_unit1 = unit1[3] if unit1 else cur
    v2 = None
    unit = unit1
    end = after_unit1
    # range: "240–300 °C", "240 °C–300 °C", "5 to 10 min", "between 5 and 10 min"
    sep = _RANGE_SEP.match(folded, after_unit1)
    if sep:
        parsed = _number_at(folded, sep.end())
        if parsed is not None:
            cand, cand_end = parsed
            unit2 = _unit_at(folded, cand_end)
            sep_text = folded[after_unit1:sep.end()].strip()
            # "10−3 M": a power of ten written without a caret
            if (v1 == 10.0 and sep_text == "-" and unit1 is None and cand < v1 and float(cand).is_integer()
                    and folded[cur] == "-" and unit2 and unit2[1] is QuantityKind.CONCENTRATION):
                v1, unit, end = 10.0 ** -cand, unit2, unit2[3]
            elif unit2 and (unit1 is None or unit1[1] == unit2[1]) and cand >= v1:
                before = folded[max(0, start - 9):start].lower()
                opened = before.endswith(("between ", "from "))
                if sep_text in {"-", "–", "—", "~"} or opened or (sep_text == "to" and unit1 is None):
                    v2, unit, end = cand, unit2, unit2[3]
    if unit is None:
        # "3.2 ± 0.3 nm": unit after the error
        pm = _PM.match(folded, cur)
        if pm:
            parsed = _number_at(folded, pm.end())
            if parsed:
                err, err_end = parsed
                unit_e = _unit_at(folded, err_end)
                if unit_e and unit_e[1] is not QuantityKind.PERCENT:
                    return _build(text, start, unit_e[3], unit_e[1], unit_e[0], unit_e[2], v1, None, err, None)
        return None
    kind, unit_text, basis = unit[1], unit[0], unit[2]
    err = err_pct = None
    pm = _PM.match(folded, end)
    if pm:
        parsed = _number_at(folded, pm.end())
        if parsed:
            e_val, e_end = parsed
            e_unit = _unit_at(folded, e_end)
            if e_unit and e_unit[1] is QuantityKind.PERCENT and kind is not QuantityKind.PERCENT:
                err_pct, end = e_val, e_unit[3]
                err = (v1 if v2 is None else (v1 + v2) / 2) * e_val / 100.0
            elif e_unit and e_unit[1] == kind:
                err, end = e_val, e_unit[3]
            elif e_unit is None:
                err, end = e_val, e_end
    return _build(text, start, end, kind, unit_text, basis, v1, v2, err, err_pct)


def find_quantities(text: str, *, ratios: bool = True, qualitative: bool = True) -> list[Quantity]:
    """All quantities in ``text``, in order, non-overlapping.

    Parameters
    ----------
    text:
        A sentence or paragraph.
    ratios:
        Also find ratios (``1:40``, ``OA/Cd = 40``, ``molar ratio of 1:2:4``).
    qualitative:
        Also find ``room temperature``, ``overnight``, ``reflux``, ``ice bath``.

    Returns
    -------
    list of Quantity
        Sorted by ``char_start``; where candidates overlap the longer one wins.
    """
    if not text:
        return []
    folded = fold(text)
    candidates: list[Quantity] = []
    if ratios:
        for regex in (_RATIO_SPECIES, _RATIO_WORDED, _RATIO_BARE):
            for m in regex.finditer(folded):
                q = _ratio(m, text)
                if q is not None:
                    candidates.append(q)
    candidates.extend(_scan_numeric(text, folded))
    if qualitative:
        for regex, kind, qualifier, value, unit in _QUALITATIVE:
            for m in regex.finditer(folded):
                if qualifier == "room_temperature" and m.group(0) == "RT" and not _rt_is_temperature(folded, m):
                    continue
                expr = _unit_expr(kind, unit) if unit else None
                normalized = normalize(value, kind, expr) if value is not None else None
                candidates.append(Quantity(raw=text[m.start():m.end()], raw_unit=unit, kind=kind, value=value,
                                           unit=CANONICAL_UNITS[kind][0], normalized=normalized,
                                           qualifier=qualifier, char_start=m.start(), char_end=m.end()))
    return _non_overlapping(candidates)


def _rt_is_temperature(folded: str, m: re.Match) -> bool:
    before = folded[max(0, m.start() - 12):m.start()].lower()
    return bool(re.search(r"(?:at|to|until|reach(?:ed)?|below|near)\s$", before))


def _non_overlapping(candidates: list[Quantity]) -> list[Quantity]:
    ranked = sorted(candidates, key=lambda q: (-(q.char_end - q.char_start), q.char_start))
    taken: list[Quantity] = []
    for q in ranked:
        if all(q.char_end <= t.char_start or q.char_start >= t.char_end for t in taken):
            taken.append(q)
    return sorted(taken, key=lambda q: q.char_start)


def parse_quantity(text: str) -> Quantity:
    """The one quantity of a short phrase (the longest when several are found).

    Raises
    ------
    ExtractionError
        When the phrase holds no quantity.
    """
    found = find_quantities(text)
    if not found:
        raise ExtractionError(f"no quantity found in {text!r}: expected a number with a unit such as '5 mL'")
    return max(found, key=lambda q: q.char_end - q.char_start)


__all__ = ["CANONICAL_UNITS", "Quantity", "QuantityKind", "find_quantities", "fold", "normalize", "parse_quantity"]
