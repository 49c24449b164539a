"""Summary-level extraction: titles and abstracts give partial recipes; outcomes in procedure paragraphs are kept."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from nanosynth.miner.extract.abstract import find_products, main_products, sizes_before_nouns, summary_conditions
from nanosynth.miner.extract.assemble import recipes
from nanosynth.miner.extract.summary import PARTIAL_NOTE
from nanosynth.miner.readers import read_document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "extraction"


def _extract(text: str, name: str = "doc.txt"):
    document = read_document(text.encode("utf-8"), name)
    return recipes(document), document


def _outcomes(recipe) -> dict[str, list]:
    out: dict[str, list] = {}
    for o in recipe.outcomes:
        out.setdefault(o.property, []).append(o.value_text if o.property == "shape" else o.value)
    return out


@pytest.mark.parametrize("text,composition,noun", [
    ("CdSe/ZnS core/shell QDs", "CdSe/ZnS", "QDs"), ("Pd decahedra", "Pd", "decahedra"),
    ("gold nanorods", "Au", "nanorods"), ("iron oxide nanoparticles", "Fe3O4", "nanoparticles"),
    ("NaYF4:Yb,Er nanocrystals", "NaYF4:Yb,Er", "nanocrystals"), ("CsPbBr3 nanocubes", "CsPbBr3", "nanocubes"),
    ("Cu2-xSe nanoplates", "Cu2-xSe", "nanoplates"), ("Cu(2)Se nanocrystals", "Cu2Se", "nanocrystals"),
    ("Au@Ag core-shell nanocubes", "Au@Ag", "nanocubes"),
])
def test_product_phrases(text: str, composition: str, noun: str) -> None:
    found = find_products(f"We made {text} here.")
    assert [(p.composition, p.noun) for p in found] == [(composition, noun)]


@pytest.mark.parametrize("text", ["The TEM images", "PbO particles were dissolved", "NC films", "TOP QDs"])
def test_not_products(text: str) -> None:
    assert find_products(text) == []


def test_abstract_fixture_gives_a_partial_recipe_with_everything_it_states() -> None:
    out, document = _extract((FIXTURES / "abstract_cdse_zns.txt").read_text(encoding="utf-8"))
    assert len(out) == 1 and document.no_synthesis_reason is None
    recipe = out[0]
    assert recipe.target_composition == "CdSe/ZnS" and recipe.method == "heat_up"
    assert recipe.notes.startswith(PARTIAL_NOTE)
    roles = {c.name: c.role for c in recipe.chemicals}
    assert roles == {"cadmium stearate": "cation_precursor", "selenium": "anion_precursor",
                     "1-octadecene": "solvent", "oleylamine": "ligand"}
    grow = [s for s in recipe.steps if s.action == "grow"]
    assert [s.temperature_c for s in grow if s.temperature_c is not None] == [240.0]
    assert [s.time_s for s in grow if s.time_s is not None] == [1800.0]
    outcomes = _outcomes(recipe)
    assert outcomes["size_nm"] == [4.2] and outcomes["size_sd_nm"] == [0.3] and outcomes["shape"] == ["sphere"]
    assert outcomes["pl_peak_nm"] == [612.0] and outcomes["plqy"] == [85.0] and outcomes["fwhm_nm"] == [28.0]
    for value in (*recipe.chemicals, *recipe.steps, *recipe.outcomes):
        assert value.provenance is not None and value.provenance.paragraph_order is not None


def test_one_recipe_per_main_product_with_shapes_and_core_shell_from_a_shell_phrase() -> None:
    text = ("Shape-controlled Pd decahedra and icosahedra\n"
            "Abstract. Pd decahedra and Pd icosahedra were synthesized by a polyol route in diethylene glycol with "
            "Na2SO4 or HCl as additives. InP cores were also prepared, and a ZnS shell was grown on the InP cores.")
    out, _ = _extract(text)
    assert [r.target_composition for r in out] == ["Pd", "InP", "InP/ZnS"]
    assert set(_outcomes(out[0])["shape"]) == {"decahedron", "icosahedron"}
    names = {c.name for r in out for c in r.chemicals}
    assert {"diethylene glycol", "sodium sulfate", "hydrochloric acid"} <= names


def test_results_sentences_and_sizes_before_nouns() -> None:
    text = ("Ag nanocubes by seed-mediated growth\n"
            "Ag nanocubes were synthesized by seed-mediated growth at 120 °C. TEM shows 55 ± 5 nm nanocubes, and "
            "the plasmon band lies at 450 nm.")
    out, _ = _extract(text)
    outcomes = _outcomes(out[0])
    assert outcomes["size_nm"] == [55.0] and outcomes["size_sd_nm"] == [5.0] and outcomes["shape"] == ["cube"]
    assert outcomes["abs_peak_nm"] == [450.0]
    assert [s[:2] for s in sizes_before_nouns("initial 22 nm nanocubes and 4.2 ± 0.3 nm CdSe QDs")] == [
        (22.0, None), (4.2, 0.3)]


def test_summary_conditions_injection_and_growth() -> None:
    steps = summary_conditions("TOP-Se was injected at 300 °C and the dots grew at 260 °C for 5 min. "
                               "The films were annealed at 400 °C.")
    assert [(s["action"], s.get("temperature_k"), s.get("time_s")) for s in steps] == [
        ("inject", 573.15, None), ("grow", 533.15, None), ("grow", None, 300.0)]


def test_main_products_needs_a_salient_mention() -> None:
    text = "Title line about Au nanoparticles\nWe compare with CdS nanocrystals once."
    assert [s.target for s in main_products(text, [])] == ["Au"]


def test_textbook_cdse_paragraph() -> None:
    """The CdSe hot-injection fixture: injection temperature, TOP volume on TOP (not Se), in-paragraph outcomes."""
    out, document = _extract((FIXTURES / "cdse_hot_injection.txt").read_text(encoding="utf-8"))
    assert len(out) == 1 and document.no_synthesis_reason is None
    recipe = out[0]
    assert recipe.target_composition == "CdSe" and recipe.method == "hot_injection"
    inject = [s for s in recipe.steps if s.action == "inject"]
    assert inject and inject[0].temperature_c == 280.0
    grow = [s for s in recipe.steps if s.action == "grow"]
    assert grow[0].temperature_c == 250.0 and grow[0].time_s == 180.0
    chems = {c.name: c for c in recipe.chemicals}
    assert chems["trioctylphosphine"].amount_ml == 2.0
    assert chems["selenium"].amount_mmol == 2.0 and chems["selenium"].amount_ml is None
    assert chems["cadmium oxide"].amount_mmol == 0.2
    outcomes = _outcomes(recipe)
    assert outcomes["size_nm"] == [3.8] and outcomes["abs_peak_nm"] == [575.0]
    values = [getattr(v, f) for v in (*recipe.chemicals, *recipe.steps, *recipe.outcomes)
              for f in ("amount_mmol", "amount_ml", "amount_g", "temperature_c", "time_s", "value")
              if getattr(v, f, None) is not None]
    assert values and all(math.isfinite(x) for x in values)  # a clean summary: no NaN anywhere


def test_medicinal_chemistry_yields_no_recipe_and_says_why() -> None:
    out, document = _extract((FIXTURES / "medicinal_suzuki.txt").read_text(encoding="utf-8"))
    assert out == []
    assert document.no_synthesis_reason == ("no nanomaterial synthesis: organic synthesis (no nanoscale product, "
                                            "no inorganic target)")


def test_introduction_yields_no_recipe() -> None:
    out, document = _extract((FIXTURES / "introduction_review.txt").read_text(encoding="utf-8"))
    assert out == [] and "introduction or review" in document.no_synthesis_reason


def test_absurd_amount_in_a_procedure_is_flagged_not_stored() -> None:
    text = ("Synthesis of CdSe nanocrystals\n\nCdO (2500 mmol) and oleic acid (0.8 mmol) in 1-octadecene (10 mL) "
            "were heated to 280 °C under nitrogen, and TOP-Se (1 mL) was injected.")
    out, document = _extract(text)
    cdo = next(c for c in out[0].chemicals if c.name == "cadmium oxide")
    assert cdo.amount_mmol is None and cdo.amount_raw is None
    assert "implausible amount dropped" in out[0].notes
    assert any("implausible amount dropped" in w for w in document.warnings)
