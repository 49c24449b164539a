"""Tests of miner.document: offsets, sections, keys, conversion to PaperCreate."""

import pytest

from nanosynth.miner.document import Block, Document, canonical_section, normalize_doi
from nanosynth.schema.errors import ReaderError


def _doc(**meta):
    return Document.assemble([
        Block(kind="heading", text="Experimental Section", number="2"),
        Block(text="CdO (0.2 mmol) and oleic acid were heated to 280 °C."),
        Block(kind="heading", text="Synthesis of CdSe", number="2.1", level=2),
        Block(text="TOP-Se was injected."),
        Block(kind="caption", text="Figure 1. TEM image.", label="Figure 1"),
        Block(text="   "),
        Block(kind="heading", text="Results", number="3"),
        Block(text="The peak was at 560 nm."),
    ], **meta)


def test_offsets_point_into_text():
    doc = _doc()
    assert [p.order for p in doc.paragraphs] == list(range(7))
    for p in doc.paragraphs:
        assert doc.text[p.char_start:p.char_end] == p.text
    assert "\n\n".join(p.text for p in doc.paragraphs) == doc.text


def test_sections_nest_and_inherit_type():
    doc = _doc()
    tese = doc.paragraphs[3]
    assert tese.section == "Synthesis of CdSe"
    assert tese.section_path == ("Experimental Section", "Synthesis of CdSe")
    assert tese.section_type == "experimental"
    assert doc.paragraphs[6].section_path == ("Results",)
    assert [s.level for s in doc.sections] == [1, 2, 1]
    assert [p.text for p in doc.captions] == ["Figure 1. TEM image."]
    assert len(doc.body) == 3


def test_key_prefers_doi_then_hash():
    assert _doc(doi="https://doi.org/10.1021/JA0123").key == "doi:10.1021/ja0123"
    doc = _doc(content_sha256="ab" * 32)
    assert doc.key == "sha256:" + "ab" * 32


def test_to_paper_create_keeps_orders_and_excludes_captions_by_default():
    doc = _doc(doi="10.1021/x1", title="T", year=2020, source_format="pdf")
    paper = doc.to_paper_create()
    assert paper.key == "doi:10.1021/x1" and paper.year == 2020 and paper.source_kind == "pdf"
    assert [p.order for p in paper.paragraphs] == [1, 3, 6]
    assert paper.paragraphs[1].section == "Synthesis of CdSe"
    with_caps = doc.to_paper_create(include_captions=True)
    assert [p.section for p in with_caps.paragraphs if p.order == 4] == ["caption"]


def test_invalid_offsets_rejected():
    doc = _doc()
    data = doc.model_dump()
    data["paragraphs"][1]["char_start"] += 1
    with pytest.raises(ValueError):
        Document.model_validate(data)


def test_bad_year_dropped_and_bad_metadata_is_reader_error():
    assert _doc(year=3021).year is None
    with pytest.raises(ReaderError):
        _doc(authors="not a list")


@pytest.mark.parametrize(("title", "expected"), [
    ("2. Experimental Section", "experimental"), ("RESULTS AND DISCUSSION", "results"),
    ("Materials and Methods", "experimental"), ("Conclusions", "conclusion"), ("Abstract", "abstract"),
    ("Summary and outlook", "conclusion"), ("Supporting Information", "supporting"),
    ("Characterization", "characterization"), ("Optical properties", None),
])
def test_canonical_section(title, expected):
    assert canonical_section(title) == expected


def test_normalize_doi():
    assert normalize_doi("doi:10.1039/C8NR01234A.") == "10.1039/c8nr01234a"
    assert normalize_doi("no doi here") is None
