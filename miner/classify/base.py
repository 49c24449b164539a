"""Common machinery of the paragraph-classifier stages: linear head, calibration, batching, save/load.

A stage turns texts into a feature matrix (:meth:`ParagraphClassifier._transform`) and scores it with a
multinomial logistic-regression head whose logits are divided by a temperature fitted on out-of-fold
predictions (so ``score`` is a calibrated probability). Only arrays and JSON are saved — no pickle:

``config.json``
    the stage's frozen pydantic config;
``weights.safetensors``
    ``head.coef`` (3 × d), ``head.intercept`` (3), ``calibration.temperature`` (1) plus the stage's own
    arrays (e.g. IDF vectors);
other files
    stage-specific (e.g. ``vocabulary.json``);
``manifest.json``
    stage name, backend, versions, labels, training-data hash, cross-validation and dev metrics, and the
    sha256 of every file — verified before anything is loaded.
"""

from __future__ import annotations

import importlib.metadata
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any, ClassVar, Literal, Self

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nanosynth.artifacts import verify_manifest, write_manifest
from nanosynth.miner.classify.labels import LABELS, Prediction
from nanosynth.schema.errors import ArtifactIntegrityError, ArtifactNotFoundError, ModelError

logger = logging.getLogger(__name__)

#: Version of the on-disk layout written by :meth:`ParagraphClassifier.save`.
ARTIFACT_FORMAT = "nanosynth.paragraph-classifier/1"
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "weights.safetensors"

TRAIN_HINT = ("train one with `nanosynth miner train-classifier --data ../shared/data/paragraphs/train.jsonl "
              "--backend tfidf --out DIR` or use `--model default` (the model shipped with the package)")


