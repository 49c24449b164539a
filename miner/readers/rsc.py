"""Royal Society of Chemistry full-text HTML (pubs.rsc.org/en/content/articlehtml/...)."""

from __future__ import annotations

import re

from lxml import etree

from nanosynth.miner.document import Block
from nanosynth.miner.readers.html import GenericHtmlReader, looks_like_html
from nanosynth.miner.readers.markup import HtmlProfile, element_text


_ADMIN_LINE = re.compile(r"^(Received|Accepted|First published|Published on|Revised)\b", re.I)


class RscHtmlReader(GenericHtmlReader):
    """RSC article pages: ``a_heading``/``b_heading``/``c_heading`` headings, ``image_table`` figures with
    ``image_title``/``graphic_title`` captions, ``table_caption`` + ``rtable__wrapper`` tables, Highwire
    ``citation_*`` meta tags; detected by an RSC DOI (10.1039/) or ``pubs.rsc.org``."""

    profile = HtmlProfile(
        heading_classes={"a_heading": 2, "b_heading": 3, "c_heading": 4, "c_heading_indent": 4, "d_heading": 5,
                         "d_heading_indent": 5},
        caption_classes={"image_title", "table_caption", "graphic_title"},
        figure_classes={"image_table"},
        skip_classes={"left_head", "article_info", "header_text", "sup_ref", "ref", "autrs", "article-control",
                      "fn", "footnote", "ref_list", "bibliography"},
        skip_ids={"ref_list", "references", "art-admin"},
    )

    def detect(self, data: bytes, filename: str | None = None) -> bool:
        head = data[:200_000].lower()
        if not looks_like_html(data):
            return False
        return b'content="10.1039/' in head or b"pubs.rsc.org" in head

    def content_root(self, root: etree._Element) -> etree._Element | None:
        for xpath in ("//div[@id='wrapper']", "//div[@id='pnlArticleContent']", "//article"):
            found = root.xpath(xpath)
            if found:
                return found[0]
        return super().content_root(root)

    def extra_metadata(self, root: etree._Element, meta: dict) -> dict:
        found = root.xpath("//h1[contains(@class,'title_heading')] | //div[contains(@class,'title_heading')]")
        if found and not meta.get("title"):
            meta["title"] = element_text(found[0]) or None
        return super().extra_metadata(root, meta)

    def postprocess_blocks(self, blocks: list[Block]) -> list[Block]:
        """Drop the article-history lines ("Received ...", "First published on ...") printed before the text."""
        out = []
        seen_heading = False
        for block in blocks:
            seen_heading = seen_heading or block.kind == "heading"
            if not seen_heading and block.kind == "body" and _ADMIN_LINE.match(block.text):
                continue
            out.append(block)
        return out

    def abstract_blocks(self, root: etree._Element, container: etree._Element) -> list[Block]:
        found = root.xpath("//p[contains(concat(' ', @class, ' '), ' abstract ')] | "
                           "//div[contains(concat(' ', @class, ' '), ' abstract ')]//p")
        found = [f for f in found if not any(a is container for a in f.iterancestors())]
        paras = [t for t in (element_text(f) for f in found) if t]
        return [Block(kind="heading", text="Abstract")] + [Block(text=p) for p in paras] if paras else []
