"""The reader output: a :class:`Document` of ordered, sectioned paragraphs with character offsets.

Every reader in :mod:`nanosynth.miner.readers` turns bytes into a :class:`Document`. Downstream stages (paragraph
classifier, NER, recipe extraction, ingestion) only depend on this module, never on a particular reader.

Conventions
-----------
- ``Document.paragraphs`` holds *every* block the reader kept, in reading order: section headings
  (``kind="heading"``), body paragraphs (``"body"``), figure/scheme captions (``"caption"``) and tables
  (``"table"``, rows flattened to text, cells separated by ``" | "``). ``order`` is the index in that list
  (for a document read from a file; a document rebuilt from the database keeps the stored orders).
- ``Document.text`` is the paragraph texts joined by ``"\\n\\n"``; each paragraph's ``char_start``/``char_end``
  (end exclusive) point into it, so ``doc.text[p.char_start:p.char_end] == p.text`` always holds.
- Captions and tables are kept apart from body text: they never share a paragraph with body text and are
  available as :attr:`Document.captions` / :attr:`Document.tables`. Use :attr:`Document.body` for prose.
- References/bibliography are cut off by the readers and are not part of the document.
- Provenance of extracted values uses ``DocParagraph.order`` (``ProvenanceCreate.paragraph_order``). The
  orders are kept unchanged by :meth:`Document.to_records`, so they may have gaps in the database (headings are
  not stored as paragraphs); :meth:`Document.from_records` keeps those stored orders.

One document flows through the pipeline (:mod:`nanosynth.miner.pipeline`) and each stage annotates it in place:
the paragraph classifier sets ``category``/``category_score``/``classifier`` on paragraphs, NER sets
``entities``, recipe extraction fills :attr:`Document.recipes`. :meth:`Document.to_records` turns it into
database records once, at the end.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from nanosynth.schema.doi import find_doi
from nanosynth.schema.enums import PaperSource
from nanosynth.schema.errors import ReaderError
from nanosynth.schema.records import PaperCreate, ParagraphCreate, RecipeCreate
from nanosynth.schema.tables import PaperBase

ParagraphKind = Literal["body", "caption", "table", "heading"]

#: Separator placed between paragraph texts in :attr:`Document.text`.
PARAGRAPH_SEPARATOR = "\n\n"

_SECTION_TYPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("abstract", re.compile(r"^\W*(abstract|summary|synopsis|graphical abstract)\W*$", re.I)),
    ("supporting", re.compile(r"\b(supporting information|supplementary|associated content|electronic "
                              r"supplementary)\b", re.I)),
    ("back_matter", re.compile(r"\b(author information|corresponding authors?|author contributions|notes|"
                               r"conflicts? of interest|competing interests?|funding|data availability)\b", re.I)),
    ("acknowledgments", re.compile(r"\backnowledge?ments?\b", re.I)),
    ("experimental", re.compile(
        r"\b(experimental|experiments?|methods?|methodology|materials?|synthes[ie]s|preparation|procedures?"
        r"|fabrication)\b", re.I)),
    ("characterization", re.compile(r"\b(characteri[sz]ations?|instrumentation|measurements?)\b", re.I)),
    ("results", re.compile(r"\b(results?|discussion)\b", re.I)),
    ("introduction", re.compile(r"\b(introduction|background)\b", re.I)),
    ("conclusion", re.compile(r"\b(conclusions?|concluding remarks|outlook)\b", re.I)),
)


def canonical_section(title: str | None) -> str | None:
    """Map a section heading to a coarse section type.

    Parameters
    ----------
    title:
        A heading as printed ("2. Experimental Section", "RESULTS AND DISCUSSION").

    Returns
    -------
    str or None
        One of ``abstract``, ``supporting``, ``back_matter``, ``acknowledgments``, ``experimental``,
        ``characterization``, ``results``, ``introduction``, ``conclusion`` (the first that matches, in this
        order; the values of :data:`nanosynth.schema.tables.SECTION_TYPES`); ``None`` when the title says nothing
        known. "Synthesis of CdSe Nanocrystals" → ``experimental``, "Results and Discussion" → ``results``,
        "Optical properties" → ``None``.
    """
    if not title:
        return None
    for name, pattern in _SECTION_TYPES:
        if pattern.search(title):
            return name
    return None


class DocSection(BaseModel):
    """A section heading found in a document.

    Attributes
    ----------
    title:
        Heading text as printed, without its number ("Experimental Section").
    number:
        The heading's number if printed ("2", "2.1", "II"), else ``None``.
    level:
        Nesting depth, 1 for top-level sections.
    order:
        ``order`` of the heading paragraph in :attr:`Document.paragraphs`.
    section_type:
        :func:`canonical_section` of the title (or inherited from the enclosing section).
    """

    model_config = ConfigDict(frozen=True)

    title: str
    number: str | None = None
    level: int = Field(default=1, ge=1)
    order: int = Field(ge=0)
    section_type: str | None = None


class DocEntity(BaseModel):
    """An entity mention the NER stage found in a paragraph (offsets into ``DocParagraph.text``, end exclusive).

    Attributes
    ----------
    start, end:
        Character span in the paragraph text.
    label:
        Entity label (MSPTC: ``Material``, ``Operation``, ``Amount-Unit``, ``Condition-Unit`` ...).
    text:
        The mentioned text, ``paragraph.text[start:end]``.
    """

    model_config = ConfigDict(frozen=True)

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    label: str
    text: str = ""


class DocParagraph(BaseModel):
    """One block of a document in reading order: what the reader found (frozen) and what later stages add.

    Attributes
    ----------
    order:
        Reading order: the index of the block in :attr:`Document.paragraphs` for a document read from a file;
        the stored order for one rebuilt from the database (:meth:`Document.from_records`).
    kind:
        ``body``, ``caption``, ``table`` or ``heading``.
    text:
        Clean text: whitespace collapsed, line-break hyphenation repaired, ligatures expanded.
    section:
        Title of the innermost enclosing section (for a heading: the heading itself); ``None`` before the
        first heading. Abstract paragraphs have section ``"Abstract"``.
    section_path:
        Titles of the enclosing sections, outermost first.
    section_type:
        Coarse type of the enclosing section (see :func:`canonical_section`), inherited from outer sections
        when the innermost title says nothing ("2.1 CdSe nanocrystals" under "2. Experimental" →
        ``experimental``).
    char_start, char_end:
        Offsets of ``text`` in :attr:`Document.text` (end exclusive).
    page:
        1-based page number where the block starts (PDF only).
    label:
        Caption/table label when printed ("Figure 1", "Table 2").
    category, category_score, classifier:
        Set by the paragraph classifier stage: ``synthesis`` / ``characterization`` / ``other``, its score in
        [0, 1] and the classifier's name; ``None`` until a classifier ran (stored as ``Paragraph.label``,
        ``label_score``, ``classifier``).
    entities:
        Set by the NER stage on the paragraphs it ran on; ``None`` when it did not run on this paragraph.
    """

    model_config = ConfigDict(validate_assignment=True)

    order: int = Field(ge=0, frozen=True)
    kind: ParagraphKind = Field(default="body", frozen=True)
    text: str = Field(frozen=True)
    section: str | None = Field(default=None, frozen=True)
    section_path: tuple[str, ...] = Field(default=(), frozen=True)
    section_type: str | None = Field(default=None, frozen=True)
    char_start: int = Field(ge=0, frozen=True)
    char_end: int = Field(ge=0, frozen=True)
    page: int | None = Field(default=None, ge=1, frozen=True)
    label: str | None = Field(default=None, frozen=True)
    category: str | None = None
    category_score: float | None = Field(default=None, ge=0.0, le=1.0)
    classifier: str | None = None
    entities: tuple[DocEntity, ...] | None = None


class Block(BaseModel):
    """A paragraph before it has an order and offsets; what readers produce and :meth:`Document.assemble` eats.

    Attributes
    ----------
    kind, text, page, label:
        As in :class:`DocParagraph`.
    level:
        For headings: nesting depth (1 = top level).
    number:
        For headings: printed number ("2.1").
    """

    kind: ParagraphKind = "body"
    text: str
    page: int | None = None
    label: str | None = None
    level: int = 1
    number: str | None = None


class Document(BaseModel):
    """A paper read into clean, ordered paragraphs with sections and metadata.

    Build one with :meth:`Document.assemble` (which computes orders, sections and offsets) rather than by hand,
    or rebuild a stored paper with :meth:`Document.from_records`. Pipeline stages annotate it in place (see the
    module docstring); :meth:`to_records` converts it to database records.

    Attributes
    ----------
    title, doi, journal, year, authors:
        Bibliographic metadata when the source gives it (``doi`` is lower-case, without ``https://doi.org/``).
    source_format:
        A :class:`nanosynth.schema.enums.PaperSource` value: ``pdf``, ``publisher_xml``, ``html`` or ``text``.
    reader:
        Name of the reader class that produced the document ("ElsevierXmlReader").
    filename:
        File name the bytes came from, if known.
    content_sha256:
        sha256 of the input bytes (hex); used for the paper key when there is no DOI.
    sections:
        Section headings in reading order.
    paragraphs:
        Every kept block in reading order (see module docstring).
    page_count:
        Pages read (PDF only).
    warnings:
        Non-fatal problems met while reading (page cap reached, entity references dropped, ...).
    citation:
        Human-readable citation to store with the paper, if any.
    stored_key:
        The key the paper is stored under, for a document rebuilt from the database (:meth:`from_records`);
        ``None`` for a document read from a file (its :attr:`key` is derived from the DOI or the content hash).
    recipes:
        Set by the recipe-extraction stage: the recipes the paper describes, with provenance.
    no_synthesis_reason:
        Set by the recipe-extraction stage when the paper yields no recipe: why (``"no nanomaterial synthesis:
        organic synthesis (...)"``); ``None`` when it yields recipes or was not extracted.
    """

    title: str | None = None
    doi: str | None = None
    journal: str | None = None
    year: int | None = Field(default=None, ge=1800, le=2100)
    authors: list[str] = Field(default_factory=list)
    source_format: str = PaperSource.TEXT.value
    reader: str | None = None
    filename: str | None = None
    content_sha256: str | None = None
    sections: list[DocSection] = Field(default_factory=list)
    paragraphs: list[DocParagraph] = Field(default_factory=list)
    page_count: int | None = None
    warnings: list[str] = Field(default_factory=list)
    citation: str | None = None
    stored_key: str | None = None
    recipes: list[RecipeCreate] = Field(default_factory=list)
    no_synthesis_reason: str | None = None

    @field_validator("doi", mode="before")
    @classmethod
    def _doi(cls, v):
        return find_doi(v)

    @model_validator(mode="after")
    def _check_offsets(self) -> Document:
        order, pos = -1, 0
        for i, para in enumerate(self.paragraphs):
            if para.order <= order:
                raise ValueError(f"paragraph {i} has order {para.order} after {order}; orders must increase")
            if para.char_start < pos or para.char_end != para.char_start + len(para.text):
                raise ValueError(f"paragraph {i} offsets {para.char_start}:{para.char_end} do not match its text "
                                 f"(expected {pos}:{pos + len(para.text)} when it follows the previous one)")
            order, pos = para.order, para.char_end + len(PARAGRAPH_SEPARATOR)
        return self

    # ------------------------------------------------------------------------------------------------ views
    @property
    def text(self) -> str:
        """All paragraph texts joined by ``"\\n\\n"``; the string the paragraph offsets point into.

        In a document rebuilt from the database, the blocks that were not stored (headings) are blanked out
        with newlines, so the stored offsets still point at each paragraph.
        """
        parts: list[str] = []
        pos = 0
        for p in self.paragraphs:
            parts.append("\n" * (p.char_start - pos))
            parts.append(p.text)
            pos = p.char_end
        return "".join(parts)

    @property
    def body(self) -> list[DocParagraph]:
        """Body paragraphs only (no headings, captions or tables), in reading order."""
        return [p for p in self.paragraphs if p.kind == "body"]

    @property
    def captions(self) -> list[DocParagraph]:
        """Figure/scheme/table captions, in reading order."""
        return [p for p in self.paragraphs if p.kind == "caption"]

    @property
    def tables(self) -> list[DocParagraph]:
        """Tables flattened to text (one row per line, cells separated by ``" | "``)."""
        return [p for p in self.paragraphs if p.kind == "table"]

    @property
    def headings(self) -> list[DocParagraph]:
        """Section headings as paragraphs (kind ``heading``)."""
        return [p for p in self.paragraphs if p.kind == "heading"]

    @property
    def key(self) -> str:
        """Stable paper key: ``doi:<doi>`` when a DOI is known, else ``sha256:<hash of the input bytes>`` (or the
        :attr:`stored_key` of a document rebuilt from the database)."""
        if self.stored_key:
            return self.stored_key
        if self.doi:
            return f"doi:{self.doi}"
        digest = self.content_sha256 or hashlib.sha256(self.text.encode("utf-8")).hexdigest()
        return f"sha256:{digest}"

    # ------------------------------------------------------------------------------------------- building
    @classmethod
    def assemble(cls, blocks: Iterable[Block], **metadata) -> Document:
        """Build a document from blocks in reading order: number them, track sections, compute offsets.

        Empty blocks are dropped. A heading block opens a section at its ``level`` (closing deeper ones).

        Parameters
        ----------
        blocks:
            Blocks in reading order.
        **metadata:
            Any other :class:`Document` field (title, doi, journal, year, authors, source_format, reader,
            filename, content_sha256, page_count, warnings).

        Raises
        ------
        ReaderError
            When the metadata is invalid (e.g. a year outside 1800–2100 is dropped, not raised; other invalid
            values raise).
        """
        year = metadata.get("year")
        if year is not None and not (1800 <= int(year) <= 2100):
            metadata["year"] = None
        paragraphs: list[DocParagraph] = []
        sections: list[DocSection] = []
        stack: list[DocSection] = []
        pos = 0
        for block in blocks:
            text = block.text.strip()
            if not text:
                continue
            order = len(paragraphs)
            if block.kind == "heading":
                level = max(1, block.level)
                while stack and stack[-1].level >= level:
                    stack.pop()
                own_type = canonical_section(text)
                inherited = next((s.section_type for s in reversed(stack) if s.section_type), None)
                section = DocSection(title=text, number=block.number, level=level, order=order,
                                     section_type=own_type or inherited)
                stack.append(section)
                sections.append(section)
            path = tuple(s.title for s in stack)
            sec_type = next((s.section_type for s in reversed(stack) if s.section_type), None)
            paragraphs.append(DocParagraph(
                order=order, kind=block.kind, text=text, section=path[-1] if path else None,
                section_path=path, section_type=sec_type, char_start=pos, char_end=pos + len(text),
                page=block.page, label=block.label,
            ))
            pos += len(text) + len(PARAGRAPH_SEPARATOR)
        try:
            return cls(sections=sections, paragraphs=paragraphs, **metadata)
        except ValueError as exc:
            raise ReaderError(f"reader produced invalid document metadata: {exc}") from exc

    # ------------------------------------------------------------------------------------------ conversion
    def record_paragraphs(self, include_captions: bool = False) -> list[DocParagraph]:
        """The paragraphs :meth:`to_records` stores (and the classifier labels): body paragraphs, plus captions
        and tables with ``include_captions``; never headings."""
        kinds = ("body", "caption", "table") if include_captions else ("body",)
        return [p for p in self.paragraphs if p.kind in kinds]

    def paper_record(self) -> PaperBase:
        """The paper's bibliographic record without paragraphs (what each extracted recipe refers to)."""
        return PaperBase(key=self.key, doi=self.doi, title=self.title,
                         journal=self.journal[:300] if self.journal else None, year=self.year,
                         source_kind=self.source_format, citation=self.citation)

    def to_records(self, include_captions: bool = False) -> tuple[PaperCreate, list[RecipeCreate]]:
        """Convert the annotated document to database records, once, at the end of the pipeline.

        Parameters
        ----------
        include_captions:
            Body paragraphs are always included. Captions and tables are excluded by default (they rarely
            describe a procedure and would pollute synthesis-paragraph statistics); with ``True`` they are
            included with section ``"caption"`` / ``"table"``. Headings are never included.

        Returns
        -------
        tuple of schema.records.PaperCreate and list of schema.records.RecipeCreate
            The paper (``key`` is ``doi:<doi>`` or ``sha256:<content hash>``) with its paragraphs, their
            classifier labels and section types; paragraph ``order`` values are the document's orders (so
            provenance ``paragraph_order`` resolves). Then :attr:`recipes`.
        """
        paras = []
        for p in self.record_paragraphs(include_captions):
            section = p.section if p.kind == "body" else p.kind
            paras.append(ParagraphCreate(
                order=p.order, section=section[:300] if section else None, section_type=p.section_type,
                text=p.text, char_start=p.char_start, char_end=p.char_end, label=p.category,
                label_score=p.category_score, classifier=p.classifier))
        paper = PaperCreate(**self.paper_record().model_dump(), paragraphs=paras)
        return paper, list(self.recipes)

    @classmethod
    def from_records(cls, paper: PaperCreate) -> Document:
        """Rebuild the document of a stored paper (read back with :func:`nanosynth.db.papers.read_paper`).

        Paragraphs keep their stored order, text, section, section type and classifier label, so extracting
        recipes from the result gives what the extraction from the file gave. Paragraphs stored with section
        ``"caption"`` / ``"table"`` become captions / tables; headings were not stored and are missing.

        Parameters
        ----------
        paper:
            The stored paper with its paragraphs.
        """
        paragraphs: list[DocParagraph] = []
        pos = 0
        for p in sorted(paper.paragraphs, key=lambda p: p.order):
            start = p.char_start if p.char_start is not None and p.char_start >= pos else pos
            kind = p.section if p.section in ("caption", "table") else "body"
            section = p.section if kind == "body" else None
            paragraphs.append(DocParagraph(
                order=p.order, kind=kind, text=p.text, section=section, section_path=(section,) if section else (),
                section_type=p.section_type, char_start=start, char_end=start + len(p.text), category=p.label,
                category_score=p.label_score, classifier=p.classifier))
            pos = start + len(p.text) + len(PARAGRAPH_SEPARATOR)
        return cls(title=paper.title, doi=paper.doi, journal=paper.journal, year=paper.year,
                   source_format=paper.source_kind, citation=paper.citation, stored_key=paper.key,
                   paragraphs=paragraphs)


def blocks_from_pairs(pairs: Sequence[tuple[str, str]]) -> list[Block]:
    """Convenience for tests and simple producers: ``[(kind, text), ...]`` → blocks."""
    return [Block(kind=kind, text=text) for kind, text in pairs]  # type: ignore[arg-type]


__all__ = [
    "Block",
    "DocEntity",
    "DocParagraph",
    "DocSection",
    "Document",
    "PARAGRAPH_SEPARATOR",
    "ParagraphKind",
    "blocks_from_pairs",
    "canonical_section",
]
