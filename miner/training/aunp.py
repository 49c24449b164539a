"""Training and document-level cross-validation of the AuNP outcome NER (corpus: :mod:`nanosynth.miner.corpora.aunp`).

The split is by document (DOI), deterministic and seeded, so paragraphs of one paper never sit on both sides.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from nanosynth.artifacts import sha256_texts
from nanosynth.miner.corpora.aunp import AunpParagraph, doi_folds, labels_of, read_aunp, split_by_doi
from nanosynth.miner.registry import stage_spec
from nanosynth.miner.scoring.entities import EntityScores
from nanosynth.miner.scoring.ner import score
from nanosynth.miner.training.ner import NERTrainingConfig, TrainingReport, save_model, train_entity_model
from nanosynth.miner.training.transformer import TransformerTrainingConfig, fine_tune
from nanosynth.schema.errors import ModelError

AUNP_TRAINING_CONFIG = NERTrainingConfig(augment_fraction=0.0, batch_size=8, max_epochs=40, patience=10,
                                         contextual=False)
"""Defaults for the AuNP corpus: real publisher text, so no Unicode augmentation; smaller batches (119 paragraphs);
no MiniLM features (on the DOI-held-out dev they did not help: 0.767 vs 0.764 micro-F1)."""

AUNP_TRANSFORMER_CONFIG = TransformerTrainingConfig(epochs=8, batch_size=8)
"""Fine-tuning defaults for the AuNP corpus (few paragraphs: smaller batches, more epochs)."""


def _backend(backend: str) -> str:
    """The NER stage's backend name (``"spacy"`` or ``"transformer"``); ConfigError for anything else."""
    return stage_spec(backend, "ner").backend


def _train_transformer(paragraphs: list[AunpParagraph], labels, config, dev_fraction: float, progress):
    from nanosynth.miner.extract.tokenizer import make_nlp

    config = config or AUNP_TRANSFORMER_CONFIG
    if not isinstance(config, TransformerTrainingConfig):
        raise ModelError("backend 'transformer' needs a TransformerTrainingConfig")
    train, dev = split_by_doi(paragraphs, dev_fraction, config.seed)
    fit, validation = split_by_doi(train, 0.15, config.seed)
    nlp, tuned = fine_tune(make_nlp, labels, [p.gold for p in fit], [p.gold for p in validation], config,
                           progress=progress)
    dev_scores = score(nlp, [p.gold for p in dev])
    report = TrainingReport(best_epoch=tuned.best_epoch, best_dev=dev_scores, history=tuned.history,
                            seconds=tuned.seconds)
    extra = {"kind": "transformer-ner", "backend": "transformer",
             "validation_dois": sorted({p.doi for p in validation}),
             "validation_metrics": tuned.best_validation.as_dict(),
             "selection": "epoch with the best micro-F1 on 15% of the training DOIs; dev scored once"}
    return nlp, report, config, fit, dev, extra


def _train_spacy(paragraphs: list[AunpParagraph], labels, config, dev_fraction: float, progress):
    from nanosynth.miner.extract.tokenizer import make_nlp

    config = config or AUNP_TRAINING_CONFIG
    train, dev = split_by_doi(paragraphs, dev_fraction, config.seed)
    nlp, report = train_entity_model(make_nlp, labels, [p.gold for p in train], [p.gold for p in dev], config,
                                     progress=progress)
    return nlp, report, config, train, dev, {"kind": "spacy-ner", "backend": "spacy"}


