"""Row validation of the tables and create-models: clear errors for unphysical values."""

import pytest

from nanosynth.schema import (
    ChemicalUseCreate,
    OutcomeCreate,
    PaperCreate,
    ProvenanceCreate,
    RecipeCreate,
    StepCreate,
    validate_record,
)
from nanosynth.schema.errors import SchemaValidationError
from nanosynth.schema.tables import Outcome, Step


def test_step_keeps_kelvin_and_celsius():
    step = validate_record(StepCreate, {"order": 0, "action": "inject", "temperature_c": 300})
    assert step.temperature_k == pytest.approx(573.15) and step.temperature_c == pytest.approx(300)
    row = Step.model_validate({"order": 1, "temperature_k": 298.15})
    assert row.temperature_c == pytest.approx(25)


@pytest.mark.parametrize("model,data,message", [
    (StepCreate, {"order": 0, "temperature_c": 3000}, "outside the physical range"),
    (StepCreate, {"order": 0, "temperature_k": 10}, "check the unit"),
    (StepCreate, {"order": 0, "time_s": -5}, "greater than or equal to 0"),
    (StepCreate, {"order": 0, "action": "explode"}, "action 'explode' is not one of"),
    (ChemicalUseCreate, {"name_raw": "CdO", "amount_mmol": -0.1}, "amount_mmol"),
    (ChemicalUseCreate, {"name_raw": "CdO", "amount_value": 1, "amount_unit": "smidgen"}, "unknown unit"),
    (ChemicalUseCreate, {"name_raw": "CdO", "role": "catalyst"}, "role 'catalyst'"),
    (OutcomeCreate, {"property": "shape", "value_text": "blob"}, "unknown shape"),
    (OutcomeCreate, {"property": "plqy", "value": 140}, "outside its physical range"),
    (OutcomeCreate, {"property": "abs_peak_nm", "value": 50}, "outside its physical range"),
    (OutcomeCreate, {"property": "fwhm_nm", "value": 30}, "needs spectrum"),
    (OutcomeCreate, {"property": "size_nm"}, "needs a numeric value"),
    (ProvenanceCreate, {"extractor": "noversion"}, "name@version"),
    (ProvenanceCreate, {"extractor": "x@1", "char_start": 10, "char_end": 5}, "before char_start"),
    (PaperCreate, {"key": "k", "doi": "not-a-doi"}, "is not a DOI"),
    (RecipeCreate, {"source_key": "k", "source_kind": "rumour"}, "source_kind 'rumour'"),
])
def test_invalid_rows_give_clear_errors(model, data, message):
    with pytest.raises(SchemaValidationError, match=message):
        validate_record(model, data, where="row 7")


def test_table_models_validate_too():
    with pytest.raises(ValueError, match="physical range"):
        Outcome.model_validate({"property": "size_nm", "value": -2})


def test_chemical_use_filled_from_raw_name():
    chem = validate_record(ChemicalUseCreate, {"name_raw": "TOP-Se", "target_composition_hint": "CdSe"})
    assert (chem.name, chem.formula, chem.role) == ("trioctylphosphine selenide", "C24H51PSe", "anion_precursor")
    assert "target_composition_hint" not in chem.model_dump()


def test_outcome_peak_sets_spectrum_and_doi_normalized():
    assert validate_record(OutcomeCreate, {"property": "pl_peak_nm", "value": 620}).spectrum == "pl"
    assert validate_record(PaperCreate, {"key": "k", "doi": "https://doi.org/10.1021/ABC"}).doi == "10.1021/abc"


def test_importing_schema_does_no_io():
    import subprocess
    import sys

    code = ("import builtins, sys; real = builtins.open\n"
            "def guard(f, *a, **k):\n"
            "    if str(f).endswith(('.txt', '.xlsx', '.csv', '.json')): raise AssertionError(f)\n"
            "    return real(f, *a, **k)\n"
            "builtins.open = guard\nimport schema, db, db.engine, db.queries\n"
            "assert 'pint' not in sys.modules, 'pint loaded at import'\n")
    subprocess.run([sys.executable, "-c", code], check=True)
