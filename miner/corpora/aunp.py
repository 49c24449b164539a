"""The gold-nanoparticle outcome corpus (Cruse et al. 2022 / Trewartha et al. 2022) and its DOI-level splits.

The corpus (``../shared/data/aunp_ner/aunp_6lab.jsonl`` and the 11-label ``aunp_11lab.jsonl``) holds one paragraph
per JSON line: ``text``, ``tokens`` (sentences of tokens with ``start``/``end`` character offsets and an
``annotation`` label or ``null``), ``labels`` and ``meta.doi``. Labels are per token without B/I tags; an entity is
a maximal run of consecutive tokens of one sentence carrying the same label (``below`` ``10`` → one ``SIZ``), which
is how the corpus authors build IOB tags.

Six-label scheme: ``MOR`` morphology (nanorods, spheres), ``DES`` descriptor, ``SED`` size-distribution
descriptor, ``SIZ`` size value, ``UNT`` unit, ``MES`` measurement/characterisation.

The split is by document (DOI), deterministic and seeded, so paragraphs of one paper never sit on both sides.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nanosynth.miner.corpora.gold import GoldItem
from nanosynth.schema.errors import ImportFormatError, ModelError

AUNP_LABELS_6: tuple[str, ...] = ("MOR", "DES", "SED", "SIZ", "UNT", "MES")
AUNP_LABELS_11: tuple[str, ...] = ("PAR", "TGT", "MOR", "DES", "SED", "SIZ", "UNT", "DSY", "QLF", "NEG", "MES")


@dataclass
class AunpParagraph:
    """One annotated paragraph.

    Attributes
    ----------
    text
        Paragraph text.
    entities
        Gold ``(start, end, label)`` character spans.
    doi
        Source paper.
    index
        Paragraph number within the paper (``meta.par``).
    """

    text: str
    entities: list[tuple[int, int, str]] = field(default_factory=list)
    doi: str = ""
    index: int = 0

    @property
    def gold(self) -> GoldItem:
        return (self.text, self.entities)


def _entities(record: dict, where: str) -> list[tuple[int, int, str]]:
    text = record["text"]
    entities = []
    for sentence in record.get("tokens", []):
        run_label, run_start, run_end = None, 0, 0
        for token in list(sentence) + [None]:
            label = token.get("annotation") if token is not None else None
            if token is not None:
                start, end = int(token["start"]), int(token["end"])
                if text[start:end] != token["text"]:
                    raise ImportFormatError(f"{where}: token {token['text']!r} does not match text at {start}-{end}"
                                            "; the file is corrupt or was re-encoded")
            if label is not None and label == run_label:
                run_end = end
                continue
            if run_label is not None:
                entities.append((run_start, run_end, run_label))
            run_label = label
            if token is not None and label is not None:
                run_start, run_end = start, end
    return entities


def read_aunp(path: Path | str) -> list[AunpParagraph]:
    """Read an AuNP JSON-lines file.

    Raises
    ------
    ImportFormatError
        When the file is missing, a line is not JSON, or fields are missing.
    """
    path = Path(path)
    if not path.is_file():
        raise ImportFormatError(f"{path} does not exist; pass ../shared/data/aunp_ner/aunp_6lab.jsonl or the "
                                "11-label file")
    paragraphs = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name} line {lineno}"
        try:
            record = json.loads(line)
            meta = record.get("meta") or {}
            paragraphs.append(AunpParagraph(text=record["text"], entities=_entities(record, where),
                                            doi=str(meta.get("doi", "")), index=int(meta.get("par", 0))))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise ImportFormatError(f"{where}: not an AuNP record ({exc}); expected JSON with text, tokens, "
                                    "meta.doi") from exc
    if not paragraphs:
        raise ImportFormatError(f"{path} holds no paragraphs")
    return paragraphs


def labels_of(paragraphs: Sequence[AunpParagraph]) -> tuple[str, ...]:
    """The label scheme used by ``paragraphs`` (6- or 11-label order, else sorted)."""
    present = {label for p in paragraphs for _, _, label in p.entities}
    for scheme in (AUNP_LABELS_6, AUNP_LABELS_11):
        if present <= set(scheme):
            return scheme
    return tuple(sorted(present))


def split_by_doi(paragraphs: Sequence[AunpParagraph], dev_fraction: float = 0.2,
                 seed: int = 0) -> tuple[list[AunpParagraph], list[AunpParagraph]]:
    """Deterministic document-level split: DOIs sorted, shuffled with ``seed``, the first ``dev_fraction`` → dev.

    Returns
    -------
    (train, dev)
    """
    dois = sorted({p.doi for p in paragraphs})
    random.Random(seed).shuffle(dois)
    n_dev = max(1, round(len(dois) * dev_fraction))
    dev_dois = set(dois[:n_dev])
    return ([p for p in paragraphs if p.doi not in dev_dois], [p for p in paragraphs if p.doi in dev_dois])


def doi_folds(paragraphs: Sequence[AunpParagraph], k: int = 5, seed: int = 0) -> list[list[AunpParagraph]]:
    """``k`` document-level folds (DOIs shuffled with ``seed`` and dealt round-robin)."""
    if k < 2:
        raise ModelError("cross-validation needs at least 2 folds")
    dois = sorted({p.doi for p in paragraphs})
    random.Random(seed).shuffle(dois)
    fold_of = {doi: i % k for i, doi in enumerate(dois)}
    return [[p for p in paragraphs if fold_of[p.doi] == i] for i in range(k)]


__all__ = ["AUNP_LABELS_11", "AUNP_LABELS_6", "AunpParagraph", "doi_folds", "labels_of", "read_aunp",
           "split_by_doi"]
