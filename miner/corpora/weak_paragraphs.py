"""Weakly labelled paragraph-sized examples for the paragraph classifier, built from sentence-level corpora.

Neither corpus has paragraphs labelled ``synthesis`` / ``characterization`` / ``other``, but both label
sentences, and runs of consecutive sentences of one kind make paragraph-sized examples of the right granularity:

PcMSP (``../shared/data/pcmsp/original/<split>/*.tsv``, WebAnno TSV)
    the experimental sections of polycrystalline-materials papers. Sentences carrying entity annotations are
    synthesis sentences; runs of them become ``synthesis`` examples. Runs of unannotated sentences (mostly
    characterization methods) are returned as ``characterization`` only on request.
SOFC-Exp (``../shared/data/sofc_exp``)
    full fuel-cell articles with sentences labelled *describes an experiment* or not. Runs of non-experiment
    sentences (introduction, results, discussion of measurements) become ``other`` examples: hard negatives
    full of materials, values and units but no synthesis.

Examples are weak labels: give them a sample weight below 1 so they do not swamp the hand-labelled paragraphs
(:func:`nanosynth.miner.training.classifier.train_classifier` searches the weight by grouped CV). Every
example's ``doc`` is its paper, so a paper never straddles cross-validation folds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

from nanosynth.miner.corpora.paragraphs import LabelledParagraph
from nanosynth.schema.errors import ImportFormatError

logger = logging.getLogger(__name__)

#: Sentences per weak example (a typical experimental paragraph holds 3–8).
DEFAULT_SENTENCES = 5
#: Shorter runs are dropped (one stray sentence is not a paragraph).
MIN_SENTENCES = 2
#: At most this many ``other`` examples per SOFC-Exp article (45 articles; keeps the negatives varied).
DEFAULT_SOFC_PER_DOC = 12
_MIN_CHARS = 200
_MAX_CHARS = 2500


def _chunks(sentences: Sequence[str], size: int) -> Iterator[str]:
    """Consecutive groups of ``size`` sentences (the last group merged into the previous one if too short)."""
    groups = [list(sentences[i:i + size]) for i in range(0, len(sentences), size)]
    if len(groups) > 1 and len(groups[-1]) < MIN_SENTENCES:
        groups[-2].extend(groups.pop())
    for group in groups:
        text = " ".join(s.strip() for s in group if s.strip())
        if len(group) >= MIN_SENTENCES and _MIN_CHARS <= len(text) <= _MAX_CHARS:
            yield text


def _runs(flags: Sequence[bool]) -> Iterator[tuple[bool, int, int]]:
    """``(flag, start, end)`` of every maximal run of equal flags."""
    start = 0
    for i in range(1, len(flags) + 1):
        if i == len(flags) or flags[i] != flags[start]:
            yield flags[start], start, i
            start = i


def _tsv_sentences(path: Path) -> list[tuple[str, bool]]:
    """``(sentence, annotated)`` pairs of one WebAnno TSV file, in document order."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFormatError(f"PcMSP file {path} cannot be read ({exc}); pass the pcmsp folder") from exc
    out: list[list] = []
    for line in lines:
        if line.startswith("#Text="):
            out.append([line[len("#Text="):], False])
        elif out and line and not line.startswith("#"):
            cells = line.split("\t")
            if len(cells) > 3 and cells[3] not in ("_", ""):
                out[-1][1] = True
    return [(text, flag) for text, flag in out]


