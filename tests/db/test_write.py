"""Idempotent writes: papers by key/DOI, recipes by source key, replace, provenance resolution."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from nanosynth.db.engine import make_engine, session_scope
from nanosynth.db.migrate import upgrade
from nanosynth.db.write import add_recipes, write_document
from nanosynth.schema import PaperCreate, ParagraphCreate, RecipeCreate, validate_record
from nanosynth.schema.errors import DatabaseError
from nanosynth.schema.tables import ChemicalUse, Outcome, Paper, Paragraph, Provenance, Recipe


def _paper(key="doi:10.1000/x1", n_paragraphs=2):
    return PaperCreate(key=key, doi=key.removeprefix("doi:") if key.startswith("doi:") else None,
                       title="CdSe dots", source_kind="html",
                       paragraphs=[ParagraphCreate(order=i, text=f"paragraph {i}", label="synthesis")
                                   for i in range(n_paragraphs)])


def _recipe(key="doi:10.1000/x1#p1#r0", paper_key="doi:10.1000/x1", size=3.2):
    prov = {"extractor": "test@1", "paragraph_order": 1, "char_start": 0, "char_end": 9, "confidence": 0.9}
    return validate_record(RecipeCreate, {
        "source_key": key, "source_kind": "literature", "paper_key": paper_key, "target_composition": "CdSe",
        "method": "hot_injection", "provenance": prov,
        "chemicals": [{"name_raw": "CdO", "amount_value": 0.2, "amount_unit": "mmol", "amount_mmol": 0.2,
                       "provenance": prov}],
        "steps": [{"order": 0, "action": "inject", "temperature_c": 300, "provenance": prov}],
        "outcomes": [{"property": "size_nm", "value": size, "provenance": prov}],
    })


def _count(s, table):
    return s.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.fixture()
def db(any_db_url):
    upgrade(any_db_url)
    engine = make_engine(any_db_url)
    yield engine
    engine.dispose()


def test_document_write_resolves_provenance_and_is_idempotent(db):
    with session_scope(db) as s:
        paper_id, report = write_document(s, _paper(), [_recipe()])
    assert report.added == 1
    with session_scope(db) as s:
        chem = s.execute(select(ChemicalUse)).scalars().one()
        prov = s.get(Provenance, chem.provenance_id)
        para = s.get(Paragraph, prov.paragraph_id)
        assert prov.paper_id == paper_id and para.order == 1 and prov.extractor == "test@1"
        assert chem.name == "cadmium oxide" and chem.role == "cation_precursor"
    with session_scope(db) as s:
        _, again = write_document(s, _paper(), [_recipe()])
    assert again.added == 0 and again.skipped == 1
    with session_scope(db) as s:
        assert (_count(s, Paper), _count(s, Recipe), _count(s, Paragraph)) == (1, 1, 2)


def test_replace_rewrites_without_duplicates(db):
    with session_scope(db) as s:
        write_document(s, _paper(), [_recipe(size=3.2)])
    with session_scope(db) as s:
        _, report = write_document(s, _paper(n_paragraphs=3), [_recipe(size=4.0)], replace=True)
    assert report.added == 1  # the paper's old recipes were removed first
    with session_scope(db) as s:
        assert _count(s, Recipe) == 1 and _count(s, Paragraph) == 3
        assert s.execute(select(Outcome.value)).scalar_one() == 4.0
        # provenance of the old recipe is gone too: 4 rows = recipe + chemical + step + outcome
        assert _count(s, Provenance) == 4


def test_paper_matched_by_doi_when_key_differs(db):
    with session_scope(db) as s:
        write_document(s, _paper(), [])
    other = PaperCreate(key="sha256:abc", doi="https://doi.org/10.1000/X1", title=None, source_kind="pdf")
    with session_scope(db) as s:
        write_document(s, other, [])
        assert _count(s, Paper) == 1


def test_recipe_with_unknown_paper_refused(engine):
    with pytest.raises(DatabaseError, match="not in the database"):
        with session_scope(engine) as s:
            add_recipes(s, [_recipe(paper_key="doi:10.9/none")])
    with session_scope(engine) as s:
        assert _count(s, Recipe) == 0


def test_paragraph_section_type_is_stored_and_read_back(db):
    from nanosynth.db.papers import read_paper

    paper = _paper()
    paper.paragraphs[1].section_type = "experimental"
    with session_scope(db) as s:
        write_document(s, paper, [_recipe()])
    with session_scope(db) as s:
        assert s.execute(select(Paragraph.section_type).order_by(Paragraph.order)).scalars().all() == [
            None, "experimental"]
        stored = read_paper(s, doi="10.1000/X1")
    assert stored is not None and stored.model_dump() == paper.model_dump()
