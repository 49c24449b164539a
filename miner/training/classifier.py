"""Training with model selection by grouped cross-validation, calibration, and the shipped models.

Model selection never looks at the evaluation (dev) split: the regularisation strength ``C``, the weight of
auxiliary synthesis examples (MSPTC procedures) and, per backend, a small grid of feature settings
(:data:`DEFAULT_FEATURE_GRID`, e.g. the scale of the cue-feature block of the TF-IDF backend) are chosen by
stratified, paper-grouped K-fold cross-validation on the training paragraphs (a paper's paragraphs never
straddle folds; auxiliary examples are only ever added to the training folds, never scored). The criterion
is ``synthesis F1 + 0.5 × macro F1`` of the out-of-fold predictions. The out-of-fold logits of the selected
candidate then fit the softmax temperature, so scores are calibrated probabilities. Dev metrics, when an
evaluation set is given, are only *recorded* in the manifest.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from nanosynth.miner.classify.base import ClassifierConfig, ParagraphClassifier, label_indices, softmax
from nanosynth.miner.classify.labels import LABELS
from nanosynth.miner.corpora.paragraphs import LabelledParagraph, dataset_sha256, label_counts, read_jsonl, read_msptc
from nanosynth.miner.registry import get_stage
from nanosynth.miner.scoring.classifier import evaluate, score_predictions
from nanosynth.schema.errors import ModelError

logger = logging.getLogger(__name__)

#: Candidate ``C`` values per backend (small grids: the machine budget is 2 shared cores).
DEFAULT_C_GRID: dict[str, tuple[float, ...]] = {"tfidf": (3.0, 10.0, 30.0, 100.0), "minilm": (0.1, 0.3, 1.0, 3.0)}
#: Candidate weights of auxiliary (MSPTC) synthesis examples relative to labelled paragraphs.
DEFAULT_AUX_WEIGHTS: tuple[float, ...] = (0.0, 0.1, 0.3)
#: Candidate feature settings per backend (config field → values), searched jointly with ``C`` and the auxiliary
#: weight. The TF-IDF backend's cue-feature scale matters (paper-grouped CV synthesis F1 0.86 at 1.0, 0.91 at
#: 0.5; see ``benchmarks/results/classifier.md``); the MiniLM backend's would need re-embedding per value, and
#: its default (0.5) was the best of 0.25/0.5/1.0 in the same study.
DEFAULT_FEATURE_GRID: dict[str, dict[str, tuple[float, ...]]] = {"tfidf": {"cue_weight": (0.5, 0.7, 1.0)}}


class Candidate(BaseModel):
    """Cross-validated scores of one hyper-parameter setting."""

    model_config = ConfigDict(frozen=True)

    C: float
    aux_weight: float
    params: dict[str, float] = {}
    synthesis_f1: float
    macro_f1: float
    log_loss: float

    @property
    def criterion(self) -> float:
        return self.synthesis_f1 + 0.5 * self.macro_f1


class TrainingReport(BaseModel):
    """What :func:`train_classifier` did and measured.

    Attributes
    ----------
    backend, stage:
        Backend alias and registered stage name.
    n_train, n_aux:
        Labelled training paragraphs / auxiliary synthesis examples available.
    label_counts:
        Labelled training paragraphs per label.
    folds:
        Cross-validation folds used (0 = no cross-validation: too few papers).
    candidates:
        Every hyper-parameter setting tried, with its out-of-fold scores.
    selected:
        The chosen ``C`` and ``aux_weight``.
    cv:
        Out-of-fold metrics of the selected setting (:meth:`EvaluationReport.summary`).
    temperature:
        Softmax temperature fitted on the out-of-fold logits.
    data_sha256:
        Fingerprint of the data the final model was fitted on.
    dev:
        Metrics on the evaluation set, if one was given (recorded only, never used for selection).
    """

    backend: str
    stage: str
    n_train: int
    n_aux: int
    label_counts: dict[str, int]
    folds: int
    seed: int
    candidates: list[Candidate]
    selected: dict[str, float]
    cv: dict[str, Any] | None
    temperature: float
    data_sha256: str
    dev: dict[str, Any] | None = None

    def manifest_metadata(self) -> dict[str, Any]:
        """The entries written into ``manifest.json``."""
        return {
            "training_data": {"sha256": self.data_sha256, "n_paragraphs": self.n_train, "n_aux_synthesis":
                              self.n_aux, "label_counts": self.label_counts},
            "model_selection": {"method": f"{self.folds}-fold stratified paper-grouped CV on the training data",
                                "criterion": "synthesis_f1 + 0.5 * macro_f1", "seed": self.seed,
                                "selected": self.selected,
                                "candidates": [c.model_dump() for c in self.candidates]},
            "calibration": {"method": "temperature scaling on out-of-fold logits", "temperature": self.temperature},
            "metrics": {"cv": self.cv, "dev": self.dev},
        }


def _groups(rows: Sequence[LabelledParagraph]) -> list[str]:
    return [row.doc or row.id or f"row-{i}" for i, row in enumerate(rows)]


#: Bounds of the fitted temperature: out-of-fold logits of small, separable data sets would otherwise drive it to 0
#: (infinitely confident scores).
TEMPERATURE_BOUNDS = (0.2, 5.0)


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """Temperature ``T`` (within :data:`TEMPERATURE_BOUNDS`) minimising the NLL of ``softmax(logits / T)``."""
    from scipy.optimize import minimize_scalar

    if len(y) == 0:
        return 1.0

    def nll(log_t: float) -> float:
        proba = softmax(logits / np.exp(log_t))
        return float(-np.mean(np.log(np.clip(proba[np.arange(len(y)), y], 1e-12, None))))

    low, high = np.log(TEMPERATURE_BOUNDS)
    result = minimize_scalar(nll, bounds=(float(low), float(high)), method="bounded")
    return float(np.exp(result.x))


def _log_loss(logits: np.ndarray, y: np.ndarray) -> float:
    proba = softmax(logits)
    return float(-np.mean(np.log(np.clip(proba[np.arange(len(y)), y], 1e-12, None))))


def _weighted_rows(rows: Sequence[LabelledParagraph], aux: Sequence[LabelledParagraph],
                   aux_weight: float) -> tuple[np.ndarray, np.ndarray]:
    """Indices (into rows + aux) with positive weight, and their weights."""
    weights = np.array([r.weight for r in rows] + [r.weight * aux_weight for r in aux], dtype=np.float64)
    keep = np.flatnonzero(weights > 0)
    return keep, weights[keep]


@dataclass
class _Search:
    """Data and hyper-parameter grid of one model selection."""

    stage: Any
    base_config: ClassifierConfig
    c_values: tuple[float, ...]
    w_values: tuple[float, ...]
    variants: list[dict[str, float]]
    rows: list[LabelledParagraph]
    aux_rows: list[LabelledParagraph]
    y_rows: np.ndarray
    y_all: np.ndarray
    texts_all: list[str]
    oof: dict[tuple[int, float, float], np.ndarray] = field(default_factory=dict)
    shared_X: dict[int, Any] = field(default_factory=dict)  # variant → features of every text (unfitted features)


def _search(rows, aux_rows, backend, config, c_grid, aux_weights, feature_grid, seed) -> _Search:
    stage = get_stage(backend, "paragraph_classifier")
    rows, aux_rows = list(rows), list(aux_rows)
    if not rows:
        raise ModelError("no labelled paragraphs to train on; pass --data FILE.jsonl")
    base_config = config or stage.config_class(seed=seed)
    c_values = tuple(c_grid) if c_grid else DEFAULT_C_GRID.get(stage.backend, (base_config.C,))
    w_values = tuple(aux_weights) if aux_weights is not None else (DEFAULT_AUX_WEIGHTS if aux_rows else (0.0,))
    grid = dict(feature_grid) if feature_grid is not None else DEFAULT_FEATURE_GRID.get(stage.backend, {})
    unknown = sorted(set(grid) - set(stage.config_class.model_fields))
    if unknown:
        raise ModelError(f"feature_grid names unknown {stage.backend} settings: {', '.join(unknown)}")
    variants = [dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())] or [{}]
    y_rows = label_indices([r.label for r in rows])
    if len(np.unique(y_rows)) != len(LABELS):
        raise ModelError(f"training data must hold every label; counts: {label_counts(rows)}")
    y_all = np.concatenate([y_rows, label_indices([r.label for r in aux_rows])]) if aux_rows else y_rows
    return _Search(stage, base_config, c_values, w_values, variants, rows, aux_rows, y_rows, y_all,
                   [r.text for r in rows] + [r.text for r in aux_rows])


def _fold_features(s: _Search, v: int, variant: dict, fold_idx: np.ndarray, test_idx: np.ndarray):
    fold_model = s.stage(s.base_config.model_copy(update=variant))
    if s.stage.features_are_fitted:
        fold_model.initialize()._fit_features([s.texts_all[i] for i in fold_idx])
        return fold_model, fold_model._transform([s.texts_all[i] for i in fold_idx]), \
            fold_model._transform([s.texts_all[i] for i in test_idx])
    if v not in s.shared_X:  # e.g. MiniLM embeddings: computed once, shared by all folds
        s.shared_X[v] = fold_model.initialize()._transform(s.texts_all)
    return fold_model, s.shared_X[v][fold_idx], s.shared_X[v][test_idx]


def _cross_validate(s: _Search, n_splits: int, seed: int, groups: list[str], say: Callable[[str], None]) -> None:
    """Out-of-fold logits of every (variant, C, aux weight) into ``s.oof``."""
    from sklearn.model_selection import StratifiedGroupKFold

    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    for key in itertools.product(range(len(s.variants)), s.c_values, s.w_values):
        s.oof[key] = np.zeros((len(s.rows), len(LABELS)))
    aux_index = np.arange(len(s.rows), len(s.rows) + len(s.aux_rows))
    for fold, (train_idx, test_idx) in enumerate(splitter.split(np.zeros(len(s.rows)), s.y_rows, groups), 1):
        fold_idx = np.concatenate([train_idx, aux_index])
        fold_rows = [s.rows[i] for i in train_idx]
        for v, variant in enumerate(s.variants):
            fold_model, X_fold, X_test = _fold_features(s, v, variant, fold_idx, test_idx)
            for c, w in itertools.product(s.c_values, s.w_values):
                keep, weights = _weighted_rows(fold_rows, s.aux_rows, w)
                fold_model.fit_head(X_fold[keep], s.y_all[fold_idx][keep], weights, C=c)
                s.oof[(v, c, w)][test_idx] = fold_model.head_logits(X_test)
        say(f"cross-validation fold {fold}/{n_splits} done")


def _select(s: _Search) -> tuple[list[Candidate], Candidate, tuple[int, float, float]]:
    """Candidates scored from their out-of-fold logits; the best (ties → lower log loss, then smaller C/weight)."""
    candidates = []
    for (v, c, w), logits in s.oof.items():
        rep = score_predictions([r.label for r in s.rows], [LABELS[i] for i in logits.argmax(1)])
        candidates.append(Candidate(C=c, aux_weight=w, params=s.variants[v],
                                    synthesis_f1=round(rep.synthesis_f1, 4), macro_f1=round(rep.macro_f1, 4),
                                    log_loss=round(_log_loss(logits, s.y_rows), 4)))
    best_index = max(range(len(candidates)), key=lambda i: (
        round(candidates[i].criterion, 4), -candidates[i].log_loss, -candidates[i].C, -candidates[i].aux_weight))
    return candidates, candidates[best_index], list(s.oof)[best_index]


def _model_selection(s: _Search, folds: int, seed: int, say: Callable[[str], None]):
    """``(candidates, best, best_key, n_splits)``; without enough papers for 2 folds: the first grid values."""
    groups = _groups(s.rows)
    n_groups = len(set(groups))
    n_splits = min(folds, n_groups, int(np.bincount(s.y_rows, minlength=len(LABELS)).min()))
    if n_splits >= 2:
        _cross_validate(s, n_splits, seed, groups, say)
        return (*_select(s), n_splits)
    logger.warning("only %d paper(s)/too few examples per label: no cross-validation, using C=%s",
                   n_groups, s.c_values[0])
    best = Candidate(C=s.c_values[0], aux_weight=s.w_values[0], params=s.variants[0], synthesis_f1=float("nan"),
                     macro_f1=float("nan"), log_loss=float("nan"))
    return [], best, (0, best.C, best.aux_weight), 0


def _fit_final(s: _Search, best: Candidate, best_key: tuple[int, float, float], n_splits: int):
    """The model refitted on all data with the selected settings, temperature-calibrated on the OOF logits."""
    model = s.stage(s.base_config.model_copy(update={**best.params, "C": best.C})).initialize()
    if s.stage.features_are_fitted:
        model._fit_features(s.texts_all)
        X_all = model._transform(s.texts_all)
    else:
        X_all = s.shared_X[best_key[0]] if best_key[0] in s.shared_X else model._transform(s.texts_all)
    keep, weights = _weighted_rows(s.rows, s.aux_rows, best.aux_weight)
    model.fit_head(X_all[keep], s.y_all[keep], weights)
    cv_summary = None
    if n_splits:
        logits = s.oof[best_key]
        model.temperature_ = fit_temperature(logits, s.y_rows)
        cv_summary = score_predictions([r.label for r in s.rows], [LABELS[i] for i in logits.argmax(1)]).summary()
    used = [s.rows[i] if i < len(s.rows) else s.aux_rows[i - len(s.rows)].model_copy(update={"weight": float(w)})
            for i, w in zip(keep, weights, strict=True)]
    return model, cv_summary, dataset_sha256(used)


def train_classifier(rows: Sequence[LabelledParagraph], *, backend: str = "tfidf",
                     config: ClassifierConfig | None = None, aux_rows: Sequence[LabelledParagraph] = (),
                     c_grid: Sequence[float] | None = None, aux_weights: Sequence[float] | None = None,
                     feature_grid: Mapping[str, Sequence[float]] | None = None, folds: int = 5, seed: int = 0,
                     eval_rows: Sequence[LabelledParagraph] | None = None,
                     progress: Callable[[str], None] | None = None) -> tuple[ParagraphClassifier, TrainingReport]:
    """Select hyper-parameters by grouped CV, fit the final model, calibrate it.

    Parameters
    ----------
    rows:
        Labelled paragraphs (every label must occur).
    backend:
        ``"tfidf"`` or ``"minilm"`` (or a registered ``paragraph_classifier`` stage name).
    config:
        Stage config (defaults of the backend); its ``C`` is replaced by the selected one.
    aux_rows:
        Extra examples (MSPTC synthesis procedures) added to every training fold with a weight chosen from
        ``aux_weights``; never scored.
    c_grid, aux_weights:
        Candidate values (defaults :data:`DEFAULT_C_GRID`, :data:`DEFAULT_AUX_WEIGHTS`; a single value skips
        the search for that parameter).
    feature_grid:
        Config field → candidate values of feature settings (default :data:`DEFAULT_FEATURE_GRID` for the
        backend; ``{}`` disables the search and keeps ``config``'s values). Every combination refits the
        features in every fold.
    folds, seed:
        Cross-validation folds (reduced when there are fewer papers); seed of the fold assignment and solver.
    eval_rows:
        Optional evaluation set whose metrics are recorded in the report (not used for any choice).
    progress:
        Called with a short message after each step (for CLI progress display).

    Returns
    -------
    (classifier, report)

    Raises
    ------
    ConfigError
        Unknown backend.
    ModelError
        When the data cannot train a classifier (empty, a label missing ...).
    """
    s = _search(rows, aux_rows, backend, config, c_grid, aux_weights, feature_grid, seed)
    say = progress or (lambda message: logger.info("%s", message))
    candidates, best, best_key, n_splits = _model_selection(s, folds, seed, say)
    model, cv_summary, data_sha256 = _fit_final(s, best, best_key, n_splits)
    settings = ", ".join(f"{k}={v}" for k, v in best.params.items())
    say(f"selected C={best.C}, aux_weight={best.aux_weight}{', ' + settings if settings else ''}; "
        f"temperature {model.temperature_:.3f}")
    report = TrainingReport(
        backend=s.stage.backend, stage=s.stage.stage_name, n_train=len(s.rows), n_aux=len(s.aux_rows),
        label_counts=label_counts(s.rows), folds=n_splits, seed=seed, candidates=candidates,
        selected={"C": best.C, "aux_weight": best.aux_weight, **best.params}, cv=cv_summary,
        temperature=round(model.temperature_, 6), data_sha256=data_sha256)
    if eval_rows:
        report.dev = evaluate(model, eval_rows).summary()
        say(f"dev synthesis F1 {report.dev['synthesis_f1']:.3f}")
    return model, report


def train_and_save(out_dir: Path | str, rows: Sequence[LabelledParagraph], **kwargs) -> TrainingReport:
    """:func:`train_classifier` then save the model with its report in the manifest.

    Parameters
    ----------
    out_dir:
        New (or empty) model directory.
    rows, **kwargs:
        As for :func:`train_classifier`.
    """
    model, report = train_classifier(rows, **kwargs)
    model.save(out_dir, metadata=report.manifest_metadata())
    return report


def train_default_model(out_dir: Path | str, data_dir: Path | str = Path("../shared/data"), *,
                        backend: str = "tfidf", seed: int = 0,
                        progress: Callable[[str], None] | None = None) -> TrainingReport:
    """Train a shipped model: ``miner/classify/default_model`` (``backend="tfidf"``) or
    ``miner/classify/minilm_model`` (``backend="minilm"``); reproducible (fixed seed and data).

    Uses ``paragraphs/train.jsonl`` plus the MSPTC train-split procedures as auxiliary synthesis examples;
    ``paragraphs/dev.jsonl`` is only evaluated and recorded. Equivalent CLI::

        nanosynth miner train-classifier --data ../shared/data/paragraphs/train.jsonl \\
            --msptc ../shared/data/msptc --eval-data ../shared/data/paragraphs/dev.jsonl \\
            --backend tfidf --seed 0 --out miner/classify/default_model

    (``--backend minilm --threads 1 --out miner/classify/minilm_model`` for the MiniLM model).

    Parameters
    ----------
    out_dir:
        New model directory.
    data_dir:
        The shared data folder.
    backend:
        ``"tfidf"`` (the ``default`` model) or ``"minilm"`` (the ``minilm`` model).
    seed:
        Random seed.
    """
    data_dir = Path(data_dir)
    rows = read_jsonl(data_dir / "paragraphs" / "train.jsonl")
    aux = read_msptc(data_dir / "msptc", split="train")
    dev = read_jsonl(data_dir / "paragraphs" / "dev.jsonl")
    return train_and_save(out_dir, rows, backend=backend, aux_rows=aux, seed=seed, eval_rows=dev, progress=progress)


__all__ = ["Candidate", "DEFAULT_AUX_WEIGHTS", "DEFAULT_C_GRID", "DEFAULT_FEATURE_GRID", "TrainingReport",
           "fit_temperature", "train_and_save", "train_classifier", "train_default_model"]
