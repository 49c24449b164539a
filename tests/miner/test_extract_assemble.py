"""Recipe assembly on the sample papers and on hand-built paragraphs; bad input never crashes."""

from __future__ import annotations

import pytest

from nanosynth.miner.document import Document
from nanosynth.miner.extract.assemble import detect_method, extract_outcomes, recipes
from nanosynth.miner.samples import SAMPLE_IDS, load_expected, paper_problems, sample_papers_dir
from nanosynth.schema.enums import SynthesisMethod
from nanosynth.schema.records import PaperCreate, ParagraphCreate, RecipeCreate


def _document(*paragraphs: tuple[str, str], key: str = "doi:10.5555/test") -> Document:
    """A document of classified paragraphs (category, text), as a stored paper is rebuilt."""
    return Document.from_records(PaperCreate(key=key, doi=key.removeprefix("doi:"), title="Test", paragraphs=[
        ParagraphCreate(order=i, text=text, label=label) for i, (label, text) in enumerate(paragraphs)]))


SYNTHESIS = ("CdO (0.2 mmol), OA (0.8 mmol) and ODE (10 mL) were loaded into a 50 mL three-neck flask and degassed "
             "at 120 °C for 30 min under vacuum. The mixture was heated to 300 °C under N2. At 280 °C, 1 mL of "
             "1 M TOP-Se was swiftly injected. After 5 min of growth, the flask was cooled to room temperature.")
RESULTS = ("TEM shows spherical CdSe NCs with an average diameter of 3.8 ± 0.3 nm. The first excitonic absorption "
           "peak is at 575 nm and the PL peak at 590 nm with a FWHM of 28 nm; the PLQY is 45%.")


def test_recipe_from_labelled_paragraphs_with_provenance() -> None:
    (recipe,) = recipes(_document(("other", "CdSe NCs are useful."), ("synthesis", SYNTHESIS),
                               ("characterization", RESULTS)))
    assert isinstance(recipe, RecipeCreate)
    assert recipe.source_kind == "literature" and recipe.method == "hot_injection"
    assert recipe.target_composition == "CdSe" and recipe.paper_key == "doi:10.5555/test"
    chems = {c.name: c for c in recipe.chemicals}
    assert chems["cadmium oxide"].amount_mmol == pytest.approx(0.2)
    assert chems["cadmium oxide"].role == "cation_precursor"
    assert chems["1-octadecene"].amount_ml == pytest.approx(10.0)  # the 50 mL flask is not an amount
    assert chems["trioctylphosphine selenide"].concentration_mm == pytest.approx(1000.0)
    steps = {s.action: s for s in recipe.steps}
    assert steps["degas"].temperature_c == pytest.approx(120) and steps["degas"].time_s == 1800
    assert steps["degas"].atmosphere == "vacuum" and steps["heat"].atmosphere == "N2"
    assert steps["inject"].temperature_c == pytest.approx(280) and steps["inject"].injection_volume_ml == 1.0
    assert steps["grow"].time_s == 300 and steps["cool"].temperature_c == pytest.approx(25)
    outcomes = {o.property: o for o in recipe.outcomes}
    assert outcomes["size_nm"].value == 3.8 and outcomes["size_sd_nm"].value == 0.3
    assert outcomes["shape"].value_text == "sphere"
    assert outcomes["abs_peak_nm"].value == 575 and outcomes["pl_peak_nm"].value == 590
    assert outcomes["fwhm_nm"].spectrum == "pl" and outcomes["plqy"].value == 45
    for value in [*recipe.chemicals, *recipe.steps, *recipe.outcomes]:
        prov = value.provenance
        assert prov is not None and prov.extractor.startswith("nanosynth.recipe@")
        assert prov.paragraph_order in (1, 2) and 0 <= prov.confidence <= 1
        assert prov.char_start is not None and prov.char_end is not None and prov.char_start < prov.char_end
    chem = chems["cadmium oxide"]
    assert SYNTHESIS[chem.provenance.char_start:chem.provenance.char_end].startswith("CdO (0.2 mmol")


def test_source_key_is_stable() -> None:
    document = _document(("synthesis", SYNTHESIS))
    assert recipes(document)[0].source_key == recipes(document)[0].source_key
    assert recipes(document)[0].source_key.startswith("doi:10.5555/test#r")


