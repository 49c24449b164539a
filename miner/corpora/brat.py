"""BRAT standoff ↔ spaCy ``Doc`` conversion for NER training and evaluation.

A BRAT document is a ``.txt`` file plus an ``.ann`` file whose ``T`` lines are text-bound entities
(``T12<TAB>Material 120 128<TAB>Cd(OA)2``); offsets are Python character offsets into the whole ``.txt`` (in the
MSPTC corpus: line 1 DOI, line 2 title, then the procedure paragraphs; titles carry annotations too). Events
(``E``), relations (``R``) and attributes (``A``) are kept as raw lines for the linking stage.

Conversion to a ``Doc`` is deterministic and reported in :class:`ConversionStats`:

* discontinuous entities (``Label 3 7;9 12``) are dropped (spaCy entities are contiguous);
* overlapping entities: the longest wins (ties: earlier start, then label name); the others are dropped;
* entities with surrounding whitespace are trimmed ("adjusted");
* entities whose edges fall inside a token are dropped *and* their tokens are marked missing (unknown), so training
  neither rewards nor punishes any label there;
* entities of labels outside the requested label set are dropped (counted apart).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from nanosynth.miner.corpora.gold import GoldItem
from nanosynth.schema.errors import ImportFormatError

log = logging.getLogger(__name__)


@dataclass(frozen=True, order=True)
class BratEntity:
    """A contiguous text-bound annotation (``T`` line).

    Attributes
    ----------
    start, end
        Character offsets into the document text (end exclusive).
    label
        Entity type, e.g. ``Material``.
    id
        BRAT identifier (``T12``); empty for predicted entities.
    text
        The covered text.
    fragments
        For discontinuous annotations, every ``(start, end)`` fragment; ``()`` for contiguous ones.
    """

    start: int
    end: int
    label: str
    id: str = ""
    text: str = ""
    fragments: tuple[tuple[int, int], ...] = ()

    @property
    def key(self) -> tuple[int, int, str]:
        """``(start, end, label)``, the identity used for exact-match scoring."""
        return (self.start, self.end, self.label)


@dataclass
class BratDocument:
    """One ``.txt``/``.ann`` pair.

    Attributes
    ----------
    name
        File stem (``101016jelecom200809031``).
    text
        Full text of the ``.txt`` file.
    entities
        Text-bound annotations in file order.
    other_lines
        Event, relation, attribute and note lines, unparsed.
    """

    name: str
    text: str
    entities: list[BratEntity] = field(default_factory=list)
    other_lines: list[str] = field(default_factory=list)


@dataclass
class ConversionStats:
    """Counts of what happened to the gold entities during BRAT → Doc conversion."""

    total: int = 0
    kept: int = 0
    adjusted_whitespace: int = 0
    dropped_misaligned: int = 0
    dropped_overlap: int = 0
    dropped_discontinuous: int = 0
    dropped_label: int = 0

    def add(self, other: ConversionStats) -> None:
        """Accumulate ``other`` into this object."""
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        """Plain dictionary of the counts."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def parse_ann(content: str, text: str, name: str = "") -> tuple[list[BratEntity], list[str]]:
    """Parse the content of an ``.ann`` file.

    Parameters
    ----------
    content
        The ``.ann`` text.
    text
        The document text, to check that offsets point at the annotated strings.
    name
        Document name for error messages.

    Returns
    -------
    (entities, other_lines)

    Raises
    ------
    ImportFormatError
        On a malformed ``T`` line or offsets outside the text.
    """
    entities: list[BratEntity] = []
    other: list[str] = []
    for lineno, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        if not line.startswith("T"):
            other.append(line)
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            raise ImportFormatError(f"{name}.ann line {lineno}: expected 'T<id>\\t<Label> <start> <end>\\t<text>', "
                                    f"got {line!r}; fix or remove the line")
        tid, middle = parts[0], parts[1]
        covered = parts[2] if len(parts) > 2 else ""
        try:
            label, offsets = middle.split(" ", 1)
            fragments = tuple(
                (int(a), int(b)) for a, b in (frag.split() for frag in offsets.split(";"))
            )
        except ValueError as exc:
            raise ImportFormatError(f"{name}.ann line {lineno}: cannot read offsets in {middle!r}; expected "
                                    "'<Label> <start> <end>' (fragments separated by ';')") from exc
        start, end = fragments[0][0], fragments[-1][1]
        if not (0 <= start < end <= len(text)):
            raise ImportFormatError(f"{name}.ann line {lineno}: offsets {start}-{end} fall outside the "
                                    f"{len(text)}-character text; is the .txt the one annotated?")
        entities.append(BratEntity(start=start, end=end, label=label, id=tid, text=covered,
                                   fragments=fragments if len(fragments) > 1 else ()))
    return entities, other


