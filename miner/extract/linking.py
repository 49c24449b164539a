"""Linking: which amount belongs to which material, which condition to which operation.

Dependency-free heuristics over entity mentions (from the NER model, from rules, or gold BRAT annotations), all
scoped to one sentence:

- **number → unit**: a Number is the value of the unit that follows it (``0.2`` → ``mmol``).
- **amount → material**: ``CdO (0.2 mmol, 25.6 mg)`` (amounts in parentheses right after a material),
  ``0.2 mmol of CdO`` / ``10 mL ODE`` (a material right after the amount), ``CdO, 0.2 mmol`` (a material right
  before, separated by a comma), else the nearest material, preferring the following one.
- **condition → operation**: ``heated at 300 °C for 30 min`` (the operation before the condition), ``at 300 °C,
  the solution was injected`` (the following operation when the condition opens the sentence), else the nearest
  operation of the sentence, then of the paragraph.
- **material → operation** (MSPTC event participants): ``CdO and OA were heated`` (subject before a passive
  verb), ``dissolved in ODE`` (object after the verb): the nearest operation of the sentence that no other
  operation separates from the material, preferring the one after.

The MSPTC corpus (Mysore et al. 2019) gives gold links: relations ``Amount_Of`` (Amount-Unit/Misc → Material),
``Condition_Of`` (Condition-Unit/Misc → Operation event) and event participants (Operation → Material);
:mod:`nanosynth.miner.scoring.linking` scores these heuristics against them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: Entity labels of the MSPTC scheme used here.
MATERIAL_LABELS = frozenset({"Material", "Nonrecipe-Material"})
AMOUNT_LABELS = frozenset({"Amount-Unit", "Amount-Misc"})
CONDITION_LABELS = frozenset({"Condition-Unit", "Condition-Misc"})
OPERATION_LABELS = frozenset({"Operation"})
NUMBER_LABELS = frozenset({"Number"})
UNIT_LABELS = frozenset({"Amount-Unit", "Condition-Unit", "Property-Unit", "Apparatus-Unit"})


@dataclass(frozen=True, order=True)
class Mention:
    """An entity mention: label and character span in the paragraph text (end exclusive)."""

    start: int
    end: int
    label: str
    text: str = ""

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)


@dataclass(frozen=True)
class Link:
    """A directed link ``source → target`` with the rule that made it and a confidence in [0, 1]."""

    source: Mention
    target: Mention
    rule: str
    confidence: float


# --------------------------------------------------------------------------------------------------- sentences
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:Fig|Figs|Ref|Refs|ca|approx|e\.g|i\.e|al|vs|No|Eq|Eqs|Dr|resp|cf|Ltd|Co|Inc|wt|vol|Sci|Chem|Mater|"
    r"Phys|Lett|Soc|Am|Nano|J)\.)$"
)
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans of a paragraph (end exclusive), not cut at ``Fig.``, ``ca.``, ``e.g.``, decimals."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        head = text[max(start, m.start() - 12):m.start()]
        if _ABBREVIATIONS.search(head):
            continue
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _sentence_index(spans: Sequence[tuple[int, int]], pos: int) -> int:
    lo, hi = 0, len(spans) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        s, e = spans[mid]
        if pos < s:
            hi = mid - 1
        elif pos >= e:
            lo = mid + 1
        else:
            return mid
    return max(0, min(len(spans) - 1, lo))


class _Sentences:
    def __init__(self, text: str):
        self.text = text
        self.spans = sentence_spans(text) or [(0, len(text))]

    def index(self, mention: Mention) -> int:
        return _sentence_index(self.spans, mention.start)

    def group(self, mentions: Iterable[Mention]) -> dict[int, list[Mention]]:
        out: dict[int, list[Mention]] = {}
        for m in sorted(mentions):
            out.setdefault(self.index(m), []).append(m)
        return out


# ---------------------------------------------------------------------------------------------- number → unit
def link_numbers(text: str, numbers: Sequence[Mention], units: Sequence[Mention]) -> list[Link]:
    """Each unit gets the closest number right before it (``0.2 mmol``, ``240–300 °C`` gets both numbers)."""
    links: list[Link] = []
    units_sorted = sorted(units)
    for num in sorted(numbers):
        following = [u for u in units_sorted if u.start >= num.end and u.start - num.end <= 16]
        for unit in following:
            gap = text[num.end:unit.start]
            if re.fullmatch(r"\s*(?:[-–—~]|to|and|±|\+/-)?\s*(?:\d[\d.,]*)?\s*(?:[-–—~]|to|±)?\s*[\d.,]*\s*", gap):
                links.append(Link(num, unit, "number-before-unit", 0.95))
                break
    return links


# -------------------------------------------------------------------------------------------- amount → material
_FOLLOWING_GAP = re.compile(r"^\s*(?:of\s+|in\s+)?(?:(?:the|a|an)\s+)?[^,;:()\[\]]{0,40}?$")
_COMMA_AFTER_MATERIAL = re.compile(r"^\s*[,:]\s*$|^\s*[,:]?\s*(?:\d[\d.]*\s*[A-Za-zμ°%]*\s*,?\s*)*$")


def link_amounts(text: str, amounts: Sequence[Mention], materials: Sequence[Mention]) -> list[Link]:
    """Link every amount (unit or whole quantity span) to the material it measures.

    Parameters
    ----------
    text:
        The paragraph the mentions' offsets point into.
    amounts:
        Amount mentions (``Amount-Unit``/``Amount-Misc`` in MSPTC, or whole quantity spans).
    materials:
        Material mentions.

    Returns
    -------
    list of Link
        ``amount → material``, at most one per amount.
    """
    sents = _Sentences(text)
    mats_by_sent = sents.group(materials)
    links: list[Link] = []
    for amount in sorted(amounts):
        mats = mats_by_sent.get(sents.index(amount), [])
        if not mats:
            continue
        link = _amount_target(text, amount, mats)
        if link is not None:
            links.append(link)
    return links


def _amount_target(text: str, amount: Mention, mats: Sequence[Mention]) -> Link | None:
    before = [m for m in mats if m.end <= amount.start]
    after = [m for m in mats if m.start >= amount.end]
    prev = before[-1] if before else None
    nxt = after[0] if after else None
    # "CdO (0.2 mmol, 25.6 mg)", "Cr2O3 (Alfa Aesar (99%))": inside a parenthesis opened right after a material
    owner = _parenthesis_owner(text, amount, before)
    if owner is not None:
        return Link(amount, owner, "parenthesis-after-material", 0.95)
    # "0.2 mmol of CdO", "10 mL ODE", "5 mL of a 0.1 M solution of HAuCl4" (short gap, no punctuation)
    if nxt is not None and _FOLLOWING_GAP.match(text[amount.end:nxt.start]):
        # an amount in parentheses "(10 mL)" followed by a material belongs to the material before it
        opened = text.rfind("(", 0, amount.start)
        closed = text.rfind(")", 0, amount.start)
        if not (prev is not None and opened > closed and opened >= prev.end):
            return Link(amount, nxt, "material-after-amount", 0.9)
    # "CdO, 0.2 mmol"
    if prev is not None and _COMMA_AFTER_MATERIAL.match(text[prev.end:amount.start]):
        return Link(amount, prev, "material-before-amount", 0.75)
    # fallback: nearest, preferring the following material
    candidates = []
    if nxt is not None:
        candidates.append((nxt.start - amount.end, 0, nxt))
    if prev is not None:
        candidates.append(((amount.start - prev.end) * 1.5, 1, prev))
    if not candidates:
        return None
    _, _, target = min(candidates, key=lambda c: (c[0], c[1]))
    return Link(amount, target, "nearest-material", 0.5)


_OWNER_GAP = re.compile(r"^\s{0,2}$|^\s+(?:(?:stock|aqueous|precursor|ethanolic|fresh|freshly prepared|ice-cold)\s+)?"
                        r"(?:solution|powder|stock solution|suspension|dispersion|precursor|salt|shots|pellets)\s*$")


def _parenthesis_owner(text: str, amount: Mention, before: Sequence[Mention]) -> Mention | None:
    """The material written right before a parenthesis that encloses ``amount`` (innermost first)."""
    if not before:
        return None
    ends = {m.end: m for m in before}
    depth = 0
    floor = before[0].start
    for pos in range(amount.start - 1, floor - 1, -1):
        ch = text[pos]
        if ch in ")]":
            depth += 1
        elif ch in "([":
            if depth:
                depth -= 1
                continue
            for mat_end, mat in ends.items():
                if mat_end <= pos and _OWNER_GAP.match(text[mat_end:pos]):
                    return mat
    return None


# ------------------------------------------------------------------------------------------ condition → operation
_SENTENCE_OPENING = re.compile(r"^\W*(?:(?:then|next|subsequently|afterwards|finally|after|once|when)\W+)?"
                               r"(?:at|under|after|for|in|upon|on|within|during)\b", re.IGNORECASE)


def link_conditions(text: str, conditions: Sequence[Mention], operations: Sequence[Mention]) -> list[Link]:
    """Link every condition (temperature, time, atmosphere ... unit or whole span) to its operation.

    Returns
    -------
    list of Link
        ``condition → operation``, at most one per condition.
    """
    sents = _Sentences(text)
    ops_sorted = sorted(operations)
    ops_by_sent = sents.group(ops_sorted)
    links: list[Link] = []
    for cond in sorted(conditions):
        idx = sents.index(cond)
        ops = ops_by_sent.get(idx, [])
        if not ops:
            # no operation in the sentence: the last operation before, else the first after
            before = [o for o in ops_sorted if o.end <= cond.start]
            if before:
                links.append(Link(cond, before[-1], "previous-sentence-operation", 0.4))
            elif ops_sorted:
                links.append(Link(cond, ops_sorted[0], "next-sentence-operation", 0.3))
            continue
        before = [o for o in ops if o.end <= cond.start]
        after = [o for o in ops if o.start >= cond.end]
        sent_start = sents.spans[idx][0]
        opening = text[sent_start:cond.start]
        # "after 5 min of growth", "set to 260 °C for growth": the condition names the operation after it
        if after and re.match(r"^\s*(?:of|for|during)\s+(?:the\s+)?$", text[cond.end:after[0].start]):
            links.append(Link(cond, after[0], "condition-of-operation", 0.85))
            continue
        # "At 300 °C, the Se precursor was injected": the condition opens the sentence (or a clause)
        if after and (not before or _opens_clause(text, before[-1].end, cond.start)) \
                and (_SENTENCE_OPENING.match(opening) or not before):
            links.append(Link(cond, after[0], "condition-before-operation", 0.8))
            continue
        if before:
            links.append(Link(cond, before[-1], "operation-before-condition", 0.85))
        elif after:
            links.append(Link(cond, after[0], "operation-after-condition", 0.6))
        else:  # the operation word is part of the condition ("under reflux")
            links.append(Link(cond, ops[0], "operation-at-condition", 0.6))
    return links


def _opens_clause(text: str, start: int, end: int) -> bool:
    """True when a clause boundary (``,`` or ``;`` then a preposition) sits between ``start`` and ``end``."""
    gap = text[start:end]
    return bool(re.search(r"[,;]\s*(?:and\s+|then\s+)?(?:at|after|under|upon|for)\b[^,;]*$", gap, re.IGNORECASE))


# -------------------------------------------------------------------------------------- material → operation
_PASSIVE = re.compile(r"\b(?:was|were|is|are|been|be)\s+(?:\w+ly\s+)?$", re.IGNORECASE)


def link_participants(text: str, materials: Sequence[Mention], operations: Sequence[Mention]) -> list[Link]:
    """Link every material to the operation it takes part in (MSPTC event participants).

    A material is linked to the nearest operation of its sentence that no other operation separates from it;
    the operation after it wins when it is a passive verb (``CdO and OA were heated``) or closer.

    Returns
    -------
    list of Link
        ``material → operation``, at most one per material.
    """
    sents = _Sentences(text)
    ops_by_sent = sents.group(operations)
    links: list[Link] = []
    for mat in sorted(materials):
        ops = ops_by_sent.get(sents.index(mat), [])
        if not ops:
            continue
        before = [o for o in ops if o.end <= mat.start]
        after = [o for o in ops if o.start >= mat.end]
        prev = before[-1] if before else None
        nxt = after[0] if after else None
        if nxt is not None and _PASSIVE.search(text[max(0, nxt.start - 30):nxt.start]) \
                and not re.search(r"[;]|,\s*(?:and|then)\b", text[mat.end:nxt.start]):
            links.append(Link(mat, nxt, "subject-of-passive-verb", 0.75))
            continue
        if prev is not None and (nxt is None or mat.start - prev.end <= (nxt.start - mat.end) * 1.5):
            links.append(Link(mat, prev, "object-after-verb", 0.65))
        elif nxt is not None:
            links.append(Link(mat, nxt, "before-verb", 0.55))
    return links


__all__ = [
    "AMOUNT_LABELS",
    "CONDITION_LABELS",
    "Link",
    "MATERIAL_LABELS",
    "Mention",
    "NUMBER_LABELS",
    "OPERATION_LABELS",
    "UNIT_LABELS",
    "link_amounts",
    "link_conditions",
    "link_numbers",
    "link_participants",
    "sentence_spans",
]
