"""Create-models: validated, nested records that producers (importers, miner, lab) hand to the database layer.

A producer builds a :class:`RecipeCreate` (with its chemicals, steps, outcomes and provenance) or a
:class:`PaperCreate` (with paragraphs); ``db.write`` resolves keys to ids and writes rows idempotently. Nothing
here touches a database.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError, model_validator
from sqlmodel import Field, SQLModel

from nanosynth.schema.chemicals import formula_of, guess_role, normalize_name
from nanosynth.schema.errors import SchemaValidationError
from nanosynth.schema.tables import (
    ChemicalUseBase,
    OutcomeBase,
    PaperBase,
    ParagraphBase,
    ProvenanceBase,
    RecipeBase,
    StepBase,
)


class ProvenanceCreate(ProvenanceBase):
    """Provenance of one value before the paper/paragraph rows have ids.

    ``paragraph_order`` points at the paragraph (by reading order) in the paper the recipe belongs to; the
    writer resolves it to ``paragraph_id``.
    """

    paragraph_order: int | None = Field(default=None, ge=0)


class ParagraphCreate(ParagraphBase):
    """A paragraph as produced by a reader and annotated by the miner (classifier label, section type).

    ``paper_id`` is filled by the writer; ``order`` is the paragraph's reading order in its document.
    """

    paper_id: int | None = Field(default=None, foreign_key="paper.id")  # type: ignore[assignment]


class PaperCreate(PaperBase):
    """A paper with its paragraphs."""

    paragraphs: list[ParagraphCreate] = Field(default_factory=list)


class ChemicalUseCreate(ChemicalUseBase):
    """A chemical of a recipe. ``name``, ``formula`` and ``role`` are filled from ``name_raw`` when not given."""

    name: str | None = Field(default=None, max_length=300)  # type: ignore[assignment]
    role: str | None = Field(default=None, max_length=32)  # type: ignore[assignment]
    provenance: ProvenanceCreate | None = None
    target_composition_hint: str | None = Field(default=None, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _fill_names(cls, data: Any):
        if isinstance(data, dict):
            data = dict(data)
            raw = data.get("name_raw")
            if raw is not None and str(raw).strip():
                data.setdefault("name", None)
                if not data["name"]:
                    data["name"] = normalize_name(str(raw))
                if not data.get("formula"):
                    data["formula"] = formula_of(str(raw))
                if not data.get("role"):
                    data["role"] = guess_role(str(raw), data.get("target_composition_hint")).value
        return data


class StepCreate(StepBase):
    """A step of a recipe."""

    provenance: ProvenanceCreate | None = None


class OutcomeCreate(OutcomeBase):
    """An outcome of a recipe."""

    provenance: ProvenanceCreate | None = None


class RecipeCreate(RecipeBase):
    """A whole recipe: the synthesis, its chemicals, steps and outcomes, each with provenance."""

    paper_key: str | None = Field(default=None, description="Paper.key of the source paper, resolved on write")
    paper: PaperBase | None = Field(default=None, description="paper to create if paper_key is unknown")
    chemicals: list[ChemicalUseCreate] = Field(default_factory=list)
    steps: list[StepCreate] = Field(default_factory=list)
    outcomes: list[OutcomeCreate] = Field(default_factory=list)
    provenance: ProvenanceCreate | None = None


def validate_record(model: type[SQLModel], data: dict[str, Any], where: str = "") -> SQLModel:
    """Validate ``data`` as ``model``; raise :class:`SchemaValidationError` whose message names every bad field.

    Parameters
    ----------
    model:
        A Base/Create/table model class.
    data:
        Field values.
    where:
        Context for the message (``"row 17"``).
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or model.__name__}: {err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors()
        )
        prefix = f"{where}: " if where else ""
        raise SchemaValidationError(f"{prefix}invalid {model.__name__}: {problems}") from exc
