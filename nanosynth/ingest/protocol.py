"""What the job runner needs from an extraction pipeline (implemented by :class:`nanosynth.miner.pipeline.Pipeline`)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from nanosynth.schema.errors import ConfigError
from nanosynth.schema.records import PaperCreate, RecipeCreate


class ProcessedLike(Protocol):
    """The result of processing one document."""

    paper: PaperCreate
    recipes: Sequence[RecipeCreate]


@runtime_checkable
class PipelineLike(Protocol):
    """An extraction pipeline: constructed without I/O, :meth:`initialize` loads models once.

    ``process`` raises :class:`nanosynth.schema.errors.ReaderError` or :class:`nanosynth.schema.errors.ExtractionError` for a bad
    document; the runner records any exception as a failure of that document only.
    """

    @property
    def version(self) -> str: ...

    def initialize(self) -> object: ...

    def process(self, data: bytes, source: str) -> ProcessedLike: ...


#: A picklable zero-argument callable returning a (not yet initialized) pipeline; shipped to Dask workers.
PipelineFactory = Callable[[], PipelineLike]


def default_pipeline() -> PipelineLike:
    """The shipped extraction pipeline with its default configuration (:class:`nanosynth.miner.pipeline.Pipeline`)."""
    from nanosynth.miner.pipeline import Pipeline

    return Pipeline()


def rules_pipeline() -> PipelineLike:
    """The shipped pipeline without trained models: keyword paragraph labels and rule/dictionary mentions only.

    Useful before the classifier and NER models are trained, and as a fast first pass over a large corpus.
    """
    from nanosynth.miner.pipeline import Pipeline, PipelineConfig

    return Pipeline(PipelineConfig(classifier_model="heuristic", ner_model=None))


#: Short names accepted by ``nanosynth ingest --pipeline``.
NAMED_PIPELINES = {"default": default_pipeline, "rules": rules_pipeline}


def load_pipeline_factory(spec: str | None) -> PipelineFactory:
    """The pipeline factory ``default``, ``rules`` or ``module:attribute`` (default: the shipped pipeline).

    Raises
    ------
    ConfigError
        When ``spec`` is malformed, cannot be imported or is not callable.
    """
    if not spec:
        return NAMED_PIPELINES["default"]
    if spec in NAMED_PIPELINES:
        return NAMED_PIPELINES[spec]
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ConfigError(f"--pipeline {spec!r} must be 'default', 'rules' or 'package.module:factory'")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"cannot import pipeline factory {spec!r}: {exc}") from exc
    if not callable(factory):
        raise ConfigError(f"pipeline factory {spec!r} is not callable")
    return factory
