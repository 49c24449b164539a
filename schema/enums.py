"""Controlled vocabularies of the unified schema (stored as plain strings in the database)."""

from __future__ import annotations

from enum import StrEnum


class SourceKind(StrEnum):
    """Where a recipe comes from."""

    LITERATURE = "literature"
    CURATED_DATASET = "curated_dataset"
    LAB = "lab"
    CAMPAIGN = "campaign"


class RecipeSource(StrEnum):
    """Where a recipe came from, as a reader of the data asks it (the ``source`` column of every query).

    ``curated``: a row of a curated dataset; ``mined``: extracted from a paper by the miner; ``lab``: a real
    experiment (a lab run or a campaign on a real reactor); ``simulated``: a campaign run on the digital twin.
    Simulated recipes are left out of queries unless asked for (``include=("simulated",)``).
    """

    CURATED = "curated"
    MINED = "mined"
    LAB = "lab"
    SIMULATED = "simulated"


#: Names that stand for several sources in a filter (``source="literature"`` = curated and mined).
SOURCE_GROUPS: dict[str, tuple[str, ...]] = {"literature": (RecipeSource.CURATED.value, RecipeSource.MINED.value)}
_SOURCE_OF_KIND = {SourceKind.LITERATURE.value: RecipeSource.MINED, SourceKind.CURATED_DATASET.value:
                   RecipeSource.CURATED, SourceKind.LAB.value: RecipeSource.LAB,
                   SourceKind.CAMPAIGN.value: RecipeSource.LAB}


def recipe_source(source_kind: str, simulated: bool = False) -> str:
    """The :class:`RecipeSource` of a recipe from its ``source_kind`` and ``simulated`` flag."""
    if simulated:
        return RecipeSource.SIMULATED.value
    return _SOURCE_OF_KIND[str(source_kind)].value


def source_kinds(source: str) -> tuple[str, ...]:
    """The ``source_kind`` values a :class:`RecipeSource` covers (simulated recipes are campaign recipes)."""
    if source == RecipeSource.SIMULATED.value:
        return (SourceKind.CAMPAIGN.value,)
    return tuple(kind for kind, src in _SOURCE_OF_KIND.items() if src.value == source)


def expand_sources(sources) -> tuple[str, ...]:
    """Source names (or groups such as ``literature``) → :class:`RecipeSource` values.

    Raises
    ------
    ValueError
        Naming the unknown source and the valid names.
    """
    out: list[str] = []
    valid = [s.value for s in RecipeSource] + list(SOURCE_GROUPS)
    for name in ([sources] if isinstance(sources, str) else list(sources)):
        key = str(name).strip().lower()
        if key not in valid:
            raise ValueError(f"unknown source {name!r}: use one of {', '.join(valid)}")
        out += SOURCE_GROUPS.get(key, (key,))
    return tuple(dict.fromkeys(out))


class PaperSource(StrEnum):
    """How a paper's text reached the database."""

    PDF = "pdf"
    PUBLISHER_XML = "publisher_xml"
    HTML = "html"
    TEXT = "text"
    DATASET_CITATION = "dataset_citation"
    METADATA = "metadata"


class ChemicalRole(StrEnum):
    """Role of a chemical in a synthesis."""

    CATION_PRECURSOR = "cation_precursor"
    ANION_PRECURSOR = "anion_precursor"
    LIGAND = "ligand"
    SOLVENT = "solvent"
    REDUCING_AGENT = "reducing_agent"
    ADDITIVE = "additive"
    TARGET = "target"
    OTHER = "other"


class SynthesisMethod(StrEnum):
    """Family of the synthesis route."""

    HOT_INJECTION = "hot_injection"
    HEAT_UP = "heat_up"
    SEED_MEDIATED = "seed_mediated"
    ION_EXCHANGE = "ion_exchange"
    SOLVOTHERMAL = "solvothermal"
    MICROFLUIDIC = "microfluidic"
    OTHER = "other"
    UNKNOWN = "unknown"


class StepAction(StrEnum):
    """What happens in a synthesis step."""

    MIX = "mix"
    DEGAS = "degas"
    HEAT = "heat"
    INJECT = "inject"
    GROW = "grow"
    COOL = "cool"
    QUENCH = "quench"
    PURIFY = "purify"
    CENTRIFUGE = "centrifuge"
    DISSOLVE = "dissolve"
    STIR = "stir"
    OTHER = "other"


class OutcomeProperty(StrEnum):
    """Measured or reported property of a synthesis product."""

    SIZE_NM = "size_nm"
    SIZE_SD_NM = "size_sd_nm"
    SIZE_DIST_PCT = "size_dist_pct"
    SHAPE = "shape"
    ABS_PEAK_NM = "abs_peak_nm"
    PL_PEAK_NM = "pl_peak_nm"
    FWHM_NM = "fwhm_nm"
    FWHM_MEV = "fwhm_mev"
    PLQY = "plqy"
    YIELD = "yield"


class Spectrum(StrEnum):
    """Which spectrum a FWHM (or peak) refers to."""

    ABSORPTION = "absorption"
    PL = "pl"


#: Short prefix of each spectrum in per-spectrum names (``abs_fwhm_mev``, ``pl_fwhm_nm``).
SPECTRUM_PREFIX = {Spectrum.ABSORPTION: "abs", Spectrum.PL: "pl"}


def spectral_name(prop: OutcomeProperty | str, spectrum: Spectrum | str) -> str:
    """The one name of a per-spectrum outcome: ``spectral_name("fwhm_mev", "pl")`` → ``"pl_fwhm_mev"``.

    Database wide frames, model targets, reactor outputs and campaign objectives all use this spelling.
    """
    return f"{SPECTRUM_PREFIX[Spectrum(spectrum)]}_{OutcomeProperty(prop).value}"


class ExperimentStatus(StrEnum):
    """Life cycle of one lab experiment."""

    PLANNED = "planned"
    DISPATCHED = "dispatched"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    ABORTED = "aborted"


class CampaignStatus(StrEnum):
    """Life cycle of a lab campaign."""

    CREATED = "created"
    RUNNING = "running"
    DONE = "done"
    STOPPED = "stopped"
    FAILED = "failed"


class IngestionStatus(StrEnum):
    """Life cycle of one document in an ingestion job (``duplicate``: the same bytes as another source, whose
    record holds the outcome; the paper and its recipes are stored once)."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"
    DUPLICATE = "duplicate"
