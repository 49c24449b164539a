"""BRAT standoff ↔ spaCy Doc conversion: reading, round trip, deterministic handling of awkward spans."""

from __future__ import annotations

import pytest

from nanosynth.miner.corpora import brat
from nanosynth.miner.extract.tokenizer import make_nlp
from nanosynth.schema.errors import ImportFormatError


@pytest.fixture(scope="module")
def nlp():
    return make_nlp()


def test_read_fixture_directory(fixtures_dir) -> None:
    docs = brat.read_directory(fixtures_dir / "brat")
    assert [d.name for d in docs] == ["cdse_hot_injection", "pbs_synthesis"]
    cdse = docs[0]
    assert len(cdse.entities) == 29
    assert all(cdse.text[e.start:e.end] == e.text for e in cdse.entities)
    assert cdse.other_lines and cdse.other_lines[0].startswith("E1\t")


def test_split_file_selects_documents(fixtures_dir) -> None:
    names = brat.read_split_file(fixtures_dir / "brat" / "split.txt")
    assert names == ["cdse_hot_injection"]
    assert [d.name for d in brat.read_directory(fixtures_dir / "brat", names)] == names


def test_round_trip_brat_doc_brat(nlp, fixtures_dir, tmp_path) -> None:
    for document in brat.read_directory(fixtures_dir / "brat"):
        doc, stats = brat.to_doc(nlp, document)
        assert stats.kept == stats.total == len(document.entities)
        assert {e.key for e in brat.doc_entities(doc)} == {e.key for e in document.entities}
        ann = brat.write_document(doc, tmp_path)
        again = brat.read_document(ann.with_suffix(".txt"))
        assert again.text == document.text
        assert {e.key for e in again.entities} == {e.key for e in document.entities}


def test_docbin_round_trip(nlp, fixtures_dir, tmp_path) -> None:
    from spacy.tokens import DocBin

    documents = brat.read_directory(fixtures_dir / "brat")
    docbin, stats = brat.to_docbin(nlp, documents)
    docbin.to_disk(tmp_path / "train.spacy")
    docs = list(DocBin().from_disk(tmp_path / "train.spacy").get_docs(nlp.vocab))
    assert stats.kept == sum(len(d.entities) for d in documents)
    for document, doc in zip(documents, docs):
        assert doc.user_data["brat_name"] == document.name
        assert {(e.start_char, e.end_char, e.label_) for e in doc.ents} == {e.key for e in document.entities}


def test_overlap_misalignment_discontinuous_are_counted(nlp) -> None:
    text = "Heat CdSe nanocrystals at 300degC in H2O2x solution."
    ann = "\n".join([
        "T1\tMaterial 5 9\tCdSe",
        "T2\tMaterial 5 22\tCdSe nanocrystals",   # overlaps T1 and is longer: wins
        "T3\tNumber 26 29\t300",
        "T4\tCondition-Unit 29 33\tdegC",
        "T5\tMaterial 37 40\tH2O",                # ends inside the token "H2O2x": dropped, masked
        "T6\tMaterial 0 4;10 22\tHeat nanocrystals",  # discontinuous: dropped
        "T7\tOperation 0 5\tHeat ",               # trailing whitespace: trimmed
    ])
    entities, _ = brat.parse_ann(ann, text)
    document = brat.BratDocument(name="x", text=text, entities=entities)
    doc, stats = brat.to_doc(nlp, document)
    assert stats.total == 7
    assert stats.dropped_overlap == 1
    assert stats.dropped_misaligned == 1
    assert stats.dropped_discontinuous == 1
    assert stats.adjusted_whitespace == 1
    assert stats.kept == 4
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("Heat", "Operation"), ("CdSe nanocrystals", "Material"), ("300", "Number"), ("degC", "Condition-Unit")]
    # the misaligned region is unknown (missing), not "outside"
    h2o_token = next(t for t in doc if t.text.startswith("H2O"))
    assert h2o_token.ent_iob_ == ""
    # deterministic: converting again gives the same result
    again, stats2 = brat.to_doc(nlp, document)
    assert [(e.start_char, e.end_char, e.label_) for e in again.ents] == [
        (e.start_char, e.end_char, e.label_) for e in doc.ents]
    assert stats2.as_dict() == stats.as_dict()


def test_label_filter(nlp, fixtures_dir) -> None:
    document = brat.read_directory(fixtures_dir / "brat")[0]
    doc, stats = brat.to_doc(nlp, document, labels=["Material"])
    assert {e.label_ for e in doc.ents} == {"Material"}
    assert stats.dropped_label == stats.total - stats.kept


def test_bad_ann_line_raises(tmp_path) -> None:
    (tmp_path / "a.txt").write_text("short text", encoding="utf-8")
    (tmp_path / "a.ann").write_text("T1\tMaterial 0 400\tshort", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="outside"):
        brat.read_document(tmp_path / "a.txt")
    (tmp_path / "a.ann").write_text("T1\tMaterial zero five\tshort", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="offsets"):
        brat.read_document(tmp_path / "a.txt")


def test_missing_documents_raise(tmp_path) -> None:
    with pytest.raises(ImportFormatError, match="does not exist"):
        brat.read_directory(tmp_path / "nope")
    with pytest.raises(ImportFormatError, match="no .ann/.txt pairs"):
        brat.read_directory(tmp_path)
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "a.ann").write_text("", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="missing"):
        brat.read_directory(tmp_path, ["a", "b"])


def test_non_utf8_text_raises(tmp_path) -> None:
    (tmp_path / "a.txt").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ImportFormatError, match="UTF-8"):
        brat.read_document(tmp_path / "a.txt")


@pytest.mark.slow
def test_msptc_corpus_conversion(shared_data, nlp) -> None:
    directory = shared_data / "msptc" / "brat"
    names = brat.read_split_file(shared_data / "msptc" / "ner-dev-fnames.txt")
    documents = brat.read_directory(directory, names)
    docs, stats = brat.to_docs(nlp, documents)
    assert stats.total == sum(len(d.entities) for d in documents)
    # the chemistry tokenizer reproduces almost every annotated span boundary
    assert stats.dropped_misaligned / stats.total < 0.02
    assert stats.kept + stats.dropped_misaligned + stats.dropped_overlap + stats.dropped_discontinuous == stats.total
