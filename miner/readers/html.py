"""Generic HTML reader (fallback for any publisher page or saved article) and the base of the publisher readers."""

from __future__ import annotations

import re

from lxml import etree

from nanosynth.miner.document import Block, Document
from nanosynth.miner.readers.base import Reader
from nanosynth.miner.readers.decoding import sniff_head
from nanosynth.miner.readers.markup import HtmlBlockWalker, HtmlProfile, element_text, html_metadata
from nanosynth.miner.readers.xmlsafe import parse_html
from nanosynth.schema.enums import PaperSource
from nanosynth.schema.errors import ReaderError

_HTML_SNIFF = re.compile(r"^\s*(<!--.*?-->\s*)*(<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<meta\s|<title>)",
                         re.I | re.S)
_HTML_ANYWHERE = re.compile(r"<(html|body|div|p|article)[\s>]", re.I)


def looks_like_html(data: bytes) -> bool:
    """Cheap sniff: the head of ``data`` starts like HTML (doctype, ``<html>``, ``<head>``, ``<body>``...)."""
    head = sniff_head(data, 4096)
    if _HTML_SNIFF.match(head):
        return True
    stripped = re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", head)
    return bool(re.match(r"<!doctype\s+html|<html", stripped, re.I)) or (
        stripped.startswith("<") and bool(_HTML_ANYWHERE.search(stripped[:512]))
        and not stripped.startswith(("<?xml", "<!DOCTYPE article", "<article")))


class GenericHtmlReader(Reader):
    """Any HTML page: metadata from meta tags, text from ``<article>``/``<main>``/``<body>``.

    Navigation, headers/footers, scripts, forms and reference lists are dropped; ``<h2>``–``<h6>`` give
    sections, ``<figcaption>``/``<caption>`` captions, tables are flattened. Reading stops at "References".
    """

    source_format = PaperSource.HTML.value
    profile: HtmlProfile = HtmlProfile(skip_classes={"nav", "navbar", "menu", "breadcrumb", "cookie-banner",
                                                     "share", "social", "sidebar", "site-footer", "site-header"})

    def detect(self, data: bytes, filename: str | None = None) -> bool:
        return looks_like_html(data)

    def content_root(self, root: etree._Element) -> etree._Element | None:
        """The element holding the article text: the largest ``<article>``, else ``<main>``, else ``<body>``."""
        for xpath in ("//article", "//main", "//*[@role='main']"):
            found = root.xpath(xpath)
            if found:
                return max(found, key=lambda e: len("".join(e.itertext())))
        bodies = root.xpath("//body")
        return bodies[0] if bodies else None

    def extra_metadata(self, root: etree._Element, meta: dict) -> dict:
        """Hook for publisher readers to refine metadata (e.g. title from a specific element)."""
        if not meta.get("title"):
            h1 = root.xpath("//h1")
            if h1:
                meta["title"] = element_text(h1[0]) or None
        return meta

    def parse(self, data: bytes, filename: str | None = None) -> Document:
        root = parse_html(data, encoding=self.options.encoding)
        meta = self.extra_metadata(root, html_metadata(root))
        container = self.content_root(root)
        if container is None or not "".join(container.itertext()).strip():
            raise ReaderError(f"HTML {filename or 'document'} has no body text (no <body> or an empty one); it may "
                              f"be a redirect, a login/paywall page or only a <head> — save the full-text page")
        walker = HtmlBlockWalker(self.profile, title=meta.get("title"),
                                 keep_references=self.options.keep_references)
        blocks = self.postprocess_blocks(self.abstract_blocks(root, container) + walker.walk(container))
        if not any(b.kind == "body" for b in blocks):
            raise ReaderError(f"HTML {filename or 'document'} has no paragraph text in its body; save the full-text "
                              f"article page, not an abstract or landing page")
        return Document.assemble(blocks, **meta, **self._meta(data, filename))

    def abstract_blocks(self, root: etree._Element, container: etree._Element) -> list[Block]:
        """Abstract paragraphs that live outside the content root ``container`` (publisher readers override)."""
        return []

    def postprocess_blocks(self, blocks: list[Block]) -> list[Block]:
        """Hook for publisher readers to drop page furniture the walker cannot tell from text."""
        return blocks