def test_no_synthesis_paragraph_no_recipe() -> None:
    assert recipes(_document(("other", "Quantum dots are interesting."), ("characterization", RESULTS))) == []


@pytest.mark.parametrize("text", [
    "",
    "   ",
    "0.2 mmol CdO was heated to 300 °C. " * 600,  # ~20,000 characters
    "Die Mischung aus CdO (0,2 mmol) und Ölsäure wurde bei 300 °C gerührt. 混合物在300°C下加热30分钟。",
    "\x00\x01\ufffd\ufffd garbage ÿþ \x7f (((( 1e999 M ±±± °C°C 10^ 5-- mL :: ratio of 1:0",
    "1e308 mL of CdO was heated to 1e308 °C for -5 min at -300 K.",
])
def test_bad_paragraphs_do_not_crash(text: str) -> None:
    out = recipes(_document(("synthesis", text), ("characterization", text)))
    assert isinstance(out, list)
    for recipe in out:  # whatever came out is valid
        RecipeCreate.model_validate(recipe.model_dump())


def test_unphysical_values_are_dropped_not_raised() -> None:
    document = _document(("synthesis", "CdO (0.2 mmol) was heated to 5000 °C for 10 min."),
                   ("characterization", "The PL peak is at 20 nm and the PLQY is 150%."))
    (recipe,) = recipes(document)
    assert all(s.temperature_c is None or s.temperature_c < 1400 for s in recipe.steps)
    assert recipe.outcomes == []


@pytest.mark.parametrize(("text", "method"), [
    ("TOP-Se was swiftly injected at 300 °C.", SynthesisMethod.HOT_INJECTION),
    ("The mixture was heated to 250 °C at 5 °C/min and kept for 1 h.", SynthesisMethod.HEAT_UP),
    ("12 μL of the seed solution was added to the growth solution.", SynthesisMethod.SEED_MEDIATED),
    ("The solution was sealed in a Teflon-lined autoclave at 180 °C.", SynthesisMethod.SOLVOTHERMAL),
    ("CdSe NCs were made by a one-pot heat-up route.", SynthesisMethod.HEAT_UP),
])
def test_detect_method(text: str, method: SynthesisMethod) -> None:
    assert detect_method(text) is method


def test_outcomes_in_energy_units() -> None:
    found = dict(extract_outcomes("The PL peak is at 2.10 eV with a FWHM of 95 meV."))
    assert found["pl_peak_nm"]["value"] == pytest.approx(1239.84 / 2.10, rel=1e-4)
    assert found["fwhm_mev"]["value"] == 95 and found["fwhm_mev"]["spectrum"] == "pl"


def test_excitation_wavelength_is_not_a_peak() -> None:
    assert extract_outcomes("PL spectra were recorded with 400 nm excitation.") == []


@pytest.mark.parametrize("paper_id", SAMPLE_IDS)
def test_sample_papers_text_extraction_quality(paper_id: str) -> None:
    from nanosynth.miner.readers import read_document

    path = sample_papers_dir() / f"{paper_id}.txt"
    expected = load_expected(paper_id)
    out = recipes(read_document(path.read_bytes(), path.name))
    assert len(out) == len(expected["recipes"])
    assert [r.target_composition for r in out] == [e["target_composition"] for e in expected["recipes"]]
    assert paper_problems(out, expected) == []


def test_ner_mentions_are_merged_with_dictionary_mentions() -> None:
    import spacy

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "Material", "pattern": "zinc diethyldithiocarbamate"},
                        {"label": "Operation", "pattern": "sonicated"},
                        {"label": "Material", "pattern": "solution"}])
    text = ("CdO (0.2 mmol) and zinc diethyldithiocarbamate (0.1 mmol) in ODE (5 mL) were sonicated for 10 min, "
            "then the solution was heated to 250 °C.")
    (recipe,) = recipes(_document(("synthesis", text)), ner=nlp)
    names = {c.name for c in recipe.chemicals}
    assert {"cadmium oxide", "zinc diethyldithiocarbamate", "1-octadecene"} <= names
    assert "solution" not in names  # generic words from NER are not chemicals
    assert {c.name: c.amount_mmol for c in recipe.chemicals}["zinc diethyldithiocarbamate"] == pytest.approx(0.1)
    assert any(s.action == "other" and s.time_s == 600 for s in recipe.steps)  # "sonicated": unmapped operation


