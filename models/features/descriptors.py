"""Composition descriptors of a target composition (``"CdSe"``, ``"CsPbBr3"``, ``"Au"``).

Element statistics come from :mod:`nanosynth.schema.elements` (Pauling electronegativity, Shannon ionic radius, atomic
mass, common oxidation state); bulk gap and lattice come from :mod:`nanosynth.models.features.materials`.
"""

from __future__ import annotations

import math

from nanosynth.models.features.materials import LATTICES, bulk_material
from nanosynth.schema.chemicals import anion_elements, cation_elements, composition_elements, parse_formula
from nanosynth.schema.elements import ELEMENTS
from nanosynth.schema.errors import SchemaValidationError

#: Names of the numeric composition descriptors, in output order.
DESCRIPTOR_NAMES = (
    "comp_n_elements", "comp_is_metal", "comp_cation_en", "comp_anion_en", "comp_delta_en",
    "comp_cation_radius_pm", "comp_anion_radius_pm", "comp_radius_ratio", "comp_mean_mass",
    "comp_cation_oxidation", "comp_anion_fraction", "comp_bulk_gap_ev",
)
LATTICE_FEATURES = tuple(f"comp_lattice={name}" for name in LATTICES)


def _mean(values: list[float]) -> float:
    clean = [v for v in values if v is not None and not math.isnan(v)]
    return float(sum(clean) / len(clean)) if clean else math.nan


def _weighted(elements: list[str], counts: dict[str, float], attr: str) -> float:
    num = den = 0.0
    for el in elements:
        value = getattr(ELEMENTS[el], attr) if el in ELEMENTS else None
        if value is None:
            continue
        weight = counts.get(el, 1.0)
        num += weight * float(value)
        den += weight
    return num / den if den else math.nan


def composition_descriptors(composition: str | None) -> dict[str, float]:
    """Numeric descriptors and lattice one-hot of a composition; NaN (and lattice ``unknown``) when unparsable.

    Parameters
    ----------
    composition:
        Formula of the product as stored in ``Recipe.target_composition``.

    Returns
    -------
    dict
        Keys :data:`DESCRIPTOR_NAMES` followed by :data:`LATTICE_FEATURES`.
    """
    out = dict.fromkeys(DESCRIPTOR_NAMES, math.nan)
    out.update(dict.fromkeys(LATTICE_FEATURES, 0.0))
    elements = composition_elements(composition) if composition else []
    counts: dict[str, float] = {}
    if composition:
        for piece in composition.replace("/", " ").replace("@", " ").split():
            try:
                for el, n in parse_formula(piece).items():
                    counts[el] = counts.get(el, 0.0) + n
            except SchemaValidationError:
                continue
    if elements:
        cations = cation_elements(composition or "")
        anions = anion_elements(composition or "")
        if not anions and not cations:
            cations = elements
        out["comp_n_elements"] = float(len(elements))
        out["comp_is_metal"] = 1.0 if not anions else 0.0
        out["comp_cation_en"] = _weighted(cations, counts, "electronegativity")
        out["comp_anion_en"] = _weighted(anions, counts, "electronegativity") if anions else math.nan
        out["comp_delta_en"] = (out["comp_anion_en"] - out["comp_cation_en"]) if anions else 0.0
        out["comp_cation_radius_pm"] = _weighted(cations, counts, "ionic_radius_pm")
        out["comp_anion_radius_pm"] = _weighted(anions, counts, "ionic_radius_pm") if anions else math.nan
        if anions and out["comp_anion_radius_pm"]:
            out["comp_radius_ratio"] = out["comp_cation_radius_pm"] / out["comp_anion_radius_pm"]
        total = sum(counts.get(e, 1.0) for e in elements)
        out["comp_mean_mass"] = sum(ELEMENTS[e].mass * counts.get(e, 1.0) for e in elements) / total
        out["comp_cation_oxidation"] = _mean([float(ELEMENTS[e].oxidation_state) for e in cations])
        out["comp_anion_fraction"] = sum(counts.get(e, 1.0) for e in anions) / total
    bulk = bulk_material(composition)
    if bulk is not None:
        out["comp_bulk_gap_ev"] = bulk.band_gap_ev
        out[f"comp_lattice={bulk.lattice}"] = 1.0
    elif elements and out["comp_is_metal"] == 1.0 and len(elements) > 1:
        out["comp_bulk_gap_ev"] = 0.0
        out["comp_lattice=other"] = 1.0
    else:
        out["comp_lattice=unknown"] = 1.0
    return out
