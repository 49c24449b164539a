"""Nanoparticle outcome entities (morphology, size, units, descriptors...) from the gold-nanoparticle corpus.

The corpus (Cruse et al. 2022 / Trewartha et al. 2022, ``../shared/data/aunp_ner/aunp_6lab.jsonl`` and the
11-label ``aunp_11lab.jsonl``) holds one paragraph per JSON line: ``text``, ``tokens`` (sentences of tokens with
``start``/``end`` character offsets and an ``annotation`` label or ``null``), ``labels`` and ``meta.doi``. Labels
are per token without B/I tags; an entity is a maximal run of consecutive tokens of one sentence carrying the same
label (``below`` ``10`` → one ``SIZ``), which is how the corpus authors build IOB tags.

Six-label scheme: ``MOR`` morphology (nanorods, spheres), ``DES`` descriptor, ``SED`` size-distribution
descriptor, ``SIZ`` size value, ``UNT`` unit, ``MES`` measurement/characterisation.

The split is by document (DOI), deterministic and seeded, so paragraphs of one paper never sit on both sides.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from nanosynth.miner.extract.manifest import read_manifest, sha256_texts
from nanosynth.miner.extract.ner import (
    MODELS_DIR,
    GoldItem,
    NERTrainingConfig,
    TrainingReport,
    load_entity_model,
    resolve_model_dir,
    save_model,
    score,
    train_entity_model,
)
from nanosynth.miner.extract.ner_scoring import EntityScores
from nanosynth.miner.extract.transformer_ner import TransformerTrainingConfig
from nanosynth.schema.errors import ImportFormatError, ModelError

DEFAULT_AUNP_MODEL = MODELS_DIR / "aunp_ner"
AUNP_LABELS_6: tuple[str, ...] = ("MOR", "DES", "SED", "SIZ", "UNT", "MES")
AUNP_LABELS_11: tuple[str, ...] = ("PAR", "TGT", "MOR", "DES", "SED", "SIZ", "UNT", "DSY", "QLF", "NEG", "MES")
AUNP_TRAINING_CONFIG = NERTrainingConfig(augment_fraction=0.0, batch_size=8, max_epochs=40, patience=10,
                                         contextual=False)
"""Defaults for the AuNP corpus: real publisher text, so no Unicode augmentation; smaller batches (119 paragraphs);
no MiniLM features (on the DOI-held-out dev they did not help: 0.767 vs 0.764 micro-F1)."""

AUNP_TRANSFORMER_CONFIG = TransformerTrainingConfig(epochs=8, batch_size=8)
"""Fine-tuning defaults for the AuNP corpus (few paragraphs: smaller batches, more epochs)."""

_TRAIN_HINT = ("nanosynth miner train-aunp --data ../shared/data/aunp_ner/aunp_6lab.jsonl "
               f"--out {DEFAULT_AUNP_MODEL}")


@dataclass
class AunpParagraph:
    """One annotated paragraph.

    Attributes
    ----------
    text
        Paragraph text.
    entities
        Gold ``(start, end, label)`` character spans.
    doi
        Source paper.
    index
        Paragraph number within the paper (``meta.par``).
    """

    text: str
    entities: list[tuple[int, int, str]] = field(default_factory=list)
    doi: str = ""
    index: int = 0

    @property
    def gold(self) -> GoldItem:
        return (self.text, self.entities)


def _entities(record: dict, where: str) -> list[tuple[int, int, str]]:
    text = record["text"]
    entities = []
    for sentence in record.get("tokens", []):
        run_label, run_start, run_end = None, 0, 0
        for token in list(sentence) + [None]:
            label = token.get("annotation") if token is not None else None
            if token is not None:
                start, end = int(token["start"]), int(token["end"])
                if text[start:end] != token["text"]:
                    raise ImportFormatError(f"{where}: token {token['text']!r} does not match text at {start}-{end}"
                                            "; the file is corrupt or was re-encoded")
            if label is not None and label == run_label:
                run_end = end
                continue
            if run_label is not None:
                entities.append((run_start, run_end, run_label))
            run_label = label
            if token is not None and label is not None:
                run_start, run_end = start, end
    return entities


def read_aunp(path: Path | str) -> list[AunpParagraph]:
    """Read an AuNP JSON-lines file.

    Raises
    ------
    ImportFormatError
        When the file is missing, a line is not JSON, or fields are missing.
    """
    path = Path(path)
    if not path.is_file():
        raise ImportFormatError(f"{path} does not exist; pass ../shared/data/aunp_ner/aunp_6lab.jsonl or the "
                                "11-label file")
    paragraphs = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name} line {lineno}"
        try:
            record = json.loads(line)
            meta = record.get("meta") or {}
            paragraphs.append(AunpParagraph(text=record["text"], entities=_entities(record, where),
                                            doi=str(meta.get("doi", "")), index=int(meta.get("par", 0))))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise ImportFormatError(f"{where}: not an AuNP record ({exc}); expected JSON with text, tokens, "
                                    "meta.doi") from exc
    if not paragraphs:
        raise ImportFormatError(f"{path} holds no paragraphs")
    return paragraphs


def labels_of(paragraphs: Sequence[AunpParagraph]) -> tuple[str, ...]:
    """The label scheme used by ``paragraphs`` (6- or 11-label order, else sorted)."""
    present = {label for p in paragraphs for _, _, label in p.entities}
    for scheme in (AUNP_LABELS_6, AUNP_LABELS_11):
        if present <= set(scheme):
            return scheme
    return tuple(sorted(present))


def split_by_doi(paragraphs: Sequence[AunpParagraph], dev_fraction: float = 0.2,
                 seed: int = 0) -> tuple[list[AunpParagraph], list[AunpParagraph]]:
    """Deterministic document-level split: DOIs sorted, shuffled with ``seed``, the first ``dev_fraction`` → dev.

    Returns
    -------
    (train, dev)
    """
    dois = sorted({p.doi for p in paragraphs})
    random.Random(seed).shuffle(dois)
    n_dev = max(1, round(len(dois) * dev_fraction))
    dev_dois = set(dois[:n_dev])
    return ([p for p in paragraphs if p.doi not in dev_dois], [p for p in paragraphs if p.doi in dev_dois])


def doi_folds(paragraphs: Sequence[AunpParagraph], k: int = 5, seed: int = 0) -> list[list[AunpParagraph]]:
    """``k`` document-level folds (DOIs shuffled with ``seed`` and dealt round-robin)."""
    if k < 2:
        raise ModelError("cross-validation needs at least 2 folds")
    dois = sorted({p.doi for p in paragraphs})
    random.Random(seed).shuffle(dois)
    fold_of = {doi: i % k for i, doi in enumerate(dois)}
    return [[p for p in paragraphs if fold_of[p.doi] == i] for i in range(k)]


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
        :class:`NERTrainingConfig` (default :data:`AUNP_TRAINING_CONFIG`) or, for the transformer backend,
        :class:`nanosynth.miner.extract.transformer_ner.TransformerTrainingConfig`. ``config.seed`` also seeds the split.
    dev_fraction
        Share of DOIs held out as dev (recorded in the manifest; ``eval-aunp --split dev`` uses it).
    backend
        ``"spacy"``: the epoch is chosen on the dev DOIs. ``"transformer"``: fine-tuned MiniLM; the epoch is chosen
        on 15% of the *training* DOIs and the dev DOIs are scored once afterwards.
    """
    from nanosynth.miner.extract.tokenizer import make_nlp

    paragraphs = read_aunp(data)
    labels = labels_of(paragraphs)
    if backend == "transformer":
        from nanosynth.miner.extract.transformer_ner import fine_tune

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
        train = fit
    elif backend == "spacy":
        config = config or AUNP_TRAINING_CONFIG
        train, dev = split_by_doi(paragraphs, dev_fraction, config.seed)
        nlp, report = train_entity_model(make_nlp, labels, [p.gold for p in train], [p.gold for p in dev], config,
                                         progress=progress)
        extra = {"kind": "spacy-ner", "backend": "spacy"}
    else:
        raise ModelError(f"unknown NER backend {backend!r}; choose 'spacy' or 'transformer'")
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


