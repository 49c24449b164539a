"""SQLModel tables of the unified synthesis-condition data model.

Pattern (SQLModel): ``XBase`` holds the fields and their pydantic validators, ``X(XBase, table=True)`` is the
table. Write paths build rows with ``X.model_validate(data)`` so that every row is validated; plain
``X(...)`` construction of a table model skips validation and is not used to write user data.

Enumerated columns are stored as strings (portable across SQLite and PostgreSQL, no enum types to migrate) and
validated against :mod:`nanosynth.schema.enums` on the way in.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import field_validator, model_validator
from sqlalchemy import JSON, Column, Index, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from nanosynth.schema.doi import normalize_doi
from nanosynth.schema.enums import (
    CampaignStatus,
    ChemicalRole,
    ExperimentStatus,
    IngestionStatus,
    OutcomeProperty,
    PaperSource,
    SourceKind,
    Spectrum,
    StepAction,
    SynthesisMethod,
)
from nanosynth.schema.vocab import normalize_shape

#: Physical range of synthesis temperatures accepted by the schema (liquid nitrogen to 1600 K).
MIN_TEMPERATURE_K = 70.0
MAX_TEMPERATURE_K = 1600.0
#: Wavelength range of spectral peaks accepted (deep UV to mid IR).
MIN_WAVELENGTH_NM = 150.0
MAX_WAVELENGTH_NM = 5000.0
#: Coarse section types of a paragraph (``Paragraph.section_type``), as the miner's ``canonical_section`` names
#: them from section headings.
SECTION_TYPES = ("abstract", "supporting", "back_matter", "acknowledgments", "experimental", "characterization",
                 "results", "introduction", "conclusion")


def utcnow() -> datetime:
    """Timezone-aware now in UTC: use it for every datetime column (naive datetimes are refused on write)."""
    return datetime.now(UTC)


def _enum_value(enum_cls, value, field: str):
    if value is None:
        return None
    try:
        return enum_cls(str(value).strip().lower()).value
    except ValueError as exc:
        allowed = ", ".join(e.value for e in enum_cls)
        raise ValueError(f"{field} {value!r} is not one of: {allowed}") from exc


# --------------------------------------------------------------------------------------------------- provenance
class ProvenanceBase(SQLModel):
    """Where one extracted or imported value came from."""

    paper_id: int | None = Field(default=None, foreign_key="paper.id", index=True)
    paragraph_id: int | None = Field(default=None, foreign_key="paragraph.id", index=True)
    char_start: int | None = Field(default=None, ge=0)
    char_end: int | None = Field(default=None, ge=0)
    extractor: str = Field(max_length=120, description="name@version of the extractor or importer")
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    dataset: str | None = Field(default=None, max_length=80, description="curated dataset name")
    row_number: int | None = Field(default=None, ge=0, description="row in the dataset file (1 = first data row)")
    citation: str | None = Field(default=None, description="DOI or citation text given by the source")

    @model_validator(mode="after")
    def _offsets_ordered(self):
        if self.char_start is not None and self.char_end is not None and self.char_end < self.char_start:
            raise ValueError(f"char_end {self.char_end} is before char_start {self.char_start}")
        if "@" not in self.extractor:
            raise ValueError(f"extractor {self.extractor!r} must be 'name@version'")
        return self


class Provenance(ProvenanceBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)


# -------------------------------------------------------------------------------------------------- papers
class PaperBase(SQLModel):
    """A publication (or a dataset's cited source)."""

    key: str = Field(max_length=300, description="unique key: 'doi:<doi>' or 'sha256:<content hash>' or dataset key")
    doi: str | None = Field(default=None, max_length=255)
    title: str | None = None
    journal: str | None = Field(default=None, max_length=300)
    year: int | None = Field(default=None, ge=1800, le=2100)
    source_kind: str = Field(default=PaperSource.TEXT.value, max_length=32)
    citation: str | None = None

    @field_validator("source_kind")
    @classmethod
    def _source_kind(cls, v):
        return _enum_value(PaperSource, v, "source_kind")

    @field_validator("doi")
    @classmethod
    def _doi(cls, v):
        if v is None or not str(v).strip():
            return None
        return normalize_doi(str(v))


class Paper(PaperBase, table=True):
    __table_args__ = (UniqueConstraint("key", name="uq_paper_key"), UniqueConstraint("doi", name="uq_paper_doi"))
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)


