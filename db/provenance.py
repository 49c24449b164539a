"""Every value of a recipe with its evidence: paper (DOI), paragraph, the sentence and the span of the value.

One row per value (a chemical's amount, a step's temperature or time, an outcome) with the columns of
:data:`VALUE_COLUMNS`. Offsets stored in ``provenance.char_start/char_end`` are offsets in the paragraph's text;
here they are also given within the sentence that holds them (``sentence[span_start:span_end]`` is the value as
written), so that a reader can highlight it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import select
from sqlmodel import Session

from nanosynth.db.queries import RecipeFilter, recipe_ids, source_column
from nanosynth.schema.enums import spectral_name
from nanosynth.schema.errors import DatabaseError
from nanosynth.schema.tables import ChemicalUse, Outcome, Paper, Paragraph, Provenance, Recipe, Step

#: Columns of :func:`provenance_frame`.
VALUE_COLUMNS = ["recipe_id", "source", "dataset", "target_composition", "kind", "field", "value", "unit", "text",
                 "doi", "title", "section", "paragraph", "sentence", "span_start", "span_end", "span_text",
                 "char_start", "char_end", "extractor", "confidence", "curated_dataset", "row_number", "citation",
                 "paper_id", "paragraph_id"]
#: The columns of ``db query/export --with-provenance``: one row per value with its evidence.
QUERY_COLUMNS = ["recipe_id", "source", "dataset", "target_composition", "kind", "field", "value", "unit", "text",
                 "doi", "section", "sentence", "span_start", "span_end", "extractor", "confidence",
                 "curated_dataset", "row_number"]

_STEP_VALUES = (("temperature_c", "°C"), ("time_s", "s"), ("heating_rate_k_min", "K/min"),
                ("injection_volume_ml", "mL"))
_AMOUNTS = (("amount_mmol", "mmol"), ("amount_g", "g"), ("amount_ml", "mL"), ("concentration_mm", "mM"),
            ("ratio", ""))
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])")


def outcome_unit(prop: str) -> str:
    """The unit of an outcome property from its name (``size_nm`` → nm, ``fwhm_mev`` → meV, ``plqy`` → %)."""
    if prop.endswith("_nm"):
        return "nm"
    if prop.endswith("_mev"):
        return "meV"
    if prop in ("plqy", "yield", "size_dist_pct"):
        return "%"
    return ""


def sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets ``(s, e)`` of the sentence(s) of ``text`` that hold ``text[start:end]``."""
    s, e = 0, len(text)
    for m in _SENTENCE_END.finditer(text):
        if m.end() <= start:
            s = m.end()
        elif m.start() >= end:
            e = m.start()
            break
    return s, e


def _amount(chem: ChemicalUse) -> tuple[float | None, str]:
    """The amount of a chemical as stated (value, unit), else its first normalized amount."""
    if chem.amount_value is not None and chem.amount_unit:
        return chem.amount_value, chem.amount_unit
    return next(((getattr(chem, col), unit) for col, unit in _AMOUNTS if getattr(chem, col) is not None),
                (None, ""))


def _value_rows(session: Session, ids: list[int]) -> list[tuple]:
    """(recipe_id, kind, field, value, unit, text, provenance_id) of every value of the recipes ``ids``."""
    rows: list[tuple] = []
    for c in session.execute(select(ChemicalUse).where(ChemicalUse.recipe_id.in_(ids))
                             .order_by(ChemicalUse.recipe_id, ChemicalUse.id)).scalars():
        value, unit = _amount(c)
        rows.append((c.recipe_id, "chemical", f"{c.role}: {c.name}", value, unit, c.amount_raw or c.name_raw,
                     c.provenance_id))
    for s in session.execute(select(Step).where(Step.recipe_id.in_(ids)).order_by(Step.recipe_id, Step.order)
                             ).scalars():
        for col, unit in _STEP_VALUES:
            if getattr(s, col) is not None:
                rows.append((s.recipe_id, "step", f"step {s.order} {s.action}: {col}", getattr(s, col), unit,
                             s.raw_text, s.provenance_id))
    for o in session.execute(select(Outcome).where(Outcome.recipe_id.in_(ids)).order_by(Outcome.recipe_id,
                                                                                          Outcome.id)).scalars():
        name = spectral_name(o.property, o.spectrum) if o.property.startswith("fwhm") and o.spectrum else o.property
        rows.append((o.recipe_id, "outcome", name, o.value if o.value is not None else o.value_text,
                     outcome_unit(o.property), o.value_raw, o.provenance_id))
    return rows


