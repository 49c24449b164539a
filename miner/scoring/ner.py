"""Exact-span scores of NER models on annotated corpora: MSPTC (BRAT standoff) and the AuNP outcome corpus."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nanosynth.artifacts import read_manifest
from nanosynth.miner.corpora import brat
from nanosynth.miner.corpora.aunp import read_aunp
from nanosynth.miner.corpora.gold import GoldItem
from nanosynth.miner.extract.aunp import TASK as AUNP_TASK
from nanosynth.miner.extract.aunp import load_aunp
from nanosynth.miner.extract.ner import load_ner, predict_spans, resolve_model_dir
from nanosynth.miner.scoring.entities import EntityScores
from nanosynth.schema.errors import ModelError


def score(nlp, items: Sequence[GoldItem]) -> EntityScores:
    """Exact-span scores of ``nlp`` on gold items (whole documents; lines are tagged one by one)."""
    scores = EntityScores()
    predictions = predict_spans(nlp, [text for text, _ in items])
    for (_, gold), pred in zip(items, predictions):
        scores.add(gold, pred)
    return scores


def evaluate_brat(model: Path | str, brat_dir: Path | str, split_file: Path | str | None = None,
                  nlp=None) -> EntityScores:
    """Exact-span scores of an MSPTC model on BRAT documents.

    Parameters
    ----------
    model
        Model directory or a shipped name such as ``"default"`` (ignored when ``nlp`` is given).
    brat_dir
        Folder of ``.txt``/``.ann`` pairs.
    split_file
        Names to evaluate; ``None`` evaluates every pair in the folder.
    """
    names = brat.read_split_file(split_file) if split_file is not None else None
    documents = brat.read_directory(brat_dir, names)
    nlp = nlp if nlp is not None else load_ner(model)
    return score(nlp, brat.brat_gold(documents))


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
        manifest = read_manifest(resolve_model_dir(model, AUNP_TASK))
        dev_dois = set(manifest.get("split", {}).get("dev_dois", []))
        if not dev_dois:
            raise ModelError("the model manifest lists no dev DOIs; evaluate with split='all'")
        paragraphs = [p for p in paragraphs if p.doi in dev_dois]
    elif split != "all":
        raise ModelError(f"unknown split {split!r}; use 'dev' or 'all'")
    nlp = nlp if nlp is not None else load_aunp(model)
    return score(nlp, [p.gold for p in paragraphs])


__all__ = ["evaluate_aunp", "evaluate_brat", "score"]
