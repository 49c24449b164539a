"""PDF reader (pdfplumber): reading order over columns, clean paragraphs, sections, captions, no references.

Pages are processed one at a time and closed (``page.close()``) so memory stays bounded on long documents; only
light-weight line records are kept until the whole document has been seen (header/footer detection and
hyphenation repair need all pages).
"""

from __future__ import annotations

import io
import logging
import re
import statistics

from nanosynth.miner.document import Block, Document
from nanosynth.miner.readers.base import Reader
from nanosynth.miner.readers.pdf_layout import (
    Line,
    RawBlock,
    Word,
    body_metrics,
    is_bold_font,
    page_lines,
    remove_headers_footers,
    split_blocks,
)
from nanosynth.miner.readers.pdf_limits import (
    DEFAULT_STREAM_LIMIT,
    PdfStreamTooLarge,
    current_limit,
    stream_limit,
)
from nanosynth.miner.readers.textutil import (
    Dehyphenator,
    caption_label,
    clean_inline,
    find_year,
    heading_level,
    is_known_heading,
    is_references_heading,
    join_lines,
    looks_like_heading,
    loose_caption_label,
    split_heading_number,
)
from nanosynth.schema.doi import find_doi
from nanosynth.schema.enums import PaperSource
from nanosynth.schema.errors import ReaderError

logger = logging.getLogger(__name__)

_ABSTRACT_RUNIN = re.compile(r"^(abstract|summary)\s*[:.\-–—]\s*", re.I)
_NUMBERED = re.compile(r"^((\d{1,2}\.){1,3}\d{0,2}|\d{1,2}|[IVX]{1,5}\.)\s+[A-Z]")


def _stream_too_large(exc: BaseException) -> PdfStreamTooLarge | None:
    """The :class:`PdfStreamTooLarge` behind ``exc`` (pdfplumber and this reader wrap pdfminer's errors)."""
    seen: set[int] = set()
    stack: list[object] = [exc]
    while stack:
        err = stack.pop()
        if not isinstance(err, BaseException) or id(err) in seen:
            continue
        if isinstance(err, PdfStreamTooLarge):
            return err
        seen.add(id(err))
        stack += [err.__cause__, err.__context__, *err.args]
    return None


def _starts_block(text: str) -> bool:
    return bool(caption_label(text) or _NUMBERED.match(text) and looks_like_heading(text)
                or is_references_heading(text))