def _evidence(session: Session, prov_ids: set[int]) -> dict[int, dict]:
    """Provenance id → its evidence columns (paper, paragraph, sentence, span, extractor, confidence)."""
    stmt = (select(Provenance, Paragraph.text, Paragraph.section, Paragraph.section_type, Paper.doi, Paper.title,
                   Paper.citation)
            .outerjoin(Paragraph, Paragraph.id == Provenance.paragraph_id)
            .outerjoin(Paper, Paper.id == Provenance.paper_id)
            .where(Provenance.id.in_(list(prov_ids))))
    out: dict[int, dict] = {}
    for prov, text, section, section_type, doi, title, citation in session.execute(stmt).all():
        ev = {"doi": doi, "title": title, "section": section or section_type, "paragraph": text,
              "extractor": prov.extractor, "confidence": prov.confidence, "curated_dataset": prov.dataset,
              "row_number": prov.row_number, "citation": prov.citation or citation, "paper_id": prov.paper_id,
              "paragraph_id": prov.paragraph_id, "char_start": prov.char_start, "char_end": prov.char_end,
              "sentence": None, "span_start": None, "span_end": None, "span_text": None}
        if text is not None and prov.char_start is not None and prov.char_end is not None \
                and prov.char_end <= len(text):
            s, e = sentence_span(text, prov.char_start, prov.char_end)
            ev.update(sentence=text[s:e], span_start=prov.char_start - s, span_end=prov.char_end - s,
                      span_text=text[prov.char_start:prov.char_end])
        out[prov.id] = ev
    return out


def _chunks(ids: list[int], size: int = 900):
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def provenance_frame(session: Session, flt: RecipeFilter | None = None,
                     ids: Sequence[int] | None = None) -> pd.DataFrame:
    """One row per value of the matching recipes (or of the recipes ``ids``) with its evidence.

    Columns are :data:`VALUE_COLUMNS`; evidence columns are empty for values without provenance, and a curated
    value names its dataset and row (``curated_dataset``, ``row_number``) instead of a sentence.
    """
    ids = list(ids) if ids is not None else recipe_ids(session, flt or RecipeFilter())
    frames = []
    for chunk in _chunks(ids):
        meta = {rid: (src, ds, comp, prov) for rid, src, ds, comp, prov in session.execute(
            select(Recipe.id, source_column(), Recipe.dataset, Recipe.target_composition, Recipe.provenance_id)
            .where(Recipe.id.in_(chunk))).all()}
        values = _value_rows(session, chunk)
        prov_of = [pid if pid is not None else meta[rid][3] for rid, *_, pid in values]
        evidence = _evidence(session, {p for p in prov_of if p is not None})
        rows = []
        for (rid, kind, name, value, unit, text, _), pid in zip(values, prov_of, strict=True):
            src, ds, comp, _ = meta[rid]
            rows.append({"recipe_id": rid, "source": src, "dataset": ds, "target_composition": comp, "kind": kind,
                         "field": name, "value": value, "unit": unit, "text": text, **evidence.get(pid, {})})
        frames.append(pd.DataFrame(rows, columns=VALUE_COLUMNS))
    if not frames:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    frame = pd.concat(frames, ignore_index=True).sort_values("recipe_id", kind="stable", ignore_index=True)
    for col in ("span_start", "span_end", "char_start", "char_end", "row_number", "paper_id", "paragraph_id"):
        frame[col] = frame[col].astype("Int64")
    return frame


def recipe_provenance(session: Session, recipe_id: int) -> pd.DataFrame:
    """:func:`provenance_frame` of one recipe.

    Raises
    ------
    DatabaseError
        When there is no recipe with this id.
    """
    if session.get(Recipe, recipe_id) is None:
        raise DatabaseError(f"recipe {recipe_id} does not exist: find ids with 'nanosynth db query' "
                            "(column recipe_id)")
    return provenance_frame(session, ids=[recipe_id])


def recipe_card(session: Session, recipe_id: int) -> dict:
    """One recipe for a reader: its metadata (``recipe``) and every value with its evidence (``values``).

    ``recipe`` holds id, source, source_key, dataset, method, target_composition, success, notes, doi, title,
    paper_id and experiment_id; ``values`` are the records of :func:`recipe_provenance` (JSON-able: NaN → None).

    Raises
    ------
    DatabaseError
        When there is no recipe with this id.
    """
    values = recipe_provenance(session, recipe_id)
    row = session.execute(
        select(Recipe.id, source_column(), Recipe.source_key, Recipe.dataset, Recipe.method,
               Recipe.target_composition, Recipe.success, Recipe.notes, Paper.doi, Paper.title, Recipe.paper_id,
               Recipe.experiment_id).outerjoin(Paper, Paper.id == Recipe.paper_id).where(Recipe.id == recipe_id)
    ).one()
    recipe = dict(zip(["id", "source", "source_key", "dataset", "method", "target_composition", "success", "notes",
                       "doi", "title", "paper_id", "experiment_id"], row, strict=True))
    return {"recipe": recipe, "values": records(values)}


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows of a frame as JSON-able dicts (NaN and NA → None, numpy scalars → Python)."""
    clean = frame.astype(object).where(frame.notna(), None)
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
            for row in clean.to_dict(orient="records")]
