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


def experiment_recipe(campaign_id: int, seq: int, experiment_id: int, parameters: dict[str, float],
                      outcomes: dict[str, Any], adapter: str, simulated: bool = False) -> RecipeCreate | None:
    """The recipe of one finished CdSe batch-reactor experiment, or None when its parameters are not that kind.

    Parameters are the batch-microreactor ones (``temperature_c``, ``cd_mm``, ``se_mm``, ``oa_cd_ratio``,
    ``time_s``); outcomes are the fitted spectral values (``abs_peak_nm``, ``pl_peak_nm``, ``*_fwhm_mev`` ...).
    ``simulated`` marks a run on a simulator (the digital twin): such recipes are left out of default queries.
    """
    need = ("temperature_c", "cd_mm", "se_mm", "oa_cd_ratio", "time_s")
    if not all(k in parameters for k in need):
        return None

    def val(key: str) -> float | None:
        v = outcomes.get(key)
        return float(v) if v is not None and math.isfinite(float(v)) else None

    out = []
    for prop, key, spectrum, method in (
        (OutcomeProperty.ABS_PEAK_NM, "abs_peak_nm", Spectrum.ABSORPTION, "UV-vis (half-Gaussian fit)"),
        (OutcomeProperty.FWHM_MEV, "abs_fwhm_mev", Spectrum.ABSORPTION, "UV-vis (half-Gaussian fit)"),
        (OutcomeProperty.FWHM_NM, "abs_fwhm_nm", Spectrum.ABSORPTION, "UV-vis (half-Gaussian fit)"),
        (OutcomeProperty.PL_PEAK_NM, "pl_peak_nm", Spectrum.PL, "PL (Gaussian fit)"),
        (OutcomeProperty.FWHM_MEV, "pl_fwhm_mev", Spectrum.PL, "PL (Gaussian fit)"),
        (OutcomeProperty.FWHM_NM, "pl_fwhm_nm", Spectrum.PL, "PL (Gaussian fit)"),
        (OutcomeProperty.SIZE_NM, "size_nm", None, "UV-vis sizing curve (Yu et al. 2003)"),
    ):
        v = val(key)
        if v is not None and v > 0:
            out.append({"property": prop.value, "value": v, "spectrum": spectrum.value if spectrum else None,
                        "method": method})
    p = parameters
    return validate_record(RecipeCreate, {
        "source_key": f"campaign:{campaign_id}:exp{seq}",
        "source_kind": SourceKind.CAMPAIGN.value,
        "dataset": campaign_dataset(campaign_id),
        "series_key": f"campaign:{campaign_id}",
        "method": SynthesisMethod.HOT_INJECTION.value,
        "target_composition": "CdSe",
        "success": bool(out),
        "experiment_id": experiment_id,
        "simulated": simulated,
        "notes": f"run on {adapter}",
        "provenance": {"extractor": EXTRACTOR, "dataset": campaign_dataset(campaign_id), "confidence": 1.0},
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
        "outcomes": out,
    }, where=f"campaign {campaign_id} experiment {seq}")
