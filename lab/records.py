"""Lab results as database recipes (source kind ``campaign``), so that they sit beside the literature."""

from __future__ import annotations

import math
from typing import Any

from nanosynth.schema.enums import ChemicalRole, OutcomeProperty, SourceKind, Spectrum, StepAction, SynthesisMethod
from nanosynth.schema.records import RecipeCreate, validate_record

EXTRACTOR = "nanosynth.lab.campaign@1"


def campaign_dataset(campaign_id: int) -> str:
    """Dataset name of a campaign's recipes (``lab-campaign-<id>``)."""
    return f"lab-campaign-{campaign_id}"


#: Fitted outputs written as recipe outcomes: (property, output name, spectrum, method).
OUTCOME_FIELDS = (
    (OutcomeProperty.ABS_PEAK_NM, "abs_peak_nm", Spectrum.ABSORPTION, "UV-vis (half-Gaussian fit)"),
    (OutcomeProperty.FWHM_MEV, "abs_fwhm_mev", Spectrum.ABSORPTION, "UV-vis (half-Gaussian fit)"),
    (OutcomeProperty.FWHM_NM, "abs_fwhm_nm", Spectrum.ABSORPTION, "UV-vis (half-Gaussian fit)"),
    (OutcomeProperty.PL_PEAK_NM, "pl_peak_nm", Spectrum.PL, "PL (Gaussian fit)"),
    (OutcomeProperty.FWHM_MEV, "pl_fwhm_mev", Spectrum.PL, "PL (Gaussian fit)"),
    (OutcomeProperty.FWHM_NM, "pl_fwhm_nm", Spectrum.PL, "PL (Gaussian fit)"),
    (OutcomeProperty.SIZE_NM, "size_nm", None, "UV-vis sizing curve (Yu et al. 2003)"),
    (OutcomeProperty.PLQY, "plqy", Spectrum.PL, "integrated PL / absorbed photons"),
)
HTE_NAMES = ("temperature_c", "cd_mm", "se_mm", "oa_cd_ratio", "time_s")


def _outcomes(outcomes: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for prop, key, spectrum, method in OUTCOME_FIELDS:
        v = outcomes.get(key)
        v = float(v) if v is not None and math.isfinite(float(v)) else None
        if v is not None and v > 0:
            out.append({"property": prop.value, "value": v, "spectrum": spectrum.value if spectrum else None,
                        "method": method})
    return out


def _hte_parts(p: dict[str, float]) -> dict[str, Any]:
    """Chemicals and steps of a CdSe batch-microreactor experiment."""
    return {
        "chemicals": [
            {"name_raw": "Cd precursor", "name": "cadmium precursor", "role": ChemicalRole.CATION_PRECURSOR.value,
             "amount_raw": f"{p['cd_mm']} mM", "amount_value": p["cd_mm"], "amount_unit": "mM",
             "concentration_mm": p["cd_mm"]},
            {"name_raw": "Se precursor", "name": "selenium precursor", "role": ChemicalRole.ANION_PRECURSOR.value,
             "amount_raw": f"{p['se_mm']} mM", "amount_value": p["se_mm"], "amount_unit": "mM",
             "concentration_mm": p["se_mm"]},
            {"name_raw": "OA", "name": "oleic acid", "formula": "C18H34O2", "role": ChemicalRole.LIGAND.value,
             "amount_raw": f"OA/Cd = {p['oa_cd_ratio']}", "amount_value": p["oa_cd_ratio"], "ratio": p["oa_cd_ratio"]},
        ],
        "steps": [
            {"order": 0, "action": StepAction.INJECT.value, "temperature_c": p["temperature_c"]},
            {"order": 1, "action": StepAction.GROW.value, "temperature_c": p["temperature_c"], "time_s": p["time_s"]},
        ],
    }


def _generic_steps(p: dict[str, float]) -> list[dict[str, Any]]:
    """One grow step with the temperature and time (or residence time) a reactor declares, when it has them."""
    time_s = p.get("time_s", p.get("residence_time_s"))
    if "temperature_c" not in p and time_s is None:
        return []
    return [{"order": 0, "action": StepAction.GROW.value, "temperature_c": p.get("temperature_c"), "time_s": time_s}]


def experiment_recipe(campaign_id: int, seq: int, experiment_id: int, parameters: dict[str, float],
                      outcomes: dict[str, Any], adapter: str, composition: str = "CdSe",
                      method: str | None = None, simulated: bool = False) -> RecipeCreate:
    """The recipe of one finished experiment (schema-named parameters and fitted outcomes).

    CdSe batch-microreactor parameters (``temperature_c``, ``cd_mm``, ``se_mm``, ``oa_cd_ratio``, ``time_s``)
    become chemicals and steps as the cdse-hte importer writes them; any other reactor gets one grow step with its
    temperature and (residence) time and keeps every parameter in the notes. ``simulated`` marks a run on a
    simulator (a digital twin): such recipes are left out of default queries.
    """
    p = parameters
    hte = all(k in p for k in HTE_NAMES)
    parts = _hte_parts(p) if hte else {"chemicals": [], "steps": _generic_steps(p)}
    out = _outcomes(outcomes)
    method = method or (SynthesisMethod.HOT_INJECTION.value if hte else SynthesisMethod.OTHER.value)
    notes = f"run on {adapter}" + ("" if hte else "; parameters " + ", ".join(f"{k}={v:g}" for k, v in p.items()))
    return validate_record(RecipeCreate, {
        "source_key": f"campaign:{campaign_id}:exp{seq}",
        "source_kind": SourceKind.CAMPAIGN.value,
        "dataset": campaign_dataset(campaign_id),
        "series_key": f"campaign:{campaign_id}",
        "method": method,
        "target_composition": composition,
        "success": bool(out),
        "experiment_id": experiment_id,
        "simulated": simulated,
        "notes": notes,
        "provenance": {"extractor": EXTRACTOR, "dataset": campaign_dataset(campaign_id), "confidence": 1.0},
        **parts,
        "outcomes": out,
    }, where=f"campaign {campaign_id} experiment {seq}")