def load_aunp(model: Path | str = "default"):
    """Load an AuNP outcome NER pipeline (``"default"`` = the shipped model); ``doc.ents`` carry MOR, SIZ, UNT...

    Raises
    ------
    ArtifactNotFoundError, ArtifactIntegrityError
        Missing or altered model files.
    """
    return load_entity_model(model, DEFAULT_AUNP_MODEL, _TRAIN_HINT)


def evaluate_aunp(model: Path | str, data: Path | str, split: str = "dev", nlp=None) -> EntityScores:
    """Exact-span scores of an AuNP model.

    Parameters
    ----------
    model
        Model directory or ``"default"``.
    data
        AuNP JSON-lines file.
    split
        ``"dev"``: the paragraphs whose DOI is in the model manifest's dev list (the held-out part of its training
        split); ``"all"``: every paragraph.
    """
    paragraphs = read_aunp(data)
    if split == "dev":
        manifest = read_manifest(resolve_model_dir(model, DEFAULT_AUNP_MODEL))
        dev_dois = set(manifest.get("split", {}).get("dev_dois", []))
        if not dev_dois:
            raise ModelError("the model manifest lists no dev DOIs; evaluate with split='all'")
        paragraphs = [p for p in paragraphs if p.doi in dev_dois]
    elif split != "all":
        raise ModelError(f"unknown split {split!r}; use 'dev' or 'all'")
    nlp = nlp if nlp is not None else load_aunp(model)
    return score(nlp, [p.gold for p in paragraphs])


