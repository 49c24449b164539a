"""Entity recognition and recipe extraction (tokenizer, NER, quantities, linking, roles, recipe assembly).

Imports are lazy: importing :mod:`nanosynth.miner.extract` loads neither spaCy nor pint nor any model.
"""

from __future__ import annotations

from typing import Any

_LAZY = {
    "recipes": ("nanosynth.miner.extract.assemble", "recipes"),
    "RecipeExtractor": ("nanosynth.miner.extract.assemble", "RecipeExtractor"),
    "find_quantities": ("nanosynth.miner.extract.quantities", "find_quantities"),
    "parse_quantity": ("nanosynth.miner.extract.quantities", "parse_quantity"),
    "Quantity": ("nanosynth.miner.extract.quantities", "Quantity"),
    "QuantityKind": ("nanosynth.miner.extract.quantities", "QuantityKind"),
    "make_nlp": ("nanosynth.miner.extract.tokenizer", "make_nlp"),
    "load_ner": ("nanosynth.miner.extract.ner", "load_ner"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'nanosynth.miner.extract' has no attribute {name!r}")


__all__ = sorted(_LAZY)
