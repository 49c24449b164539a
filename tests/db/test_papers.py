"""Stored papers read back as schema records (db.papers)."""

from __future__ import annotations

from nanosynth.db.engine import session_scope
from nanosynth.db.papers import read_paper
from nanosynth.db.write import write_document
from nanosynth.schema.records import PaperCreate, ParagraphCreate


def test_read_paper_returns_metadata_and_paragraphs_in_order(engine):
    paper = PaperCreate(key="sha256:" + "ab" * 32, title="CdSe dots", year=2020, source_kind="pdf", paragraphs=[
        ParagraphCreate(order=5, text="Results.", section="Results", section_type="results", char_start=40,
                        char_end=48, label="characterization", label_score=0.7, classifier="c@1"),
        ParagraphCreate(order=1, text="CdO was heated.", section="Experimental", section_type="experimental",
                        char_start=14, char_end=29, label="synthesis", label_score=0.9, classifier="c@1")])
    with session_scope(engine) as s:
        write_document(s, paper, [])
    with session_scope(engine) as s:
        stored = read_paper(s, key=paper.key)
    assert stored is not None
    assert stored.model_dump(exclude={"paragraphs"}) == paper.model_dump(exclude={"paragraphs"})
    assert [p.order for p in stored.paragraphs] == [1, 5]
    assert stored.paragraphs == sorted(paper.paragraphs, key=lambda p: p.order)


def test_read_unknown_paper_is_none(engine):
    with session_scope(engine) as s:
        assert read_paper(s, key="doi:10.1000/none", doi="10.1000/none") is None
