"""Amount fields of one chemical from a linked quantity: the value as written and normalized mmol / mL / g / mM."""

from __future__ import annotations

from nanosynth.miner.extract.quantities import Quantity, QuantityKind
from nanosynth.schema.chemicals import density, formula_of, lookup, molar_mass
from nanosynth.schema.errors import SchemaValidationError
from nanosynth.schema.units import normalize_amount, parse_unit

K = QuantityKind


def fill_amount(data: dict, q: Quantity, name_raw: str) -> None:
    """Fill the amount fields of ChemicalUseCreate data ``data`` from quantity ``q`` (only fields still empty).

    Mass and volume are also converted to mmol when the dictionary knows the molar mass (and density) of
    ``name_raw``; a percentage (``0.01% HAuCl4``) is kept as written (``amount_value``/``amount_unit``) only.
    """
    if q.normalized is None:
        return
    if q.kind is K.PERCENT:  # a solution strength (``0.01% HAuCl4``): kept as written, no normalized field
        data.setdefault("amount_value", q.value)
        data.setdefault("amount_unit", "%")
        return
    unit = {K.AMOUNT: "millimole", K.VOLUME: "milliliter", K.MASS: "gram",
            K.CONCENTRATION: "millimolar"}.get(q.kind)
    if unit is None:
        return
    formula = formula_of(name_raw)
    try:
        mm = molar_mass(formula) if formula else None
    except SchemaValidationError:
        mm = None
    info = lookup(name_raw)
    try:
        norm = normalize_amount(q.normalized, unit, molar_mass=mm, density_g_ml=density(name_raw) if info else None)
    except SchemaValidationError:
        return
    data.setdefault("amount_value", q.value)
    data.setdefault("amount_unit", _unit(q))
    for key, value in (("amount_mmol", norm.mmol), ("amount_ml", norm.ml), ("amount_g", norm.g),
                       ("concentration_mm", norm.mm)):
        if value is not None and data.get(key) is None:
            data[key] = value



def _unit(q: Quantity) -> str | None:
    """The unit as written when the schema understands it (``mmol L-1`` is not), else the canonical unit."""
    raw = (q.raw_unit or "")[:40] or None
    if raw is None:
        return None
    try:
        parse_unit(raw)
    except (SchemaValidationError, ValueError):
        return q.unit or None
    return raw


__all__ = ["fill_amount"]
