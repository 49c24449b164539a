"""Labelled-paragraph corpora of the paragraph classifier: JSON-lines files and the MSPTC synthesis procedures.

JSON-lines format (the format of ``../shared/data/paragraphs/``): one object per line with at least ``text``
and ``label`` (``synthesis`` / ``characterization`` / ``other``); ``id``, ``doc``, ``section`` and ``source``
are optional. ``doc`` groups paragraphs of one paper for grouped cross-validation.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from nanosynth.artifacts import sha256_texts
from nanosynth.miner.classify.labels import LABELS, Label
from nanosynth.schema.errors import ImportFormatError


class LabelledParagraph(BaseModel):
    """One training or evaluation example.

    Attributes
    ----------
    text:
        Paragraph text.
    label:
        Gold label.
    doc:
        Paper the paragraph comes from (used to keep a paper's paragraphs in one cross-validation fold).
    id, section, source:
        Optional metadata, carried along but not used as features.
    weight:
        Sample weight in training (1 for the labelled corpus; lower for auxiliary data such as MSPTC).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    text: str = Field(min_length=1)
    label: Label
    doc: str | None = None
    id: str | None = None
    section: str | None = None
    source: str | None = None
    weight: float = Field(default=1.0, ge=0.0)

    @field_validator("label", mode="before")
    @classmethod
    def _label(cls, value):
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is blank")
        return value


def read_jsonl(path: Path | str) -> list[LabelledParagraph]:
    """Read a JSON-lines file of labelled paragraphs.

    Parameters
    ----------
    path:
        File with one JSON object per line (blank lines are skipped).

    Returns
    -------
    list of LabelledParagraph

    Raises
    ------
    ImportFormatError
        When the file is missing, not UTF-8, empty, or a line is not a JSON object with a non-empty ``text``
        and a ``label`` among ``synthesis``/``characterization``/``other``; the message names the line number.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFormatError(f"cannot read {path}: {exc.strerror or exc}; check the path") from exc
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8 JSON lines") from exc
    rows: list[LabelledParagraph] = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ImportFormatError(f"{path}, line {number}: not valid JSON ({exc.msg} at column {exc.colno}); "
                                    "each line must be one JSON object with 'text' and 'label'") from exc
        if not isinstance(obj, dict):
            raise ImportFormatError(f"{path}, line {number}: expected a JSON object with 'text' and 'label', "
                                    f"got {type(obj).__name__}")
        try:
            rows.append(LabelledParagraph.model_validate(obj))
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'row'}: {err['msg']}"
                                 for err in exc.errors())
            raise ImportFormatError(f"{path}, line {number}: {problems} (labels must be one of "
                                    f"{', '.join(LABELS)})") from exc
    if not rows:
        raise ImportFormatError(f"{path} holds no labelled paragraphs; expected JSON lines with 'text' and 'label'")
    return rows


def read_msptc(directory: Path | str, *, split: str = "train", weight: float = 1.0) -> list[LabelledParagraph]:
    """Synthesis procedures of the Materials Science Procedural Text Corpus as ``synthesis`` examples.

    Each ``brat/<name>.txt`` holds the DOI (line 1), the title (line 2) and the procedure paragraphs; the first
    procedure paragraph (the third line, or the first non-blank line after the title when the paragraphs are
    separated by blank lines) of every file listed in ``ner-<split>-fnames.txt`` becomes one example.

    Parameters
    ----------
    directory:
        The MSPTC folder (``../shared/data/msptc``).
    split:
        ``"train"`` (the default; never train on ``"dev"``).
    weight:
        Sample weight given to these examples.

    Raises
    ------
    ImportFormatError
        When the split list or a listed file is missing or has fewer than three lines.
    """
    directory = Path(directory)
    listing = directory / f"ner-{split}-fnames.txt"
    try:
        names = [n.strip() for n in listing.read_text(encoding="utf-8").split() if n.strip()]
    except OSError as exc:
        raise ImportFormatError(f"MSPTC split list {listing} cannot be read ({exc.strerror or exc}); pass the "
                                "msptc folder that holds ner-train-fnames.txt and brat/") from exc
    rows = []
    for name in names:
        path = directory / "brat" / f"{name}.txt"
        try:
            lines = path.read_text(encoding="utf-8").split("\n")
        except OSError as exc:
            raise ImportFormatError(f"MSPTC file {path} listed in {listing.name} cannot be read") from exc
        procedure = next((line.strip() for line in lines[2:] if line.strip()), None)
        if procedure is None:
            raise ImportFormatError(f"MSPTC file {path} has no procedure text after its DOI and title lines")
        rows.append(LabelledParagraph(text=procedure, label="synthesis", doc=f"msptc:{name}",
                                      id=f"msptc:{name}", source="msptc", weight=weight))
    if not rows:
        raise ImportFormatError(f"{listing} lists no files")
    return rows


def dataset_sha256(rows: Iterable[LabelledParagraph]) -> str:
    """A stable fingerprint of training data (text, label and weight of every row, in order)."""
    return sha256_texts(json.dumps([row.text, row.label, row.weight], ensure_ascii=False) for row in rows)


def label_counts(rows: Sequence[LabelledParagraph]) -> dict[str, int]:
    """Number of rows per label (every label present, zero when absent)."""
    counts = Counter(row.label for row in rows)
    return {label: counts.get(label, 0) for label in LABELS}


__all__ = ["LabelledParagraph", "dataset_sha256", "label_counts", "read_jsonl", "read_msptc"]