def test_extraction_annotates_the_document_in_place_and_reuses_its_entities(monkeypatch) -> None:
    import spacy

    import nanosynth.miner.extract.ner as ner_module

    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "Material", "pattern": "zinc diethyldithiocarbamate"}])
    text = "CdO (0.2 mmol) and zinc diethyldithiocarbamate (0.1 mmol) in ODE (5 mL) were heated to 250 °C."
    document = _document(("other", "ZnS is a shell material."), ("synthesis", text))
    first = recipes(document, ner=nlp)
    assert document.recipes == first and len(first) == 1
    assert document.paragraphs[0].entities is None  # NER runs on the paragraphs of the recipes only
    assert [(e.label, e.text) for e in document.paragraphs[1].entities] == [
        ("Material", "zinc diethyldithiocarbamate")]

    def no_predict(*args, **kwargs):
        raise AssertionError("NER ran again on a paragraph that already has entities")

    monkeypatch.setattr(ner_module, "predict_spans", no_predict)
    assert recipes(document, ner=nlp) == first


def test_long_paragraph_is_cut_for_extraction_but_not_in_the_document() -> None:
    long_text = "CdO (0.2 mmol) was heated to 300 °C and TOP-Se was injected. " * 400
    document = _document(("synthesis", long_text))
    (recipe,) = recipes(document)
    assert recipe.chemicals and document.paragraphs[0].text == long_text


def test_unlabelled_paragraphs_get_heuristic_labels_without_changing_the_document() -> None:
    document = _document(("synthesis", SYNTHESIS))
    document.paragraphs[0].category = None
    (recipe,) = recipes(document)
    assert recipe.chemicals and document.paragraphs[0].category is None


def test_recipes_take_a_document_only() -> None:
    with pytest.raises(TypeError, match="Document.from_records"):
        recipes(PaperCreate(key="doi:10.5555/test"))


# ------------------------------------------------------------------------------------- grouping into recipes
CORE = ("Synthesis of InP cores. InCl3 (0.45 mmol) and ZnCl2 (2.2 mmol) were mixed in oleylamine (5 mL) and "
        "degassed at 120 °C for 1 h. (DMA)3P (0.45 mL, 1.6 mmol) was rapidly injected at 180 °C and the InP cores "
        "were grown for 20 min.")
SHELL = ("ZnS shell growth. At 200 °C, 1 mL of TOP-S (2.2 M) was slowly injected, and the temperature was raised "
         "to 320 °C for 60 min. The InP/ZnS QDs were cooled, precipitated with ethanol and redispersed in hexane.")
ABSTRACT = "Cadmium-free InP/ZnS quantum dots were synthesized from indium chloride and (DMA)3P in oleylamine."


def test_core_then_shell_paragraphs_are_one_recipe() -> None:
    (recipe,) = recipes(_document(("synthesis", CORE), ("synthesis", SHELL),
                               ("characterization", "The InP/ZnS QDs emit at 620 nm (PLQY 55%).")))
    assert recipe.target_composition == "InP/ZnS"
    chems = {c.name: c for c in recipe.chemicals}
    assert chems["zinc chloride"].role == "cation_precursor"  # the Zn of the ZnS shell
    assert chems["trioctylphosphine sulfide"].concentration_mm == pytest.approx(2200)
    assert [s.action for s in recipe.steps if s.action == "inject"] == ["inject", "inject"]
    assert {o.property for o in recipe.outcomes} == {"pl_peak_nm", "plqy"}


def test_summary_paragraph_labelled_synthesis_does_not_make_a_recipe() -> None:
    """An abstract the classifier calls "synthesis" neither adds a recipe nor changes the recipe key."""
    alone = recipes(_document(("synthesis", CORE), ("synthesis", SHELL)))
    with_abstract = recipes(_document(("synthesis", ABSTRACT), ("other", "InP QDs are useful."),
                                   ("synthesis", CORE), ("synthesis", SHELL)))
    far_abstract = recipes(_document(("synthesis", ABSTRACT), *[("other", "Intro.")] * 5,
                                  ("synthesis", CORE), ("synthesis", SHELL)))
    assert len(alone) == len(with_abstract) == len(far_abstract) == 1
    assert alone[0].source_key == with_abstract[0].source_key == far_abstract[0].source_key
    assert "indium chloride" not in {c.name_raw for c in with_abstract[0].chemicals}


