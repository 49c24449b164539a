"""Elsevier full-text XML (ScienceDirect Article Retrieval API, ``ce:``/``ja:``/``xocs:`` namespaces)."""

from __future__ import annotations

import re

from lxml import etree

from miner.document import Block, Document
from miner.readers.base import Reader
from miner.readers.decoding import sniff_head
from miner.readers.textutil import clean_inline, find_year
from miner.readers.xmlbody import XmlBodyWalker, XmlProfile, first_text
from miner.readers.xmlsafe import local, parse_xml
from schema.enums import PaperSource
from schema.errors import ReaderError


def _is_bib_ref(el: etree._Element) -> bool:
    if local(el.tag) not in {"cross-ref", "cross-refs"}:
        return False
    refid = (el.get("refid") or "").strip()
    return bool(re.match(r"(bib|b|ref|cit)\d", refid, re.I))


ELSEVIER_PROFILE = XmlProfile(
    section={"section", "abstract-sec", "acknowledgment", "appendices"},
    title={"section-title"},
    label={"label"},
    para={"para", "simple-para"},
    figure={"figure", "e-component"},
    table={"table"},
    caption={"caption"},
    skip={"bibliography", "further-reading", "float-anchor", "alt-text", "link", "inter-ref", "footnote",
          "source", "keywords", "e-address"},
    is_citation=_is_bib_ref,
)


class ElsevierXmlReader(Reader):
    """Elsevier XML: metadata from ``coredata`` (``prism:doi``, ``dc:title``, ``prism:publicationName``,
    ``prism:coverDate``, ``dc:creator``) or the ``ja:head``; abstract from ``ce:abstract``; body from
    ``ce:sections`` (``ce:section``/``ce:section-title``/``ce:para``); captions of ``ce:figure``/``ce:table``;
    bibliography dropped. Detected by the ``http://www.elsevier.com/xml/`` namespaces."""

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
        walker = XmlBodyWalker(ELSEVIER_PROFILE, keep_references=self.options.keep_references)
        for body in bodies:
            walker.walk(body)
        for tail in root.xpath("//*[local-name()='tail']/*[local-name()='acknowledgment']"):
            walker.walk(tail)
        blocks += walker.blocks
        if not any(b.kind == "body" for b in walker.blocks):
            raw = first_text(root, "//*[local-name()='rawtext']")
            if raw:
                warnings.append("no structured body; paragraphs split from <rawtext>")
                blocks += [Block(text=p) for p in re.split(r"\s{3,}|\n\s*\n", raw) if p.strip()]
        if not any(b.kind == "body" for b in blocks):
            raise ReaderError(f"Elsevier XML {filename or ''} has no body or abstract text (a metadata-only "
                              f"record?); request the FULL view from the Article Retrieval API")
        return Document.assemble(blocks, warnings=warnings, **meta, **self._meta(data, filename))

    def _metadata(self, root: etree._Element) -> dict:
        title = (first_text(root, "//*[local-name()='coredata']/*[local-name()='title']")
                 or first_text(root, "//*[local-name()='head']/*[local-name()='title']"))
        doi = (first_text(root, "//*[local-name()='coredata']/*[local-name()='doi']")
               or first_text(root, "//*[local-name()='doi']"))
        journal = (first_text(root, "//*[local-name()='publicationName']")
                   or first_text(root, "//*[local-name()='srctitle']"))
        date = (first_text(root, "//*[local-name()='coverDate']")
                or first_text(root, "//*[local-name()='cover-date-start']")
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