def train_aunp(data: Path | str, out_dir: Path | str, config=None, dev_fraction: float = 0.2,
               progress: Callable[[dict], None] | None = None, backend: str = "spacy"
               ) -> tuple[Path, TrainingReport]:
    """Train the AuNP outcome NER on a DOI-level split and save it (pipeline ``to_disk`` + manifest).

    Parameters
    ----------
    data
        AuNP JSON-lines file (6- or 11-label).
    out_dir
        Output model directory.
    config
        :class:`~nanosynth.miner.training.ner.NERTrainingConfig` (default :data:`AUNP_TRAINING_CONFIG`) or, for the
        transformer backend, :class:`~nanosynth.miner.training.transformer.TransformerTrainingConfig`.
        ``config.seed`` also seeds the split.
    dev_fraction
        Share of DOIs held out as dev (recorded in the manifest; ``eval-aunp --split dev`` uses it).
    backend
        ``"spacy"``: the epoch is chosen on the dev DOIs. ``"transformer"``: fine-tuned MiniLM; the epoch is chosen
        on 15% of the *training* DOIs and the dev DOIs are scored once afterwards.

    Raises
    ------
    ConfigError
        Unknown backend.
    """
    trainer = _train_transformer if _backend(backend) == "transformer" else _train_spacy
    paragraphs = read_aunp(data)
    labels = labels_of(paragraphs)
    nlp, report, config, train, dev, extra = trainer(paragraphs, labels, config, dev_fraction, progress)
    metadata = {
        **extra,
        "corpus": f"AuNP outcome NER ({Path(data).name}; Cruse et al. 2022)",
        "labels": list(labels),
        "split": {"by": "doi", "dev_fraction": dev_fraction, "seed": config.seed,
                  "dev_dois": sorted({p.doi for p in dev})},
        "train_paragraphs": len(train),
        "dev_paragraphs": len(dev),
        "training_data_sha256": sha256_texts(p.text + "\0" + repr(p.entities) for p in train),
        "config": config.model_dump(),
        "best_epoch": report.best_epoch,
        "training_seconds": report.seconds,
        "dev_metrics": report.best_dev.as_dict(),
        "history": report.history,
    }
    return save_model(nlp, out_dir, metadata, name="aunp_ner"), report


def _pool(pooled: EntityScores, fold_scores: EntityScores) -> None:
    for label, s in fold_scores.per_type.items():
        agg = pooled.per_type.setdefault(label, type(s)())
        agg.tp += s.tp
        agg.fp += s.fp
        agg.fn += s.fn
    pooled.n_docs += fold_scores.n_docs


def cross_validate_aunp(data: Path | str, k: int = 5, config=None,
                        progress: Callable[[int, EntityScores], None] | None = None,
                        backend: str = "spacy") -> EntityScores:
    """Document-level ``k``-fold cross-validation; returns the scores pooled over all held-out folds.

    In every fold the epoch is chosen on an inner 15% DOI split of the training folds, never on the held-out fold.
    ``backend`` is ``"spacy"`` or ``"transformer"`` (see :func:`train_aunp`).
    """
    from nanosynth.miner.extract.tokenizer import make_nlp

    if _backend(backend) == "transformer":
        config = config or AUNP_TRANSFORMER_CONFIG

        def fit(train_items, selection_items):
            return fine_tune(make_nlp, labels, train_items, selection_items, config)[0]
    else:
        config = config or AUNP_TRAINING_CONFIG

        def fit(train_items, selection_items):
            return train_entity_model(make_nlp, labels, train_items, selection_items, config)[0]
    paragraphs = read_aunp(data)
    labels = labels_of(paragraphs)
    folds = doi_folds(paragraphs, k, config.seed)
    pooled = EntityScores()
    for i, held_out in enumerate(folds):
        inner_train, inner_dev = split_by_doi([p for j, f in enumerate(folds) if j != i for p in f], 0.15,
                                              config.seed)
        nlp = fit([p.gold for p in inner_train], [p.gold for p in inner_dev])
        fold_scores = score(nlp, [p.gold for p in held_out])
        _pool(pooled, fold_scores)
        if progress is not None:
            progress(i, fold_scores)
    return pooled


__all__ = ["AUNP_TRAINING_CONFIG", "AUNP_TRANSFORMER_CONFIG", "cross_validate_aunp", "train_aunp"]
