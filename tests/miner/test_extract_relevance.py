"""Relevance gate (no recipe from texts that describe no nanomaterial synthesis) and physical-sense checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from nanosynth.miner.extract.relevance import is_organic_procedure, no_synthesis_reason, states_synthesis
from nanosynth.miner.extract.sanity import check_chemical, check_step

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "extraction"


def test_medicinal_chemistry_is_organic_synthesis() -> None:
    text = (FIXTURES / "medicinal_suzuki.txt").read_text(encoding="utf-8")
    assert is_organic_procedure(text)
    assert no_synthesis_reason(text, has_product=False) == (
        "no nanomaterial synthesis: organic synthesis (no nanoscale product, no inorganic target)")


@pytest.mark.parametrize("text,kind", [
    ("1. Introduction\nQuantum dots have been studied widely [1,2]. Hot-injection routes were reported [3].",
     "introduction or review"),
    ("Figure 2. (a) TEM image of the CdSe nanocrystals. Reprinted with permission from ref 12.", "figure caption"),
    ("The absorption spectra of the CdSe nanocrystals show a first exciton peak that shifts with size; TEM gives "
     "the diameter and XRD the phase.", "characterization or results only"),
    ("Silica particles were functionalized with amine groups by grafting with APTES.", "surface modification"),
    ("The weather was fine and the committee met twice.", "no nanoscale or inorganic product"),
])
def test_negatives_give_a_reason(text: str, kind: str) -> None:
    reason = no_synthesis_reason(text, has_product="nanocrystals" in text)
    assert reason is not None and reason.startswith("no nanomaterial synthesis: ") and kind in reason


@pytest.mark.parametrize("text", [
    "Monodisperse PbS nanocrystals were synthesized by hot injection of bis(trimethylsilyl) sulfide.",
    "Here we report a seed-mediated growth approach to Au nanorods with tunable aspect ratios.",
    "Ag nanocubes were prepared via a polyol process in ethylene glycol.",
    "We describe a facile route to ZnO nanoparticles by hydrolysis of zinc acetate.",
])
def test_synthesis_statements_pass(text: str) -> None:
    assert states_synthesis(text)
    assert no_synthesis_reason(text, has_product=True) is None


def test_absurd_amount_is_dropped_with_a_warning() -> None:
    data = {"name_raw": "Pd(PPh3)4", "role": "additive", "amount_raw": "3,000 mmol", "amount_value": 3000.0,
            "amount_unit": "mmol", "amount_mmol": 3000.0}
    warnings = check_chemical(data)
    assert len(warnings) == 1 and "3000 mmol" in warnings[0] and "Pd(PPh3)4" in warnings[0]
    assert "amount_mmol" not in data and "amount_raw" not in data and data["name_raw"] == "Pd(PPh3)4"


def test_plausible_amounts_and_solvent_moles_are_kept() -> None:
    cdo = {"name_raw": "CdO", "role": "cation_precursor", "amount_mmol": 0.2}
    water = {"name_raw": "water", "role": "solvent", "amount_ml": 100.0, "amount_mmol": 5550.0}
    assert check_chemical(cdo) == [] and cdo["amount_mmol"] == 0.2
    assert check_chemical(water) == [] and water["amount_mmol"] == 5550.0
    assert check_chemical({"name_raw": "ODE", "role": "solvent", "amount_ml": 20000.0})  # 20 L


def test_absurd_step_values_are_dropped() -> None:
    step = {"action": "heat", "temperature_k": 2773.15, "time_s": -5.0}
    warnings = check_step(step)
    assert len(warnings) == 2 and "temperature_k" not in step and "time_s" not in step
    ok = {"action": "grow", "temperature_k": 573.15, "time_s": 600.0}
    assert check_step(ok) == [] and ok["temperature_k"] == 573.15
