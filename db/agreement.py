"""Curated and mined side by side: papers that are both in a curated dataset and mined, and how well they agree.

A paper is one row of ``paper`` whatever reached it first: importers and the miner find an existing paper by its
normalized DOI (:func:`nanosynth.schema.doi.normalize_doi`, :func:`nanosynth.db.write.find_paper`), so a curated
row and a mined recipe of the same DOI share ``paper_id``. That link is what is compared here.

Agreement of one field of one curated recipe: some mined recipe of the same paper has a value within the field's
tolerance (:data:`TOLERANCES`; the nearest mined value is reported). Fields the curator gave and the miner did
not are counted as ``missing`` (not as disagreements).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session

from nanosynth.db.queries import RecipeFilter, recipes_wide
from nanosynth.schema.enums import SourceKind
from nanosynth.schema.tables import Paper, Recipe

#: Compared fields → (tolerance, "abs" in the field's unit | "rel" as a fraction | "equal" for text).
TOLERANCES: dict[str, tuple[float, str]] = {
    "injection_temperature_c": (5.0, "abs"), "growth_temperature_c": (5.0, "abs"),
    "growth_time_s": (0.10, "rel"), "size_nm": (0.10, "rel"), "abs_peak_nm": (5.0, "abs"),
    "pl_peak_nm": (5.0, "abs"), "shape": (0.0, "equal"),
}


def linked_papers(session: Session, paper_ids: Sequence[int] | None = None) -> list[int]:
    """Ids of the papers that have both mined (``literature``) and curated recipes."""
    kinds = (SourceKind.LITERATURE.value, SourceKind.CURATED_DATASET.value)
    stmt = (select(Recipe.paper_id).where(Recipe.paper_id.is_not(None), Recipe.source_kind.in_(kinds))
            .group_by(Recipe.paper_id).having(func.count(func.distinct(Recipe.source_kind)) == 2)
            .order_by(Recipe.paper_id))
    if paper_ids is not None:
        stmt = stmt.where(Recipe.paper_id.in_(list(paper_ids)))
    return [int(pid) for pid in session.execute(stmt).scalars()]


def within(field: str, mined, curated) -> bool:
    """Whether a mined value agrees with a curated one under the field's tolerance."""
    tol, kind = TOLERANCES[field]
    if kind == "equal":
        return str(mined).strip().lower() == str(curated).strip().lower()
    if kind == "rel":
        return abs(float(mined) - float(curated)) <= tol * abs(float(curated))
    return abs(float(mined) - float(curated)) <= tol


def tolerance_label(field: str) -> str:
    """``±5`` (in the field's unit), ``±10 %`` or ``equal``."""
    tol, kind = TOLERANCES[field]
    return {"abs": f"±{tol:g}", "rel": f"±{tol * 100:g} %", "equal": "equal"}[kind]


def _py(value):
    """A numpy scalar as the Python value (JSON-able)."""
    return value.item() if hasattr(value, "item") else value


def _present(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _nearest(field: str, candidates: list, curated):
    if TOLERANCES[field][1] == "equal":
        return next((m for m in candidates if within(field, m, curated)), candidates[0])
    return min(candidates, key=lambda m: abs(float(m) - float(curated)))


def compare_paper(wide: pd.DataFrame) -> list[dict]:
    """Field-by-field comparison of one paper's recipes (a wide frame holding both its mined and curated ones).

    One row per (curated recipe, field the curator gave): ``curated``, the nearest ``mined`` value (None when
    the miner gave none), ``agree`` (None when missing), the tolerance and the recipe ids.
    """
    mined = wide[wide["source_kind"] == SourceKind.LITERATURE.value]
    curated = wide[wide["source_kind"] == SourceKind.CURATED_DATASET.value]
    rows = []
    for _, cur in curated.iterrows():
        for field in TOLERANCES:
            if field not in wide.columns or not _present(cur[field]):
                continue
            candidates = [v for v in mined[field] if _present(v)] if field in mined.columns else []
            best = _nearest(field, candidates, cur[field]) if candidates else None
            rows.append({"paper_id": int(cur["paper_id"]), "doi": cur["doi"], "field": field,
                         "curated": _py(cur[field]), "mined": _py(best), "agree": None if best is None else
                         within(field, best, cur[field]), "tolerance": tolerance_label(field),
                         "curated_recipe_id": int(cur["recipe_id"]),
                         "mined_recipe_ids": [int(r) for r in mined["recipe_id"]]})
    return rows


def paper_comparison(session: Session, paper_id: int) -> list[dict]:
    """:func:`compare_paper` of one paper (empty when it is not both curated and mined)."""
    if not linked_papers(session, [paper_id]):
        return []
    ids = list(session.execute(select(Recipe.id).where(Recipe.paper_id == paper_id)).scalars())
    return compare_paper(recipes_wide(session, RecipeFilter(recipe_ids=ids)))


def agreement(session: Session) -> dict:
    """Per-field agreement of mined with curated values over every paper that is both curated and mined.

    Returns ``{"papers": n, "tolerances": {...}, "fields": {field: {"compared", "agree", "rate", "missing"}},
    "pairs": [rows of compare_paper]}``; ``rate`` is agree / compared (None when nothing was compared).
    """
    rows: list[dict] = []
    papers = linked_papers(session)
    for pid in papers:
        rows += paper_comparison(session, pid)
    fields = {}
    for field in TOLERANCES:
        mine = [r for r in rows if r["field"] == field]
        compared = [r for r in mine if r["agree"] is not None]
        agree = sum(1 for r in compared if r["agree"])
        fields[field] = {"compared": len(compared), "agree": agree, "missing": len(mine) - len(compared),
                         "rate": round(agree / len(compared), 4) if compared else None}
    dois = dict(session.execute(select(Paper.id, Paper.doi).where(Paper.id.in_(papers))).all()) if papers else {}
    return {"papers": len(papers), "dois": [dois.get(p) for p in papers],
            "tolerances": {f: tolerance_label(f) for f in TOLERANCES},
            "fields": fields, "pairs": rows}
