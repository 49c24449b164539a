"""Nanoparticle outcome entities (morphology, size, units, descriptors ...) at run time: the shipped AuNP model.

The model is trained on the gold-nanoparticle corpus (:mod:`nanosynth.miner.corpora.aunp`) by
:mod:`nanosynth.miner.training.aunp`; its entities carry ``MOR`` morphology, ``DES`` descriptor, ``SED``
size-distribution descriptor, ``SIZ`` size value, ``UNT`` unit and ``MES`` measurement labels.
"""

from __future__ import annotations

from pathlib import Path

from nanosynth.miner.extract.ner import load_entity_model
from nanosynth.miner.registry import shipped_model

TASK = "aunp_ner"
DEFAULT_AUNP_MODEL = shipped_model(TASK, "default").path
AUNP_TRAIN_HINT = ("nanosynth miner train-aunp --data ../shared/data/aunp_ner/aunp_6lab.jsonl "
                   f"--out {DEFAULT_AUNP_MODEL}")


def load_aunp(model: Path | str = "default"):
    """Load an AuNP outcome NER pipeline (``"default"`` = the shipped model); ``doc.ents`` carry MOR, SIZ, UNT...

    Raises
    ------
    ConfigError
        An unknown model name.
    ArtifactNotFoundError, ArtifactIntegrityError
        Missing or altered model files.
    """
    return load_entity_model(model, TASK, AUNP_TRAIN_HINT)


__all__ = ["AUNP_TRAIN_HINT", "DEFAULT_AUNP_MODEL", "load_aunp"]