class ClassifierConfig(BaseModel):
    """Settings shared by every stage (frozen; subclasses add their own).

    Attributes
    ----------
    C:
        Inverse L2 regularisation strength of the logistic-regression head.
    class_weight:
        ``"balanced"`` (weights inversely proportional to each class's total sample weight; synthesis
        paragraphs are rare) or ``None``.
    max_iter:
        Iteration limit of the head's solver.
    batch_size:
        Paragraphs per batch in :meth:`ParagraphClassifier.pipe`.
    seed:
        Random seed (solver, cross-validation splits).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    C: float = Field(default=10.0, gt=0)
    class_weight: Literal["balanced"] | None = "balanced"
    max_iter: int = Field(default=5000, ge=10)
    batch_size: int = Field(default=256, ge=1)
    seed: int = 0


class ParagraphClassifier(ABC):
    """Base class of the ``synthesis`` / ``characterization`` / ``other`` paragraph classifiers.

    Follows the scikit-learn contract: parameters in the constructor (a frozen config), fitted attributes end
    in ``_``; using an unfitted classifier raises :class:`~nanosynth.schema.errors.ModelError`. The constructor does no
    I/O; :meth:`initialize` loads heavy resources (e.g. a transformer encoder) and :meth:`load` restores a
    trained model directory.

    Parameters
    ----------
    config:
        The stage config; keyword arguments build one instead (``TfidfParagraphClassifier(C=3.0)``).
    """

    stage_name: ClassVar[str] = ""
    backend: ClassVar[str] = ""
    config_class: ClassVar[type[ClassifierConfig]] = ClassifierConfig
    #: True when ``_transform`` depends on data seen by ``_fit_features`` (then cross-validation refits it).
    features_are_fitted: ClassVar[bool] = True

    def __init__(self, config: ClassifierConfig | None = None, **params: Any):
        if config is not None and params:
            raise ModelError("pass either a config object or keyword parameters, not both")
        self.config = config if config is not None else self.config_class(**params)
        if not isinstance(self.config, self.config_class):
            raise ModelError(f"{type(self).__name__} needs a {self.config_class.__name__}, "
                             f"got {type(self.config).__name__}")
        self.coef_: np.ndarray | None = None
        self.intercept_: np.ndarray | None = None
        self.temperature_: float = 1.0
        self.manifest_: dict[str, Any] = {}

    # ------------------------------------------------------------------------------------------ stage hooks
    def initialize(self) -> Self:
        """Load heavy resources needed by :meth:`_transform` (no-op for stages without any)."""
        return self

    def _fit_features(self, texts: Sequence[str]) -> None:
        """Learn the feature extractor (vocabulary, IDF ...) from ``texts``; no-op by default."""

    @abstractmethod
    def _transform(self, texts: Sequence[str]) -> Any:
        """Feature matrix (numpy or scipy sparse, one row per text)."""

    def _feature_arrays(self) -> dict[str, np.ndarray]:
        """Arrays of the fitted feature extractor to store in ``weights.safetensors``."""
        return {}

    def _feature_files(self, directory: Path) -> None:
        """Write extra files of the fitted feature extractor into ``directory``."""

    def _load_features(self, directory: Path, arrays: dict[str, np.ndarray]) -> None:
        """Restore the feature extractor from ``directory`` and the stored arrays."""

    # ------------------------------------------------------------------------------------------------ fitting
    @property
    def is_fitted(self) -> bool:
        return self.coef_ is not None

    def _check_fitted(self) -> None:
        if self.coef_ is None:
            raise ModelError(f"{type(self).__name__} is not fitted: call fit() or load a model directory "
                             f"({TRAIN_HINT})")

    def fit(self, texts: Sequence[str], labels: Sequence[str],
            sample_weight: Sequence[float] | None = None) -> Self:
        """Fit features and head on labelled texts (temperature stays 1; see
        :mod:`nanosynth.miner.training.classifier`).

        Raises
        ------
        ModelError
            When the inputs are empty, of different lengths, or a label is missing from the data.
        """
        texts, y, weights = _check_training_input(texts, labels, sample_weight)
        self.initialize()
        self._fit_features(texts)
        self.fit_head(self._transform(texts), y, weights)
        return self

    def fit_head(self, X: Any, y: np.ndarray, sample_weight: np.ndarray | None = None,
                 C: float | None = None) -> Self:
        """Fit the logistic-regression head on a feature matrix.

        Parameters
        ----------
        X:
            Features from :meth:`_transform`.
        y:
            Label indices into :data:`LABELS`.
        sample_weight:
            Per-row weights.
        C:
            Overrides ``config.C`` (used by model selection).
        """
        from sklearn.linear_model import LogisticRegression

        present = np.unique(y)
        if len(present) != len(LABELS):
            missing = [LABELS[i] for i in range(len(LABELS)) if i not in set(present.tolist())]
            raise ModelError(f"training data has no {', '.join(missing)} paragraphs; every label "
                             f"({', '.join(LABELS)}) needs examples")
        weights = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if self.config.class_weight == "balanced":
            weights = balanced_weights(y, weights)
        head = LogisticRegression(C=C if C is not None else self.config.C, max_iter=self.config.max_iter,
                                  random_state=self.config.seed)
        head.fit(X, y, sample_weight=weights)
        order = [int(np.flatnonzero(head.classes_ == i)[0]) for i in range(len(LABELS))]
        self.coef_ = np.ascontiguousarray(head.coef_[order], dtype=np.float32)
        self.intercept_ = np.ascontiguousarray(head.intercept_[order], dtype=np.float32)
        return self

    def head_logits(self, X: Any) -> np.ndarray:
        """Uncalibrated logits of the fitted head for a feature matrix."""
        self._check_fitted()
        logits = X @ self.coef_.T
        return np.asarray(logits, dtype=np.float64) + self.intercept_

    # --------------------------------------------------------------------------------------------- inference
    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """Uncalibrated logits, shape ``(n, 3)`` in :data:`LABELS` order."""
        self._check_fitted()
        if len(texts) == 0:
            return np.zeros((0, len(LABELS)))
        return self.head_logits(self._transform(list(texts)))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, shape ``(n, 3)`` in :data:`LABELS` order."""
        return softmax(self.decision_function(texts) / self.temperature_)

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Label and calibrated score of every text.

        Parameters
        ----------
        texts:
            Paragraph texts (empty strings are labelled ``other``).
        """
        return list(self.pipe(texts))

    def pipe(self, texts: Iterable[str], batch_size: int | None = None) -> Iterator[Prediction]:
        """Stream predictions for an iterable of texts, ``batch_size`` texts at a time."""
        self._check_fitted()
        size = batch_size or self.config.batch_size
        iterator = iter(texts)
        while batch := list(islice(iterator, size)):
            proba = self.predict_proba([t if t and t.strip() else "." for t in batch])
            for text, row in zip(batch, proba, strict=True):
                if not text or not text.strip():
                    row = np.array([0.0, 0.0, 1.0])
                best = int(np.argmax(row))
                yield Prediction(label=LABELS[best], score=float(row[best]),
                                 probabilities={label: float(p) for label, p in zip(LABELS, row, strict=True)})

    # ------------------------------------------------------------------------------------------- persistence
    def save(self, directory: Path | str, metadata: dict[str, Any] | None = None) -> Path:
        """Write the model to ``directory`` (created; must be empty or absent) with a manifest.

        Parameters
        ----------
        directory:
            Target model directory.
        metadata:
            Extra manifest entries (training data hash, metrics ...).

        Returns
        -------
        Path
            The model directory.
        """
        from safetensors.numpy import save_file

        self._check_fitted()
        directory = Path(directory)
        if directory.exists() and any(directory.iterdir()):
            raise ModelError(f"{directory} exists and is not empty; choose a new --out directory")
        directory.mkdir(parents=True, exist_ok=True)
        (directory / CONFIG_FILE).write_text(self.config.model_dump_json(indent=2) + "\n", encoding="utf-8")
        arrays = {"head.coef": self.coef_, "head.intercept": self.intercept_,
                  "calibration.temperature": np.array([self.temperature_], dtype=np.float64)}
        for key, value in self._feature_arrays().items():
            arrays[f"features.{key}"] = np.ascontiguousarray(value)
        save_file(arrays, str(directory / WEIGHTS_FILE), metadata={"format": ARTIFACT_FORMAT})
        (directory / WEIGHTS_FILE).chmod(0o644)  # safetensors creates it owner-only; models are shared read-only
        self._feature_files(directory)
        manifest = {
            "format": ARTIFACT_FORMAT,
            "kind": "paragraph_classifier",
            "stage": self.stage_name,
            "backend": self.backend,
            "version": _package_version(),
            "labels": list(LABELS),
            **self._manifest_extras(),
            **(metadata or {}),
        }
        self.manifest_ = write_manifest(directory, manifest)
        logger.info("saved %s model to %s", self.stage_name, directory)
        return directory

    def _manifest_extras(self) -> dict[str, Any]:
        return {}

    @classmethod
    def load(cls, directory: Path | str) -> Self:
        """Restore a model directory written by :meth:`save`, after verifying its manifest.

        Raises
        ------
        ArtifactNotFoundError
            When the directory or its manifest is missing (the message says how to train one).
        ArtifactIntegrityError
            When a file does not match the manifest, or the directory holds another kind of model.
        """
        from safetensors import SafetensorError
        from safetensors.numpy import load_file

        directory = Path(directory)
        check_model_dir(directory)
        manifest = verify_manifest(directory)
        if manifest.get("format") != ARTIFACT_FORMAT or manifest.get("stage") != cls.stage_name:
            raise ArtifactIntegrityError(
                f"{directory} holds a {manifest.get('stage') or manifest.get('kind') or 'unknown'} model, not "
                f"{cls.stage_name}; load it with miner.classify.load_classifier()")
        if manifest.get("labels") != list(LABELS):
            raise ArtifactIntegrityError(f"{directory} was trained for labels {manifest.get('labels')}, "
                                         f"expected {list(LABELS)}; retrain it")
        try:
            config = cls.config_class.model_validate_json((directory / CONFIG_FILE).read_text(encoding="utf-8"))
        except (OSError, ValidationError) as exc:
            raise ArtifactIntegrityError(f"{directory / CONFIG_FILE} is unreadable or invalid ({exc}); "
                                         "retrain the model") from exc
        try:
            arrays = load_file(str(directory / WEIGHTS_FILE))
        except (OSError, SafetensorError) as exc:
            raise ArtifactIntegrityError(f"{directory / WEIGHTS_FILE} cannot be read ({exc}); retrain the model") \
                from exc
        model = cls(config)
        model.manifest_ = manifest
        try:
            model.coef_ = arrays["head.coef"]
            model.intercept_ = arrays["head.intercept"]
            model.temperature_ = float(arrays["calibration.temperature"][0])
            model._load_features(directory, {k.removeprefix("features."): v for k, v in arrays.items()
                                             if k.startswith("features.")})
        except (KeyError, ValueError) as exc:
            raise ArtifactIntegrityError(f"{directory} lacks or has malformed arrays ({exc}); retrain the model") \
                from exc
        if model.coef_.shape[0] != len(LABELS) or model.intercept_.shape != (len(LABELS),):
            raise ArtifactIntegrityError(f"{directory}: head shape {model.coef_.shape} does not fit "
                                         f"{len(LABELS)} labels; retrain the model")
        return model


def check_model_dir(directory: Path) -> None:
    """Raise :class:`ArtifactNotFoundError` (with training instructions) unless ``directory`` holds a manifest."""
    if not directory.is_dir():
        raise ArtifactNotFoundError(f"paragraph-classifier model directory {directory} does not exist; "
                                    f"{TRAIN_HINT}")
    if not (directory / "manifest.json").is_file():
        raise ArtifactNotFoundError(f"{directory} has no manifest.json, so it is not a trained classifier; "
                                    f"{TRAIN_HINT}")


def balanced_weights(y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Sample weights × class weights inversely proportional to each class's total sample weight.

    Like scikit-learn's ``class_weight="balanced"`` but weight-aware, so down-weighted auxiliary examples do not
    shrink the weight of their class's labelled examples.
    """
    totals = np.bincount(y, weights=weights, minlength=len(LABELS))
    class_weight = np.divide(weights.sum() / len(LABELS), totals, out=np.zeros_like(totals), where=totals > 0)
    return weights * class_weight[y]


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, numerically stable."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def label_indices(labels: Sequence[str]) -> np.ndarray:
    """Map label strings to indices into :data:`LABELS`.

    Raises
    ------
    ModelError
        For an unknown label.
    """
    index = {label: i for i, label in enumerate(LABELS)}
    try:
        return np.array([index[label] for label in labels], dtype=np.int64)
    except KeyError as exc:
        raise ModelError(f"unknown label {exc.args[0]!r}; use one of {', '.join(LABELS)}") from exc


def _package_version() -> str:
    try:
        return importlib.metadata.version("nanosynth")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover  (source checkout, not installed)
        return "unknown"


def _check_training_input(texts, labels, sample_weight):
    texts = list(texts)
    labels = list(labels)
    if not texts:
        raise ModelError("no training texts given")
    if len(texts) != len(labels):
        raise ModelError(f"{len(texts)} texts but {len(labels)} labels")
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    if weights is not None and weights.shape != (len(texts),):
        raise ModelError(f"sample_weight has shape {weights.shape}, expected ({len(texts)},)")
    return texts, label_indices(labels), weights


__all__ = ["ARTIFACT_FORMAT", "ClassifierConfig", "ParagraphClassifier", "TRAIN_HINT", "check_model_dir",
           "label_indices", "softmax"]
