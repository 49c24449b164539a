"""Plain text and Markdown readers."""

from __future__ import annotations

import re

from nanosynth.miner.document import Block, Document
from nanosynth.miner.readers.base import Reader
from nanosynth.miner.readers.decoding import decode_bytes, looks_binary, sniff_head
from nanosynth.miner.readers.textutil import (
    Dehyphenator,
    caption_label,
    clean_inline,
    find_year,
    heading_level,
    is_references_heading,
    join_lines,
    looks_like_heading,
    split_heading_number,
)
from nanosynth.schema.doi import find_doi
from nanosynth.schema.enums import PaperSource
from nanosynth.schema.errors import ReaderError

_BLANK_SPLIT = re.compile(r"\n[ \t]*\n")
_ATX = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_MD_HINT = re.compile(r"^(#{1,6}\s+\S|\s*[-*+]\s+\S|\s*\d+\.\s+\S|```|\|.*\|\s*$)", re.M)
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPH = re.compile(r"(\*\*|\*|`)(?=\S)(.+?)(?<=\S)\1")
_MD_UNDERSCORE = re.compile(r"(?<!\w)(__|_)(?=\S)(.+?)(?<=\S)\1(?!\w)")
_HEADER_YEAR_LINE = re.compile(r"(received|accepted|published|copyright|©|\(c\)|doi|cite this)", re.I)
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
#: An XML declaration, a DOCTYPE, or a start tag (``<name attr="...">``) at the very start of the content.
_XML_START = re.compile(r"<(?:\?xml\b|!DOCTYPE\b|[A-Za-z_][\w.:-]*(?:\s+[^<>]*)?/?>)")


def starts_like_xml(data: bytes) -> bool:
    """True when ``data`` (after a BOM and leading whitespace) opens with an XML declaration, DOCTYPE or tag.

    Such content is markup, never plain text: if no XML/HTML reader accepts it, it must be reported as malformed
    or unsupported XML rather than read as text with the tags in it. Text that merely contains ``<`` (``<5 nm``,
    ``a < b``) or starts with a comparison does not count.
    """
    return bool(_XML_START.match(sniff_head(data, 1024).lstrip()))


def header_year(head: str) -> int | None:
    """Publication year from front-matter lines (Received/Published/©/DOI lines) of ``head``, or None."""
    lines = [ln for ln in head.split("\n") if _HEADER_YEAR_LINE.search(ln)]
    return find_year("\n".join(lines)) if lines else None


def _is_title_line(line: str) -> bool:
    words = line.split()
    return 2 <= len(words) <= 25 and not line.rstrip().endswith((".", ",", ";")) and line[:1].isupper()


class PlainTextReader(Reader):
    """UTF-8 text (e.g. text exported from a PDF): paragraphs separated by blank lines (or one per line when
    the file has no blank lines), headings = short standalone lines (numbered, all-caps, standard names),
    captions by "Figure 1."-style starts, wrapped lines joined with hyphenation repair, references cut off.
    A ``DOI:`` and year in the first lines become metadata; the first heading-like line is the title."""

    source_format = PaperSource.TEXT.value

    def detect(self, data: bytes, filename: str | None = None) -> bool:
        if looks_binary(data):
            return False
        head = sniff_head(data, 2048).lstrip()
        if starts_like_xml(data):
            return False
        return not head.startswith(("%PDF", "<?xml", "<!DOCTYPE", "<html", "{\\rtf", "PK\x03\x04"))

    def _decode(self, data: bytes) -> str:
        return decode_bytes(data, what="text file", encoding=self.options.encoding)

    def parse(self, data: bytes, filename: str | None = None) -> Document:
        text = self._decode(data)
        if not text.strip():
            raise ReaderError(f"text file {filename or ''} contains only whitespace; nothing to read")
        chunks = [c for c in _BLANK_SPLIT.split(text) if c.strip()]
        if len(chunks) == 1 and text.count("\n") > 2:
            chunks = [line for line in text.split("\n") if line.strip()]  # one paragraph per line
        dh = Dehyphenator(chunks)
        blocks: list[Block] = []
        title = None
        for i, chunk in enumerate(chunks):
            lines = [ln for ln in chunk.split("\n") if ln.strip()]
            joined = join_lines(lines, dh)
            if len(lines) == 1 and is_references_heading(joined) and not self.options.keep_references:
                break
            if i == 0 and len(lines) > 1 and _is_title_line(lines[0]) and all(len(ln) < 100 for ln in lines[1:]):
                title = clean_inline(lines[0])  # front matter: title, authors, DOI, dates
                continue
            if len(lines) == 1 and looks_like_heading(joined):
                if i == 0 and title is None and not split_heading_number(joined)[0]:
                    title = joined
                    continue
                number, heading = split_heading_number(joined)
                blocks.append(Block(kind="heading", text=heading, number=number, level=heading_level(number)))
                continue
            label = caption_label(joined)
            blocks.append(Block(kind="caption" if label else "body", text=joined, label=label))
        if not any(b.kind == "body" for b in blocks):
            raise ReaderError(f"text file {filename or ''} has no paragraph text (only headings?)")
        head = text[:3000]
        return Document.assemble(blocks, title=title, doi=find_doi(head), year=header_year(head),
                                 **self._meta(data, filename))


