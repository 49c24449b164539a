"""Physical-sense checks on extracted values: absurd amounts and conditions are dropped with a warning.

A colloidal nanocrystal synthesis uses micromoles to a few hundred millimoles of any one chemical, millilitres to a
few litres of liquid, milligrams to a few hundred grams of solid, and runs between about −80 °C and 1200 °C for
seconds to weeks. A value outside these bounds is nearly always a parsing or linking error (``3,000 mmol`` of a
catalyst, ``2000 °C``); storing it would poison every model trained on the database. Policy: **drop the value**
(the chemical or step stays, without it) and **record a warning** (returned to the caller, who writes it into the
recipe notes and the document warnings). Nothing is silently stored.
"""

from __future__ import annotations

#: ``field: (low, high, unit text)`` bounds for one chemical of one colloidal synthesis (inclusive).
AMOUNT_BOUNDS: dict[str, tuple[float, float, str]] = {
    "amount_mmol": (0.0, 1000.0, "mmol (more than 1 mol)"),
    "amount_ml": (0.0, 5000.0, "mL (more than 5 L)"),
    "amount_g": (0.0, 1000.0, "g (more than 1 kg)"),
    "concentration_mm": (0.0, 20000.0, "mM (more than 20 M)"),
}
#: Step bounds: temperature in °C, time in s (four weeks).
TEMPERATURE_C_BOUNDS = (-80.0, 1200.0)
TIME_S_BOUNDS = (0.0, 28 * 86400.0)
_AMOUNT_KEYS = ("amount_raw", "amount_value", "amount_unit", "amount_mmol", "amount_ml", "amount_g",
                "concentration_mm")


def check_chemical(data: dict) -> list[str]:
    """Drop the amount of a chemical (ChemicalUseCreate data, changed in place) when any of its normalized
    amounts is outside :data:`AMOUNT_BOUNDS` (moles of a solvent or of a measured volume are not bounded: they
    follow from the volume); return the warnings (empty when the amount is plausible)."""
    for key, (low, high, what) in AMOUNT_BOUNDS.items():
        value = data.get(key)
        if key == "amount_mmol" and (data.get("role") == "solvent" or data.get("amount_ml") is not None):
            continue  # moles of a liquid computed from its volume (1 L of water is 55 mol)
        if value is not None and not low <= float(value) <= high:
            raw = data.get("amount_raw") or value
            for k in _AMOUNT_KEYS:
                data.pop(k, None)
            return [f"implausible amount dropped: {data.get('name_raw')!r} {raw!r} is {value:g} {what}; "
                    "check the source text (decimal comma, unit, or linking to the wrong chemical)"]
    return []


def check_step(data: dict) -> list[str]:
    """Drop an implausible temperature or time of a step (StepCreate data with ``temperature_k``/``time_s``,
    changed in place); return the warnings."""
    warnings: list[str] = []
    k = data.get("temperature_k")
    if k is not None:
        c = float(k) - 273.15
        if not TEMPERATURE_C_BOUNDS[0] <= c <= TEMPERATURE_C_BOUNDS[1]:
            data.pop("temperature_k", None)
            data.pop("temperature_c", None)
            warnings.append(f"implausible temperature dropped: {c:.0f} °C in a {data.get('action')} step; "
                            f"a colloidal synthesis runs between {TEMPERATURE_C_BOUNDS[0]:.0f} and "
                            f"{TEMPERATURE_C_BOUNDS[1]:.0f} °C")
    t = data.get("time_s")
    if t is not None and not TIME_S_BOUNDS[0] <= float(t) <= TIME_S_BOUNDS[1]:
        data.pop("time_s", None)
        warnings.append(f"implausible time dropped: {float(t):g} s in a {data.get('action')} step "
                        "(negative or longer than four weeks)")
    return warnings


__all__ = ["AMOUNT_BOUNDS", "TEMPERATURE_C_BOUNDS", "TIME_S_BOUNDS", "check_chemical", "check_step"]