class GenericPdfReader(Reader):
    """Any text PDF, one or two columns.

    Reading order: words are grouped into rows; a vertical gutter found from the words' x-positions splits a
    page into columns; full-width rows (title, abstract, wide captions) cut the page into bands read left column
    then right column. Running headers/footers and page numbers are removed (repeated margin lines). Lines are
    grouped into paragraphs (vertical space, first-line indent, short last line, font changes), line-break
    hyphens are repaired, captions ("Figure 1.", "Fig. 2", "Table 1") become caption blocks, headings are
    found by number, boldness, size, capitals and standard names, and everything from "References" on is cut.

    Options used: ``max_pages``, ``password``, ``allow_truncated``, ``keep_references``.
    """

    source_format = PaperSource.PDF.value

    def detect(self, data: bytes, filename: str | None = None) -> bool:
        return b"%PDF-" in data[:1024]

    # ------------------------------------------------------------------------------------------- extraction
    def _open(self, data: bytes):
        import pdfplumber
        from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
        from pdfminer.pdfparser import PDFSyntaxError

        try:
            return pdfplumber.open(io.BytesIO(data), password=self.options.password)
        except Exception as exc:  # pdfplumber wraps pdfminer errors in PdfminerException
            cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
            if isinstance(cause, PDFPasswordIncorrect) or "password" in repr(cause).lower():
                raise ReaderError("PDF is encrypted and needs a password; decrypt it first (e.g. `qpdf --decrypt "
                                  "--password=... in.pdf out.pdf`) and read the decrypted file") from exc
            if isinstance(cause, PDFEncryptionError):
                raise ReaderError(f"PDF uses an unsupported encryption ({cause}); decrypt it first with "
                                  f"`qpdf --decrypt in.pdf out.pdf`") from exc
            if isinstance(cause, PDFSyntaxError):
                raise ReaderError(f"PDF is corrupt or truncated ({cause}); download it again") from exc
            raise ReaderError(f"cannot open PDF ({type(cause).__name__}: {cause}); the file is corrupt, "
                              f"truncated or not a PDF — download it again") from exc

    def _page_words(self, page) -> tuple[list[Word], int]:
        """Words of one page and its number of images.

        pdfplumber's ``page.layout`` (pdfminer's character layout, no layout analysis) is walked directly:
        turning every character into a pdfplumber ``char`` dict costs about three times as much and brings
        nothing this reader uses.
        """
        from pdfminer.layout import LTChar, LTContainer, LTImage

        layout = page.layout
        top_ref = float(layout.y1)
        chars: list = []
        images = 0
        stack = list(layout)
        stack.reverse()
        while stack:
            obj = stack.pop()
            if isinstance(obj, LTChar):
                chars.append(obj)
            elif isinstance(obj, LTImage):
                images += 1
            elif isinstance(obj, LTContainer):
                stack.extend(reversed(list(obj)))
        words: list[Word] = []
        cur: list = []

        def close() -> None:
            if cur:
                text = "".join(c.get_text() for c in cur)
                if text.strip():
                    first = cur[0]
                    words.append(Word(text=text, x0=min(c.x0 for c in cur), x1=max(c.x1 for c in cur),
                                      top=top_ref - max(c.y1 for c in cur), bottom=top_ref - min(c.y0 for c in cur),
                                      size=round(float(first.size), 1), bold=is_bold_font(first.fontname)))
                cur.clear()

        for ch in chars:
            text = ch.get_text()
            if not text or text.isspace():
                close()
                continue
            if cur:
                prev = cur[-1]
                if (abs(ch.y0 - prev.y0) > 1.0 or ch.x0 - prev.x1 > 1.5 or ch.x0 < prev.x0 - 0.5
                        or ch.fontname != prev.fontname or abs(ch.size - prev.size) > 0.3):
                    close()
            cur.append(ch)
        close()
        return words, images

    def _extract(self, data: bytes) -> tuple[list[list[Line]], dict, list[str], int]:
        warnings: list[str] = []
        pages: list[list[Line]] = []
        image_only = 0
        pdf = self._open(data)
        try:
            try:
                total = len(pdf.pages)
            except Exception as exc:
                raise ReaderError(f"PDF page tree is unreadable ({type(exc).__name__}: {exc}); the file is corrupt "
                                  f"or truncated — download it again") from exc
            if total == 0:
                raise ReaderError("PDF has no pages; the file is corrupt or truncated — download it again")
            limit = min(total, self.options.max_pages or total)
            if limit < total:
                warnings.append(f"read only the first {limit} of {total} pages (max_pages={limit})")
            meta = dict(pdf.metadata or {})
            for index in range(limit):
                page = pdf.pages[index]
                try:
                    words, images = self._page_words(page)
                    if not words and images:
                        image_only += 1
                    pages.append(page_lines(words, index + 1, float(page.width), float(page.height)))
                except ReaderError:
                    raise
                except Exception as exc:
                    raise ReaderError(f"cannot read page {index + 1} of the PDF ({type(exc).__name__}: {exc}); the "
                                      f"file is corrupt or truncated — download it again") from exc
                finally:
                    page.close()
        finally:
            pdf.close()
        n_lines = sum(len(p) for p in pages)
        if n_lines == 0:
            if image_only:
                raise ReaderError(
                    f"PDF has no text layer: {image_only} of {len(pages)} page(s) contain only images, so it looks "
                    f"like a scanned document. Run OCR first (e.g. `ocrmypdf in.pdf out.pdf`) and read the OCR'd file")
            raise ReaderError("PDF contains no text (blank pages or text drawn as vector outlines); run OCR "
                              "(e.g. `ocrmypdf --force-ocr in.pdf out.pdf`) and read the result")
        if image_only:
            warnings.append(f"{image_only} page(s) have no text layer (scanned images) and were skipped; OCR them "
                            f"to read their text")
        return pages, meta, warnings, limit

    # ---------------------------------------------------------------------------------------------- parsing
    def parse(self, data: bytes, filename: str | None = None) -> Document:
        if not data.strip():
            raise ReaderError(f"PDF {filename or ''} is empty (zero bytes); download it again")
        truncated = b"%%EOF" not in data[-2048:]
        if truncated and not self.options.allow_truncated:
            raise ReaderError(f"PDF {filename or ''} is truncated (no %%EOF end marker); download it again, or "
                              f"repair it (`mutool clean in.pdf repaired.pdf`, from MuPDF, keeps the pages that are "
                              f"complete) and read the repaired file")
        pages, pdf_meta, warnings, page_count = self._bounded_extract(data)
        if truncated:
            warnings.append("PDF is truncated (no %%EOF); some pages may be missing")
        pages, removed = remove_headers_footers(pages)
        if removed:
            logger.debug("removed running headers/footers: %s", removed)
        lines = [ln for page in pages for ln in page]
        if not lines:
            raise ReaderError("PDF contains only running headers/footers and page numbers; nothing to read")
        body_size, _ = body_metrics(lines)
        title, title_lines = self._title(pages[0], body_size, pdf_meta)
        lines = [ln for ln in lines if id(ln) not in title_lines]
        dehyph = Dehyphenator(ln.text for ln in lines)
        blocks = self._blocks(split_blocks(lines, _starts_block), body_size, dehyph)
        if not any(b.kind == "body" for b in blocks):
            raise ReaderError("PDF has no paragraph text after layout analysis (only headings/captions?)")
        first_text = "\n".join(ln.text for page in pages[:2] for ln in page)
        doi = find_doi(first_text) or find_doi(str(pdf_meta.get("doi") or pdf_meta.get("Subject") or ""))
        year_lines = "\n".join(t for t in first_text.split("\n")
                               if re.search(r"received|accepted|published|©|copyright|\(c\)", t, re.I))
        year = find_year(year_lines) if year_lines else None
        if year is None:
            year = find_year(str(pdf_meta.get("CreationDate") or "")[:10])
        authors = [a.strip() for a in re.split(r";|,\s*(?:and\s+)?|\band\b", _meta_str(pdf_meta.get("Author")))
                   if a.strip()]
        return Document.assemble(blocks, title=title, doi=doi, year=year, authors=authors, page_count=page_count,
                                 warnings=warnings, **self._meta(data, filename))

    def _bounded_extract(self, data: bytes) -> tuple[list[list[Line]], dict, list[str], int]:
        """:meth:`_extract` with every stream's inflated size bounded (:mod:`~nanosynth.miner.readers.pdf_limits`)."""
        limit = current_limit() or DEFAULT_STREAM_LIMIT
        try:
            with stream_limit(limit):
                return self._extract(data)
        except Exception as exc:
            bomb = _stream_too_large(exc)
            if bomb is None:
                raise
            raise ReaderError(f"PDF refused: {bomb} (a decompression bomb?); the stream was not inflated. If the "
                              f"file is genuine, raise the per-stream limit ([ingest] pdf_stream_mb, "
                              f"NANOSYNTH_INGEST__PDF_STREAM_MB)") from bomb

    def _title(self, first_page: list[Line], body_size: float, meta: dict) -> tuple[str | None, set[int]]:
        """The largest-font lines in the top half of page 1 (≥ 1.25 × body size), else the metadata Title."""
        candidates = [ln for ln in first_page if ln.top < 0.5 * ln.page_height and ln.size >= 1.25 * body_size
                      and len(ln.text) > 3]
        if candidates:
            biggest = max(ln.size for ln in candidates)
            chosen = [ln for ln in candidates if abs(ln.size - biggest) < 0.6]
            return clean_inline(" ".join(ln.text for ln in chosen)), {id(ln) for ln in chosen}
        title = _meta_str(meta.get("Title"))
        if title and not re.search(r"^(microsoft word|untitled)|\.(docx?|tex|pdf|dvi)$", title, re.I):
            return clean_inline(title), set()
        return None, set()

    def _blocks(self, raw: list[RawBlock], body_size: float, dehyph: Dehyphenator) -> list[Block]:
        blocks: list[Block] = []
        for rb in raw:
            text = join_lines([ln.text for ln in rb.lines], dehyph)
            if not text:
                continue
            page = rb.first.page
            first = rb.first
            if is_references_heading(text) and not self.options.keep_references:
                break
            label = caption_label(text)
            if label is None and first.words[0].bold:
                label = loose_caption_label(text)
            if label:
                blocks.append(Block(kind="caption", text=text, label=label, page=page))
                continue
            if self._is_heading(rb, text, body_size):
                number, title = split_heading_number(text)
                if title.isupper() and len(title) > 3:
                    title = title.title().replace(" And ", " and ").replace(" Of ", " of ")
                blocks.append(Block(kind="heading", text=title, number=number, level=heading_level(number),
                                    page=page))
                continue
            runin = _ABSTRACT_RUNIN.match(text)
            if runin and not any(b.kind == "heading" for b in blocks):
                blocks.append(Block(kind="heading", text="Abstract", page=page))
                text = text[runin.end():]
            elif self._bold_runin(rb):
                head, rest = self._bold_runin(rb)  # type: ignore[misc]
                blocks.append(Block(kind="heading", text=head, level=3, page=page))
                text = rest
            if sum(ln.runs >= 3 for ln in rb.lines) >= max(2, 0.6 * len(rb.lines)):
                blocks.append(Block(kind="table", text="\n".join(ln.text for ln in rb.lines), page=page))
            else:
                blocks.append(Block(kind="body", text=text, page=page))
        return blocks

    @staticmethod
    def _is_heading(rb: RawBlock, text: str, body_size: float) -> bool:
        if len(rb.lines) > 2 or len(text) > 150 or len(text.split()) > 16:
            return False
        if is_known_heading(text) or (looks_like_heading(text) and _NUMBERED.match(text)):
            return True
        styled = all(ln.bold for ln in rb.lines) or statistics.mean(ln.size for ln in rb.lines) > 1.1 * body_size
        return styled and not re.search(r"[.;,]$", text) and bool(re.match(r"[A-Z0-9]", text))

    @staticmethod
    def _bold_runin(rb: RawBlock) -> tuple[str, str] | None:
        """A bold run-in heading at the start of a paragraph ("Synthesis of CdSe. In a typical ...")."""
        words = rb.first.words
        k = 0
        while k < len(words) and words[k].bold:
            k += 1
        if k == 0 or k == len(words) or k > 12:
            return None
        head = " ".join(w.text for w in words[:k])
        if not re.search(r"[.:]$", head):
            return None
        text = join_lines([ln.text for ln in rb.lines])
        rest = text[len(" ".join(w.text for w in words[:k])):].strip() if text.startswith(head) else None
        return (head.rstrip(".:").strip(), rest) if rest else None


def _meta_str(value: object) -> str:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-16") if value.startswith(b"\xfe\xff") else value.decode("latin-1")
        except UnicodeDecodeError:
            return ""
    return str(value or "")


__all__ = ["GenericPdfReader"]