class MarkdownTextReader(PlainTextReader):
    """Markdown: ATX (``#``) and setext headings, paragraphs by blank lines, pipe tables as tables, images and
    link targets dropped (link text kept), emphasis markers removed, optional YAML-like front matter with
    ``title:``, ``doi:``, ``journal:``, ``year:``, ``authors:``. Detected by a ``.md``/``.markdown`` name or by
    Markdown syntax (several ``#`` headings/lists) in the head."""

    def detect(self, data: bytes, filename: str | None = None) -> bool:
        if not super().detect(data, filename):
            return False
        if filename and filename.lower().endswith((".md", ".markdown", ".mdown")):
            return True
        head = sniff_head(data, 4096)
        return len(re.findall(r"^#{1,6}\s+\S", head, re.M)) >= 2

    def parse(self, data: bytes, filename: str | None = None) -> Document:
        text = self._decode(data)
        if not text.strip():
            raise ReaderError(f"Markdown file {filename or ''} contains only whitespace; nothing to read")
        text, meta = _front_matter(text)
        blocks: list[Block] = []
        title = meta.pop("title", None)
        stop = False
        for chunk in (c for c in _BLANK_SPLIT.split(text) if c.strip()):
            if stop:
                break
            lines = chunk.strip("\n").split("\n")
            if all(ln.strip().startswith("|") for ln in lines) and len(lines) >= 2:
                rows = [" | ".join(clean_inline(self._inline(c)) for c in ln.strip().strip("|").split("|"))
                        for ln in lines if not _TABLE_SEP.match(ln)]
                blocks.append(Block(kind="table", text="\n".join(rows)))
                continue
            para: list[str] = []
            for idx, line in enumerate(lines):
                atx = _ATX.match(line)
                setext = idx > 0 and _SETEXT.match(line) and para
                if atx or setext:
                    if setext:
                        heading_text, level = para.pop(), 1 if line.strip().startswith("=") else 2
                    else:
                        heading_text, level = atx.group(2), len(atx.group(1))  # type: ignore[union-attr]
                    self._flush(blocks, para)
                    para = []
                    heading_text = clean_inline(self._inline(heading_text))
                    if is_references_heading(heading_text) and not self.options.keep_references:
                        stop = True
                        break
                    if level == 1 and title is None and not blocks:
                        title = heading_text
                        continue
                    number, heading = split_heading_number(heading_text)
                    blocks.append(Block(kind="heading", text=heading, number=number,
                                        level=heading_level(number) if number else max(1, level - 1)))
                elif re.match(r"^\s*([-*+]|\d+\.)\s+", line):
                    self._flush(blocks, para)
                    para = [re.sub(r"^\s*([-*+]|\d+\.)\s+", "", line)]
                else:
                    para.append(line)
            if not stop:
                self._flush(blocks, para)
        if not any(b.kind == "body" for b in blocks):
            raise ReaderError(f"Markdown file {filename or ''} has no paragraph text (only headings?)")
        meta.setdefault("doi", find_doi(text[:3000]))
        meta.setdefault("year", header_year(text[:3000]))
        return Document.assemble(blocks, title=title, **meta, **self._meta(data, filename))

    @staticmethod
    def _inline(text: str) -> str:
        text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
        text = re.sub(r"</?(sub|sup|em|strong|b|i|u|span)\b[^>]*>", "", text)
        text = _MD_LINK.sub(r"\1", text)
        for _ in range(2):
            text = _MD_UNDERSCORE.sub(r"\2", _MD_EMPH.sub(r"\2", text))
        return text

    def _flush(self, blocks: list[Block], lines: list[str]) -> None:
        lines = [self._inline(ln) for ln in lines if ln.strip() and not ln.strip().startswith("```")]
        if not lines:
            return
        joined = join_lines(lines)
        label = caption_label(joined)
        blocks.append(Block(kind="caption" if label else "body", text=joined, label=label))


def _front_matter(text: str) -> tuple[str, dict]:
    """Split YAML-like front matter (title, doi, journal, year/date, authors) off a Markdown text."""
    meta: dict = {}
    fm = _FRONT_MATTER.match(text)
    if not fm:
        return text, meta
    for line in fm.group(1).split("\n"):
        key, _, value = line.partition(":")
        key, value = key.strip().lower(), value.strip().strip("'\"")
        if key in {"title", "doi", "journal"} and value:
            meta[key] = value
        elif key in {"year", "date"} and value:
            meta["year"] = find_year(value)
        elif key in {"authors", "author"} and value:
            meta["authors"] = [a.strip() for a in re.split(r";|\band\b|,(?![^,]*$)", value.strip("[]"))
                               if a.strip()]
    return text[fm.end():], meta
