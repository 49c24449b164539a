"""NER training (MSPTC, spaCy stage): the CLI, determinism, the contextual variant pinning its encoder."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from nanosynth.artifacts import write_manifest
from nanosynth.miner.extract.ner import load_ner
from nanosynth.miner.training.ner import NERTrainingConfig, train_msptc
from nanosynth.schema.errors import ArtifactIntegrityError


def _cli():
    from nanosynth.cli.main import app

    return app


def test_train_cli_on_fixture(fixtures_dir, tmp_path) -> None:
    out = tmp_path / "tiny"
    result = CliRunner().invoke(_cli(), ["miner", "train-ner", "--brat", str(fixtures_dir / "brat"),
                                         "--split-file", str(fixtures_dir / "brat" / "split.txt"),
                                         "--dev-split-file", str(fixtures_dir / "brat" / "split.txt"),
                                         "--out", str(out), "--max-epochs", "2", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("micro_f1=")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["seed"] == 3
    assert manifest["train_documents"] == 1
    assert "ner/model" in manifest["files"]
    load_ner(out)


def test_training_is_deterministic(fixtures_dir, tmp_path) -> None:
    brat_dir = fixtures_dir / "brat"
    config = NERTrainingConfig(max_epochs=2, seed=1, width=32, embed_rows=(500, 200, 200, 200))
    a, _ = train_msptc(brat_dir, brat_dir / "split.txt", tmp_path / "a", brat_dir / "split.txt", config)
    b, _ = train_msptc(brat_dir, brat_dir / "split.txt", tmp_path / "b", brat_dir / "split.txt", config)
    assert (a / "ner" / "model").read_bytes() == (b / "ner" / "model").read_bytes()


@pytest.mark.slow
def test_contextual_variant_trains_and_pins_encoder(fixtures_dir, tmp_path) -> None:
    from nanosynth.miner.extract.contextual import CONTEXT_WIDTH, lexical_flags
    from nanosynth.miner.extract.tokenizer import make_nlp

    brat_dir = fixtures_dir / "brat"
    config = NERTrainingConfig(max_epochs=1, contextual=True, width=32, embed_rows=(500, 200, 200, 200))
    path, _ = train_msptc(brat_dir, brat_dir / "split.txt", tmp_path / "ctx", brat_dir / "split.txt", config)
    cfg = json.loads((path / "nanosynth_minilm_features" / "cfg.json").read_text())
    assert len(cfg["weights_sha256"]) == 64
    model = load_ner(path)
    assert model.pipe_names == ["nanosynth_minilm_features", "ner"]
    doc = model("CdO was heated to 300 °C in oleic acid.")
    assert doc.tensor.shape == (len(doc), CONTEXT_WIDTH)
    flags = lexical_flags(make_nlp()("CdO in oleic acid"))
    assert flags[0, 0] == 1.0 and flags[2, 2] == 1.0 and flags[3, 2] == 1.0
    # a model pinned to other encoder weights is refused when it runs
    cfg["weights_sha256"] = "0" * 64
    (path / "nanosynth_minilm_features" / "cfg.json").write_text(json.dumps(cfg))
    manifest = json.loads((path / "manifest.json").read_text())
    write_manifest(path, {k: v for k, v in manifest.items() if k not in ("files", "created")})
    with pytest.raises(ArtifactIntegrityError, match="MiniLM"):
        load_ner(path)("CdO was heated.")
