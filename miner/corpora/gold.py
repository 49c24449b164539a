"""Gold entity items shared by NER training and scoring: a text and its ``(start, end, label)`` spans."""

from __future__ import annotations

from collections.abc import Iterable

from nanosynth.miner.extract.ner import paragraph_spans

GoldItem = tuple[str, list[tuple[int, int, str]]]
"""A text and its gold ``(start, end, label)`` entities."""


def split_gold(items: Iterable[GoldItem]) -> list[GoldItem]:
    """Split texts into paragraphs (lines), shifting gold offsets; entities crossing a line break are dropped."""
    out: list[GoldItem] = []
    for text, ents in items:
        for start, end in paragraph_spans(text):
            inside = [(s - start, e - start, lab) for s, e, lab in ents if start <= s and e <= end]
            out.append((text[start:end], inside))
    return out


__all__ = ["GoldItem", "split_gold"]