def read_pcmsp(directory: Path | str, *, splits: Sequence[str] = ("train",), weight: float = 1.0,
               sentences: int = DEFAULT_SENTENCES, characterization: bool = False) -> list[LabelledParagraph]:
    """Paragraph-sized weak examples from PcMSP experimental sections.

    Parameters
    ----------
    directory:
        The PcMSP folder (``../shared/data/pcmsp``, holding ``original/<split>/*.tsv``).
    splits:
        Upstream splits to read (papers repeated across splits are read once, by text).
    weight:
        Sample weight of every example.
    sentences:
        Sentences per example.
    characterization:
        Also return runs of unannotated sentences as ``characterization`` examples.

    Raises
    ------
    ImportFormatError
        When a split folder is missing or holds no TSV file.
    """
    directory = Path(directory)
    rows: list[LabelledParagraph] = []
    seen: set[str] = set()
    for split in splits:
        files = sorted((directory / "original" / split).glob("*.tsv"))
        if not files:
            raise ImportFormatError(f"no PcMSP TSV files under {directory / 'original' / split}; pass the pcmsp "
                                    "folder that holds original/train/*.tsv")
        for path in files:
            pairs = _tsv_sentences(path)
            key = " ".join(text for text, _ in pairs[:3])
            if not pairs or key in seen:
                continue
            seen.add(key)
            for flag, start, end in _runs([flag for _, flag in pairs]):
                if not flag and not characterization:
                    continue
                label = "synthesis" if flag else "characterization"
                for n, text in enumerate(_chunks([t for t, _ in pairs[start:end]], sentences)):
                    rows.append(LabelledParagraph(text=text, label=label, doc=f"pcmsp:{path.stem}",
                                                  id=f"pcmsp:{path.stem}:{start}:{n}", source="pcmsp",
                                                  weight=weight))
    logger.info("PcMSP: %d weak examples from %d papers", len(rows), len(seen))
    return rows


def _sofc_sentences(directory: Path, name: str) -> list[tuple[str, bool]]:
    text_path, ann_path = directory / "texts" / f"{name}.txt", directory / "annotations" / "sentences" / f"{name}.csv"
    try:
        text = text_path.read_text(encoding="utf-8")
        table = ann_path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFormatError(f"SOFC-Exp article {name} cannot be read ({exc}); pass the sofc_exp folder "
                                "that holds texts/ and annotations/sentences/") from exc
    out = []
    for line in table:
        cells = line.split("\t")
        if len(cells) >= 4 and cells[2].isdigit() and cells[3].isdigit():
            out.append((text[int(cells[2]):int(cells[3])], cells[1].strip() == "1"))
    return out


def read_sofc_exp(directory: Path | str, *, weight: float = 1.0, sentences: int = DEFAULT_SENTENCES,
                  per_doc: int = DEFAULT_SOFC_PER_DOC) -> list[LabelledParagraph]:
    """Paragraph-sized ``other`` examples (hard negatives) from SOFC-Exp non-experiment sentences.

    Parameters
    ----------
    directory:
        The SOFC-Exp folder (``../shared/data/sofc_exp``).
    weight:
        Sample weight of every example.
    sentences:
        Sentences per example.
    per_doc:
        At most this many examples per article, spread evenly over the article.

    Raises
    ------
    ImportFormatError
        When the folder holds no annotated article.
    """
    directory = Path(directory)
    names = sorted(p.stem for p in (directory / "annotations" / "sentences").glob("*.csv"))
    if not names:
        raise ImportFormatError(f"no SOFC-Exp sentence annotations under {directory / 'annotations' / 'sentences'}; "
                                "pass the sofc_exp folder")
    rows: list[LabelledParagraph] = []
    for name in names:
        pairs = _sofc_sentences(directory, name)
        texts = [text for flag, start, end in _runs([f for _, f in pairs]) if not flag
                 for text in _chunks([s for s, _ in pairs[start:end]], sentences)]
        step = max(len(texts) / per_doc, 1.0)
        for n in range(min(per_doc, len(texts))):
            rows.append(LabelledParagraph(text=texts[int(n * step)], label="other", doc=f"sofc:{name}",
                                          id=f"sofc:{name}:{n}", source="sofc_exp", weight=weight))
    logger.info("SOFC-Exp: %d weak 'other' examples from %d articles", len(rows), len(names))
    return rows


__all__ = ["DEFAULT_SENTENCES", "DEFAULT_SOFC_PER_DOC", "read_pcmsp", "read_sofc_exp"]
