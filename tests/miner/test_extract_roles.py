"""Roles by dictionary + context, and target composition detection."""

from __future__ import annotations

import pytest

from miner.extract.roles import assign_role, find_targets, target_composition
from schema.enums import ChemicalRole as R


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
    ("hexane", "redispersed in ", "", "CdSe", R.SOLVENT),
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
