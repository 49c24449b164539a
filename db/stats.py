"""Counts per table, per source and per composition."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from nanosynth.schema.tables import (
    Campaign,
    ChemicalUse,
    Experiment,
    IngestionRecord,
    ModelArtifact,
    Outcome,
    Paper,
    Paragraph,
    Provenance,
    Recipe,
    Step,
)

_TABLES = {"papers": Paper, "paragraphs": Paragraph, "recipes": Recipe, "chemical_uses": ChemicalUse,
           "steps": Step, "outcomes": Outcome, "provenance": Provenance, "campaigns": Campaign,
           "experiments": Experiment, "model_artifacts": ModelArtifact, "ingested_documents": IngestionRecord}


def stats(session: Session, top_compositions: int = 25) -> dict[str, Any]:
    """Counts of every table plus recipes per source kind, per dataset, per composition and outcomes per property."""
    result: dict[str, Any] = {name: session.execute(select(func.count()).select_from(table)).scalar_one()
                              for name, table in _TABLES.items()}
    result["recipes_by_source_kind"] = dict(session.execute(
        select(Recipe.source_kind, func.count()).group_by(Recipe.source_kind).order_by(Recipe.source_kind)).all())
    result["recipes_by_dataset"] = {k or "(none)": v for k, v in session.execute(
        select(Recipe.dataset, func.count()).group_by(Recipe.dataset).order_by(Recipe.dataset)).all()}
    comps = session.execute(
        select(Recipe.target_composition, func.count()).group_by(Recipe.target_composition)
        .order_by(func.count().desc(), Recipe.target_composition)).all()
    result["compositions"] = len(comps)
    result["recipes_by_composition"] = {k or "(unknown)": v for k, v in comps[:top_compositions]}
    result["outcomes_by_property"] = dict(session.execute(
        select(Outcome.property, func.count()).group_by(Outcome.property).order_by(Outcome.property)).all())
    return result