class ParagraphBase(SQLModel):
    """One paragraph of a paper, in reading order."""

    paper_id: int = Field(foreign_key="paper.id", index=True)
    order: int = Field(ge=0)
    section: str | None = Field(default=None, max_length=300)
    text: str
    char_start: int | None = Field(default=None, ge=0)
    char_end: int | None = Field(default=None, ge=0)
    label: str | None = Field(default=None, max_length=32)
    label_score: float | None = Field(default=None, ge=0.0, le=1.0)
    classifier: str | None = Field(default=None, max_length=120)
    section_type: str | None = Field(default=None, max_length=32,
                                     description="coarse type of the enclosing section (one of SECTION_TYPES)")

    @field_validator("section_type")
    @classmethod
    def _section_type(cls, v):
        if v is None:
            return None
        v = str(v).strip().lower()
        if v not in SECTION_TYPES:
            raise ValueError(f"section_type {v!r} is not one of: {', '.join(SECTION_TYPES)}")
        return v


class Paragraph(ParagraphBase, table=True):
    __table_args__ = (UniqueConstraint("paper_id", "order", name="uq_paragraph_order"),)
    id: int | None = Field(default=None, primary_key=True)


# -------------------------------------------------------------------------------------------------- recipes
class RecipeBase(SQLModel):
    """One synthesis (a recipe): literature, curated dataset row, lab experiment or campaign run."""

    source_key: str = Field(max_length=300, description="unique, stable key of the record in its source")
    source_kind: str = Field(max_length=32)
    dataset: str | None = Field(default=None, max_length=80, index=True)
    paper_id: int | None = Field(default=None, foreign_key="paper.id", index=True)
    series_key: str | None = Field(default=None, max_length=300, index=True,
                                   description="groups recipes of one series (e.g. aliquots of one experiment)")
    method: str = Field(default=SynthesisMethod.UNKNOWN.value, max_length=32)
    target_composition: str | None = Field(default=None, max_length=120, index=True)
    target_phase: str | None = Field(default=None, max_length=80,
                                     description="crystal phase/polymorph label of the target (e.g. 'mp-2691')")
    success: bool | None = None
    notes: str | None = None
    experiment_id: int | None = Field(default=None, foreign_key="experiment.id", index=True)
    provenance_id: int | None = Field(default=None, foreign_key="provenance.id")
    simulated: bool = Field(default=False, sa_column_kwargs={"server_default": false()},
                            description="made by a simulator (the reactor's digital twin), not a real experiment")

    @field_validator("source_kind")
    @classmethod
    def _source_kind(cls, v):
        return _enum_value(SourceKind, v, "source_kind")

    @field_validator("method")
    @classmethod
    def _method(cls, v):
        return _enum_value(SynthesisMethod, v, "method")


class Recipe(RecipeBase, table=True):
    __table_args__ = (UniqueConstraint("source_key", name="uq_recipe_source_key"),)
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)


class ChemicalUseBase(SQLModel):
    """A chemical used in a recipe, with its role and amount (raw and normalized)."""

    recipe_id: int | None = Field(default=None, foreign_key="recipe.id", index=True)
    name_raw: str = Field(max_length=300)
    name: str = Field(max_length=300, index=True, description="normalized name")
    formula: str | None = Field(default=None, max_length=120)
    role: str = Field(default=ChemicalRole.OTHER.value, max_length=32)
    amount_raw: str | None = Field(default=None, max_length=300)
    amount_value: float | None = Field(default=None, ge=0)
    amount_unit: str | None = Field(default=None, max_length=40)
    amount_mmol: float | None = Field(default=None, ge=0)
    amount_ml: float | None = Field(default=None, ge=0)
    amount_g: float | None = Field(default=None, ge=0)
    concentration_mm: float | None = Field(default=None, ge=0)
    ratio: float | None = Field(default=None, ge=0)
    provenance_id: int | None = Field(default=None, foreign_key="provenance.id")

    @field_validator("role")
    @classmethod
    def _role(cls, v):
        return _enum_value(ChemicalRole, v, "role")

    @field_validator("amount_unit")
    @classmethod
    def _unit(cls, v):
        if v is None or not str(v).strip():
            return None
        from nanosynth.schema.units import parse_unit  # pint is loaded on first use, never at import

        parse_unit(str(v))  # raises UnitError (a ValueError) naming the unknown unit
        return str(v).strip()


class ChemicalUse(ChemicalUseBase, table=True):
    __tablename__ = "chemical_use"
    id: int | None = Field(default=None, primary_key=True)


