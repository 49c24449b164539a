"""Shared machinery of the XML/HTML readers: element text, an HTML block walker, HTML meta-tag metadata."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from nanosynth.miner.document import Block
from nanosynth.miner.readers.textutil import (
    caption_label,
    clean_inline,
    drop_empty_brackets,
    find_year,
    heading_level,
    is_references_heading,
    loose_caption_label,
    split_heading_number,
)
from nanosynth.miner.readers.xmlsafe import local

Predicate = Callable[[etree._Element], bool]

_BLOCK_TAGS = {
    "p", "div", "section", "article", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "main", "body",
    "hr", "address", "fieldset", "details", "summary", "center", "header", "footer", "tr", "tbody", "thead",
}
_SKIP_TAGS = {"nav", "aside", "form", "button", "svg", "iframe", "select", "input", "textarea", "canvas",
              "object", "embed", "audio", "video", "map", "head", "link", "meta", "img", "noscript"}
_REF_CONTAINER = re.compile(r"(^|[\s_-])(ref-?list|references?|bibliography|citations?-?list|reflist|"
                            r"backmatter-references)($|[\s_-])", re.I)


#: Names (HTML and XML vocabularies) whose content is set off by spaces inside a paragraph's text.
_SPACED = _BLOCK_TAGS | {
    "br", "td", "th", "title", "label", "caption", "hsp", "vsp", "list-item", "list", "para", "simple-para",
    "section-title", "def-item", "def-term", "def-description", "term", "def", "entry", "row", "figcaption",
    "table-footnote", "note-para", "disp-quote", "textfn",
}
#: XML elements whose text never belongs to a paragraph (LaTeX twins of MathML, image objects).
_XML_NO_TEXT = {"tex-math", "inline-graphic", "graphic", "object-id", "alt-text", "inline-figure", "glyph",
                "float-anchor"}
_RSC_ENTITY_IMG = re.compile(r"/images/entities/(?:[a-z0-9]+_)*char_([0-9a-f]{4,5})(?:_([0-9a-f]{4,5}))?\.gif",
                             re.I)
#: RSC private-use glyph images that have a sensible plain-text reading (others are dropped).
_RSC_PRIVATE_CHARS = {"e001": "=", "e002": "≡", "e006": "=", "e007": "≡", "e009": ">", "e00a": "<",
                      "e0ee": "3/2", "e11f": "5/2"}


def _entity_text(node: etree._Entity) -> str:
    """Text of an unresolved entity reference: HTML named entities map to their character, others to ""."""
    name = node.name or ""
    return html_lib.unescape(f"&{name};") if f"{name};" in html_lib.entities.html5 else ""


def entity_image_text(el: etree._Element) -> str | None:
    """The character an RSC "entity image" stands for, or None when ``el`` is not one.

    RSC article HTML prints some characters as images, ``<img src=".../images/entities/char_2009.gif"
    alt="[thin space (1/6-em)]">``; the code point is in the file name. Private-use glyphs without a plain
    reading become "".
    """
    if local(el.tag).lower() != "img":
        return None
    match = _RSC_ENTITY_IMG.search(el.get("src") or "")
    if not match:
        return None
    out = ""
    for code in (match.group(1), match.group(2)):
        if not code:
            continue
        code = code.lower()
        value = int(code, 16)
        if 0xE000 <= value <= 0xF8FF:
            out += _RSC_PRIVATE_CHARS.get(code, "")
        else:
            out += chr(value)
    return out


def element_text(el: etree._Element, skip: Predicate | None = None) -> str:
    """Text content of ``el`` with inline markup joined without spaces (``Cd(OA)<sub>2</sub>`` → ``Cd(OA)2``).

    Unresolved entity references contribute only when they are HTML named entities (never external content);
    elements for which ``skip`` is true contribute nothing (their tails are kept). Block-level children,
    list items, ``<br>`` and Elsevier ``<ce:hsp>`` add a space; LaTeX twins of formulas (``<tex-math>``) are
    dropped; RSC entity images become their character. The result is cleaned with :func:`clean_inline` and
    brackets emptied by removed citation markers are dropped.
    """
    parts: list[str] = []
    _collect(el, parts, skip)
    return drop_empty_brackets(clean_inline("".join(parts)))


def _ends_alnum(parts: list[str]) -> bool:
    for part in reversed(parts):
        if part:
            return part[-1].isalnum()
    return False


def _collect(node: etree._Element, parts: list[str], skip: Predicate | None) -> None:
    if node.text and not isinstance(node, etree._Entity):
        parts.append(node.text)
    for child in node:
        if isinstance(child, etree._Entity):
            parts.append(_entity_text(child))
        elif isinstance(child.tag, str):
            name = local(child.tag).lower()
            glyph = entity_image_text(child)
            if glyph is not None:
                parts.append(glyph)
            elif name in _XML_NO_TEXT:
                pass
            elif skip and skip(child):
                # keep words apart when a marker sat between them ("dots<sup>1</sup>were")
                if child.tail and child.tail[:1].isalnum() and _ends_alnum(parts):
                    parts.append(" ")
            else:
                spaced = name in _SPACED
                if spaced:
                    parts.append(" ")
                _collect(child, parts, skip)
                if spaced:
                    parts.append(" ")
        if child.tail:
            parts.append(child.tail)


def classes(el: etree._Element) -> set[str]:
    """The CSS classes of an element."""
    return set((el.get("class") or "").split())


@dataclass(frozen=True)
class HtmlProfile:
    """Per-publisher hints for :class:`HtmlBlockWalker` (all optional; the generic walker needs none).

    Attributes
    ----------
    heading_classes:
        CSS class → heading level for non-``<h*>`` headings (RSC ``b_heading``, ACS run-in ``title3``).
    caption_classes:
        CSS classes of caption elements.
    figure_classes:
        CSS classes of figure/table containers (only their captions and tables are read).
    skip_classes:
        CSS classes of elements to ignore (navigation, citation markers, author lists...).
    skip_ids:
        Element ids to ignore.
    citation_marker:
        Predicate for inline citation markers to drop ("<sup><a href='#ref3'>3</a></sup>").
    """

    heading_classes: dict[str, int] = field(default_factory=dict)
    caption_classes: set[str] = field(default_factory=set)
    figure_classes: set[str] = field(default_factory=set)
    skip_classes: set[str] = field(default_factory=set)
    skip_ids: set[str] = field(default_factory=set)
    citation_marker: Predicate | None = None


_REF_FRAGMENT = re.compile(r"#(?:ref|cit|bib|b\d|r\d|cr\d|en\d|fn-?ref|fn\d)|#[\w.-]*[-_](?:bib|ref|cit|cr)[-_]?\d",
                           re.I)
_MARKER_TEXT = re.compile(r"[\d\s,;–—−\-()\[\]]*")
_MARKER_CLASSES = {"ref", "bibLink", "link__reference", "sup_ref", "citation-ref", "xref-bibr", "CitationRef"}


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", text).lower()


def default_citation_marker(el: etree._Element) -> bool:
    """Inline bibliography markers: links to a reference (``#ref3``, ``#cit3``, ``#bib3``, ``/articles/x#ref-CR3``,
    ``#adma1234-bib-0003``), Nature/Springer ``data-track-action="reference anchor"`` links, ``sup_ref``/``bibLink``
    classes, and ``<sup>`` groups holding only such links and separators (``<sup>[<a>1</a>, <a>2</a>]</sup>``)."""
    name = local(el.tag).lower()
    if name == "a":
        href = el.get("href") or ""
        if el.get("data-track-action") == "reference anchor" or el.get("data-test") == "citation-ref":
            return True
        return bool(_REF_FRAGMENT.search(href)) or bool(classes(el) & _MARKER_CLASSES)
    if name == "span" and classes(el) & {"sup_ref", "CitationRef"}:
        return True
    if name == "sup":
        links = [c for c in el.iter() if c is not el and isinstance(c.tag, str) and local(c.tag).lower() == "a"]
        text = "".join(el.itertext()).strip()
        return bool(links) and all(default_citation_marker(a) for a in links) and bool(
            _MARKER_TEXT.fullmatch(text))
    return False


#: Viewer chrome printed inside figure captions (Wiley "Open in figure viewer", Nature "Full size image").
_FIGURE_CHROME = re.compile(r"\s*(Open in figure viewer|PowerPoint|Full size (image|table)|Download figure|"
                            r"Download PowerPoint|View larger image)\s*", re.I)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


class HtmlBlockWalker:
    """Walk an HTML tree in document order and produce :class:`Block` s.

    Inline content is accumulated and flushed as a body paragraph at every block boundary; ``<h1>``–``<h6>``
    (and profile heading classes) give headings, ``<figcaption>``/caption classes give captions, tables are
    flattened row by row, figure containers contribute only their captions and tables. Reading stops at a
    "References"-like heading unless ``keep_references``; reference-list containers are skipped anyway.

    Parameters
    ----------
    profile:
        Publisher hints.
    title:
        The document title; an ``<h1>`` equal to it is not a section heading.
    keep_references:
        Keep the reference section (as a "References" section of body paragraphs).
    """

    def __init__(self, profile: HtmlProfile | None = None, title: str | None = None,
                 keep_references: bool = False) -> None:
        self.profile = profile or HtmlProfile()
        self.title = (title or "").strip().lower()
        self.keep_references = keep_references
        self.blocks: list[Block] = []
        self._buffer: list[str] = []
        self._stopped = False
        self._skip = self._is_skipped

    # -------------------------------------------------------------------------------------------- predicates
    def _is_skipped(self, el: etree._Element) -> bool:
        name = local(el.tag).lower()
        if name in _SKIP_TAGS:
            return True
        cls = classes(el)
        if cls & self.profile.skip_classes or (el.get("id") or "") in self.profile.skip_ids:
            return True
        if el.get("hidden") is not None or el.get("aria-hidden") == "true":
            return True
        if _HIDDEN_STYLE.search(el.get("style") or ""):
            return True
        if not self.keep_references and name in {"ol", "ul", "div", "section"} and (
                _REF_CONTAINER.search(el.get("class") or "") or _REF_CONTAINER.search(el.get("id") or "")):
            return True
        marker = self.profile.citation_marker or default_citation_marker
        return marker(el)

    def _heading_level(self, el: etree._Element) -> int | None:
        name = local(el.tag).lower()
        if re.fullmatch(r"h[1-6]", name):
            return int(name[1])
        for cls in classes(el):
            if cls in self.profile.heading_classes:
                return self.profile.heading_classes[cls]
        return None

    def _is_caption(self, el: etree._Element) -> bool:
        return local(el.tag).lower() in {"figcaption", "caption"} or bool(classes(el) & self.profile.caption_classes)

    def _is_figure(self, el: etree._Element) -> bool:
        if local(el.tag).lower() == "figure" or classes(el) & self.profile.figure_classes:
            return True
        return bool(re.search(r"(^|[\s_-])table-?wrap($|[\s_-])", el.get("class") or "", re.I))

    # ---------------------------------------------------------------------------------------------- output
    def _flush(self) -> None:
        text = drop_empty_brackets(clean_inline("".join(self._buffer)))
        self._buffer = []
        if text and not self._stopped:
            label = caption_label(text)
            self.blocks.append(Block(kind="caption" if label else "body", text=text, label=label))

    def _emit(self, block: Block) -> None:
        if not self._stopped and block.text.strip():
            self.blocks.append(block)

    def _emit_heading(self, text: str, tag_level: int) -> None:
        if not text:
            return
        if tag_level == 1 and (not self.title or _squash(text) == _squash(self.title)):
            return  # the article title, not a section
        if is_references_heading(text) and not self.keep_references:
            self._stopped = True
            return
        number, title = split_heading_number(text)
        title = title.rstrip(" .:")
        level = heading_level(number) if number else max(1, tag_level - 1)
        self._emit(Block(kind="heading", text=title, number=number, level=level))

    def _caption_text(self, el: etree._Element) -> str:
        return clean_inline(_FIGURE_CHROME.sub(" ", element_text(el, self._skip)))

    def _emit_caption(self, el: etree._Element) -> None:
        self._emit_caption_text(self._caption_text(el))

    def _emit_caption_text(self, text: str) -> None:
        if not text:
            return
        label = caption_label(text) or loose_caption_label(text)
        self._emit(Block(kind="caption", text=text, label=label))

    def _emit_figure(self, el: etree._Element) -> None:
        """A figure/table container: its captions (title + legend merged into one caption) and data tables."""
        texts = []
        for sub in el.iter():
            if isinstance(sub.tag, str) and sub is not el and self._is_caption(sub) and not self._skip(sub) and not any(
                    self._is_caption(a) for a in sub.iterancestors() if a is not el) and not any(
                    self._skip(a) for a in sub.iterancestors() if a is not el):
                text = self._caption_text(sub)
                if text and text not in texts:
                    texts.append(text)
        if texts:
            # Nature/Springer print "Fig. 1: Title" in <figcaption> and the legend in a description div; Wiley
            # prints the label in a header and the legend below: one figure, one caption.
            merged = texts[0]
            for extra in texts[1:]:
                merged = f"{merged} {extra}" if re.search(r"[.:!?)]$", merged) else f"{merged}. {extra}"
            self._emit_caption_text(merged)
        for table in el.iter("{*}table", "table"):
            if any(self._skip(a) for a in table.iterancestors() if a is not el):
                continue
            layout_only = any(isinstance(d.tag, str) and (self._is_caption(d) or local(d.tag) == "img")
                              for d in table.iter())
            if not layout_only:
                self._emit_table(table)

    def _emit_table(self, el: etree._Element) -> None:
        rows = []
        for tr in el.iter("{*}tr", "tr"):
            cells = [element_text(td, self._skip) for td in tr if local(td.tag).lower() in {"td", "th"}]
            cells = [c for c in cells if c]
            if cells:
                rows.append(" | ".join(cells))
        if rows:
            self._emit(Block(kind="table", text="\n".join(rows)))

    # ------------------------------------------------------------------------------------------------ walk
    def walk(self, el: etree._Element) -> list[Block]:
        """Walk ``el`` and return all blocks produced so far."""
        self._walk(el, tail=False)
        self._flush()
        return self.blocks

    def _walk(self, el: etree._Element, tail: bool = True) -> None:
        if self._stopped:
            return
        glyph = entity_image_text(el) if isinstance(el.tag, str) else None
        if isinstance(el, etree._Entity):
            self._buffer.append(_entity_text(el))
        elif glyph is not None:
            self._buffer.append(glyph)
        elif not isinstance(el.tag, str):
            pass
        elif self._skip(el):
            if el.tail and el.tail[:1].isalnum() and _ends_alnum(self._buffer):
                self._buffer.append(" ")
        else:
            name = local(el.tag).lower()
            level = self._heading_level(el)
            if level is not None:
                self._flush()
                self._emit_heading(element_text(el, self._skip), level)
            elif self._is_figure(el):
                self._flush()
                self._emit_figure(el)
            elif self._is_caption(el):
                self._flush()
                self._emit_caption(el)
            elif name == "table":
                self._flush()
                for cap in el.iter("{*}caption", "caption"):
                    self._emit_caption(cap)
                self._emit_table(el)
            elif name in _BLOCK_TAGS:
                self._flush()
                if el.text:
                    self._buffer.append(el.text)
                for child in el:
                    self._walk(child)
                self._flush()
            else:
                if name == "br":
                    self._buffer.append(" ")
                if el.text:
                    self._buffer.append(el.text)
                for child in el:
                    self._walk(child)
        if tail and el.tail:
            self._buffer.append(el.tail)


# ------------------------------------------------------------------------------------------------ metadata
def html_meta(root: etree._Element) -> dict[str, list[str]]:
    """All ``<meta name|property=... content=...>`` values, keyed by lower-cased name."""
    out: dict[str, list[str]] = {}
    for meta in root.iter("meta", "{*}meta"):
        name = (meta.get("name") or meta.get("property") or "").strip().lower()
        content = (meta.get("content") or "").strip()
        if name and content:
            out.setdefault(name, []).append(content)
    return out


def html_metadata(root: etree._Element) -> dict:
    """Title, DOI, journal, year and authors from Highwire ``citation_*``, Dublin Core ``dc.*``, PRISM and
    OpenGraph meta tags, falling back to ``<title>``."""
    meta = html_meta(root)

    def first(*names: str, accept: Callable[[str], bool] = bool) -> str | None:
        for name in names:
            for value in meta.get(name, []):
                value = clean_inline(value)
                if value and accept(value):
                    return value
        return None

    title = first("citation_title", "dc.title", "og:title", "twitter:title")
    if not title:
        titles = root.xpath("//title")
        title = clean_inline(element_text(titles[0])) if titles else None
    # Atypon sites (ACS, Wiley, T&F) print several dc.Identifier tags (publisher-id, pii, doi): take the DOI.
    doi = first("citation_doi", "dc.identifier", "prism.doi", "dc.identifier.doi", "bepress_citation_doi", "doi",
                accept=lambda v: bool(re.search(r"\b10\.\d{4,9}/\S", v)))
    # dc.Source is often a URL ("http://dx.doi.org/..."), never a journal then.
    journal = first("citation_journal_title", "prism.publicationname", "dc.source", "citation_publisher",
                    "og:site_name", accept=lambda v: not re.match(r"(https?:|www\.|doi:|10\.\d)", v, re.I))
    date = first("citation_publication_date", "citation_date", "citation_online_date", "dc.date",
                 "prism.publicationdate", "article:published_time", "citation_year")
    authors = meta.get("citation_author") or meta.get("dc.creator") or []
    return {"title": title or None, "doi": doi, "journal": journal, "year": find_year(date) if date else None,
            "authors": [clean_inline(a) for a in authors]}
