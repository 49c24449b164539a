"""End-to-end text-mining pipeline: bytes of a paper → labelled paragraphs → recipes with provenance.

>>> pipe = Pipeline(PipelineConfig(classifier_model="default", ner_model="default"))  # no I/O yet
>>> pipe.initialize()                                  # loads the models once
>>> result = pipe.process(data, "papers/cdse.pdf")     # ProcessedDocument(paper, recipes, timings)
>>> db.write.write_document(session, result.paper, result.recipes)   # done by the caller (nanosynth ingest)

One :class:`nanosynth.miner.document.Document` flows through the stages, each annotating it in place: the reader
builds it, the paragraph classifier sets ``category``/``category_score``/``classifier`` on the paragraphs to be
stored, the recipe extractor sets NER ``entities`` on the paragraphs of its recipes and fills
``Document.recipes``; :meth:`~nanosynth.miner.document.Document.to_records` converts it to database records once,
at the end. A stored paper goes back through the same stages with :meth:`Pipeline.extract` after
:meth:`~nanosynth.miner.document.Document.from_records`.

The pipeline never opens a database session: it returns :class:`nanosynth.schema.PaperCreate` and
:class:`nanosynth.schema.RecipeCreate` objects. :attr:`Pipeline.version` is the string ingestion jobs store to
know which documents must be re-processed when a model or the extractor changes.

Paragraph classifier contract (``miner.classify``): ``load_classifier(name)`` returns an object whose
``predict(texts)`` gives, per text, a ``(label, score)`` pair (or an object/dict with ``label`` and ``score``);
labels are ``synthesis`` / ``characterization`` / ``other``. ``classifier_model="heuristic"`` uses the
keyword rules of :func:`nanosynth.miner.extract.assemble.heuristic_label` instead (no model).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from nanosynth.miner.document import Document
from nanosynth.schema.errors import ConfigError, ExtractionError, ModelError, NanosynthError, ReaderError
from nanosynth.schema.records import PaperCreate, RecipeCreate

logger = logging.getLogger(__name__)

PIPELINE_VERSION = "1.1.0"
LABELS = ("synthesis", "characterization", "other")


class PipelineConfig(BaseModel):
    """Frozen configuration of a :class:`Pipeline`.

    Attributes
    ----------
    classifier_model:
        Paragraph classifier: ``"default"`` (shipped model), a model directory, or ``"heuristic"`` (keyword rules).
    ner_model:
        NER model: ``"fast"`` (shipped MSPTC CNN model, the default: on real papers it extracts the same as
        ``"default"`` at about twice the speed, see benchmarks/results/extract_speed.md), ``"default"`` (CNN +
        frozen MiniLM features, slightly better MSPTC entity F1), a model directory, or ``None`` for
        dictionary/rule mentions only.
    extractor_version:
        Version of the recipe extractor written into provenance.
    include_captions:
        Store figure/table captions as paragraphs too.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    classifier_model: str = "default"
    ner_model: str | None = "fast"
    extractor_version: str = Field(default_factory=lambda: _extractor_version())
    include_captions: bool = False


def _extractor_version() -> str:
    from nanosynth.miner.extract.assemble import EXTRACTOR_VERSION

    return EXTRACTOR_VERSION


