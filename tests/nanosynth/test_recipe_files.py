"""Recipe-shaped prediction input (issue 14, point 5): JSON and CSV recipes that any model understands."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nanosynth.db.queries import frames_from_records
from nanosynth.models.artifacts import save_model
from nanosynth.models.pipeline import PropertyModel
from nanosynth.property_models import predict_file, read_frames
from nanosynth.recipe_files import RecipeInput, read_recipe_file, to_record
from nanosynth.schema.errors import ModelError
from nanosynth.schema.records import OutcomeCreate


def _planned(key: str, temperature: float, time_s: float, cd_mmol: float = 0.2) -> dict:
    return {"id": key, "composition": "CdSe",
            "chemicals": [{"name": "cadmium oxide", "role": "cation_precursor", "amount": f"{cd_mmol} mmol"},
                          {"name": "selenium", "role": "anion_precursor", "amount": "0.1 mmol"},
                          {"name": "oleic acid", "role": "ligand", "amount": "1.5 mL"},
                          {"name": "1-octadecene", "role": "solvent", "amount": "10 mL"}],
            "conditions": {"injection_temperature_c": temperature + 20, "temperature_c": temperature,
                           "time_s": time_s}}


@pytest.fixture(scope="module")
def size_model(tmp_path_factory):
    """A small size model trained on recipes written in the recipe-file shape (size grows with T and time)."""
    rng = np.random.default_rng(0)
    records = []
    for k in range(60):
        t, time_s, cd = rng.uniform(220, 300), rng.uniform(30, 900), rng.uniform(0.1, 0.4)
        rec = to_record(RecipeInput.model_validate(_planned(f"train-{k}", t, time_s, round(cd, 3))), k)
        size = 1.5 + 0.015 * (t - 220) + 0.8 * np.log10(time_s) + rng.normal(0, 0.05)
        rec.outcomes = [OutcomeCreate(property="size_nm", value=float(size))]
        records.append(rec)
    model = PropertyModel("size_nm", "xgb", estimator_params={"n_members": 2, "n_estimators": 60}).fit(
        frames_from_records(records))
    out = tmp_path_factory.mktemp("model") / "size"
    save_model(model, out, name="recipe-files-size")
    return out


def test_json_recipes_become_schema_records_with_normalized_amounts(tmp_path):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"recipes": [_planned("a", 260, 120)]}))
    (rec,) = read_recipe_file(path)
    assert rec.source_key == "a" and rec.target_composition == "CdSe"
    by_role = {c.role: c for c in rec.chemicals}
    assert by_role["cation_precursor"].amount_mmol == pytest.approx(0.2)
    assert by_role["ligand"].amount_ml == pytest.approx(1.5) and by_role["ligand"].amount_mmol > 4  # via density
    grow = [s for s in rec.steps if s.action == "grow"][0]
    assert grow.temperature_c == 260 and grow.time_s == 120
    assert [s.action for s in rec.steps] == ["inject", "grow"]


def test_csv_recipes_with_recipe_columns_on_the_first_row_only(tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text("recipe,composition,chemical,role,amount,temperature_c,time_min\n"
                    "r1,CdSe,cadmium oxide,cation_precursor,0.2 mmol,250,3\n"
                    "r1,,oleic acid,ligand,1 mL,,\n"
                    "r2,PbS,lead oxide,,0.5 mmol,120,1\n")
    r1, r2 = read_recipe_file(path)
    assert [c.name for c in r1.chemicals] == ["cadmium oxide", "oleic acid"]
    assert r1.steps[-1].time_s == 180 and r1.steps[-1].temperature_c == 250
    assert r2.target_composition == "PbS" and r2.chemicals[0].role == "cation_precursor"  # role guessed


@pytest.mark.parametrize(("payload", "message"), [
    ([{"composition": "CdSe", "conditions": {"temprature_c": 250}}], "temprature_c.*temperature_c"),
    ([{"chemicals": []}], "composition"),
    ([{"composition": "CdSe", "chemicals": [{"name": "CdO", "amount": "0.2 parsecs"}]}], "0.2 parsecs"),
    ([{"composition": "CdSe", "conditions": {"time_s": 60, "time_min": 1}}], "once"),
])
def test_bad_recipes_are_refused_with_the_field_named(tmp_path, payload, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(payload))
    with pytest.raises(ModelError, match=message):
        read_frames(path, None)


def test_unknown_csv_column_is_refused_with_the_valid_ones(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("recipe,composition,chemical,amount,temp\nr1,CdSe,CdO,1 mmol,250\n")
    with pytest.raises(ModelError, match="'temp'.*temperature_c"):
        read_frames(path, None)


def test_predict_file_takes_recipes_and_names_inputs_outside_the_training_domain(size_model, tmp_path):
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps([_planned("inside", 260, 300), _planned("too-hot", 380, 300)]))
    result = predict_file(size_model, plan, None)
    pred = result.predictions.set_index("source_key")
    assert list(pred.index) == ["inside", "too-hot"]
    assert (pred["lower"] <= pred["mean"]).all() and (pred["mean"] <= pred["upper"]).all()
    assert 2.0 < pred.loc["inside", "mean"] < 5.5
    assert bool(pred.loc["inside", "in_domain"]) and not bool(pred.loc["too-hot", "in_domain"])
    assert "t_growth_c" in pred.loc["too-hot", "warning"]
    assert any("outside the training domain" in w for w in result.warnings)
    csv = tmp_path / "plan.csv"
    csv.write_text("recipe,composition,chemical,role,amount,injection_temperature_c,temperature_c,time_s\n"
                   "inside,CdSe,cadmium oxide,cation_precursor,0.2 mmol,280,260,300\n"
                   "inside,CdSe,selenium,anion_precursor,0.1 mmol,,,\n"
                   "inside,CdSe,oleic acid,ligand,1.5 mL,,,\n"
                   "inside,CdSe,1-octadecene,solvent,10 mL,,,\n")
    from_csv = predict_file(size_model, csv, None).predictions
    assert from_csv["mean"].iloc[0] == pytest.approx(pred.loc["inside", "mean"])
