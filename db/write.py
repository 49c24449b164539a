"""Idempotent writes of papers and recipes (create-models in, rows out).

Keys make every write idempotent: papers by ``Paper.key`` (then DOI), recipes by ``Recipe.source_key``. A
recipe whose key exists is skipped (its new outcomes are merged in, e.g. the PL outcomes of a microreactor
aliquot whose absorption outcomes came first) or, with ``replace=True``, deleted with its children and written
anew. Inserts of papers run in a savepoint so that concurrent writers (PostgreSQL) that race on the same key
converge on one row instead of failing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from nanosynth.schema.records import PaperCreate, ProvenanceCreate, RecipeCreate
from nanosynth.schema.tables import (
    ChemicalUse,
    Outcome,
    Paper,
    PaperBase,
    Paragraph,
    Provenance,
    Recipe,
    Step,
)

log = logging.getLogger(__name__)

_PAPER_FIELDS = set(PaperBase.model_fields)
_RECIPE_EXCLUDE = {"paper_key", "paper", "chemicals", "steps", "outcomes", "provenance"}


@dataclass
class WriteReport:
    """What a write did."""

    added: int = 0
    skipped: int = 0
    replaced: int = 0
    merged_outcomes: int = 0

    def __iadd__(self, other: WriteReport) -> WriteReport:
        self.added += other.added
        self.skipped += other.skipped
        self.replaced += other.replaced
        self.merged_outcomes += other.merged_outcomes
        return self


def find_paper(session: Session, key: str | None = None, doi: str | None = None) -> Paper | None:
    """The paper with ``key`` (or else ``doi``), or None."""
    if key:
        paper = session.exec(select(Paper).where(Paper.key == key)).scalars().first()
        if paper is not None:
            return paper
    if doi:
        return session.exec(select(Paper).where(Paper.doi == doi.strip().lower())).scalars().first()
    return None


def upsert_paper(session: Session, paper: PaperBase | PaperCreate, *, replace: bool = False) -> Paper:
    """Insert a paper (and its paragraphs) unless one with the same key or DOI exists.

    An existing paper keeps its row; metadata it lacks is filled in. Paragraphs (with their section type and
    classifier label) are written when the paper has none yet, or replaced when ``replace`` is true (after the
    paper's recipes were removed by the caller). :func:`nanosynth.db.papers.read_paper` reads them back.
    """
    data = {k: v for k, v in paper.model_dump().items() if k in _PAPER_FIELDS}
    row = find_paper(session, data.get("key"), data.get("doi"))
    if row is None:
        candidate = Paper.model_validate(data)
        try:
            with session.begin_nested():
                session.add(candidate)
            row = candidate
        except IntegrityError:
            log.debug("paper %s inserted concurrently; using the existing row", data.get("key"))
            row = find_paper(session, data.get("key"), data.get("doi"))
            if row is None:  # pragma: no cover - a constraint failed for another reason
                raise
    else:
        for field in ("title", "journal", "year", "citation", "doi"):
            if getattr(row, field) is None and data.get(field) is not None:
                setattr(row, field, data[field])
        session.add(row)
    paragraphs = getattr(paper, "paragraphs", None)
    if paragraphs:
        existing = session.exec(select(Paragraph.id).where(Paragraph.paper_id == row.id)).scalars().first()
        if existing is not None and replace:
            session.execute(delete(Paragraph).where(Paragraph.paper_id == row.id))
            existing = None
        if existing is None:
            for para in paragraphs:
                session.add(Paragraph.model_validate({**para.model_dump(), "paper_id": row.id}))
            session.flush()
    return row


def delete_recipe(session: Session, recipe: Recipe) -> None:
    """Delete a recipe with its chemicals, steps, outcomes and their provenance rows."""
    prov_ids: set[int] = {recipe.provenance_id} if recipe.provenance_id else set()
    for table in (ChemicalUse, Step, Outcome):
        prov_ids.update(
            pid for pid in session.exec(select(table.provenance_id).where(table.recipe_id == recipe.id)).scalars()
            if pid is not None
        )
        session.execute(delete(table).where(table.recipe_id == recipe.id))
    session.delete(recipe)
    session.flush()
    if prov_ids:
        session.execute(delete(Provenance).where(Provenance.id.in_(prov_ids)))


def delete_paper_recipes(session: Session, paper_id: int) -> int:
    """Delete every recipe extracted from a paper (used when a paper is reprocessed). Returns the count."""
    recipes = session.exec(select(Recipe).where(Recipe.paper_id == paper_id)).scalars().all()
    for recipe in recipes:
        delete_recipe(session, recipe)
    return len(recipes)


class _Resolver:
    """Caches paper ids and paragraph ids per paper during one write."""

    def __init__(self, session: Session):
        self.session = session
        self.papers: dict[str, int] = {}
        self.paragraphs: dict[int, dict[int, int]] = {}

    def paper_id(self, rec: RecipeCreate) -> int | None:
        if rec.paper_id is not None:
            return rec.paper_id
        key = rec.paper_key or (rec.paper.key if rec.paper is not None else None)
        if key is None:
            return None
        if key not in self.papers:
            row = find_paper(self.session, key, rec.paper.doi if rec.paper is not None else None)
            if row is None:
                if rec.paper is None:
                    raise_missing_paper(key, rec.source_key)
                row = upsert_paper(self.session, rec.paper)
            self.papers[key] = row.id
        return self.papers[key]

    def paragraph_id(self, paper_id: int | None, order: int | None) -> int | None:
        if paper_id is None or order is None:
            return None
        if paper_id not in self.paragraphs:
            rows = self.session.execute(
                select(Paragraph.order, Paragraph.id).where(Paragraph.paper_id == paper_id)).all()
            self.paragraphs[paper_id] = {o: i for o, i in rows}
        return self.paragraphs[paper_id].get(order)


def raise_missing_paper(key: str, source_key: str) -> None:
    from nanosynth.schema.errors import DatabaseError

    raise DatabaseError(
        f"recipe {source_key!r} refers to paper {key!r} which is not in the database: write the paper first "
        "(db.write.upsert_paper) or give RecipeCreate.paper"
    )


def _provenance_row(resolver: _Resolver, prov: ProvenanceCreate, paper_id: int | None) -> Provenance:
    data = prov.model_dump(exclude={"paragraph_order"})
    data["paper_id"] = data.get("paper_id") or paper_id
    data["paragraph_id"] = data.get("paragraph_id") or resolver.paragraph_id(paper_id, prov.paragraph_order)
    return Provenance.model_validate(data)


def _provenance(session: Session, resolver: _Resolver, prov: ProvenanceCreate | None,
                paper_id: int | None) -> int | None:
    if prov is None:
        return None
    row = _provenance_row(resolver, prov, paper_id)
    session.add(row)
    session.flush()
    return row.id


def _children(session: Session, resolver: _Resolver, rec: RecipeCreate, recipe_id: int,
              paper_id: int | None, default_prov: int | None, outcomes_only: bool = False,
              skip_outcomes: set[tuple] | None = None) -> int:
    """Write a recipe's chemicals, steps and outcomes; their provenance rows are inserted in one flush."""
    groups = [] if outcomes_only else [(ChemicalUse, rec.chemicals), (Step, rec.steps)]
    groups.append((Outcome, rec.outcomes))
    pending: list[tuple[type, object, Provenance | None]] = []
    for table, items in groups:
        for item in items:
            if table is Outcome and skip_outcomes is not None:
                sig = (item.property, item.spectrum, item.method)
                if sig in skip_outcomes:
                    continue
                skip_outcomes.add(sig)
            prov = _provenance_row(resolver, item.provenance, paper_id) if item.provenance is not None else None
            pending.append((table, item, prov))
    provs = [prov for _, _, prov in pending if prov is not None]
    if provs:
        session.add_all(provs)
        session.flush()
    for table, item, prov in pending:
        data = item.model_dump(exclude={"provenance", "target_composition_hint"})
        data.update(recipe_id=recipe_id, provenance_id=prov.id if prov is not None else default_prov)
        session.add(table.model_validate(data))
    return len(pending)


def add_recipes(session: Session, recipes: Iterable[RecipeCreate], *, replace: bool = False,
                merge_outcomes: bool = True, progress: Callable[[int, int], None] | None = None) -> WriteReport:
    """Write recipes idempotently (see module docstring). Does not commit; the caller's transaction does.

    Parameters
    ----------
    session:
        An open session (use :func:`nanosynth.db.engine.session_scope`).
    recipes:
        Validated create-models.
    replace:
        Delete and rewrite recipes whose ``source_key`` already exists.
    merge_outcomes:
        For existing recipes (when not replacing), add outcomes of a kind the stored recipe lacks.
    progress:
        Called as ``progress(done, total)`` every 100 recipes and at the end (for progress bars).
    """
    report = WriteReport()
    resolver = _Resolver(session)
    recipes = list(recipes)
    keys = list({rec.source_key for rec in recipes})
    stored: dict[str, Recipe] = {}
    for i in range(0, len(keys), 500):
        stored.update((r.source_key, r) for r in session.exec(
            select(Recipe).where(Recipe.source_key.in_(keys[i:i + 500]))).scalars())
    for done, rec in enumerate(recipes):
        if progress is not None and done % 100 == 0:
            progress(done, len(recipes))
        existing = stored.get(rec.source_key)
        if existing is not None and not replace:
            if merge_outcomes and rec.outcomes:
                have = {(o.property, o.spectrum, o.method) for o in session.exec(
                    select(Outcome).where(Outcome.recipe_id == existing.id)).scalars()}
                n = _children(session, resolver, rec, existing.id, existing.paper_id, existing.provenance_id,
                              outcomes_only=True, skip_outcomes=have)
                report.merged_outcomes += n
            report.skipped += 1
            continue
        if existing is not None:
            delete_recipe(session, existing)
            stored.pop(rec.source_key, None)
            report.replaced += 1
        else:
            report.added += 1
        paper_id = resolver.paper_id(rec)
        prov_id = _provenance(session, resolver, rec.provenance, paper_id)
        data = rec.model_dump(exclude=_RECIPE_EXCLUDE)
        data.update(paper_id=paper_id, provenance_id=prov_id)
        recipe = Recipe.model_validate(data)
        session.add(recipe)
        session.flush()
        stored[rec.source_key] = recipe
        _children(session, resolver, rec, recipe.id, paper_id, prov_id)
    session.flush()
    if progress is not None:
        progress(len(recipes), len(recipes))
    return report


def write_document(session: Session, paper: PaperCreate, recipes: list[RecipeCreate],
                   replace: bool = False) -> tuple[int, WriteReport]:
    """Write one mined paper with its paragraphs and recipes.

    With ``replace`` (reprocessing with a new pipeline version) the paper's old recipes and paragraphs are
    removed first, so nothing is duplicated. Returns the paper id and the recipe write report.
    """
    existing = find_paper(session, paper.key, paper.doi)
    if existing is not None and replace:
        delete_paper_recipes(session, existing.id)
    row = upsert_paper(session, paper, replace=replace)
    for rec in recipes:
        if rec.paper_key is None and rec.paper_id is None:
            rec.paper_key = row.key
    resolver_recipes = [rec.model_copy(update={"paper_id": row.id}) for rec in recipes]
    report = add_recipes(session, resolver_recipes, replace=replace)
    return row.id, report
