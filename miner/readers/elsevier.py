"""Elsevier full-text XML (ScienceDirect Article Retrieval API, ``ce:``/``ja:``/``xocs:`` namespaces)."""

from __future__ import annotations

import re

from lxml import etree

from nanosynth.miner.document import Block, Document
from nanosynth.miner.readers.base import Reader
from nanosynth.miner.readers.decoding import sniff_head
from nanosynth.miner.readers.textutil import clean_inline, find_year
from nanosynth.miner.readers.xmlbody import XmlBodyWalker, XmlProfile, citation_group, first_text, reference_blocks
from nanosynth.miner.readers.xmlsafe import local, parse_xml
from nanosynth.schema.enums import PaperSource
from nanosynth.schema.errors import ReaderError


_BIB_ID = re.compile(r"(bib|bb|br|b|ref|rf|cit|bibr|tblfn|tfn|fn|cor|af|aff)\d", re.I)


def _is_bib_ref(el: etree._Element) -> bool:
    """Cross-references to the bibliography (refids "bib1", "b0005", "bb0005", "br0010", "ref12") and to
    footnotes/affiliations/correspondence ("tblfn1", "fn1", "af0005", "cor1"), which are dropped from the text;
    figure, table and section cross-refs ("f0005", "fig1", "t0005", "s0010") keep their text."""
    if local(el.tag) not in {"cross-ref", "cross-refs", "intra-ref", "intra-refs"}:
        return False
    refids = (el.get("refid") or "").split()
    return bool(refids) and all(_BIB_ID.match(r) for r in refids)


ELSEVIER_PROFILE = XmlProfile(
    section={"section", "abstract-sec", "acknowledgment", "appendices"},
    title={"section-title"},
    label={"label"},
    para={"para", "simple-para"},
    figure={"figure", "e-component"},
    table={"table"},
    caption={"caption"},
    skip={"bibliography", "further-reading", "float-anchor", "alt-text", "link", "footnote", "source",
          "keywords", "e-address", "table-footnote", "legend", "inline-figure"},
    is_citation=citation_group(_is_bib_ref),
    anchor={"float-anchor"},
)


class ElsevierXmlReader(Reader):
    """Elsevier XML: metadata from ``coredata`` (``prism:doi``, ``dc:title``, ``prism:publicationName``,
    ``prism:coverDate``, ``dc:creator``) or the ``ja:head``; abstract from ``ce:abstract``; body from
    ``ce:sections`` (``ce:section``/``ce:section-title``/``ce:para``); captions and rows of ``ce:figure``/
    ``ce:table`` (from ``ce:floats``, placed after the paragraph holding their ``ce:float-anchor``); bibliography
    cross-refs (``bib*``, ``b0005``, ``bb0005``...) dropped from the text, ``ce:hsp`` read as a space, the
    bibliography cut. Detected by the ``http://www.elsevier.com/xml/`` namespaces."""

    source_format = PaperSource.PUBLISHER_XML.value

    def detect(self, data: bytes, filename: str | None = None) -> bool:
        head = sniff_head(data, 8192)
        return head.lstrip().startswith("<") and "www.elsevier.com/xml/" in head

    def parse(self, data: bytes, filename: str | None = None) -> Document:
        root, warnings = parse_xml(data, what="Elsevier XML", encoding=self.options.encoding)
        meta = self._metadata(root)
        blocks: list[Block] = []
        for abstract in root.xpath("//*[local-name()='abstract']"):
            kind = (abstract.get("class") or "author").lower()
            if kind == "graphical":
                continue
            title = first_text(abstract, "./*[local-name()='section-title']") or (
                "Highlights" if kind == "author-highlights" else "Abstract")
            blocks.append(Block(kind="heading", text=title))
            walker = XmlBodyWalker(ELSEVIER_PROFILE)
            for child in abstract:
                if isinstance(child.tag, str) and local(child.tag) != "section-title":
                    walker.walk(child, depth=1)
            blocks += [b for b in walker.blocks if b.kind != "heading"]
        bodies = root.xpath("//*[local-name()='body' and namespace-uri()!='']")
        # Real articles keep figures/tables in <ce:floats> (before <ja:head>) and anchor them in the text with
        # <ce:float-anchor refid=.../>: each float is placed after the paragraph that anchors it.
        floats = {f.get("id"): f for f in root.xpath("//*[local-name()='floats']/*[@id]")}
        walker = XmlBodyWalker(ELSEVIER_PROFILE, keep_references=self.options.keep_references, floats=floats)
        for body in bodies:
            for child in body:
                walker.walk(child)
                if local(child.tag) == "sections":
                    walker.emit_remaining_floats()  # unanchored floats (supplementary data) end the main text
        walker.emit_remaining_floats()
        for tail in root.xpath("//*[local-name()='tail']/*[local-name()='acknowledgment']"):
            walker.walk(tail)
        blocks += walker.blocks
        if self.options.keep_references:
            blocks += reference_blocks(root, {"bibliography"}, {"bib-reference"})
        if not any(b.kind == "body" for b in walker.blocks):
            raws = root.xpath("//*[local-name()='rawtext']")
            raw = "".join(raws[0].itertext()) if raws else ""
            if raw.strip():
                # xocs:rawtext is unstructured: split at blank lines / wide gaps before whitespace is collapsed
                warnings.append("no structured body; paragraphs split from <rawtext> (no sections or captions)")
                blocks += [Block(text=clean_inline(p)) for p in re.split(r"\s{3,}|\n\s*\n", raw) if p.strip()]
        if not any(b.kind == "body" for b in blocks):
            raise ReaderError(f"Elsevier XML {filename or ''} has no body or abstract text (a metadata-only "
                              f"record?); request the FULL view from the Article Retrieval API")
        return Document.assemble(blocks, warnings=warnings, **meta, **self._meta(data, filename))

    def _metadata(self, root: etree._Element) -> dict:
        title = (first_text(root, "//*[local-name()='coredata']/*[local-name()='title']")
                 or first_text(root, "//*[local-name()='head']/*[local-name()='title']"))
        doi = (first_text(root, "//*[local-name()='coredata']/*[local-name()='doi']")
               or first_text(root, "//*[local-name()='doi']")
               or first_text(root, "//*[local-name()='coredata']/*[local-name()='identifier']"))
        journal = (first_text(root, "//*[local-name()='publicationName']")
                   or first_text(root, "//*[local-name()='srctitle']"))
        date = (first_text(root, "//*[local-name()='coverDate']")
                or first_text(root, "//*[local-name()='cover-date-start']")
                or first_text(root, "//*[local-name()='coverDisplayDate']")
                or first_text(root, "//*[local-name()='cover-date-text']")
                or first_text(root, "//*[local-name()='date-accepted']/@year")
                or first_text(root, "//*[local-name()='copyright']/@year"))
        authors = [clean_inline(" ".join(a.itertext())) for a in root.xpath(
            "//*[local-name()='coredata']/*[local-name()='creator']")]
        if not authors:
            for author in root.xpath("//*[local-name()='author-group']/*[local-name()='author']"):
                given = first_text(author, "./*[local-name()='given-name']") or ""
                surname = first_text(author, "./*[local-name()='surname']") or ""
                if surname:
                    authors.append(f"{surname}, {given}".strip(", "))
        return {"title": title, "doi": doi, "journal": journal, "year": find_year(date) if date else None,
                "authors": authors}
