"""Wiley Online Library full-text HTML (onlinelibrary.wiley.com/doi/full/10.1002/...)."""

from __future__ import annotations

import re

from lxml import etree

from nanosynth.miner.readers.html import GenericHtmlReader, looks_like_html
from nanosynth.miner.readers.markup import HtmlProfile, element_text

_WILEY_DOI = re.compile(rb'name="citation_doi"[^>]*content="10\.(?:1002|1111)/|content="10\.(?:1002|1111)/[^"]*"'
                        rb'[^>]*name="citation_doi"', re.I)


class WileyHtmlReader(GenericHtmlReader):
    """Wiley article pages.

    Layout: ``div.article__body`` holds the abstract (``section.article-section__abstract``) and the full text
    ``section.article-section__full`` with ``section.article-section__content`` blocks (``h2.article-section__title``)
    and ``section.article-section__sub-content`` subsections (``<h3>``/``<h4>``); paragraphs are ``<p>`` or
    ``div.paragraph-element``; figures are ``section.article-section__inline-figure`` > ``<figure>`` with
    ``figcaption.figure__caption`` (viewer links dropped); tables are ``div.article-table-content`` with a
    ``header.article-table-caption``. References (``section.article-section__references``), "cited by" and
    bibliography links (``a.bibLink``, ``#...-bib-0001``) are dropped. Detected by a Wiley DOI (10.1002/,
    10.1111/) in ``citation_doi`` or the ``article-section__`` layout on an onlinelibrary.wiley.com page.
    """

    profile = HtmlProfile(
        heading_classes={},
        caption_classes={"figure__caption", "article-table-caption"},
        figure_classes={"article-section__inline-figure", "article-table-content", "figure"},
        skip_classes={"article-section__references", "article-section__citedby", "figure-extra", "figZoom",
                      "article-header__authors-container", "loa-wrappers", "loa", "accordion", "article-citation",
                      "article-section__table-footnotes", "inline-equation__label", "page-header", "page-footer",
                      "article-header__references-container", "article-header__meta-info-container",
                      "bibLink", "share__block", "readCube-sharing", "article__keyword", "keywords",
                      "epub-sections", "coolBar", "article-row-right"},
        skip_ids={"references-section", "cited-by", "citedby-section", "footer-citing", "related-content",
                  "footer-article-info", "art-admin", "crossmark-content", "pdf-section"},
    )

    def detect(self, data: bytes, filename: str | None = None) -> bool:
        if not looks_like_html(data):
            return False
        head = data[:400_000]
        if _WILEY_DOI.search(head):
            return True
        return b"article-section__" in head and b"onlinelibrary.wiley.com" in head

    def content_root(self, root: etree._Element) -> etree._Element | None:
        for xpath in ("//div[contains(concat(' ', normalize-space(@class), ' '), ' article__body ')]",
                      "//section[contains(@class,'article-section__full')]", "//article"):
            found = root.xpath(xpath)
            if found:
                return max(found, key=lambda e: len("".join(e.itertext())))
        return super().content_root(root)

    def extra_metadata(self, root: etree._Element, meta: dict) -> dict:
        found = root.xpath("//h1[contains(@class,'citation__title')]")
        if found and not meta.get("title"):
            meta["title"] = element_text(found[0]) or None
        return super().extra_metadata(root, meta)
