"""Tests of miner.document: offsets, sections, keys, annotations, conversion to records and back."""

import pytest
from pydantic import ValidationError

from nanosynth.miner.document import _SECTION_TYPES, Block, DocEntity, Document, canonical_section
from nanosynth.schema.errors import ReaderError
from nanosynth.schema.records import PaperCreate, ParagraphCreate
from nanosynth.schema.tables import SECTION_TYPES


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


def test_to_records_keeps_orders_section_types_and_excludes_captions_by_default():
    doc = _doc(doi="10.1021/x1", title="T", year=2020, source_format="pdf")
    paper, recipes = doc.to_records()
    assert paper.key == "doi:10.1021/x1" and paper.year == 2020 and paper.source_kind == "pdf" and recipes == []
    assert [p.order for p in paper.paragraphs] == [1, 3, 6]
    assert paper.paragraphs[1].section == "Synthesis of CdSe"
    assert [p.section_type for p in paper.paragraphs] == ["experimental", "experimental", "results"]
    with_caps, _ = doc.to_records(include_captions=True)
    assert [p.section for p in with_caps.paragraphs if p.order == 4] == ["caption"]


def test_stages_annotate_in_place_and_records_carry_the_annotations():
    doc = _doc(doi="10.1021/x1")
    para = doc.paragraphs[1]
    para.category, para.category_score, para.classifier = "synthesis", 0.9, "test@1"
    para.entities = (DocEntity(start=0, end=3, label="Material", text="CdO"),)
    paper, _ = doc.to_records()
    assert (paper.paragraphs[0].label, paper.paragraphs[0].label_score, paper.paragraphs[0].classifier) == (
        "synthesis", 0.9, "test@1")
    with pytest.raises(ValidationError):  # what the reader found is frozen
        para.text = "changed"
    with pytest.raises(ValidationError):  # annotations are validated on assignment
        para.category_score = 2.0


def test_from_records_round_trip_keeps_orders_offsets_and_annotations():
    doc = _doc(doi="10.1021/x1", title="T", year=2020, source_format="pdf")
    doc.paragraphs[3].category = "synthesis"
    paper, _ = doc.to_records(include_captions=True)
    back = Document.from_records(paper)
    assert back.key == doc.key and back.title == "T" and back.source_format == "pdf"
    assert [(p.order, p.kind, p.section_type) for p in back.paragraphs] == [
        (1, "body", "experimental"), (3, "body", "experimental"), (4, "caption", "experimental"),
        (6, "body", "results")]
    assert back.paragraphs[1].category == "synthesis" and back.paragraphs[1].section == "Synthesis of CdSe"
    for p in back.paragraphs:  # stored offsets still point at the paragraph; headings are blanked out
        assert back.text[p.char_start:p.char_end] == p.text
        assert doc.text[p.char_start:p.char_end] == p.text
    again, _ = back.to_records(include_captions=True)
    assert again == paper


def test_from_records_keeps_any_stored_key_and_fills_missing_offsets():
    paper = PaperCreate(key="dataset:row-7", paragraphs=[
        ParagraphCreate(order=2, text="B"), ParagraphCreate(order=0, text="A", section_type="experimental")])
    doc = Document.from_records(paper)
    assert doc.key == "dataset:row-7" and [p.order for p in doc.paragraphs] == [0, 2]
    assert [(p.char_start, p.char_end) for p in doc.paragraphs] == [(0, 1), (3, 4)] and doc.text == "A\n\nB"


def test_section_types_are_the_schema_values():
    assert {name for name, _ in _SECTION_TYPES} == set(SECTION_TYPES)
    with pytest.raises(ValidationError):
        ParagraphCreate(order=0, text="x", section_type="methods")


def test_invalid_offsets_rejected():
    doc = _doc()
    data = doc.model_dump()
    data["paragraphs"][1]["char_start"] += 1
    with pytest.raises(ValueError):
        Document.model_validate(data)
    data = doc.model_dump()
    data["paragraphs"][2]["order"] = 1
    with pytest.raises(ValueError, match="orders must increase"):
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


def test_doi_goes_through_the_schema_normalizer():
    assert _doc(doi="doi:10.1039/C8NR01234A.").doi == "10.1039/c8nr01234a"
    assert _doc(doi="no doi here").doi is None
