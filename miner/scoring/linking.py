"""Score the linking heuristics against the gold links of the MSPTC corpus (BRAT standoff).

Gold links come from the ``.ann`` files: relation ``Amount_Of`` (Amount-Unit/Amount-Misc → Material),
relation ``Condition_Of`` (Condition-Unit/Condition-Misc → the Operation of an event) and event participants
(each ``Role:T*`` argument of an ``E*`` event → the event's Operation). Gold entities are the input, so the
figures measure linking alone; :func:`evaluate_linking` can also take predicted entities (a callable) to score
NER + linking end to end (a link counts only when both its spans match exactly).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from nanosynth.miner.extract.linking import (
    AMOUNT_LABELS,
    CONDITION_LABELS,
    MATERIAL_LABELS,
    OPERATION_LABELS,
    Mention,
    link_amounts,
    link_conditions,
    link_participants,
)
from nanosynth.miner.scoring.entities import TypeScore
from nanosynth.schema.errors import ImportFormatError

logger = logging.getLogger(__name__)

LINK_TYPES = ("amount-material", "condition-operation", "material-operation")


@dataclass
class BratDocument:
    """Text, entity mentions and gold links of one BRAT document."""

    name: str
    text: str
    mentions: list[Mention]
    gold: dict[str, set[tuple[tuple[int, int], tuple[int, int]]]] = field(default_factory=dict)


def read_brat(txt_path: Path, ann_path: Path | None = None) -> BratDocument:
    """Read a BRAT ``.txt``/``.ann`` pair with its gold links.

    Raises
    ------
    ImportFormatError
        When the ``.ann`` file is missing or a line cannot be parsed.
    """
    ann_path = ann_path or txt_path.with_suffix(".ann")
    if not ann_path.is_file():
        raise ImportFormatError(f"{ann_path} is missing: every .txt of a BRAT folder needs its .ann file")
    text = txt_path.read_text(encoding="utf-8")
    ents: dict[str, Mention] = {}
    events: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    relations: list[tuple[str, str, str]] = []
    for lineno, line in enumerate(ann_path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            ident, info, *rest = line.split("\t")
            if ident.startswith("T"):
                label, offsets = info.split(" ", 1)
                pieces = [p.split() for p in offsets.split(";")]
                start, end = int(pieces[0][0]), int(pieces[-1][1])
                ents[ident] = Mention(start, end, label, text[start:end])
            elif ident.startswith("E"):
                parts = info.split()
                events[ident] = (parts[0].split(":")[1], [tuple(p.split(":", 1)) for p in parts[1:]])
            elif ident.startswith("R"):
                typ, a1, a2 = info.split()
                relations.append((typ, a1.split(":", 1)[1], a2.split(":", 1)[1]))
        except (ValueError, IndexError) as exc:
            raise ImportFormatError(f"{ann_path}:{lineno}: cannot parse BRAT line {line!r}") from exc
    gold: dict[str, set] = {t: set() for t in LINK_TYPES}

    def resolve(ref: str) -> Mention | None:
        if ref in ents:
            return ents[ref]
        if ref in events and events[ref][0] in ents:
            return ents[events[ref][0]]
        return None

    for typ, a1, a2 in relations:
        src, dst = resolve(a1), resolve(a2)
        if src is None or dst is None:
            continue
        if typ == "Amount_Of" and src.label in AMOUNT_LABELS and dst.label in MATERIAL_LABELS:
            gold["amount-material"].add((src.span, dst.span))
        elif typ == "Condition_Of" and src.label in CONDITION_LABELS and dst.label in OPERATION_LABELS:
            gold["condition-operation"].add((src.span, dst.span))
    for op_ref, args in events.values():
        op = ents.get(op_ref)
        if op is None:
            continue
        for _role, ref in args:
            mat = ents.get(ref)
            if mat is not None and mat.label in MATERIAL_LABELS:
                gold["material-operation"].add((mat.span, op.span))
    return BratDocument(txt_path.stem, text, sorted(ents.values()), gold)


def predict_links(text: str, mentions: Iterable[Mention]) -> dict[str, set[tuple[tuple[int, int], tuple[int, int]]]]:
    """Run the three linkers over mentions of one paragraph; links as span pairs, by link type."""
    mentions = list(mentions)
    mats = [m for m in mentions if m.label in MATERIAL_LABELS]
    amounts = [m for m in mentions if m.label in AMOUNT_LABELS]
    conds = [m for m in mentions if m.label in CONDITION_LABELS]
    ops = [m for m in mentions if m.label in OPERATION_LABELS]
    return {
        "amount-material": {(lk.source.span, lk.target.span) for lk in link_amounts(text, amounts, mats)},
        "condition-operation": {(lk.source.span, lk.target.span) for lk in link_conditions(text, conds, ops)},
        "material-operation": {(lk.source.span, lk.target.span) for lk in link_participants(text, mats, ops)},
    }


#: Counts and precision/recall/F1 of one link type: the same tally as one entity type's.
LinkScore = TypeScore


def split_names(split_file: Path) -> list[str]:
    """Document names listed in an MSPTC split file (one per line)."""
    return [line.strip() for line in split_file.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate_linking(brat_dir: Path, names: Iterable[str] | None = None,
                     predict_mentions: Callable[[str], list[Mention]] | None = None) -> dict[str, LinkScore]:
    """Linking precision/recall per link type (plus ``all``) over BRAT documents.

    Parameters
    ----------
    brat_dir:
        Folder with ``<name>.txt``/``<name>.ann`` pairs.
    names:
        Documents to score (default: every pair in the folder).
    predict_mentions:
        ``text -> mentions`` to link predicted entities instead of the gold ones (end-to-end score).
    """
    brat_dir = Path(brat_dir)
    if names is None:
        names = sorted(p.stem for p in brat_dir.glob("*.ann"))
    scores = {t: LinkScore() for t in (*LINK_TYPES, "all")}
    for name in names:
        doc = read_brat(brat_dir / f"{name}.txt")
        mentions = predict_mentions(doc.text) if predict_mentions else doc.mentions
        predicted = predict_links(doc.text, mentions)
        for typ in LINK_TYPES:
            gold, pred = doc.gold[typ], predicted[typ]
            for s in (scores[typ], scores["all"]):
                s.tp += len(gold & pred)
                s.fp += len(pred - gold)
                s.fn += len(gold - pred)
    return scores


__all__ = ["BratDocument", "LINK_TYPES", "LinkScore", "evaluate_linking", "predict_links", "read_brat",
           "split_names"]
