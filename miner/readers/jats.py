"""JATS/NLM XML (Springer Nature, PMC, Wiley, Frontiers, MDPI ... full text): ``<article>``, ``<sec>``, ``<p>``."""

from __future__ import annotations

import re

from lxml import etree

from nanosynth.miner.document import Block, Document
from nanosynth.miner.readers.base import Reader
from nanosynth.miner.readers.decoding import sniff_head
from nanosynth.miner.readers.textutil import find_year
from nanosynth.miner.readers.xmlbody import XmlBodyWalker, XmlProfile, citation_group, first_text, reference_blocks
from nanosynth.miner.readers.xmlsafe import local, parse_xml
from nanosynth.schema.enums import PaperSource
from nanosynth.schema.errors import ReaderError

def _is_bibr(el: etree._Element) -> bool:
    return local(el.tag) == "xref" and el.get("ref-type") == "bibr"


JATS_PROFILE = XmlProfile(
    section={"sec", "ack", "app"},
    title={"title"},
    label={"label"},
    para={"p"},
    figure={"fig", "fig-group", "boxed-text", "chem-struct-wrap"},
    table={"table-wrap"},
    caption={"caption"},
    # <notes> holds Springer's "Publisher's note" boilerplate; <glossary> the abbreviation list.
    skip={"ref-list", "fn-group", "alternatives-graphic", "graphic", "media", "object-id", "permissions",
          "supplementary-material", "inline-supplementary-material", "tex-math", "notes", "glossary",
          "table-wrap-foot", "attrib"},
    is_citation=citation_group(_is_bibr),
)
_ROOT_RE = re.compile(r"<article[\s>]")


def _article(root: etree._Element, warnings: list[str]) -> etree._Element:
    """The ``<article>``: the root itself, or the first record of an API answer (Springer Nature's
    ``<response><records><article>``); a warning when the answer holds more than one."""
    if local(root.tag) == "article":
        return root
    found = root.xpath("./*[local-name()='records']/*[local-name()='article']") \
        if local(root.tag) == "response" else []
    if not found:
        raise ReaderError(f"JATS XML must have an <article> root element (or <response><records><article>, as "
                          f"in Springer Nature API answers), found <{local(root.tag)}>")
    if len(found) > 1:
        warnings.append(f"the API answer holds {len(found)} articles; only the first was read (fetch one DOI "
                        f"per file)")
    return found[0]


class JatsXmlReader(Reader):
    """JATS XML: metadata from ``<front>`` (``article-title``, ``article-id[@pub-id-type='doi']``,
    ``journal-title``, ``pub-date/year``, ``contrib``); abstract, ``<body>`` sections and back matter
    (acknowledgments, appendices) with ``<fig>``/``<table-wrap>`` captions; ``<ref-list>`` dropped."""

    source_format = PaperSource.PUBLISHER_XML.value

    def detect(self, data: bytes, filename: str | None = None) -> bool:
        head = sniff_head(data, 8192)
        if not head.lstrip().startswith("<") or not _ROOT_RE.search(head):
            return False
        low = head.lower()
        return "<front" in low or "jats" in low or "article-meta" in low or "journal publishing dtd" in low

    def parse(self, data: bytes, filename: str | None = None) -> Document:
        root, warnings = parse_xml(data, what="JATS XML", encoding=self.options.encoding)
        root = _article(root, warnings)
        meta = self._metadata(root)
        blocks: list[Block] = []
        for abstract in root.xpath("./*[local-name()='front']/*[local-name()='article-meta']"
                                   "/*[local-name()='abstract']"):
            if abstract.get("abstract-type") in {"graphical", "toc"}:
                continue
            walker = XmlBodyWalker(JATS_PROFILE)
            for child in abstract:
                if isinstance(child.tag, str) and local(child.tag) != "title":
                    walker.walk(child, depth=1)
            blocks.append(Block(kind="heading", text=first_text(abstract, "./*[local-name()='title']") or "Abstract"))
            blocks += [b for b in walker.blocks if b.kind != "heading"]
        walker = XmlBodyWalker(JATS_PROFILE, keep_references=self.options.keep_references)
        for part in ("body", "back", "floats-group"):
            for el in root.xpath(f"./*[local-name()='{part}']"):
                walker.walk(el)
        blocks += walker.blocks
        if self.options.keep_references:
            blocks += reference_blocks(root, {"ref-list"}, {"ref"})
        if not any(b.kind == "body" for b in blocks):
            raise ReaderError(f"JATS XML {filename or ''} has no <body> or abstract paragraphs (metadata only?); "
                              f"fetch the full-text XML")
        return Document.assemble(blocks, warnings=warnings, **meta, **self._meta(data, filename))

    def _metadata(self, root: etree._Element) -> dict:
        am = "./*[local-name()='front']/*[local-name()='article-meta']"
        title = first_text(root, f"{am}/*[local-name()='title-group']/*[local-name()='article-title']")
        doi = first_text(root, f"{am}/*[local-name()='article-id'][@pub-id-type='doi']")
        journal = first_text(root, "./*[local-name()='front']/*[local-name()='journal-meta']//"
                                   "*[local-name()='journal-title']")
        year = None
        for pub_type in ("epub", "ppub", "pub", None):
            cond = f"[@pub-type='{pub_type}' or @date-type='{pub_type}']" if pub_type else ""
            text = first_text(root, f"{am}/*[local-name()='pub-date']{cond}/*[local-name()='year']")
            if text:
                year = find_year(text)
                break
        authors = []
        for contrib in root.xpath(f"{am}//*[local-name()='contrib'][@contrib-type='author']"):
            surname = first_text(contrib, ".//*[local-name()='surname']")
            given = first_text(contrib, ".//*[local-name()='given-names']") or ""
            collab = first_text(contrib, ".//*[local-name()='collab']")
            if surname:
                authors.append(f"{surname}, {given}".strip(", "))
            elif collab:
                authors.append(collab)
        return {"title": title, "doi": doi, "journal": journal, "year": year, "authors": authors}