class ProcessedDocument(BaseModel):
    """What :meth:`Pipeline.process` returns for one document.

    Attributes
    ----------
    source:
        Path/URL/DOI the bytes came from.
    content_sha256:
        sha256 of the input bytes.
    paper, recipes:
        The records of the annotated document (:meth:`nanosynth.miner.document.Document.to_records`): the paper
        with its paragraphs (``label``, ``label_score``, ``classifier`` and ``section_type`` set) and the
        extracted recipes (``paper_key`` = ``paper.key``).
    timings:
        Seconds spent per stage: ``read``, ``classify``, ``extract``, ``total``.
    warnings:
        Non-fatal problems reported by the reader.
    pipeline_version:
        :attr:`Pipeline.version` of the pipeline that produced it.
    no_synthesis_reason:
        Why the document yields no recipe (the relevance gate: ``"no nanomaterial synthesis: organic synthesis
        (no nanoscale product, no inorganic target)"``, ``"... introduction or review ..."``); None when it yields
        recipes.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    source: str
    content_sha256: str
    paper: PaperCreate
    recipes: list[RecipeCreate] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    pipeline_version: str
    no_synthesis_reason: str | None = None


class Pipeline:
    """Reader → paragraph classifier → NER + recipe extraction, models loaded once.

    Parameters
    ----------
    config:
        A :class:`PipelineConfig` (defaults: shipped classifier and NER models).

    Notes
    -----
    The constructor does no I/O; :meth:`initialize` loads the models (and is called by :meth:`process` when
    needed). One instance is meant to be reused for many documents (one per worker process): models are loaded
    once, and NER runs in one batched call per document over the paragraphs of its recipes.
    """

    def __init__(self, config: PipelineConfig | None = None):
        self.config = config or PipelineConfig()
        self._classifier: Any = None
        self._ner: Any = None
        self._initialized = False

    # ------------------------------------------------------------------------------------------------ identity
    @property
    def version(self) -> str:
        """Pipeline version string for ingestion records (≤ 64 characters, changes with any config value)."""
        blob = json.dumps(self.config.model_dump(), sort_keys=True)
        digest = hashlib.sha256(blob.encode("utf-8")).hexdigest()[:10]
        return f"nanosynth-{PIPELINE_VERSION}+x{self.config.extractor_version}.{digest}"[:64]

    @property
    def initialized(self) -> bool:
        return self._initialized

    # ------------------------------------------------------------------------------------------------ models
    def initialize(self) -> Pipeline:
        """Load the classifier and NER models (once).

        Raises
        ------
        ArtifactNotFoundError, ArtifactIntegrityError
            A model is missing or altered (the message says how to train or restore it).
        ModelError
            The NER model loads but fails on a test sentence.
        ConfigError
            The classifier package is not available for a non-heuristic ``classifier_model``.
        """
        if self._initialized:
            return self
        if self.config.classifier_model != "heuristic":
            try:
                from nanosynth.miner.classify import load_classifier
            except ImportError as exc:
                raise ConfigError("the paragraph classifier (miner.classify.load_classifier) is not available: "
                                  "install it or use PipelineConfig(classifier_model='heuristic')") from exc
            self._classifier = load_classifier(self.config.classifier_model)
        if self.config.ner_model is not None:
            from nanosynth.miner.extract.ner import load_ner, predict_spans

            self._ner = load_ner(self.config.ner_model)
            try:  # warm-up: lazily built parts (feature encoders) load now, not on the first document
                predict_spans(self._ner, ["CdO (0.2 mmol) was heated to 300 °C."])
            except Exception as exc:  # noqa: BLE001 - any backend failure is a model problem
                raise ModelError(f"NER model {self.config.ner_model!r} loaded but fails on a test sentence "
                                 f"({type(exc).__name__}: {exc}); retrain or restore it") from exc
        from nanosynth.miner.extract.quantities import find_quantities

        find_quantities("0.2 mmol in 10 mL at 300 °C for 5 min")  # warm-up: the unit registry builds once, here
        self._initialized = True
        logger.info("pipeline %s initialized", self.version)
        return self

    def classify(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """Label paragraphs ``synthesis`` / ``characterization`` / ``other`` with a score in [0, 1]."""
        if not texts:
            return []
        if self._classifier is None:
            from nanosynth.miner.extract.assemble import heuristic_label

            return [(heuristic_label(t), 0.5) for t in texts]
        raw = self._classifier.predict(list(texts))
        return [_label_pair(item) for item in raw]

    @property
    def classifier_name(self) -> str:
        return "heuristic@1" if self._classifier is None else f"classifier:{self.config.classifier_model}"[:120]

    # ------------------------------------------------------------------------------------------------ stages
    def _classify_stage(self, document: Document, where: str) -> None:
        """Set ``category``, ``category_score`` and ``classifier`` on the paragraphs to be stored that have none
        (``where`` names the document in errors)."""
        todo = [p for p in document.record_paragraphs(self.config.include_captions) if p.category is None]
        try:
            scored = self.classify([p.text for p in todo])
        except NanosynthError:
            raise
        except Exception as exc:
            raise ExtractionError(f"{where}: paragraph classification failed ({exc}); see the log") from exc
        for para, (label, score) in zip(todo, scored, strict=True):
            para.category, para.category_score, para.classifier = label, score, self.classifier_name

    def _extract_stage(self, document: Document, where: str) -> None:
        """Set NER ``entities`` on the recipes' paragraphs and fill ``document.recipes``."""
        from nanosynth.miner.extract.assemble import RecipeExtractor

        try:
            RecipeExtractor(ner=self._ner, version=self.config.extractor_version).recipes(document)
        except NanosynthError:
            raise
        except Exception as exc:
            raise ExtractionError(f"{where}: recipe extraction failed ({type(exc).__name__}: {exc})") from exc

    # ------------------------------------------------------------------------------------------------ process
    def process(self, data: bytes, source: str) -> ProcessedDocument:
        """Read, classify and extract one document.

        Parameters
        ----------
        data:
            The file's bytes (PDF, HTML, publisher XML, text).
        source:
            Where they came from (path, URL or DOI); its file name helps format detection.

        Raises
        ------
        ReaderError
            The bytes are not a readable paper (empty, corrupt, scanned, unknown format).
        ExtractionError
            Classification or extraction failed unexpectedly on this document.
        """
        if not self._initialized:
            self.initialize()
        t0 = time.perf_counter()
        if not data:
            raise ReaderError(f"{source}: the document is empty (0 bytes): check the download or file path")
        from nanosynth.miner.readers import read_document

        document = read_document(data, PurePath(str(source)).name or None)
        t_read = time.perf_counter()
        self._classify_stage(document, str(source))
        t_classify = time.perf_counter()
        self._extract_stage(document, str(source))
        t_extract = time.perf_counter()
        paper, recipes = document.to_records(include_captions=self.config.include_captions)
        return ProcessedDocument(
            source=str(source), content_sha256=hashlib.sha256(data).hexdigest(), paper=paper, recipes=recipes,
            timings={"read": t_read - t0, "classify": t_classify - t_read, "extract": t_extract - t_classify,
                     "total": t_extract - t0},
            warnings=list(document.warnings), pipeline_version=self.version,
            no_synthesis_reason=None if recipes else (document.no_synthesis_reason
                                                      or "no nanomaterial synthesis: no synthesis paragraph found"),
        )

    def extract(self, document: Document) -> list[RecipeCreate]:
        """Classify (paragraphs without a category) and extract the recipes of an already-read document.

        Re-extracts a paper stored in the database after a model or extractor change (rebuild it with
        :meth:`nanosynth.miner.document.Document.from_records`), or text that did not come from a file. The
        document is annotated in place (paragraph categories, entities, ``document.recipes``); convert it with
        :meth:`~nanosynth.miner.document.Document.to_records` to write it.

        Raises
        ------
        ExtractionError
            Classification or extraction failed unexpectedly.
        """
        if not self._initialized:
            self.initialize()
        self._classify_stage(document, document.key)
        self._extract_stage(document, document.key)
        return document.recipes


def _label_pair(item: Any) -> tuple[str, float]:
    """Normalize one classifier output to ``(label, score)``."""
    if isinstance(item, tuple | list) and len(item) == 2:
        label, score = item
    elif isinstance(item, dict):
        label, score = item.get("label"), item.get("score", 1.0)
    elif isinstance(item, str):
        label, score = item, 1.0
    else:
        label, score = getattr(item, "label", None), getattr(item, "score", 1.0)
    label = str(label).lower() if label is not None else "other"
    if label not in LABELS:
        raise ExtractionError(f"classifier returned label {label!r}; expected one of {', '.join(LABELS)}")
    return label, float(max(0.0, min(1.0, score if score is not None else 1.0)))


__all__ = ["LABELS", "PIPELINE_VERSION", "Pipeline", "PipelineConfig", "ProcessedDocument"]
