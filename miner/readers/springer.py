"""Springer Nature full-text HTML (link.springer.com, nature.com, BMC): the ``c-article-*`` page layout."""

from __future__ import annotations

import re

from lxml import etree

from nanosynth.miner.document import Block
from nanosynth.miner.readers.html import GenericHtmlReader, looks_like_html
from nanosynth.miner.readers.markup import HtmlProfile, element_text

_SPRINGER_DOI = re.compile(rb'content="(?:https?://doi\.org/|doi:)?10\.(?:1007|1038|1186|1140|1557)/', re.I)


class SpringerNatureHtmlReader(GenericHtmlReader):
    """Springer Nature article pages.

    Layout: ``div.c-article-body`` holds ``<section data-title="...">`` blocks, each with
    ``h2.c-article-section__title`` and ``div.c-article-section__content`` (``<h3>``/``<h4>`` subsections);
    figures are ``div.c-article-section__figure`` with ``<figcaption>`` ("Fig. 1: Title") plus
    ``div.c-article-section__figure-description`` (the legend), merged into one caption; tables are
    ``div.c-article-table``. Citation links (``data-track-action="reference anchor"``, ``#ref-CR1``) are dropped.
    Metadata from the Highwire ``citation_*`` tags. Detected by a Springer Nature DOI prefix (10.1007, 10.1038,
    10.1186, 10.1140, 10.1557) in a meta tag together with the ``c-article`` classes, or a springer/nature host.
    """

    profile = HtmlProfile(
        caption_classes={"c-article-section__figure-description", "c-article-table__figcaption",
                         "c-article-section__figure-caption"},
        figure_classes={"c-article-section__figure", "c-article-table", "c-article-supplementary__item"},
        skip_classes={"c-article-references", "c-article-author-list", "c-article-info-details",
                      "c-article-identifiers", "c-article-header", "c-article-metrics-bar", "c-reading-companion",
                      "c-article-share-box", "c-article__pill-button", "c-article-section__figure-link",
                      "c-article-rights", "c-bibliographic-information", "u-hide-print", "c-article-subject-list",
                      "c-article-further-reading", "c-article-recommendations", "u-screenreader-only",
                      "c-article-equation__number", "c-pdf-download", "js-ad", "c-header", "c-footer",
                      "c-article-table-footer", "c-article-access-provider"},
        skip_ids={"references", "rightslink-section", "article-info-section", "author-information-section"},
    )

    def detect(self, data: bytes, filename: str | None = None) -> bool:
        if not looks_like_html(data):
            return False
        head = data[:400_000]
        layout = b"c-article-" in head
        host = re.search(rb"(link\.springer\.com|www\.nature\.com|biomedcentral\.com|springeropen\.com)", head)
        return layout and bool(_SPRINGER_DOI.search(head) or host)

    def content_root(self, root: etree._Element) -> etree._Element | None:
        for xpath in ("//div[contains(concat(' ', normalize-space(@class), ' '), ' c-article-body ')]",
                      "//div[@data-article-body='true']", "//article"):
            found = root.xpath(xpath)
            if found:
                return max(found, key=lambda e: len("".join(e.itertext())))
        return super().content_root(root)

    def extra_metadata(self, root: etree._Element, meta: dict) -> dict:
        found = root.xpath("//h1[contains(@class,'c-article-title')]")
        if found and not meta.get("title"):
            meta["title"] = element_text(found[0]) or None
        return super().extra_metadata(root, meta)

    def abstract_blocks(self, root: etree._Element, container: etree._Element) -> list[Block]:
        """The abstract section when the page keeps it outside ``c-article-body``."""
        found = root.xpath("//section[@data-title='Abstract'] | //div[@id='Abs1-section']")
        found = [f for f in found if f is not container and not any(a is container for a in f.iterancestors())]
        if not found:
            return []
        paras = [t for t in (element_text(p) for p in found[0].xpath(".//p")) if t]
        return [Block(kind="heading", text="Abstract")] + [Block(text=p) for p in paras] if paras else []