def test_source_key_survives_a_paragraph_split() -> None:
    """A PDF may split a paragraph at a page break: the key is taken over the recipe text, not one paragraph."""
    whole = recipes(_document(("synthesis", CORE + " " + SHELL)))
    split = recipes(_document(("synthesis", CORE), ("synthesis", SHELL)))
    assert whole[0].source_key == split[0].source_key


def test_two_different_products_are_two_recipes_with_their_own_outcomes() -> None:
    cds = ("Synthesis of CdS NCs. CdO (0.4 mmol), OA (1.6 mmol) and ODE (8 mL) were heated to 250 °C under N2, and "
           "S (0.2 mmol) in ODE (2 mL) was injected. The CdS NCs were grown at 240 °C for 10 min.")
    stock = "Preparation of TOP-Te. Te powder (1 mmol) was dissolved in TOP (1 mL) at 150 °C under N2."
    cdte = ("Synthesis of CdTe NCs. CdO (0.2 mmol), ODPA (0.4 mmol) and ODE (5 mL) were degassed at 100 °C for "
            "30 min and heated to 300 °C; 0.5 mL of TOP-Te was swiftly injected and the CdTe NCs grew for 2 min.")
    out = recipes(_document(("synthesis", cds), ("synthesis", stock), ("synthesis", cdte),
                         ("characterization", "The CdS NCs absorb at 420 nm. The CdTe NCs emit at 650 nm.")))
    assert [r.target_composition for r in out] == ["CdS", "CdTe"]
    cds_r, cdte_r = out
    assert {c.name for c in cdte_r.chemicals} >= {"tellurium", "trioctylphosphine", "cadmium oxide"}  # stock
    assert "tellurium" not in {c.name for c in cds_r.chemicals}
    assert [(o.property, o.value) for o in cds_r.outcomes] == [("abs_peak_nm", 420)]
    assert [(o.property, o.value) for o in cdte_r.outcomes] == [("pl_peak_nm", 650)]
    assert cds_r.source_key != cdte_r.source_key


def test_two_titled_syntheses_of_the_same_product_are_two_recipes() -> None:
    small = ("Synthesis of CdSe NCs. CdO (0.2 mmol), OA (0.8 mmol) and ODE (10 mL) were heated to 300 °C and "
             "TOP-Se (1 mL, 1 M) was injected at 280 °C; growth lasted 1 min.")
    large = ("Synthesis of CdSe NCs. CdO (0.4 mmol), OA (2 mmol) and ODE (10 mL) were heated to 300 °C and "
             "TOP-Se (2 mL, 1 M) was injected at 300 °C; growth lasted 20 min.")
    out = recipes(_document(("synthesis", small), ("synthesis", large)))
    assert len(out) == 2 and {r.target_composition for r in out} == {"CdSe"}
    assert [next(c.amount_mmol for c in r.chemicals if c.name == "cadmium oxide") for r in out] == [0.2, 0.4]


# ------------------------------------------------------------------------------------ work-up chemicals (2b)
def test_workup_solvents_are_not_reaction_solvents_of_the_recipe() -> None:
    text = ("CdO (0.1 mmol), OA (0.6 mmol) and ODE (5 mL) were heated to 250 °C under Ar. TOP-Se (0.5 mL, 1 M) was "
            "rapidly injected and the NCs grew at 230 °C for 3 min. The reaction was quenched with 5 mL of cold "
            "toluene. The QDs were precipitated with methanol, washed twice with a hexane/ethanol mixture, "
            "centrifuged and stored in chloroform.")
    (recipe,) = recipes(_document(("synthesis", text)))
    roles = {c.name: c.role for c in recipe.chemicals}
    assert [n for n, r in roles.items() if r == "solvent"] == ["1-octadecene"]
    for name in ("toluene", "methanol", "hexane", "ethanol", "chloroform"):
        assert roles[name] == "other", name
        assert name in recipe.notes
    assert any(s.action == "purify" for s in recipe.steps) and any(s.action == "centrifuge" for s in recipe.steps)
    assert {c.name: c for c in recipe.chemicals}["trioctylphosphine selenide"].amount_mmol == pytest.approx(0.5)


