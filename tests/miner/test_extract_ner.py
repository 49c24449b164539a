"""MSPTC NER: shipped model, manifest integrity, scoring, CLI, robustness on bad input, dev-set quality."""

from __future__ import annotations

import random
import shutil

import pytest

from nanosynth.miner.corpora.gold import split_gold
from nanosynth.miner.extract.ner import (
    DEFAULT_MSPTC_MODEL,
    FAST_MSPTC_MODEL,
    MSPTC_LABELS,
    load_ner,
    model_info,
    paragraph_spans,
    predict_spans,
)
from nanosynth.miner.scoring.ner import evaluate_brat
from nanosynth.schema.errors import ArtifactIntegrityError, ArtifactNotFoundError, ExtractionError

EXAMPLE = ("CdO (0.2 mmol), oleic acid (0.8 mmol) and 1-octadecene (5 mL) were heated to 300 °C under argon, "
           "then TOP-Se (1 mL) was swiftly injected.")


@pytest.fixture(scope="module")
def nlp():
    return load_ner("default")


def _cli():
    from nanosynth.cli.main import app

    return app


def test_shipped_model_tags_example(nlp) -> None:
    doc = nlp(EXAMPLE)
    found = {(e.text, e.label_) for e in doc.ents}
    assert ("CdO", "Material") in found
    assert ("oleic acid", "Material") in found
    assert ("mmol", "Amount-Unit") in found
    assert ("300", "Number") in found
    assert any(label == "Operation" and text in ("heated", "injected") for text, label in found)
    assert {e.label_ for e in doc.ents} <= set(MSPTC_LABELS)


def test_shipped_model_manifest_records_training() -> None:
    info = model_info("default")
    assert info["labels"] == list(MSPTC_LABELS)
    assert len(info["training_data_sha256"]) == 64
    assert info["dev_metrics"]["micro"]["f1"] > 0.5
    assert all(len(h) == 64 for h in info["files"].values())
    size = sum(p.stat().st_size for p in DEFAULT_MSPTC_MODEL.rglob("*") if p.is_file())
    assert size < 15_000_000


def test_shipped_model_names_resolve() -> None:
    assert load_ner("spacy").pipe_names == ["nanosynth_minilm_features", "ner"]
    assert model_info("spacy") == model_info("default")


def test_fast_model_tags_example() -> None:
    fast = load_ner("fast")
    assert "nanosynth_minilm_features" not in fast.pipe_names
    found = {(e.text, e.label_) for e in fast(EXAMPLE).ents}
    assert ("CdO", "Material") in found and ("mmol", "Amount-Unit") in found
    assert model_info("fast")["dev_metrics"]["micro"]["f1"] > 0.75


@pytest.mark.parametrize("shipped, weights_file", [
    (DEFAULT_MSPTC_MODEL, "ner/model"),
    (FAST_MSPTC_MODEL, "ner/model"),
], ids=["default", "fast"])
def test_tampered_model_is_refused(tmp_path, shipped, weights_file) -> None:
    copy = tmp_path / "model"
    shutil.copytree(shipped, copy)
    load_ner(copy)  # intact copy loads
    weights = copy / weights_file
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ArtifactIntegrityError, match=f"modified: {weights_file}"):
        load_ner(copy)


def test_added_or_removed_file_is_refused(tmp_path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(DEFAULT_MSPTC_MODEL, copy)
    (copy / "extra.bin").write_bytes(b"x")
    with pytest.raises(ArtifactIntegrityError, match="not in manifest"):
        load_ner(copy)
    (copy / "extra.bin").unlink()
    (copy / "meta.json").unlink()
    with pytest.raises(ArtifactIntegrityError, match="missing"):
        load_ner(copy)


def test_missing_model_says_how_to_train(tmp_path) -> None:
    with pytest.raises(ArtifactNotFoundError, match="train-ner"):
        load_ner(tmp_path / "nothing-here")


@pytest.mark.parametrize("text", [
    "",
    "   \n\n  ",
    "Le précurseur de cadmium a été chauffé à 300 °C sous argon pendant cinq minutes. 硒粉溶解在三辛基膦中。",
    "\x00\x01\x02\ufffd\ufffd ÿþ\x7f\x1b[31m ☃☃☃ \u200b\u202e" + "".join(chr(c) for c in range(0x80, 0x180)),
], ids=["empty", "whitespace", "non-english", "garbage"])
def test_bad_input_does_not_crash(nlp, text) -> None:
    (entities,) = predict_spans(nlp, [text])
    for start, end, label in entities:
        assert 0 <= start < end <= len(text)
        assert label in MSPTC_LABELS
    doc = nlp(text)
    assert doc.text == text


def test_random_garbage_and_long_paragraph(nlp) -> None:
    rng = random.Random(0)
    garbage = bytes(rng.randrange(256) for _ in range(3000)).decode("utf-8", errors="replace")
    long_text = (EXAMPLE + " ") * (20_000 // len(EXAMPLE) + 1)
    long_text = long_text[:20_000]
    garbage_ents, long_ents = predict_spans(nlp, [garbage, long_text])
    assert all(0 <= s < e <= len(garbage) for s, e, _ in garbage_ents)
    assert len(long_text) == 20_000
    assert sum(1 for s, e, lab in long_ents if lab == "Material" and long_text[s:e] == "CdO") >= 100


def test_bytes_input_is_rejected_clearly(nlp) -> None:
    with pytest.raises(ExtractionError, match="decode"):
        predict_spans(nlp, [b"CdO was heated"])


def test_paragraph_spans_and_split_gold() -> None:
    text = "DOI\nTitle CdSe\n\nCdO was heated.\n"
    assert [text[a:b] for a, b in paragraph_spans(text)] == ["DOI", "Title CdSe", "CdO was heated."]
    items = split_gold([(text, [(10, 14, "Material"), (16, 19, "Material")])])
    assert items[1] == ("Title CdSe", [(6, 10, "Material")])
    assert items[2] == ("CdO was heated.", [(0, 3, "Material")])


@pytest.fixture(scope="module")
def dev_scores(shared_data, nlp):
    msptc = shared_data / "msptc"
    return evaluate_brat("default", msptc / "brat", msptc / "ner-dev-fnames.txt", nlp=nlp)


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="issue-4 target (micro-F1 >= 0.85, Material F1 >= 0.90 on dev) is not reached: "
                   "the shipped model scores 0.800 / 0.795; see benchmarks/results/ner.md")
def test_default_model_reaches_issue_target(dev_scores) -> None:
    assert dev_scores.micro_f1 >= 0.85
    assert dev_scores.f1("Material") >= 0.90


@pytest.mark.slow
def test_default_model_dev_scores_do_not_regress(dev_scores) -> None:
    assert dev_scores.n_docs == 15
    assert dev_scores.micro_f1 >= 0.79
    assert dev_scores.f1("Material") >= 0.78
    assert dev_scores.f1("Number") >= 0.90
    assert dev_scores.f1("Operation") >= 0.82


@pytest.mark.parametrize("which", ["default", "spacy", "fast"])
def test_shipped_tokenizer_matches_code(which) -> None:
    from nanosynth.miner.extract.tokenizer import make_nlp

    from test_extract_tokenizer import CASES

    shipped = load_ner(which)
    fresh = make_nlp()
    for text, _ in CASES:
        assert [t.text for t in shipped.make_doc(text)] == [t.text for t in fresh.make_doc(text)], text