class StepBase(SQLModel):
    """One step of a recipe with its conditions (temperature kept in K and °C)."""

    recipe_id: int | None = Field(default=None, foreign_key="recipe.id", index=True)
    order: int = Field(ge=0)
    action: str = Field(default=StepAction.OTHER.value, max_length=32)
    temperature_k: float | None = None
    temperature_c: float | None = None
    time_s: float | None = Field(default=None, ge=0)
    heating_rate_k_min: float | None = Field(default=None, ge=0)
    atmosphere: str | None = Field(default=None, max_length=40)
    injection_volume_ml: float | None = Field(default=None, ge=0)
    raw_text: str | None = None
    provenance_id: int | None = Field(default=None, foreign_key="provenance.id")

    @field_validator("action")
    @classmethod
    def _action(cls, v):
        return _enum_value(StepAction, v, "action")

    @model_validator(mode="before")
    @classmethod
    def _temperature(cls, data: Any):
        # "before" mode: table models cannot be assigned to while they are being validated.
        if not isinstance(data, dict):
            return data
        data = dict(data)
        k, c = data.get("temperature_k"), data.get("temperature_c")
        if k is None and c is not None:
            k = float(c) + 273.15
        if k is not None:
            k = float(k)
            if not (MIN_TEMPERATURE_K <= k <= MAX_TEMPERATURE_K):
                raise ValueError(
                    f"temperature {k:.1f} K ({k - 273.15:.1f} °C) is outside the physical range "
                    f"{MIN_TEMPERATURE_K}-{MAX_TEMPERATURE_K} K: check the unit (°C vs K)"
                )
            data["temperature_k"] = k
            data["temperature_c"] = round(k - 273.15, 6)
        return data


class Step(StepBase, table=True):
    __table_args__ = (Index("ix_step_recipe_order", "recipe_id", "order"),)
    id: int | None = Field(default=None, primary_key=True)


class OutcomeBase(SQLModel):
    """A property of the product: size, shape, spectra peaks, FWHM, PLQY, yield."""

    recipe_id: int | None = Field(default=None, foreign_key="recipe.id", index=True)
    property: str = Field(max_length=32, index=True)
    value: float | None = None
    value_text: str | None = Field(default=None, max_length=120, description="categorical value (shape)")
    value_raw: str | None = Field(default=None, max_length=300)
    spectrum: str | None = Field(default=None, max_length=16, description="absorption|pl for peaks and FWHM")
    method: str | None = Field(default=None, max_length=80, description="how measured: TEM, XRD, UV-vis, PL ...")
    provenance_id: int | None = Field(default=None, foreign_key="provenance.id")

    @field_validator("property")
    @classmethod
    def _property(cls, v):
        return _enum_value(OutcomeProperty, v, "property")

    @field_validator("spectrum")
    @classmethod
    def _spectrum(cls, v):
        return _enum_value(Spectrum, v, "spectrum")

    @model_validator(mode="before")
    @classmethod
    def _value_in_range(cls, data: Any):
        # "before" mode: table models cannot be assigned to while they are being validated.
        if not isinstance(data, dict):
            return data
        data = dict(data)
        prop = OutcomeProperty(_enum_value(OutcomeProperty, data.get("property"), "property"))
        if prop is OutcomeProperty.SHAPE:
            if not data.get("value_text"):
                raise ValueError("a shape outcome needs value_text (e.g. 'sphere')")
            data["value_text"] = normalize_shape(data["value_text"])
            return data
        if data.get("value") is None:
            raise ValueError(f"outcome {prop.value} needs a numeric value")
        v = float(data["value"])
        if prop in (OutcomeProperty.SIZE_NM, OutcomeProperty.SIZE_SD_NM):
            ok = 0 <= v <= 10000 and (v > 0 or prop is OutcomeProperty.SIZE_SD_NM)
        elif prop in (OutcomeProperty.ABS_PEAK_NM, OutcomeProperty.PL_PEAK_NM):
            ok = MIN_WAVELENGTH_NM <= v <= MAX_WAVELENGTH_NM
        elif prop in (OutcomeProperty.PLQY, OutcomeProperty.YIELD):
            ok = 0 <= v <= 100
        elif prop is OutcomeProperty.SIZE_DIST_PCT:
            ok = 0 <= v <= 1000
        else:  # FWHM
            ok = 0 < v <= 5000
        if not ok:
            raise ValueError(f"{prop.value} = {v} is outside its physical range")
        if prop is OutcomeProperty.ABS_PEAK_NM:
            data["spectrum"] = Spectrum.ABSORPTION.value
        elif prop is OutcomeProperty.PL_PEAK_NM:
            data["spectrum"] = Spectrum.PL.value
        elif prop in (OutcomeProperty.FWHM_NM, OutcomeProperty.FWHM_MEV) and data.get("spectrum") is None:
            raise ValueError(f"{prop.value} needs spectrum 'absorption' or 'pl'")
        return data