def read_document(txt_path: Path | str, ann_path: Path | str | None = None) -> BratDocument:
    """Read one BRAT document.

    Parameters
    ----------
    txt_path
        The ``.txt`` file.
    ann_path
        The ``.ann`` file; defaults to ``txt_path`` with suffix ``.ann``. A missing ``.ann`` means no entities.

    Raises
    ------
    ImportFormatError
        When the text is not UTF-8 or the annotations are malformed.
    """
    txt_path = Path(txt_path)
    ann_path = Path(ann_path) if ann_path is not None else txt_path.with_suffix(".ann")
    try:
        text = txt_path.read_bytes().decode("utf-8")
        content = ann_path.read_bytes().decode("utf-8") if ann_path.exists() else ""
    except UnicodeDecodeError as exc:
        raise ImportFormatError(f"{txt_path.stem}: BRAT files must be UTF-8 ({exc}); re-export them as UTF-8") from exc
    entities, other = parse_ann(content, text, txt_path.stem)
    return BratDocument(name=txt_path.stem, text=text, entities=entities, other_lines=other)


def read_split_file(path: Path | str) -> list[str]:
    """Document names listed one per line (blank lines and ``#`` comments ignored; suffixes stripped)."""
    names = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names.append(line.removesuffix(".ann").removesuffix(".txt"))
    return names