def test_a_reaction_solvent_also_used_for_washing_stays_a_solvent() -> None:
    text = ("HAuCl4 (0.25 mL, 0.01 M) was added to water (9.75 mL) and heated to reflux; sodium citrate (1 mL, "
            "1%) was added and the solution was kept boiling for 15 min. The Au NPs were centrifuged and "
            "washed with water.")
    (recipe,) = recipes(_document(("synthesis", text)))
    water = next(c for c in recipe.chemicals if c.name == "water")
    assert water.role == "solvent" and water.amount_ml == pytest.approx(9.75)
    assert recipe.notes is None or "water" not in recipe.notes


def test_no_workup_no_notes() -> None:
    (recipe,) = recipes(_document(("synthesis", SYNTHESIS)))
    assert recipe.notes is None


# --------------------------------------------------------------------------------- realistic domain paragraphs
DOMAIN = {
    "pbs_hines": [("synthesis", "PbS QDs were synthesized by the Hines method. PbO (0.09 g, 0.4 mmol), OA (0.25 mL) "
                                "and ODE (3.75 mL) were degassed at 100 °C for 1 h under vacuum, then heated to "
                                "150 °C under N2. (TMS)2S (42 μL, 0.2 mmol) in ODE (2 mL) was swiftly injected at "
                                "150 °C. The PbS QDs were isolated by adding acetone, centrifuged, redispersed in "
                                "toluene and precipitated again with methanol."),
                  ("characterization", "The PbS QDs exhibit an excitonic absorption at 950 nm, a size of 3.2 nm "
                                       "(size distribution 6%) and a PLQY of 40%.")],
    "au_seeded": [("synthesis", "Seed synthesis. Au seeds were made by adding ice-cold NaBH4 (0.6 mL, 0.01 M) to a "
                                "mixture of HAuCl4 (0.25 mL, 0.01 M) and CTAB (9.75 mL, 0.1 M) under vigorous "
                                "stirring. The seed solution was aged at 27 °C for 1 h."),
                  ("synthesis", "Growth. AgNO3 (0.1 mL, 0.01 M) and HAuCl4 (2 mL, 0.01 M) were added to CTAB "
                                "(40 mL, 0.1 M), followed by ascorbic acid (0.32 mL, 0.1 M) as reducing agent. Then "
                                "0.1 mL of the seed solution was added and the mixture was left undisturbed at "
                                "30 °C for 6 h. The Au nanorods were centrifuged and redispersed in water (10 mL)."),
                  ("characterization", "The Au nanorods have a length of 50 ± 4 nm, with a longitudinal plasmon "
                                       "band at 780 nm.")],
    "cspbbr3": [("synthesis", "Cs-oleate was prepared by loading Cs2CO3 (0.2 g) with OA (0.6 mL) and ODE (7.5 mL) "
                              "into a flask, drying at 120 °C for 1 h and heating to 150 °C under N2. PbBr2 "
                              "(0.069 g, 0.188 mmol) was mixed with ODE (5 mL), OLA (0.5 mL) and OA (0.5 mL) and "
                              "dried under vacuum at 120 °C for 1 h. At 180 °C, Cs-oleate (0.4 mL, 0.125 M) was "
                              "swiftly injected and the mixture was cooled in an ice bath after 5 s. The CsPbBr3 "
                              "NCs were centrifuged and redispersed in hexane (2 mL)."),
                ("characterization", "The CsPbBr3 nanocubes have an edge length of 9.1 ± 0.9 nm and a PL peak at "
                                     "515 nm (FWHM 18 nm, PLQY 80%).")],
}


