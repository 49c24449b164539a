"""Roles by dictionary + context, and target composition detection."""

from __future__ import annotations

import pytest

from nanosynth.miner.extract.roles import assign_role, find_targets, recipe_target, target_composition, workup_cue
from nanosynth.schema.enums import ChemicalRole as R


@pytest.mark.parametrize(("name", "before", "after", "target", "role"), [
    ("CdO", "", " (0.2 mmol)", "CdSe", R.CATION_PRECURSOR),
    ("Se", "", " powder", "CdSe", R.ANION_PRECURSOR),
    ("ODE", "dissolved in 10 mL of ", ".", "CdSe", R.SOLVENT),
    ("oleylamine", "", " (5 mL) as the solvent", "PbS", R.SOLVENT),
    ("TOP", "", " as ligand", "CdSe", R.LIGAND),
    ("ascorbic acid", "70 μL of 0.0788 M ", " was added as a mild reducing agent", "Au", R.REDUCING_AGENT),
    ("NaBH4", "", "", "Au", R.REDUCING_AGENT),
    ("AgNO3", "", " (0.2 mL, 4 mM)", "Au", R.ADDITIVE),
    ("seed solution", "12 μL of the ", "", "Au", R.ADDITIVE),
    ("Au", "", " seeds were added", "Au", R.TARGET),
    ("CdSe", "", "", "CdSe", R.TARGET),
    ("HAuCl4", "", "", "Au", R.CATION_PRECURSOR),
    ("hexane", "redispersed in ", "", "CdSe", R.OTHER),  # work-up, not a reaction solvent
    ("hexane", "CdO was dissolved in ", " (5 mL) and heated", "CdSe", R.SOLVENT),
    ("(TMS)2S", "", "", "PbS", R.ANION_PRECURSOR),
    ("Cs2CO3", "", "", "CsPbBr3", R.CATION_PRECURSOR),
    ("CTAB", "", "", "Au", R.LIGAND),
])
def test_assign_role(name, before, after, target, role) -> None:
    assert assign_role(name, before, after, target).role is role


def test_find_targets_compositions_and_names() -> None:
    text = ("Synthesis of CdSe nanocrystals. InP/ZnS QDs, CsPbBr3 NCs and gold nanorods were compared with "
            "CdO powder and the PbS quantum dots.")
    assert [t.composition for t in find_targets(text)] == ["CdSe", "InP/ZnS", "CsPbBr3", "Au", "PbS"]


def test_precursor_is_not_a_target() -> None:
    assert find_targets("CdO powder and Cs2CO3 salt") == []


def test_target_composition_most_frequent() -> None:
    assert target_composition(["CdSe NCs were grown.", "The CdSe NCs and CdS shells", "PbS QDs"]) == "CdSe"
    assert target_composition(["no product here"]) is None


# ------------------------------------------------------------------------------------------------ work-up (2b)
@pytest.mark.parametrize(("name", "before", "after", "role"), [
    ("ethanol", "The CdSe NCs were precipitated with ", ", centrifuged and redispersed in hexane.", R.OTHER),
    ("hexane", "precipitated with ethanol, centrifuged at 6000 rpm for 5 min and redispersed in ", ".", R.OTHER),
    ("acetone", "The PbS QDs were isolated by adding ", ", centrifuged", R.OTHER),
    ("ethanol", "washed twice with a hexane/", " mixture", R.OTHER),
    ("methanol", "", " (20 mL) was added to precipitate the nanocrystals", R.OTHER),
    ("acetone", "", " was used as the antisolvent", R.OTHER),
    ("chloroform", "The QDs were stored in ", ".", R.OTHER),
    ("toluene", "The reaction was quenched with 5 mL of cold ", ".", R.OTHER),
    ("water", "The Au nanorods were centrifuged at 8000 rpm for 10 min and redispersed in ", " (10 mL).", R.OTHER),
    ("toluene", "the product was dispersed in ", " for storage", R.OTHER),
    # reaction solvents stay solvents
    ("ODE", "CdO (0.2 mmol) and OA were dissolved in ", " (10 mL) and degassed at 120 °C", R.SOLVENT),
    ("toluene", "The purified cores were redispersed in hexane and heated in ", " (5 mL)", R.SOLVENT),
    ("water", "HAuCl4 (0.25 mL, 0.01 M) was diluted with ", " (9.75 mL) and heated to reflux", R.SOLVENT),
    ("1-octadecene", "", " (10 mL) was degassed at 120 °C", R.SOLVENT),
    # precursors and ligands named in a work-up sentence keep their role
    ("oleic acid", "The NCs were washed with ethanol containing ", "", R.LIGAND),
])
def test_workup_solvents_are_not_reaction_solvents(name, before, after, role) -> None:
    decision = assign_role(name, before, after, "CdSe")
    assert decision.role is role, decision
    assert decision.rule.startswith("work-up") is (role is R.OTHER)


def test_workup_cue_names_the_verb() -> None:
    assert workup_cue("precipitated with ", "") == "precipitated"
    assert workup_cue("", " as the antisolvent") == "antisolvent"
    assert workup_cue("loaded into the flask with ", " (10 mL) and heated") is None


@pytest.mark.parametrize(("texts", "target"), [
    (["Synthesis of InP cores. InP cores were grown.", "ZnS shell growth. The InP/ZnS QDs were cooled."], "InP/ZnS"),
    (["The CdSe cores were purified.", "A CdS shell was grown on the CdSe cores."], "CdSe/CdS"),
    (["Au seeds were made.", "Growth of gold nanorods. The gold nanorods were kept at 27 °C."], "Au"),
    (["Synthesis of PbS QDs.", "The PbS QDs were washed."], "PbS"),
    (["no product named"], None),
])
def test_recipe_target_is_core_shell_aware(texts, target) -> None:
    assert recipe_target(texts) == target
