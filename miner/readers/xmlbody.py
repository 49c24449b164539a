"""A walker for structured publisher XML (Elsevier ``ce:``, JATS): sections, paragraphs, floats, by local name."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from nanosynth.miner.document import Block
from nanosynth.miner.readers.markup import element_text
from nanosynth.miner.readers.textutil import (
    caption_label,
    clean_inline,
    heading_level,
    is_references_heading,
    loose_caption_label,
    split_heading_number,
)
from nanosynth.miner.readers.xmlsafe import local


_BULLETS = {"•", "▪", "◦", "–", "—", "-", "*", "■", "□", "●", "○"}


@dataclass(frozen=True)
class XmlProfile:
    """Local element names of one XML vocabulary.

    Attributes
    ----------
    section, title, label, para:
        Section container, its title, its number label, paragraph elements.
    figure, table, caption:
        Figure container, table container, caption element (within figure/table containers).
    row, cell:
        Table rows and cells.
    skip:
        Elements ignored entirely (bibliography, floats anchors, ...).
    is_citation:
        Inline bibliography markers to drop from paragraph text.
    anchor:
        Elements that stand for a float kept elsewhere (Elsevier ``<ce:float-anchor refid="f0005"/>``: the
        figures and tables live in ``<ce:floats>`` before the article head). The float is emitted right after
        the paragraph holding its anchor.
    """

    section: set[str]
    title: set[str]
    label: set[str]
    para: set[str]
    figure: set[str]
    table: set[str]
    caption: set[str]
    row: set[str] = field(default_factory=lambda: {"row", "tr"})
    cell: set[str] = field(default_factory=lambda: {"entry", "td", "th"})
    skip: set[str] = field(default_factory=set)
    is_citation: Callable[[etree._Element], bool] = lambda el: False
    anchor: set[str] = field(default_factory=set)


def citation_group(is_ref: Callable[[etree._Element], bool]) -> Callable[[etree._Element], bool]:
    """Extend a bibliography-marker predicate to ``<sup>``/``<ce:sup>`` groups that hold only markers and
    separators (``<sup><xref ref-type="bibr">1</xref>,<xref ref-type="bibr">2</xref></sup>``)."""

    def predicate(el: etree._Element) -> bool:
        if is_ref(el):
            return True
        if local(el.tag) not in {"sup", "superscript"}:
            return False
        refs = [c for c in el.iter() if c is not el and isinstance(c.tag, str) and is_ref(c)]
        return bool(refs) and bool(re.fullmatch(r"[\d\s,;–—−\-()\[\]]*", "".join(el.itertext())))

    return predicate


class XmlBodyWalker:
    """Turn a structured XML body into blocks.

    Parameters
    ----------
    profile:
        The vocabulary.
    keep_references:
        Do not stop at a "References" section.
    """

    def __init__(self, profile: XmlProfile, keep_references: bool = False,
                 floats: dict[str, etree._Element] | None = None) -> None:
        self.p = profile
        self.keep_references = keep_references
        self.blocks: list[Block] = []
        self.floats = floats or {}
        self.emitted: set[int] = set()
        self._emitted_elements: list[etree._Element] = []

    def _skip_inline(self, el: etree._Element) -> bool:
        name = local(el.tag)
        if name == "display":
            # a displayed formula stays in the sentence; displayed figures/tables are emitted as floats
            floats = self.p.figure | self.p.table
            return any(isinstance(d.tag, str) and local(d.tag) in floats for d in el.iter())
        if name == "label":
            parent = local(el.getparent().tag) if el.getparent() is not None else ""
            text = "".join(el.itertext()).strip()
            if parent in {"formula", "disp-formula"} or (parent == "list-item" and text in _BULLETS):
                return True
        return (name in self.p.skip or name in self.p.figure or name in self.p.table or self.p.is_citation(el)
                or name == "float-anchor")

    def walk(self, el: etree._Element, depth: int = 0) -> list[Block]:
        """Walk ``el`` (a body, an abstract, a back-matter element) and return all blocks produced so far."""
        self._walk(el, depth)
        return self.blocks

    def _child(self, el: etree._Element, names: set[str]) -> etree._Element | None:
        for child in el:
            if isinstance(child.tag, str) and local(child.tag) in names:
                return child
        return None

    def _walk(self, el: etree._Element, depth: int) -> None:
        if not isinstance(el.tag, str):
            return
        name = local(el.tag)
        if name in self.p.skip:
            return
        if name in self.p.section:
            title_el = self._child(el, self.p.title)
            label_el = self._child(el, self.p.label)
            title = element_text(title_el, self._skip_inline) if title_el is not None else ""
            label = element_text(label_el) if label_el is not None else ""
            if title and is_references_heading(title) and not self.keep_references:
                return
            number, title = split_heading_number(f"{label} {title}".strip()) if label else split_heading_number(title)
            if title:
                level = heading_level(number) if number else depth + 1
                self.blocks.append(Block(kind="heading", text=title, number=number, level=max(1, level)))
            inner = depth + 1 if title else depth  # an untitled wrapper (<app>, <ce:appendices>) adds no level
            for child in el:
                if child is not title_el and child is not label_el:
                    self._walk(child, inner)
        elif name in self.p.para:
            text = element_text(el, self._skip_inline)
            if text:
                label = caption_label(text)
                self.blocks.append(Block(kind="caption" if label else "body", text=text, label=label))
            for float_el in self._floats_within(el):
                self._float(float_el)
            self._anchored_floats(el)
        elif name in self.p.figure or name in self.p.table:
            self._float(el)
        elif name in self.p.anchor:
            self._anchored_floats(el)
        else:
            for child in el:
                self._walk(child, depth)

    def _anchored_floats(self, el: etree._Element) -> None:
        """Emit the floats whose anchors sit in ``el`` (each float once, at its first anchor)."""
        for node in el.iter():
            if isinstance(node.tag, str) and local(node.tag) in self.p.anchor:
                for refid in (node.get("refid") or "").split():
                    target = self.floats.get(refid)
                    if target is not None:
                        self._float(target)

    def emit_remaining_floats(self) -> None:
        """Emit the floats never anchored in the text (in their stored order)."""
        for target in self.floats.values():
            self._float(target)

    def _floats_within(self, el: etree._Element) -> list[etree._Element]:
        """Figure/table elements inside ``el`` that are not nested in another figure/table."""
        found: list[etree._Element] = []
        floats = self.p.figure | self.p.table
        stack = [c for c in reversed(list(el))]
        while stack:
            node = stack.pop()
            if not isinstance(node.tag, str):
                continue
            if local(node.tag) in floats:
                found.append(node)
            else:
                stack.extend(reversed(list(node)))
        return found

    def _float(self, el: etree._Element) -> None:
        """A figure or table: caption (with its label) as a caption block; table rows as a table block."""
        if id(el) in self.emitted:
            return
        # lxml proxies may be recycled (and their id reused) once unreferenced: keep emitted ones alive
        self.emitted.add(id(el))
        self._emitted_elements.append(el)
        label_el = self._child(el, self.p.label)
        caption_el = next((c for c in el.iter() if isinstance(c.tag, str) and local(c.tag) in self.p.caption), None)
        label = element_text(label_el) if label_el is not None else ""
        caption = ""
        if caption_el is not None:
            parts = [element_text(c, self._skip_inline) for c in caption_el if isinstance(c.tag, str)]
            parts = [p for p in parts if p]
            if len(parts) > 1:  # <title> + <p>: keep them as sentences
                caption = " ".join(p if re.search(r"[.:!?]$", p) else p + "." for p in parts[:-1]) + " " + parts[-1]
            else:
                caption = element_text(caption_el, self._skip_inline)
        if caption or label:
            text = clean_inline(f"{label}. {caption}" if label and caption and not re.search(r"[.:|]$", label)
                                else f"{label} {caption}")
            norm = loose_caption_label(text) or (label or None)
            self.blocks.append(Block(kind="caption", text=text, label=norm))
        if local(el.tag) in self.p.table:
            rows = []
            for row in el.iter():
                if isinstance(row.tag, str) and local(row.tag) in self.p.row:
                    cells = [element_text(c, self._skip_inline) for c in row
                             if isinstance(c.tag, str) and local(c.tag) in self.p.cell]
                    cells = [c for c in cells if c]
                    if cells:
                        rows.append(" | ".join(cells))
            if rows:
                self.blocks.append(Block(kind="table", text="\n".join(rows)))


def first_text(root: etree._Element, xpath: str) -> str | None:
    """Clean text of the first node matching ``xpath`` (element or string result), or None."""
    found = root.xpath(xpath)
    if not found:
        return None
    node = found[0]
    text = element_text(node) if isinstance(node, etree._Element) else clean_inline(str(node))
    return text or None


def reference_blocks(root: etree._Element, list_names: set[str], entry_names: set[str]) -> list[Block]:
    """The reference list(s) as a "References" section with one body paragraph per entry.

    Used only with ``keep_references=True``. Structured references (Elsevier ``sb:reference``, JATS
    ``element-citation``) are flattened with spaces between their fields.
    """
    entries = []
    for lst in root.iter():
        if isinstance(lst.tag, str) and local(lst.tag) in list_names:
            for entry in lst.iter():
                if isinstance(entry.tag, str) and local(entry.tag) in entry_names:
                    text = clean_inline(" ".join(t.strip() for t in entry.itertext() if t.strip()))
                    if text:
                        entries.append(Block(text=text))
    return [Block(kind="heading", text="References")] + entries if entries else []

