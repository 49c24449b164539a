import json

import numpy as np
import pytest

from nanosynth.miner.classify import LABELS, load_classifier
from nanosynth.miner.corpora.paragraphs import read_jsonl
from nanosynth.miner.classify.tfidf import TfidfParagraphClassifier
from nanosynth.schema.errors import ArtifactIntegrityError, ArtifactNotFoundError, ModelError
from _classify_data import write_jsonl

NEW_SYNTHESIS = ("Zn(OAc)2 (1 mmol) and oleylamine (5 mL) were degassed at 110 °C, then heated to 300 °C "
                 "and sulfur in ODE (2 mL) was injected; after 10 min the flask was cooled.")
NEW_CHARACTERIZATION = ("Absorption spectra were recorded on a Shimadzu UV-2600 spectrophotometer and TEM was "
                        "performed on an FEI Tecnai microscope operating at 120 kV.")


@pytest.fixture()
def data(tmp_path):
    return read_jsonl(write_jsonl(tmp_path / "tiny.jsonl"))


@pytest.fixture()
def fitted(data):
    return TfidfParagraphClassifier(min_df=1).fit([r.text for r in data], [r.label for r in data])


def test_fit_predicts_unseen_paragraphs(fitted):
    predictions = fitted.predict([NEW_SYNTHESIS, NEW_CHARACTERIZATION])
    assert [p.label for p in predictions] == ["synthesis", "characterization"]
    for p in predictions:
        assert set(p.probabilities) == set(LABELS)
        assert abs(sum(p.probabilities.values()) - 1) < 1e-6
        assert p.score == max(p.probabilities.values())


def test_pipe_streams_in_batches_and_handles_empty_text(fitted):
    texts = [NEW_SYNTHESIS, "", NEW_CHARACTERIZATION] * 5
    streamed = list(fitted.pipe(iter(texts), batch_size=4))
    assert [p.label for p in streamed] == [p.label for p in fitted.predict(texts)]
    assert streamed[1].label == "other"


def test_save_load_round_trip(fitted, tmp_path):
    texts = [NEW_SYNTHESIS, NEW_CHARACTERIZATION, "We thank the funding agency."]
    fitted.temperature_ = 1.7
    out = fitted.save(tmp_path / "model", metadata={"metrics": {"cv": {"synthesis_f1": 1.0}}})
    files = {p.name for p in out.iterdir()}
    assert files == {"config.json", "manifest.json", "vocabulary.json", "weights.safetensors"}
    assert not any(p.suffix in {".pkl", ".pickle", ".joblib"} for p in out.iterdir())
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["stage"] == "paragraph_classifier.tfidf.v1" and manifest["backend"] == "tfidf"
    assert set(manifest["files"]) == files - {"manifest.json"}
    assert manifest["metrics"]["cv"]["synthesis_f1"] == 1.0
    loaded = load_classifier(out)
    assert isinstance(loaded, TfidfParagraphClassifier)
    assert loaded.temperature_ == pytest.approx(1.7)
    np.testing.assert_allclose(loaded.predict_proba(texts), fitted.predict_proba(texts), atol=1e-5)


def test_tampered_file_is_refused(fitted, tmp_path):
    out = fitted.save(tmp_path / "model")
    weights = out / "weights.safetensors"
    blob = bytearray(weights.read_bytes())
    blob[-1] ^= 0xFF
    weights.write_bytes(bytes(blob))
    with pytest.raises(ArtifactIntegrityError, match="weights.safetensors"):
        load_classifier(out)


def test_tampered_vocabulary_and_extra_file_are_refused(fitted, tmp_path):
    out = fitted.save(tmp_path / "model")
    (out / "vocabulary.json").write_text(json.dumps({"word": [], "char": []}))
    with pytest.raises(ArtifactIntegrityError, match="modified: vocabulary.json"):
        TfidfParagraphClassifier.load(out)
    out2 = fitted.save(tmp_path / "model2")
    (out2 / "extra.pkl").write_bytes(b"\x80\x04")
    with pytest.raises(ArtifactIntegrityError, match="extra.pkl"):
        load_classifier(out2)


def test_missing_model_says_how_to_train(tmp_path):
    with pytest.raises(ArtifactNotFoundError, match="train-classifier"):
        load_classifier(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ArtifactNotFoundError, match="no manifest.json"):
        load_classifier(tmp_path / "empty")


def test_unfitted_and_bad_inputs_raise_model_error(data, tmp_path):
    with pytest.raises(ModelError, match="not fitted"):
        TfidfParagraphClassifier().predict(["text"])
    with pytest.raises(ModelError, match="no characterization"):
        TfidfParagraphClassifier(min_df=1).fit([r.text for r in data if r.label != "characterization"],
                                               [r.label for r in data if r.label != "characterization"])
    with pytest.raises(ModelError, match="unknown label"):
        TfidfParagraphClassifier().fit(["a", "b", "c"], ["synthesis", "other", "recipe"])


def test_save_refuses_a_non_empty_directory(fitted, tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("x")
    with pytest.raises(ModelError, match="not empty"):
        fitted.save(tmp_path / "taken")


def test_constructor_does_no_io_and_config_is_frozen():
    clf = TfidfParagraphClassifier(C=3.0)
    assert clf.config.C == 3.0 and not clf.is_fitted
    with pytest.raises(Exception):
        clf.config.C = 5.0  # type: ignore[misc]
