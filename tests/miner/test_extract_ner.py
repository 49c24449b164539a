"""MSPTC NER: shipped model, manifest integrity, scoring, CLI, robustness on bad input, dev-set quality."""

from __future__ import annotations

import json
import random
import shutil

import pytest
from typer.testing import CliRunner

from nanosynth.miner.extract.ner import (
    DEFAULT_MSPTC_MODEL,
    FAST_MSPTC_MODEL,
    MSPTC_LABELS,
    NERTrainingConfig,
    evaluate_brat,
    load_ner,
    model_info,
    paragraph_spans,
    predict_spans,
    split_gold,
    train_msptc,
)
from nanosynth.miner.extract.ner_scoring import EntityScores
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


def test_scores_exact_span() -> None:
    scores = EntityScores()
    scores.add([(0, 3, "Material"), (5, 8, "Number")], [(0, 3, "Material"), (5, 9, "Number"), (10, 12, "Operation")])
    assert scores.per_type["Material"].f1 == 1.0
    assert scores.per_type["Number"].tp == 0 and scores.per_type["Number"].fn == 1
    assert scores.per_type["Operation"].fp == 1
    assert scores.micro.tp == 1 and scores.micro.fp == 2 and scores.micro.fn == 1
    assert scores.micro_f1 == pytest.approx(2 * (1 / 3) * (1 / 2) / (1 / 3 + 1 / 2))


def test_evaluate_fixture(nlp, fixtures_dir) -> None:
    scores = evaluate_brat("default", fixtures_dir / "brat", nlp=nlp)
    assert scores.n_docs == 2
    assert scores.micro.support == 50
    assert scores.per_type["Material"].f1 > 0.6


def test_eval_cli_prints_micro_f1_last(fixtures_dir) -> None:
    result = CliRunner().invoke(_cli(), ["miner", "eval-ner", "--model", "default",
                                         "--brat", str(fixtures_dir / "brat")])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("micro_f1=")
    assert 0.0 < float(lines[-1].split("=", 1)[1]) <= 1.0
    assert "Material" in result.output

    result = CliRunner().invoke(_cli(), ["miner", "eval-ner", "--model", "default",
                                         "--brat", str(fixtures_dir / "brat"),
                                         "--split-file", str(fixtures_dir / "brat" / "split.txt")])
    assert result.exit_code == 0, result.output
    assert "1 documents" in result.output
    assert result.output.strip().splitlines()[-1].startswith("micro_f1=")


def test_eval_cli_missing_model_fails_cleanly(fixtures_dir, tmp_path) -> None:
    result = CliRunner().invoke(_cli(), ["miner", "eval-ner", "--model", str(tmp_path / "none"),
                                         "--brat", str(fixtures_dir / "brat")])
    assert result.exit_code == 1
    assert "train-ner" in result.output


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
    from nanosynth.miner.extract.manifest import write_manifest

    manifest = json.loads((path / "manifest.json").read_text())
    write_manifest(path, {k: v for k, v in manifest.items() if k not in ("files", "created")})
    with pytest.raises(ArtifactIntegrityError, match="MiniLM"):
        load_ner(path)("CdO was heated.")


@pytest.mark.parametrize("which", ["default", "spacy", "fast"])
def test_shipped_tokenizer_matches_code(which) -> None:
    from nanosynth.miner.extract.tokenizer import make_nlp

    from test_extract_tokenizer import CASES

    shipped = load_ner(which)
    fresh = make_nlp()
    for text, _ in CASES:
        assert [t.text for t in shipped.make_doc(text)] == [t.text for t in fresh.make_doc(text)], text
