"""Fine-tuned MiniLM NER backend: BIO decoding, word-piece windows, alignment, training round trip, integrity."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nanosynth.artifacts import write_manifest
from nanosynth.miner.encoder import encoder_dir, load_tokenizer
from nanosynth.miner.extract.ner import MSPTC_LABELS, load_ner, predict_spans
from nanosynth.miner.extract.tokenizer import make_nlp
from nanosynth.miner.extract.transformer_ner import (
    FACTORY,
    WEIGHTS_FILE,
    allowed_transitions,
    best_window,
    bio_tags,
    encode_doc,
    tags_to_spans,
    viterbi_bio,
    windows,
)
from nanosynth.miner.training.ner import train_msptc
from nanosynth.schema.errors import ArtifactIntegrityError, ConfigError, ModelError


def test_bio_constraints_repair_invalid_inside_tags() -> None:
    tags = bio_tags(["Material", "Number"])
    assert tags == ["O", "B-Material", "I-Material", "B-Number", "I-Number"]
    allowed = allowed_transitions(tags)
    assert not allowed[0, 2] and allowed[1, 2] and allowed[2, 2] and not allowed[3, 2]
    # greedy argmax would be O, I-Material, I-Material: invalid; Viterbi must start the entity with B-
    lp = np.log(np.array([[0.9, 0.04, 0.02, 0.02, 0.02],
                          [0.1, 0.35, 0.45, 0.05, 0.05],
                          [0.1, 0.1, 0.7, 0.05, 0.05]]))
    path = [tags[k] for k in viterbi_bio(lp, allowed)]
    assert path == ["O", "B-Material", "I-Material"]
    assert viterbi_bio(np.zeros((0, 5)), allowed) == []
    # the first token can never be I-
    assert tags[viterbi_bio(np.log(np.array([[0.1, 0.1, 0.6, 0.1, 0.1]])), allowed)[0]] != "I-Material"


def test_tags_to_spans() -> None:
    doc = make_nlp()("CdO and oleic acid at 300 °C")
    spans = tags_to_spans(doc, ["B-Material", "O", "B-Material", "I-Material", "O", "B-Number", "B-Unit"])
    assert [(s.text, s.label_) for s in spans] == [("CdO", "Material"), ("oleic acid", "Material"),
                                                    ("300", "Number"), ("°C", "Unit")]


def test_windows_cover_every_piece_and_pick_central_window() -> None:
    assert windows(0, 128, 96) == [(0, 0)]
    assert windows(100, 128, 96) == [(0, 100)]
    spans = windows(300, 128, 96)
    assert spans[0] == (0, 128) and spans[-1][1] == 300
    assert all(b[0] < a[1] for a, b in zip(spans, spans[1:]))  # overlapping
    first = np.array([0, 60, 127, 130, 299, -1])
    choice = best_window(first, spans)
    assert choice[0] == 0 and choice[1] == 0 and choice[-1] == -1
    assert choice[2] == 1  # piece 127 sits at the edge of window 0, inside window 1
    a, z = spans[choice[4]]
    assert a <= 299 < z


def test_word_pieces_align_to_chemistry_tokens() -> None:
    tokenizer = load_tokenizer(encoder_dir(), bert_fast=True)
    doc = make_nlp()("Zn(OAc)2·2H2O  and TOP-Se at 300°C \x00")
    enc = encode_doc(tokenizer, doc)
    assert enc.features.shape[0] == len(doc)
    for token, first in zip(doc, enc.first_piece):
        if token.is_space:
            assert first == -1
        elif token.text.strip("\x00"):
            assert first >= 0, token.text
    firsts = [int(f) for f in enc.first_piece if f >= 0]
    assert firsts == sorted(firsts) and len(set(firsts)) == len(firsts)
    # case flags see what the uncased encoder cannot
    i = [t.text for t in doc].index("TOP-Se")
    assert enc.features[i, -4] == 1.0 and enc.features[i, -3] == 0.0 and enc.features[i, -2] == 1.0


@pytest.fixture(scope="module")
def tiny_model(fixtures_dir, tmp_path_factory):
    """A 2-epoch model trained on the 2-document fixture through the CLI (``--backend transformer``)."""
    from typer.testing import CliRunner

    from nanosynth.cli.main import app

    brat_dir = fixtures_dir / "brat"
    out = tmp_path_factory.mktemp("tner") / "model"
    result = CliRunner().invoke(app, ["miner", "train-ner", "--backend", "transformer", "--brat", str(brat_dir),
                                      "--split-file", str(brat_dir / "split.txt"), "--dev-split-file",
                                      str(brat_dir / "split.txt"), "--out", str(out), "--max-epochs", "2",
                                      "--trained-layers", "1", "--lexical-dim", "8", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("micro_f1=")
    return out


@pytest.mark.slow
def test_transformer_backend_trains_saves_and_loads(tiny_model) -> None:
    path = tiny_model
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["backend"] == "transformer" and manifest["labels"] == list(MSPTC_LABELS)
    assert manifest["config"]["trained_layers"] == 1 and manifest["config"]["lexical_dim"] == 8
    assert f"{FACTORY}/{WEIGHTS_FILE}" in manifest["files"]
    assert len(manifest["history"]) == 2 and manifest["best_epoch"] in (1, 2)
    assert manifest["validation_documents"] and manifest["dev_metrics"]["n_docs"] == 1
    cfg = json.loads((path / FACTORY / "cfg.json").read_text())
    assert len(cfg["weights_sha256"]) == 64 and cfg["tags"] == bio_tags(MSPTC_LABELS)
    nlp = load_ner(path)
    assert nlp.pipe_names == [FACTORY]
    text = "CdO was heated to 300 °C.\n\n" + "oleic acid " * 600
    (ents,) = predict_spans(nlp, [text])
    assert all(0 <= s < e <= len(text) and lab in MSPTC_LABELS for s, e, lab in ents)
    doc = nlp("")
    assert list(doc.ents) == []


@pytest.mark.slow
def test_transformer_model_refuses_tampering_and_other_encoder(tiny_model, tmp_path) -> None:
    import shutil

    path = tiny_model
    copy = tmp_path / "copy"
    shutil.copytree(path, copy)
    weights = copy / FACTORY / WEIGHTS_FILE
    data = bytearray(weights.read_bytes())
    data[-10] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ArtifactIntegrityError, match=f"modified: {FACTORY}/{WEIGHTS_FILE}"):
        load_ner(copy)
    # consistent manifest, but pinned to different encoder weights
    shutil.rmtree(copy)
    shutil.copytree(path, copy)
    cfg_path = copy / FACTORY / "cfg.json"
    cfg = json.loads(cfg_path.read_text())
    cfg["weights_sha256"] = "0" * 64
    cfg_path.write_text(json.dumps(cfg))
    manifest = json.loads((copy / "manifest.json").read_text())
    write_manifest(copy, {k: v for k, v in manifest.items() if k not in ("files", "created")})
    with pytest.raises(ArtifactIntegrityError, match="MiniLM"):
        load_ner(copy)


def test_unknown_backend_and_untrained_component(fixtures_dir, tmp_path) -> None:
    brat_dir = fixtures_dir / "brat"
    with pytest.raises(ConfigError, match="crf"):
        train_msptc(brat_dir, brat_dir / "split.txt", tmp_path / "x", backend="crf")
    nlp = make_nlp()
    nlp.add_pipe(FACTORY, config={"labels": ["Material"]})
    with pytest.raises(ModelError, match="no weights"):
        nlp("CdO")
