"""Training-data augmentation: Unicode spellings of units and formulas with re-aligned entity offsets.

The MSPTC texts are ASCII-normalised (``300 degC``, ``Zn(NO3)2*6H2O``, ``5-10 min``) while papers write
``300 °C``, ``Zn(NO3)2·6H2O`` and ``5–10 min``. :func:`unicode_variant` rewrites a training paragraph the way a
publisher would and moves the gold entity offsets along, so the model learns both spellings.
"""

from __future__ import annotations

import random
import re
from typing import Callable

Entity = tuple[int, int, str]

_RULES: list[tuple[re.Pattern[str], Callable[[re.Match[str], random.Random], str]]] = [
    (re.compile(r"(?<=\d) (?=degC\b)"), lambda m, r: r.choice(["", " ", " "])),
    (re.compile(r"(?<![A-Za-z])degC\b"), lambda m, r: "°C"),
    (re.compile(r"(?<![A-Za-z])deg\b"), lambda m, r: "°"),
    (re.compile(r"(?<=[A-Za-z0-9)])\*(?=\d*[A-Z(])"), lambda m, r: r.choice(["·", "·", "•"])),
    (re.compile(r"(?<=\d)-(?=\d)"), lambda m, r: "–"),
    (re.compile(r"μ"), lambda m, r: r.choice(["µ", "μ"])),
]


def substitute(text: str, entities: list[Entity], pattern: re.Pattern[str],
               replace: Callable[[re.Match[str]], str]) -> tuple[str, list[Entity]]:
    """Replace every match of ``pattern`` and move entity offsets.

    Entity edges at a match's start or end move with it; an entity with an edge strictly inside a changed match
    is dropped (it cannot be mapped).
    """
    pieces: list[str] = []
    starts: dict[int, int] = {}
    ends: dict[int, int] = {}
    inner: list[tuple[int, int]] = []
    pos = 0
    new_len = 0
    for m in pattern.finditer(text):
        pieces.append(text[pos:m.start()])
        new_len += m.start() - pos
        repl = replace(m)
        starts[m.start()] = new_len
        ends[m.start()] = new_len
        new_len += len(repl)
        ends[m.end()] = new_len
        starts.setdefault(m.end(), new_len)
        if repl != m.group():
            inner.append((m.start(), m.end()))
        pieces.append(repl)
        pos = m.end()
    pieces.append(text[pos:])
    new_text = "".join(pieces)
    if not inner and new_text == text:
        return text, entities

    def mapped(offset: int, table: dict[int, int]) -> int | None:
        if offset in table:
            return table[offset]
        if any(a < offset < b for a, b in inner):
            return None
        return offset + _delta_before(offset, ends)

    out: list[Entity] = []
    for start, end, label in entities:
        s, e = mapped(start, starts), mapped(end, ends)
        if s is None or e is None or s >= e:
            continue
        out.append((s, e, label))
    return new_text, out


def _delta_before(offset: int, ends: dict[int, int]) -> int:
    """Length change accumulated before ``offset`` (from the last match ending at or before it)."""
    before = [old for old in ends if old <= offset]
    if not before:
        return 0
    last = max(before)
    return ends[last] - last


def unicode_variant(item: tuple[str, list[Entity]], rng: random.Random) -> tuple[str, list[Entity]] | None:
    """A copy of ``(text, entities)`` with publisher spellings, or ``None`` when nothing would change."""
    text, entities = item
    changed = False
    for pattern, make in _RULES:
        if not pattern.search(text):
            continue
        text, entities = substitute(text, entities, pattern, lambda m, make=make: make(m, rng))
        changed = True
    return (text, entities) if changed else None
