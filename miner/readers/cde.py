"""Optional adapter to ChemDataExtractor 2's readers (``pip install .[cde]``); never imported by default."""

from __future__ import annotations

from nanosynth.artifacts import sha256_bytes
from nanosynth.miner.document import Block, Document
from nanosynth.schema.errors import ReaderError


def read_with_chemdataextractor(data: bytes, filename: str | None = None) -> Document:
    """Read ``data`` with ChemDataExtractor 2's reader selection and convert its elements to a Document.

    Headings, paragraphs, captions (figures/tables) are mapped to blocks; CDE decides the reading order.

    Raises
    ------
    ReaderError
        chemdataextractor2 is not installed (install the ``cde`` extra), or CDE cannot read the data.
    """
    try:
        from chemdataextractor import Document as CdeDocument  # noqa: PLC0415  (optional dependency)
        from chemdataextractor.doc import Caption, Heading, Paragraph, Table  # noqa: PLC0415
    except ImportError as exc:
        raise ReaderError("the ChemDataExtractor adapter needs chemdataextractor2: `pip install .[cde]` (or "
                          "`pip install 'nanosynth[cde]'`); the built-in readers need nothing extra") from exc
    import io

    try:
        cde_doc = CdeDocument.from_file(io.BytesIO(data), fname=filename)
    except Exception as exc:
        raise ReaderError(f"ChemDataExtractor could not read {filename or 'input'}: {exc}") from exc
    blocks: list[Block] = []
    for el in cde_doc.elements:
        text = str(getattr(el, "text", "") or "").strip()
        if not text:
            continue
        if isinstance(el, Heading):
            blocks.append(Block(kind="heading", text=text))
        elif isinstance(el, Caption):
            blocks.append(Block(kind="caption", text=text))
        elif isinstance(el, Table):
            blocks.append(Block(kind="table", text=text))
        elif isinstance(el, Paragraph):
            blocks.append(Block(kind="body", text=text))
    if not blocks:
        raise ReaderError(f"ChemDataExtractor found no text in {filename or 'input'}")
    return Document.assemble(blocks, reader="ChemDataExtractorAdapter", filename=filename,
                             content_sha256=sha256_bytes(data))
