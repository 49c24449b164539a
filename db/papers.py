"""Stored papers read back as schema records, e.g. to re-extract them with the miner.

>>> paper = read_paper(session, key="doi:10.1021/ja0123")          # PaperCreate with its paragraphs
>>> document = Document.from_records(paper)                        # nanosynth.miner.document
>>> recipes = pipeline.extract(document)                           # same recipes as from the file

Writes of papers and paragraphs are in :mod:`nanosynth.db.write`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from nanosynth.db.write import find_paper
from nanosynth.schema.records import PaperCreate, ParagraphCreate
from nanosynth.schema.tables import PaperBase, Paragraph

_PAPER_FIELDS = tuple(PaperBase.model_fields)
_PARAGRAPH_FIELDS = tuple(f for f in ParagraphCreate.model_fields if f != "paper_id")


def read_paper(session: Session, key: str | None = None, doi: str | None = None) -> PaperCreate | None:
    """The stored paper with ``key`` (or else ``doi``) and its paragraphs in reading order, or None.

    Parameters
    ----------
    session:
        An open session (use :func:`nanosynth.db.engine.session_scope`).
    key, doi:
        ``Paper.key`` (``doi:<doi>``, ``sha256:<hash>``, ...) or the paper's DOI.

    Returns
    -------
    schema.records.PaperCreate or None
        The paper's metadata with every stored paragraph (text, offsets, section, section type, classifier
        label), as the pipeline wrote them.
    """
    row = find_paper(session, key, doi)
    if row is None:
        return None
    paragraphs = session.exec(
        select(Paragraph).where(Paragraph.paper_id == row.id).order_by(Paragraph.order)).scalars().all()
    return PaperCreate(
        **{f: getattr(row, f) for f in _PAPER_FIELDS},
        paragraphs=[ParagraphCreate(**{f: getattr(p, f) for f in _PARAGRAPH_FIELDS}) for p in paragraphs],
    )


__all__ = ["read_paper"]
