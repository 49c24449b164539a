"""Nanoparticle outcome NER: corpus reader, DOI split, shipped model, evaluation CLI, tamper refusal."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from nanosynth.miner.corpora.aunp import AUNP_LABELS_6, AunpParagraph, doi_folds, labels_of, read_aunp, split_by_doi
from nanosynth.miner.extract.aunp import DEFAULT_AUNP_MODEL, load_aunp
from nanosynth.miner.scoring.ner import evaluate_aunp
from nanosynth.miner.extract.ner import predict_spans
from nanosynth.schema.errors import ArtifactIntegrityError, ImportFormatError

TEXT = "Au nanorods with an average length of 45 nm were obtained."


def _record(doi: str, par: int = 0) -> dict:
    tokens = []
    pos = 0
    labels = {"nanorods": "MOR", "average": "DES", "45": "SIZ", "nm": "UNT"}
    for word in TEXT[:-1].split(" "):
        start = TEXT.index(word, pos)
        tokens.append({"text": word, "start": start, "end": start + len(word), "annotation": labels.get(word)})
        pos = start + len(word)
    tokens.append({"text": ".", "start": len(TEXT) - 1, "end": len(TEXT), "annotation": None})
    return {"text": TEXT, "tokens": [tokens], "labels": list(AUNP_LABELS_6), "meta": {"doi": doi, "par": par}}


@pytest.fixture()
def jsonl(tmp_path):
    path = tmp_path / "tiny.jsonl"
    path.write_text("\n".join(json.dumps(_record(f"10.1/{i}", i % 2)) for i in range(6)) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def nlp():
    return load_aunp("default")


def test_reader_builds_entities_from_token_runs(jsonl) -> None:
    paragraphs = read_aunp(jsonl)
    assert len(paragraphs) == 6
    first = paragraphs[0]
    assert [(first.text[s:e], lab) for s, e, lab in first.entities] == [
        ("nanorods", "MOR"), ("average", "DES"), ("45", "SIZ"), ("nm", "UNT")]
    assert labels_of(paragraphs) == AUNP_LABELS_6


def test_adjacent_same_label_tokens_merge(tmp_path) -> None:
    text = "below 10 nm"
    record = {"text": text, "meta": {"doi": "d"}, "tokens": [[
        {"text": "below", "start": 0, "end": 5, "annotation": "SIZ"},
        {"text": "10", "start": 6, "end": 8, "annotation": "SIZ"},
        {"text": "nm", "start": 9, "end": 11, "annotation": "UNT"}]]}
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps(record), encoding="utf-8")
    (paragraph,) = read_aunp(path)
    assert paragraph.entities == [(0, 8, "SIZ"), (9, 11, "UNT")]


def test_reader_rejects_bad_files(tmp_path) -> None:
    with pytest.raises(ImportFormatError, match="does not exist"):
        read_aunp(tmp_path / "none.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="line 1"):
        read_aunp(bad)
    wrong = tmp_path / "wrong.jsonl"
    wrong.write_text(json.dumps({"text": "abc", "tokens": [[{"text": "xyz", "start": 0, "end": 3}]]}),
                     encoding="utf-8")
    with pytest.raises(ImportFormatError, match="does not match"):
        read_aunp(wrong)


def test_doi_split_is_deterministic_and_disjoint() -> None:
    paragraphs = [AunpParagraph(text=f"t{i}", doi=f"doi{i // 2}", index=i % 2) for i in range(40)]
    train, dev = split_by_doi(paragraphs, 0.2, seed=7)
    train2, dev2 = split_by_doi(paragraphs, 0.2, seed=7)
    assert [p.text for p in dev] == [p.text for p in dev2]
    assert not {p.doi for p in train} & {p.doi for p in dev}
    assert len({p.doi for p in dev}) == 4
    folds = doi_folds(paragraphs, 5, seed=1)
    assert sum(len(f) for f in folds) == 40
    assert all(not {p.doi for p in a} & {p.doi for p in b} for i, a in enumerate(folds) for b in folds[i + 1:])


def test_shipped_model_tags_example(nlp) -> None:
    doc = nlp("Gold nanorods with a length of 45 nm and spherical seeds of 3 nm were characterized by TEM.")
    found = {(e.text, e.label_) for e in doc.ents}
    assert ("nanorods", "MOR") in found
    assert ("nm", "UNT") in found
    assert {e.label_ for e in doc.ents} <= set(AUNP_LABELS_6)


def test_shipped_model_handles_bad_input(nlp) -> None:
    texts = ["", "x" * 20_000, "Nanopartículas de oro esféricas de 20 nm.", "\x00\ufffd\x1b ☃" * 50]
    results = predict_spans(nlp, texts)
    for text, entities in zip(texts, results):
        assert all(0 <= s < e <= len(text) for s, e, _ in entities)


def test_tampered_aunp_model_is_refused(tmp_path) -> None:
    copy = tmp_path / "aunp"
    shutil.copytree(DEFAULT_AUNP_MODEL, copy)
    cfg = copy / "config.cfg"
    cfg.write_text(cfg.read_text() + "\n# edited\n")
    with pytest.raises(ArtifactIntegrityError, match="config.cfg"):
        load_aunp(copy)


def test_eval_aunp_cli_on_tiny_file(jsonl) -> None:
    from nanosynth.cli.main import app

    result = CliRunner().invoke(app, ["miner", "eval-aunp", "--model", "default", "--data", str(jsonl),
                                      "--split", "all"])
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("micro_f1=")
    assert float(last.split("=")[1]) > 0.5


@pytest.mark.slow
def test_default_aunp_model_dev_scores(shared_data, nlp) -> None:
    data = shared_data / "aunp_ner" / "aunp_6lab.jsonl"
    scores = evaluate_aunp("default", data, "dev", nlp=nlp)
    assert scores.n_docs >= 15
    assert scores.micro_f1 >= 0.70
    assert scores.f1("MOR") >= 0.75
