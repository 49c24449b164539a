"""The one registry of the miner: pipeline stages by versioned name, and the shipped models of every task.

Stages
    Named ``<task>.<backend>.v<N>`` (``"paragraph_classifier.tfidf.v1"``, ``"ner.spacy.v1"``). The built-in ones are
    listed in :data:`BUILTIN_STAGES`, in this one place, as ``"module:attribute"`` strings imported on first use
    (so this module imports no stage module and no stage module imports it: no import cycle). Model directories
    record their stage name in ``manifest.json``; the short backend name (``tfidf``, ``minilm``, ``spacy``,
    ``transformer``) is what the command line takes. Plug-ins add stages with :func:`register_stage`.

Shipped models (:data:`SHIPPED_MODELS`), named per task — the same name never means two models of one task:

=========================  ==========  ===================================================================
task                       name        model
=========================  ==========  ===================================================================
``paragraph_classifier``   ``default`` TF-IDF n-grams + cue features (hundreds of paragraphs/s; ingestion)
``paragraph_classifier``   ``minilm``  MiniLM embeddings + cue features (slower, more accurate in CV)
``ner``                    ``default`` MSPTC entities, spaCy CNN + frozen MiniLM features (dev micro-F1 0.800)
``ner``                    ``fast``    MSPTC entities, spaCy CNN only (dev micro-F1 0.783, ~8x faster)
``aunp_ner``               ``default`` gold-nanoparticle outcome entities (MOR, SIZ, UNT ...)
=========================  ==========  ===================================================================

Aliases kept for existing scripts (:data:`MODEL_ALIASES`): classifier ``fast`` = classifier ``default``; NER
``spacy`` = NER ``default``. Unknown names raise :class:`~nanosynth.schema.errors.ConfigError` listing the valid
ones; anything that looks like a path is a model directory.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from nanosynth.schema.errors import ConfigError

T = TypeVar("T", bound=type)

_MINER_DIR = Path(__file__).resolve().parent
_STAGE_NAME = re.compile(r"^[a-z][a-z_]*\.[a-z0-9_]+\.v\d+$")


@dataclass(frozen=True)
class StageSpec:
    """A registered stage.

    Attributes
    ----------
    name:
        Versioned name ``<task>.<backend>.v<N>``.
    target:
        ``"module:attribute"`` of the stage class (imported on first use), or the class itself for plug-ins.
    description:
        One line for help texts.
    """

    name: str
    target: str | type
    description: str = ""

    @property
    def task(self) -> str:
        return self.name.split(".")[0]

    @property
    def backend(self) -> str:
        return self.name.split(".")[1]

    def load(self) -> Any:
        """The stage class (its module is imported now if needed)."""
        if not isinstance(self.target, str):
            return self.target
        module, _, attribute = self.target.partition(":")
        return getattr(importlib.import_module(module), attribute)


BUILTIN_STAGES: tuple[StageSpec, ...] = (
    StageSpec("paragraph_classifier.tfidf.v1", "nanosynth.miner.classify.tfidf:TfidfParagraphClassifier",
              "TF-IDF word + character n-grams and cue features, logistic head"),
    StageSpec("paragraph_classifier.minilm.v1", "nanosynth.miner.classify.minilm:MiniLMParagraphClassifier",
              "mean-pooled MiniLM embeddings and cue features, logistic head"),
    StageSpec("ner.spacy.v1", "spacy.pipeline.ner:EntityRecognizer",
              "spaCy transition-based NER over a hashed-embedding CNN (optionally + frozen MiniLM features)"),
    StageSpec("ner.transformer.v1", "nanosynth.miner.extract.transformer_ner:TransformerNER",
              "fine-tuned MiniLM token classifier with BIO Viterbi decoding"),
)
"""Every built-in stage."""

_STAGES: dict[str, StageSpec] = {spec.name: spec for spec in BUILTIN_STAGES}


def register_stage(name: str, description: str = "") -> Callable[[T], T]:
    """Class decorator registering a plug-in stage under a versioned name.

    Sets ``cls.stage_name`` and ``cls.backend`` (the middle part of the name).

    Raises
    ------
    ConfigError
        When the name is not ``<task>.<backend>.v<N>`` or is already taken by another class.
    """
    if not _STAGE_NAME.match(name):
        raise ConfigError(f"stage name {name!r} is not <task>.<backend>.v<N>, e.g. 'paragraph_classifier.tfidf.v1'")

    def decorate(cls: T) -> T:
        known = _STAGES.get(name)
        if known is not None and known.target is not cls:
            raise ConfigError(f"stage {name!r} is already registered ({known.target}); give the new class a new "
                              "name or version")
        spec = StageSpec(name, cls, description)
        _STAGES[name] = spec
        cls.stage_name = name  # type: ignore[attr-defined]
        cls.backend = spec.backend  # type: ignore[attr-defined]
        return cls

    return decorate


def stage_names(task: str | None = None) -> list[str]:
    """Registered stage names, of one task or all, sorted."""
    return sorted(name for name, spec in _STAGES.items() if task is None or spec.task == task)


def backends(task: str) -> dict[str, str]:
    """Backend name → stage name for the stages of ``task`` (the latest version wins)."""
    return {spec.backend: spec.name for spec in sorted(
        (s for s in _STAGES.values() if s.task == task), key=lambda s: (s.backend, int(s.name.rsplit(".v", 1)[1])))}


def stage_spec(name_or_backend: str, task: str | None = None) -> StageSpec:
    """The registered stage for a full stage name, or a backend name of ``task``.

    Raises
    ------
    ConfigError
        When nothing is registered under that name; the message lists the valid names.
    """
    name = backends(task).get(name_or_backend, name_or_backend) if task else name_or_backend
    spec = _STAGES.get(name)
    if spec is None or (task is not None and spec.task != task):
        choices = ", ".join(sorted(backends(task))) + " (or " + ", ".join(stage_names(task)) + ")" if task \
            else ", ".join(stage_names())
        raise ConfigError(f"unknown {task or 'pipeline'} stage {name_or_backend!r}; choose one of {choices}")
    return spec


def get_stage(name_or_backend: str, task: str | None = None) -> Any:
    """The stage class registered under a stage name (or a backend name of ``task``), imported on first use.

    Raises
    ------
    ConfigError
        When nothing is registered under that name; the message lists the valid names.
    """
    return stage_spec(name_or_backend, task).load()


@dataclass(frozen=True)
class ShippedModel:
    """A model directory shipped inside the package.

    Attributes
    ----------
    task, name:
        What it does and what to call it (``load_classifier(name)``, ``--model name``).
    folder:
        Directory relative to the ``nanosynth.miner`` package.
    stage:
        Stage name of the model.
    description:
        One line for help texts.
    """

    task: str
    name: str
    folder: str
    stage: str
    description: str

    @property
    def path(self) -> Path:
        return _MINER_DIR / self.folder


SHIPPED_MODELS: tuple[ShippedModel, ...] = (
    ShippedModel("paragraph_classifier", "default", "classify/default_model", "paragraph_classifier.tfidf.v1",
                 "TF-IDF backend, hundreds of paragraphs per CPU-second; used by ingestion"),
    ShippedModel("paragraph_classifier", "minilm", "classify/minilm_model", "paragraph_classifier.minilm.v1",
                 "MiniLM backend, ~13 paragraphs per CPU-second, more accurate in cross-validation"),
    ShippedModel("ner", "default", "extract/models/msptc_ner", "ner.spacy.v1",
                 "MSPTC entities: spaCy CNN + frozen MiniLM features (dev micro-F1 0.800)"),
    ShippedModel("ner", "fast", "extract/models/msptc_ner_fast", "ner.spacy.v1",
                 "MSPTC entities: spaCy CNN only (dev micro-F1 0.783, ~8x faster)"),
    ShippedModel("aunp_ner", "default", "extract/models/aunp_ner", "ner.spacy.v1",
                 "gold-nanoparticle outcome entities (MOR, DES, SED, SIZ, UNT, MES)"),
)
"""The one table of shipped models."""

MODEL_ALIASES: dict[tuple[str, str], str] = {("paragraph_classifier", "fast"): "default", ("ner", "spacy"): "default"}
"""Older names kept working: (task, alias) → name."""


def model_names(task: str) -> list[str]:
    """Names of the shipped models of ``task`` (aliases excluded)."""
    return [m.name for m in SHIPPED_MODELS if m.task == task]


def shipped_model(task: str, name: str) -> ShippedModel:
    """The shipped model of ``task`` called ``name`` (or one of its :data:`MODEL_ALIASES`).

    Raises
    ------
    ConfigError
        For an unknown task or name; the message lists the valid names.
    """
    name = MODEL_ALIASES.get((task, name), name)
    for model in SHIPPED_MODELS:
        if model.task == task and model.name == name:
            return model
    tasks = sorted({m.task for m in SHIPPED_MODELS})
    if task not in tasks:
        raise ConfigError(f"unknown task {task!r}; choose one of {', '.join(tasks)}")
    aliases = [f"{alias} (= {target})" for (t, alias), target in MODEL_ALIASES.items() if t == task]
    raise ConfigError(f"no shipped {task} model is called {name!r}; choose one of "
                      f"{', '.join(model_names(task) + aliases)} or give a model directory")


def _looks_like_path(value: str) -> bool:
    return "/" in value or "\\" in value or value.startswith(".") or Path(value).exists()


def resolve_model(task: str, model: str | Path) -> Path:
    """Directory of a model given by shipped name (see :func:`shipped_model`) or by path.

    A :class:`~pathlib.Path`, or a string with a path separator, a leading dot or naming an existing file, is a
    directory; any other string must be a shipped model's name.

    Raises
    ------
    ConfigError
        For a name that is neither a shipped model nor a path; the message lists the valid names.
    """
    if isinstance(model, Path):
        return model
    if (task, model) in MODEL_ALIASES or model in model_names(task) or not _looks_like_path(model):
        return shipped_model(task, model).path
    return Path(model)


__all__ = ["BUILTIN_STAGES", "MODEL_ALIASES", "SHIPPED_MODELS", "ShippedModel", "StageSpec", "backends",
           "get_stage", "model_names", "register_stage", "resolve_model", "shipped_model", "stage_names",
           "stage_spec"]
