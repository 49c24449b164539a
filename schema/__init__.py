"""Unified synthesis-condition data model (SQLModel tables, create-models, vocabularies, units, chemicals).

The bottom layer of nanosynth: imports nothing internal. Importing it does no I/O.
"""

import logging

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
from nanosynth.schema.errors import (
    ArtifactIntegrityError,
    ArtifactNotFoundError,
    ConfigError,
    DatabaseError,
    ExtractionError,
    FetchError,
    HardwareError,
    ImportFormatError,
    ModelError,
    NanosynthError,
    ReaderError,
    SafetyLimitError,
    SchemaValidationError,
    UnitError,
)
from nanosynth.schema.records import (
    ChemicalUseCreate,
    OutcomeCreate,
    PaperCreate,
    ParagraphCreate,
    ProvenanceCreate,
    RecipeCreate,
    StepCreate,
    validate_record,
)
from nanosynth.schema.tables import (
    Campaign,
    ChemicalUse,
    DatasetImport,
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

logging.getLogger(__name__).addHandler(logging.NullHandler())

SCHEMA_VERSION = "1"

__all__ = [name for name in dir() if not name.startswith("_") and name not in {"logging"}]