class Outcome(OutcomeBase, table=True):
    id: int | None = Field(default=None, primary_key=True)


# -------------------------------------------------------------------------------------------------- lab
class CampaignBase(SQLModel):
    """An automated reactor campaign: targets, adapter, budget."""

    name: str = Field(max_length=200)
    status: str = Field(default=CampaignStatus.CREATED.value, max_length=16)
    adapter: str | None = Field(default=None, max_length=300)
    target: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    config: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    model_artifact_id: int | None = Field(default=None, foreign_key="model_artifact.id")

    @field_validator("status")
    @classmethod
    def _status(cls, v):
        return _enum_value(CampaignStatus, v, "status")


class Campaign(CampaignBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None


class ExperimentBase(SQLModel):
    """One lab run: request, status, result, where its raw data lives."""

    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    seq: int = Field(ge=0, description="order within the campaign")
    status: str = Field(default=ExperimentStatus.PLANNED.value, max_length=16)
    parameters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    predicted: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    error: str | None = None
    raw_data_uri: str | None = None
    dispatched_at: datetime | None = None
    finished_at: datetime | None = None

    @field_validator("status")
    @classmethod
    def _status(cls, v):
        return _enum_value(ExperimentStatus, v, "status")


class Experiment(ExperimentBase, table=True):
    __table_args__ = (UniqueConstraint("campaign_id", "seq", name="uq_experiment_seq"),)
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)


# -------------------------------------------------------------------------------------------------- registry
class ModelArtifactBase(SQLModel):
    """A trained model registered with its manifest."""

    name: str = Field(max_length=200)
    version: str = Field(max_length=64)
    kind: str = Field(max_length=40, description="xgb, nn, rf, residual ...")
    target: str = Field(max_length=64)
    path: str
    manifest_sha256: str = Field(max_length=64)
    data_hash: str | None = Field(default=None, max_length=64)
    features: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    metrics: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    parent_id: int | None = Field(default=None, foreign_key="model_artifact.id")


class ModelArtifact(ModelArtifactBase, table=True):
    __tablename__ = "model_artifact"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_model_artifact_version"),)
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)


# -------------------------------------------------------------------------------------------------- ingestion
class IngestionRecordBase(SQLModel):
    """One document in an ingestion job."""

    job: str = Field(max_length=120, index=True)
    source: str = Field(description="path, URL or DOI the document came from")
    content_hash: str = Field(max_length=64, index=True)
    pipeline_version: str = Field(max_length=64)
    status: str = Field(default=IngestionStatus.PENDING.value, max_length=16, index=True)
    error: str | None = None
    paper_id: int | None = Field(default=None, foreign_key="paper.id")
    recipes: int = Field(default=0, ge=0)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_s: float | None = Field(default=None, ge=0)
    attempts: int = Field(default=0, ge=0, sa_column_kwargs={"server_default": "0"},
                          description="consecutive runs that claimed the document without finishing it")

    @field_validator("status")
    @classmethod
    def _status(cls, v):
        return _enum_value(IngestionStatus, v, "status")


class IngestionRecord(IngestionRecordBase, table=True):
    __tablename__ = "ingestion_record"
    __table_args__ = (UniqueConstraint("content_hash", "source", "pipeline_version",
                                       name="uq_ingestion_doc_source_version"),)
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)


class DatasetImport(SQLModel, table=True):
    """One import of a curated dataset file (what was added, skipped and rejected)."""

    __tablename__ = "dataset_import"
    id: int | None = Field(default=None, primary_key=True)
    dataset: str = Field(max_length=80)
    file_name: str
    file_sha256: str = Field(max_length=64)
    rows: int = 0
    added: int = 0
    skipped: int = 0
    rejected: int = 0
    rejections: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


ALL_TABLES = (Provenance, Paper, Paragraph, Recipe, ChemicalUse, Step, Outcome, Campaign, Experiment,
              ModelArtifact, IngestionRecord, DatasetImport)
