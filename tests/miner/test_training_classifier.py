import json

import numpy as np
import pytest

from nanosynth.miner.classify import load_classifier
from nanosynth.miner.corpora.paragraphs import LabelledParagraph, read_jsonl
from nanosynth.miner.training.classifier import fit_temperature, train_and_save, train_classifier
from nanosynth.schema.errors import ModelError
from _classify_data import write_jsonl


@pytest.fixture()
def data(tmp_path):
    return read_jsonl(write_jsonl(tmp_path / "tiny.jsonl"))


def test_cross_validated_selection_and_calibration(data):
    aux = [LabelledParagraph(text="NiCl2 (2 mmol) was dissolved in water (20 mL) and NaBH4 was added dropwise.",
                             label="synthesis", doc="aux-1", weight=1.0)]
    model, report = train_classifier(data, c_grid=[1.0, 10.0], aux_rows=aux, aux_weights=[0.0, 0.5], folds=3,
                                     seed=1, feature_grid={})
    assert report.folds == 3 and len(report.candidates) == 4
    assert {(c.C, c.aux_weight) for c in report.candidates} == {(1.0, 0.0), (1.0, 0.5), (10.0, 0.0), (10.0, 0.5)}
    assert report.selected["C"] in (1.0, 10.0) and model.config.C == report.selected["C"]
    assert report.cv["n"] == len(data)  # only the labelled rows are scored, never the auxiliary ones
    assert 0.199 <= report.temperature <= 5.001 and model.temperature_ == pytest.approx(report.temperature, rel=1e-5)
    assert len(report.data_sha256) == 64
    assert model.predict(["PbO (1 mmol) and oleic acid were heated to 150 °C, then (TMS)2S was injected."])[0]\
        .label == "synthesis"


def test_feature_settings_are_selected_by_cross_validation(data):
    model, report = train_classifier(data, c_grid=[3.0], feature_grid={"cue_weight": [0.5, 1.0]}, folds=3)
    assert {c.params["cue_weight"] for c in report.candidates} == {0.5, 1.0} and len(report.candidates) == 2
    best = max(report.candidates, key=lambda c: (round(c.criterion, 4), -c.log_loss))
    assert report.selected == {"C": 3.0, "aux_weight": 0.0, "cue_weight": best.params["cue_weight"]}
    assert model.config.cue_weight == report.selected["cue_weight"]
    with pytest.raises(ModelError, match="unknown tfidf settings: colour"):
        train_classifier(data, feature_grid={"colour": [1.0]}, folds=3)


def test_training_is_reproducible(data):
    a, ra = train_classifier(data, c_grid=[3.0], folds=3, seed=0)
    b, rb = train_classifier(data, c_grid=[3.0], folds=3, seed=0)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert ra.data_sha256 == rb.data_sha256 and ra.temperature == rb.temperature


def test_train_and_save_records_the_report(data, tmp_path):
    report = train_and_save(tmp_path / "m", data, c_grid=[3.0], folds=3, eval_rows=data[:6])
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert manifest["training_data"]["sha256"] == report.data_sha256
    assert manifest["training_data"]["label_counts"] == {"synthesis": 6, "characterization": 6, "other": 6}
    assert manifest["metrics"]["dev"]["n"] == 6 and "synthesis_f1" in manifest["metrics"]["cv"]
    assert manifest["calibration"]["temperature"] == report.temperature
    assert load_classifier(tmp_path / "m").temperature_ == pytest.approx(report.temperature, rel=1e-5)


def test_one_paper_skips_cross_validation(data):
    single = [r.model_copy(update={"doc": "one"}) for r in data]
    model, report = train_classifier(single, c_grid=[3.0])
    assert report.folds == 0 and report.cv is None and model.temperature_ == 1.0


def test_missing_label_is_a_model_error(data):
    with pytest.raises(ModelError, match="every label"):
        train_classifier([r for r in data if r.label != "other"])


def test_fit_temperature_sharpens_underconfident_logits():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    logits = rng.normal(0, 0.1, (300, 3))
    logits[np.arange(300), y] += 0.5  # right but timid
    assert fit_temperature(logits, y) < 1.0