def test_pbs_hines_roles_amounts_outcomes() -> None:
    (r,) = recipes(_document(*DOMAIN["pbs_hines"]))
    chems = {c.name: c for c in r.chemicals}
    assert (r.target_composition, r.method) == ("PbS", "hot_injection")
    assert chems["lead(II) oxide"].role == "cation_precursor" and chems["lead(II) oxide"].amount_mmol == 0.4
    assert chems["bis(trimethylsilyl) sulfide"].role == "anion_precursor"
    assert chems["oleic acid"].role == "ligand" and chems["1-octadecene"].role == "solvent"
    assert {chems[n].role for n in ("acetone", "toluene", "methanol")} == {"other"}
    inject = next(s for s in r.steps if s.action == "inject")
    assert inject.temperature_c == pytest.approx(150)
    got = {o.property: o.value for o in r.outcomes}
    assert got == {"abs_peak_nm": 950, "size_nm": 3.2, "size_dist_pct": 6, "plqy": 40}


def test_au_seed_mediated_seeds_are_one_additive() -> None:
    (r,) = recipes(_document(*DOMAIN["au_seeded"]))
    chems = {c.name: c for c in r.chemicals}
    assert (r.target_composition, r.method) == ("Au", "seed_mediated")
    seeds = [c for c in r.chemicals if "seed" in c.name]
    assert len(seeds) == 1 and seeds[0].role == "additive" and seeds[0].amount_ml == pytest.approx(0.1)
    assert chems["sodium borohydride"].role == chems["ascorbic acid"].role == "reducing_agent"
    assert chems["silver nitrate"].role == "additive" and chems["chloroauric acid"].role == "cation_precursor"
    assert chems["cetyltrimethylammonium bromide"].role == "ligand"
    assert chems["cetyltrimethylammonium bromide"].amount_mmol == pytest.approx(0.975)  # 9.75 mL × 0.1 M
    assert chems["water"].role == "other"  # redispersion
    assert any(s.action == "grow" and s.temperature_c == 30 and s.time_s == 6 * 3600 for s in r.steps)
    got = {o.property: (o.value, o.value_text) for o in r.outcomes}
    assert got["abs_peak_nm"][0] == 780 and got["shape"][1] == "rod" and got["size_sd_nm"][0] == 4


def test_cspbbr3_stock_and_synthesis() -> None:
    (r,) = recipes(_document(*DOMAIN["cspbbr3"]))
    chems = {c.name: c for c in r.chemicals}
    assert r.target_composition == "CsPbBr3"
    assert chems["cesium oleate"].role == "cation_precursor"
    assert chems["cesium oleate"].amount_mmol == pytest.approx(0.05)  # 0.4 mL × 0.125 M
    assert chems["lead(II) bromide"].amount_mmol == pytest.approx(0.188)
    assert chems["oleylamine"].role == "ligand" and chems["hexane"].role == "other"
    inject = next(s for s in r.steps if s.action == "inject")
    assert inject.temperature_c == pytest.approx(180) and inject.injection_volume_ml == pytest.approx(0.4)
    got = {o.property: (o.value, o.value_text) for o in r.outcomes}
    assert got["shape"][1] == "cube" and got["pl_peak_nm"][0] == 515 and got["plqy"][0] == 80


@pytest.mark.parametrize("sentence, size", [("They are spherical, 4.5 nm across, and absorb at 430 nm.", 4.5),
                                            ("Cubes 12 nm in edge length formed.", 12.0),
                                            ("The wires are 20 nm wide and several micrometres long.", 20.0)])
def test_a_size_cue_after_the_number_counts(sentence, size):
    from nanosynth.miner.extract.outcomes import extract_outcomes

    sizes = [data["value"] for prop, data in extract_outcomes(sentence) if prop == "size_nm"]
    assert sizes[:1] == [size]


def test_a_second_stated_amount_of_the_same_chemical_is_kept_in_the_raw_text() -> None:
    doc = _document(("synthesis", "PbO (0.45 g) was dissolved in oleic acid (2 mL) and ODE (15 mL) at 150 °C under "
                                  "argon. Bis(trimethylsilyl) sulfide (0.2 mL) in ODE (3 mL) was injected at 120 °C "
                                  "and the PbS nanocrystals grew for 2 min."))
    (recipe,) = recipes(doc)
    ode = next(c for c in recipe.chemicals if c.name == "1-octadecene")
    assert ode.amount_ml == 15 and ode.amount_raw.split("; ") == ["15 mL", "3 mL"]
