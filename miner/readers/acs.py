"""ACS Publications full-text HTML (pubs.acs.org/doi/full/10.1021/...)."""

from __future__ import annotations

import re

from lxml import etree

from nanosynth.miner.readers.html import GenericHtmlReader, looks_like_html
from nanosynth.miner.document import Block
from nanosynth.miner.readers.markup import HtmlProfile, element_text


class AcsHtmlReader(GenericHtmlReader):
    """ACS article pages: ``NLM_sec`` sections, ``NLM_p`` paragraphs, run-in ``title3`` headings, ``NLM_caption``
    and ``<figcaption>`` captions, ``dc.*`` meta tags; detected by an ACS DOI (10.1021/) or ``pubs.acs.org``."""

    profile = HtmlProfile(
        heading_classes={"title2": 3, "title3": 4, "NLM_title": 3},
        caption_classes={"NLM_caption", "caption", "figure__caption", "NLM_table-wrap_caption"},
        figure_classes={"NLM_table-wrap", "NLM_fig", "article__inlineFigure", "figure"},
        skip_classes={"references", "NLM_ref-list", "article_abstract-img", "hlFld-KeywordText", "ref-links",
                      "citation", "refLink", "article_header-author-list", "loa", "article_header-authors",
                      "cited-by", "figure__actions", "fig-links", "share-buttons", "article_keywords",
                      "article_header-affiliations", "NLM_ref-list", "citationLinks", "anchors",
                      "article_content-right", "article__inlineFigure__actions", "fig-permissions"},
        skip_ids={"references", "citedBy", "footer"},
    )

    def detect(self, data: bytes, filename: str | None = None) -> bool:
        head = data[:200_000].lower()
        if not looks_like_html(data):
            return False
        return (b'content="10.1021/' in head or b"pubs.acs.org" in head
                or b"american chemical society" in head and b"nlm_" in head)

    def content_root(self, root: etree._Element) -> etree._Element | None:
        for xpath in ("//div[contains(concat(' ', @class, ' '), ' article_content ')]",
                      "//div[@id='articleBody']", "//div[contains(@class,'hlFld-Fulltext')]"):
            found = root.xpath(xpath)
            if found:
                return found[0]
        return super().content_root(root)

    def extra_metadata(self, root: etree._Element, meta: dict) -> dict:
        for xpath in ("//h1[contains(@class,'article_header-title')]", "//span[@class='hlFld-Title']"):
            found = root.xpath(xpath)
            if found:
                meta["title"] = element_text(found[0]) or meta.get("title")
                break
        if not meta.get("journal"):
            meta["journal"] = self._journal(root)
        return super().extra_metadata(root, meta)

    @staticmethod
    def _journal(root: etree._Element) -> str | None:
        """ACS pages carry no journal meta tag: read it from the header (``span.cit-title``) or from the
        ``<title>`` suffix ("... | Chemistry of Materials", "... - Nano Letters (ACS Publications)")."""
        found = root.xpath("//*[contains(concat(' ', @class, ' '), ' cit-title ')] | //div[@id='citation']/cite")
        if found and element_text(found[0]):
            return element_text(found[0])
        titles = root.xpath("//title")
        text = element_text(titles[0]) if titles else ""
        match = re.search(r"(?:\s\|\s|\s[-–]\s)([^|]+?)\s*(?:\(ACS Publications\))?$", text)
        if match and ("(ACS Publications)" in text or " | " in text):
            return match.group(1).strip() or None
        return None

    def abstract_blocks(self, root: etree._Element, container: etree._Element) -> list[Block]:
        """The abstract (``div.article_abstract``/``abstractSection``) when it is outside the article body."""
        found = root.xpath("//div[contains(@class,'article_abstract') or contains(@class,'abstractSection')]")
        if not found or any(a is container for a in found[0].iterancestors()) or found[0] is container:
            return []
        paras = [element_text(p) for p in found[0].xpath(".//p")] or [element_text(found[0])]
        paras = [p for p in paras if p and p.lower() != "abstract"]
        return [Block(kind="heading", text="Abstract")] + [Block(text=p) for p in paras] if paras else []