def cross_validate_aunp(data: Path | str, k: int = 5, config=None,
                        progress: Callable[[int, EntityScores], None] | None = None,
                        backend: str = "spacy") -> EntityScores:
    """Document-level ``k``-fold cross-validation; returns the scores pooled over all held-out folds.

    In every fold the epoch is chosen on an inner 15% DOI split of the training folds, never on the held-out fold.
    ``backend`` is ``"spacy"`` or ``"transformer"`` (see :func:`train_aunp`).
    """
    from nanosynth.miner.extract.tokenizer import make_nlp

    if backend == "transformer":
        from nanosynth.miner.extract.transformer_ner import fine_tune

        config = config or AUNP_TRANSFORMER_CONFIG

        def fit(train_items, selection_items):
            return fine_tune(make_nlp, labels, train_items, selection_items, config)[0]
    elif backend == "spacy":
        config = config or AUNP_TRAINING_CONFIG

        def fit(train_items, selection_items):
            return train_entity_model(make_nlp, labels, train_items, selection_items, config)[0]
    else:
        raise ModelError(f"unknown NER backend {backend!r}; choose 'spacy' or 'transformer'")
    paragraphs = read_aunp(data)
    labels = labels_of(paragraphs)
    folds = doi_folds(paragraphs, k, config.seed)
    pooled = EntityScores()
    for i, held_out in enumerate(folds):
        inner_train, inner_dev = split_by_doi([p for j, f in enumerate(folds) if j != i for p in f], 0.15,
                                              config.seed)
        nlp = fit([p.gold for p in inner_train], [p.gold for p in inner_dev])
        fold_scores = score(nlp, [p.gold for p in held_out])
        for label, s in fold_scores.per_type.items():
            agg = pooled.per_type.setdefault(label, type(s)())
            agg.tp += s.tp
            agg.fp += s.fp
            agg.fn += s.fn
        pooled.n_docs += fold_scores.n_docs
        if progress is not None:
            progress(i, fold_scores)
    return pooled