def read_directory(directory: Path | str, names: Sequence[str] | None = None) -> list[BratDocument]:
    """Read BRAT documents from ``directory``.

    Parameters
    ----------
    directory
        Folder with ``<name>.txt`` and ``<name>.ann`` files.
    names
        Document names to read (e.g. from :func:`read_split_file`); ``None`` reads every ``.ann`` that has a
        ``.txt`` beside it, sorted by name.

    Raises
    ------
    ImportFormatError
        When the folder does not exist, holds no pairs, or a listed document is missing.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ImportFormatError(f"BRAT folder {directory} does not exist; pass the folder holding .txt/.ann pairs")
    if names is None:
        names = sorted(p.stem for p in directory.glob("*.ann") if p.with_suffix(".txt").exists())
        if not names:
            raise ImportFormatError(f"no .ann/.txt pairs in {directory}")
    docs = []
    for name in names:
        txt = directory / f"{name}.txt"
        if not txt.exists():
            raise ImportFormatError(f"document {name!r} of the split is missing from {directory} ({txt} not found)")
        docs.append(read_document(txt))
    return docs


def _resolve(entities: Iterable[BratEntity], labels: frozenset[str] | None,
             stats: ConversionStats, text: str) -> list[BratEntity]:
    """Trim whitespace, drop discontinuous/foreign-label entities and resolve overlaps (longest wins)."""
    candidates = []
    for ent in entities:
        stats.total += 1
        if ent.fragments:
            stats.dropped_discontinuous += 1
            continue
        if labels is not None and ent.label not in labels:
            stats.dropped_label += 1
            continue
        start, end = ent.start, ent.end
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == end:
            stats.dropped_misaligned += 1
            continue
        if (start, end) != (ent.start, ent.end):
            stats.adjusted_whitespace += 1
            ent = BratEntity(start=start, end=end, label=ent.label, id=ent.id, text=text[start:end])
        candidates.append(ent)
    chosen: list[BratEntity] = []
    taken: list[tuple[int, int]] = []
    for ent in sorted(candidates, key=lambda e: (-(e.end - e.start), e.start, e.label)):
        if any(ent.start < b and a < ent.end for a, b in taken):
            stats.dropped_overlap += 1
            continue
        chosen.append(ent)
        taken.append((ent.start, ent.end))
    return sorted(chosen)


def gold_doc(nlp, text: str, entities: Iterable[tuple[int, int, str]]):
    """Tokenize ``text`` and set non-overlapping gold entities; misaligned spans become missing (unknown) regions.

    Parameters
    ----------
    nlp
        Pipeline whose tokenizer is used.
    text
        Document text.
    entities
        ``(start, end, label)`` character spans, already free of overlaps (else later ones are skipped).

    Returns
    -------
    (spacy.tokens.Doc, int, int)
        The doc, the number of spans that do not align with token boundaries, and the number skipped for overlap.
    """
    doc = nlp.make_doc(text)
    spans, missing, misaligned, overlapping = [], [], 0, 0
    for start, end, label in sorted(set(entities)):
        span = doc.char_span(start, end, label=label)
        if span is None:
            misaligned += 1
            wide = doc.char_span(start, end, alignment_mode="expand")
            if wide is not None:
                missing.append(wide)
            continue
        if any(s.start < span.end and span.start < s.end for s in spans):
            overlapping += 1
            continue
        spans.append(span)
    # a widened missing region must not swallow a kept entity
    missing = [m for m in missing if not any(s.start < m.end and m.start < s.end for s in spans)]
    doc.set_ents(spans, missing=_non_overlapping(missing), default="outside")
    return doc, misaligned, overlapping


def to_doc(nlp, document: BratDocument, labels: Iterable[str] | None = None):
    """Convert a BRAT document into a tokenized ``Doc`` with gold entities.

    Parameters
    ----------
    nlp
        A pipeline whose tokenizer is used (:func:`nanosynth.miner.extract.tokenizer.make_nlp`).
    document
        The BRAT document.
    labels
        Entity labels to keep; ``None`` keeps all.

    Returns
    -------
    (spacy.tokens.Doc, ConversionStats)
        The doc (``doc.user_data["brat_name"]`` holds the document name) and what happened to the entities.
    """
    stats = ConversionStats()
    label_set = frozenset(labels) if labels is not None else None
    resolved = _resolve(document.entities, label_set, stats, document.text)
    doc, misaligned, overlapping = gold_doc(nlp, document.text, [e.key for e in resolved])
    doc.user_data["brat_name"] = document.name
    stats.dropped_misaligned += misaligned
    stats.dropped_overlap += overlapping
    stats.kept = len(doc.ents)
    if misaligned:
        log.debug("%s: %d entities do not align with token boundaries", document.name, misaligned)
    return doc, stats


def _non_overlapping(spans):
    out, end = [], -1
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if span.start >= end:
            out.append(span)
            end = span.end
    return out


def to_docs(nlp, documents: Iterable[BratDocument],
            labels: Iterable[str] | None = None) -> tuple[list, ConversionStats]:
    """Convert several BRAT documents; returns the docs and the summed :class:`ConversionStats`."""
    total = ConversionStats()
    docs = []
    label_list = list(labels) if labels is not None else None
    for document in documents:
        doc, stats = to_doc(nlp, document, label_list)
        total.add(stats)
        docs.append(doc)
    return docs, total


def to_docbin(nlp, documents: Iterable[BratDocument], labels: Iterable[str] | None = None):
    """Convert BRAT documents into a ``spacy.tokens.DocBin`` (save it with ``.to_disk(path)``)."""
    from spacy.tokens import DocBin

    docs, stats = to_docs(nlp, documents, labels)
    docbin = DocBin(attrs=["ORTH", "ENT_IOB", "ENT_TYPE"], store_user_data=True, docs=docs)
    return docbin, stats


def doc_entities(doc) -> list[BratEntity]:
    """The entities of a ``Doc`` as :class:`BratEntity` objects with character offsets."""
    return [BratEntity(start=ent.start_char, end=ent.end_char, label=ent.label_, id=f"T{i}", text=ent.text)
            for i, ent in enumerate(doc.ents, start=1)]


def format_ann(entities: Iterable[BratEntity]) -> str:
    """Serialize entities as BRAT ``T`` lines (ids renumbered ``T1``, ``T2``... in offset order)."""
    lines = []
    for i, ent in enumerate(sorted(entities), start=1):
        covered = ent.text.replace("\n", " ")
        lines.append(f"T{i}\t{ent.label} {ent.start} {ent.end}\t{covered}")
    return "\n".join(lines) + ("\n" if lines else "")


def write_document(doc, directory: Path | str, name: str | None = None) -> Path:
    """Write a ``Doc`` as ``<name>.txt`` + ``<name>.ann`` into ``directory``; returns the ``.ann`` path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    name = name or doc.user_data.get("brat_name") or "document"
    (directory / f"{name}.txt").write_text(doc.text, encoding="utf-8")
    ann = directory / f"{name}.ann"
    ann.write_text(format_ann(doc_entities(doc)), encoding="utf-8")
    return ann


def iter_texts(documents: Iterable[BratDocument]) -> Iterator[str]:
    """The texts of ``documents`` (for ``nlp.pipe``)."""
    for document in documents:
        yield document.text


def brat_gold(documents: Iterable[BratDocument]) -> list[GoldItem]:
    """Gold items from BRAT documents: every contiguous entity as annotated (discontinuous ones skipped)."""
    return [(d.text, [e.key for e in d.entities if not e.fragments]) for d in documents]
