import pytest

from nanosynth.schema.chemicals import (
    cation_elements,
    clean_text,
    formula_of,
    guess_role,
    is_formula,
    lookup,
    molar_mass,
    normalize_name,
    parse_formula,
)
from nanosynth.schema.errors import SchemaValidationError


@pytest.mark.parametrize("abbr,name", [
    ("OA", "oleic acid"), ("OLA", "oleylamine"), ("OAm", "oleylamine"), ("ODE", "1-octadecene"),
    ("TOP", "trioctylphosphine"), ("TOPO", "trioctylphosphine oxide"), ("DDT", "1-dodecanethiol"),
    ("ODPA", "octadecylphosphonic acid"), ("HPA", "hexylphosphonic acid"), ("TMS", "bis(trimethylsilyl) sulfide"),
    ("(TMS)3P", "tris(trimethylsilyl)phosphine"), ("TOP-Se", "trioctylphosphine selenide"),
    ("Octadecene", "1-octadecene"), ("Se powder", "selenium"), ("oleylamine (70%, technical grade)", "oleylamine"),
    ("CdO", "cadmium oxide"), ("Cd(OA)2", "cadmium oleate"), ("HAuCl4·3H2O", "chloroauric acid"),
])
def test_abbreviations_and_synonyms(abbr, name):
    assert normalize_name(abbr) == name


def test_unknown_names_are_cleaned_not_invented():
    assert lookup("Mystery Reagent X") is None
    assert normalize_name("  Mystery   Reagent X ") == "mystery reagent x"
    assert normalize_name("CsPbBr3") == "CsPbBr3"
    with pytest.raises(SchemaValidationError):
        normalize_name("   ")


@pytest.mark.parametrize("formula,counts", [
    ("CsPbBr3", {"Cs": 1, "Pb": 1, "Br": 3}),
    ("Cd(OA)2", {"Cd": 1, "C": 36, "H": 66, "O": 4}),
    ("Zn(OAc)2·2H2O", {"Zn": 1, "C": 4, "H": 10, "O": 6}),
    ("(TMS)2S", {"C": 6, "H": 18, "Si": 2, "S": 1}),
    ("Fe(CO)5", {"Fe": 1, "C": 5, "O": 5}),
    ("Co3O4", {"Co": 3, "O": 4}),
    ("Cs₂CO₃", {"Cs": 2, "C": 1, "O": 3}),
])
def test_parse_formula(formula, counts):
    assert parse_formula(formula) == pytest.approx(counts)


def test_bad_formulas_raise():
    for bad in ("Xx2", "Cd(OA", "oleic acid", ""):
        with pytest.raises(SchemaValidationError):
            parse_formula(bad)
    assert not is_formula("oleic acid") and is_formula("CdSe")


def test_molar_mass_and_formula_of():
    assert molar_mass("CdO") == pytest.approx(128.41, abs=0.01)
    assert formula_of("OA") == "C18H34O2"
    assert formula_of("PbCl2") == "PbCl2"
    assert clean_text("Cd₃P₂ (99.99%)") == "Cd3P2"


@pytest.mark.parametrize("name,target,role", [
    ("CdO", "CdSe", "cation_precursor"), ("Se", "CdSe", "anion_precursor"), ("TOP-Se", "CdSe", "anion_precursor"),
    ("(TMS)2S", "PbS", "anion_precursor"), ("PbO", "PbS", "cation_precursor"), ("ODE", "CdSe", "solvent"),
    ("OA", "PbS", "ligand"), ("NaBH4", "Au", "reducing_agent"), ("AgNO3", "Au", "additive"),
    ("AgNO3", "Ag", "cation_precursor"), ("Cs2CO3", "CsPbBr3", "cation_precursor"), ("KI", "CdSe", "additive"),
    ("hexylamine", None, "ligand"),
])
def test_guess_role(name, target, role):
    assert guess_role(name, target).value == role


def test_cation_elements():
    assert cation_elements("CsPbBr3") == ["Cs", "Pb"] and cation_elements("CdSe/ZnS") == ["Cd", "Zn"]
