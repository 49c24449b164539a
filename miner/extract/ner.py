"""Named-entity recognition for synthesis procedures (run time): loading the NER models and tagging text.

The default model is trained on the MSPTC corpus (Mysore et al. 2019; BRAT standoff) and ships in
``miner/extract/models/msptc_ner``. Its entities carry the MSPTC labels (``Material``, ``Number``, ``Operation``,
``Amount-Unit``, ``Condition-Unit``, ``Material-Descriptor``, ...).

Typical use::

    from nanosynth.miner.extract.ner import load_ner
    nlp = load_ner("default")          # verifies manifest.json, then spacy.load
    doc = nlp("CdO (0.2 mmol) and oleic acid were heated to 300 °C.")
    [(e.text, e.label_) for e in doc.ents]

Two stages (:mod:`nanosynth.miner.registry`) produce pipelines that load the same way: ``ner.spacy.v1`` (spaCy's
transition-based NER over a CNN token encoder whose embeddings hash NORM, PREFIX, SUFFIX and SHAPE, optionally
concatenated with frozen MiniLM token vectors and chemistry flags from the ``nanosynth_minilm_features`` component
of :mod:`nanosynth.miner.extract.contextual`; the shipped models) and ``ner.transformer.v1``
(:mod:`nanosynth.miner.extract.transformer_ner`, fine-tuned MiniLM token classifier; evaluated, not shipped because
it did not beat the spaCy model under the CPU budget, see ``benchmarks/results/ner.md``). Training lives in
:mod:`nanosynth.miner.training.ner`, scoring in :mod:`nanosynth.miner.scoring.ner`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nanosynth.artifacts import read_manifest, verify_manifest
from nanosynth.miner.registry import resolve_model, shipped_model
from nanosynth.schema.errors import ArtifactIntegrityError, ArtifactNotFoundError, ExtractionError

TASK = "ner"
DEFAULT_MSPTC_MODEL = shipped_model(TASK, "default").path
"""The shipped MSPTC model (``"default"``: spaCy CNN + frozen MiniLM features)."""
FAST_MSPTC_MODEL = shipped_model(TASK, "fast").path
"""The shipped fast MSPTC model (``"fast"``: spaCy CNN only)."""
EXTRACTOR_NAME = "miner.extract.ner"
EXTRACTOR_VERSION = "1"

MSPTC_LABELS: tuple[str, ...] = (
    "Material", "Number", "Operation", "Amount-Unit", "Condition-Unit", "Material-Descriptor", "Condition-Misc",
    "Synthesis-Apparatus", "Nonrecipe-Material", "Brand", "Property-Misc", "Apparatus-Descriptor", "Amount-Misc",
    "Property-Type", "Apparatus-Unit", "Reference", "Property-Unit", "Meta", "Condition-Type",
    "Characterization-Apparatus", "Apparatus-Property-Type",
)
"""Every MSPTC entity type (``etype2count-sorted.txt``); all are trained, the rarest has 32 examples."""

MSPTC_TRAIN_HINT = ("nanosynth miner train-ner --brat ../shared/data/msptc/brat --split-file "
                    "../shared/data/msptc/ner-train-fnames.txt --dev-split-file "
                    f"../shared/data/msptc/ner-dev-fnames.txt --out {DEFAULT_MSPTC_MODEL}")


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Non-empty lines of ``text`` as ``(start, end)`` offsets (entities never cross a line break)."""
    spans, pos = [], 0
    for line in text.split("\n"):
        end = pos + len(line)
        if line.strip():
            spans.append((pos, end))
        pos = end + 1
    return spans


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


def resolve_model_dir(model: Path | str, task: str = TASK) -> Path:
    """A shipped model's name of ``task`` (``"ner"``: ``default`` = ``spacy``, ``fast``; ``"aunp_ner"``:
    ``default``) → its directory; a path stays a path.

    Raises
    ------
    ConfigError
        For a name that is neither a shipped model nor a path (the message lists the names).
    """
    return resolve_model(task, model)


def load_entity_model(model: Path | str, task: str, train_hint: str):
    """Verify a model directory's manifest and load it with ``spacy.load``.

    Raises
    ------
    ConfigError
        An unknown model name.
    ArtifactNotFoundError
        When the directory or manifest is missing (the message says how to train one).
    ArtifactIntegrityError
        When a file does not match the manifest.
    """
    import spacy

    import nanosynth.miner.extract.contextual  # noqa: F401  (registers the MiniLM feature component and architecture)
    import nanosynth.miner.extract.tokenizer  # noqa: F401  (registers nanosynth.chem_tokenizer.v1)
    import nanosynth.miner.extract.transformer_ner  # noqa: F401  (registers the fine-tuned transformer component)

    path = resolve_model_dir(model, task)
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
        A model directory written by ``nanosynth miner train-ner`` (either stage: spaCy CNN or fine-tuned MiniLM
        transformer), or a shipped model: ``"default"`` (alias ``"spacy"``: spaCy CNN + frozen MiniLM features;
        dev micro-F1 0.800) or ``"fast"`` (spaCy CNN only, dev micro-F1 0.783, ~8× faster).
        Figures: ``benchmarks/results/ner.md``.

    Returns
    -------
    spacy.Language
        Chemistry tokenizer + an entity component (``ner`` or ``nanosynth_transformer_ner``); ``doc.ents`` carry
        MSPTC labels (:data:`MSPTC_LABELS`). Use it with ``nlp(text)``, ``nlp.pipe`` or :func:`predict_spans`.

    Raises
    ------
    ConfigError
        An unknown model name.
    ArtifactNotFoundError, ArtifactIntegrityError
        Missing or altered model files (or a different installed MiniLM encoder).
    """
    return load_entity_model(model, TASK, MSPTC_TRAIN_HINT)


def model_info(model: Path | str = "default", task: str = TASK) -> dict:
    """The manifest of a model directory (metrics, training data hash, files) without loading the model."""
    return read_manifest(resolve_model_dir(model, task))


__all__ = ["DEFAULT_MSPTC_MODEL", "EXTRACTOR_NAME", "EXTRACTOR_VERSION", "FAST_MSPTC_MODEL", "MSPTC_LABELS",
           "MSPTC_TRAIN_HINT", "load_entity_model", "load_ner", "model_info", "paragraph_spans", "predict_spans",
           "resolve_model_dir"]
