"""Page layout analysis on word boxes (pure functions, no pdfplumber): lines, columns, reading order,
headers/footers, paragraph blocks.

Coordinates are PDF points with ``top`` measured from the top of the page (pdfplumber's convention).
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi|,b\b|-b$|\.b$", re.I)
_PAGE_NUMBER = re.compile(r"^(page\s*)?[ivxlc\d]{1,5}(\s*(of|/)\s*\d{1,5})?$", re.I)


@dataclass
class Word:
    """One word box as produced by pdfplumber's ``extract_words``."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float = 10.0
    bold: bool = False


@dataclass
class Line:
    """One line of text in one column of one page."""

    words: list[Word]
    page: int
    column: int  # 0 = full width / single column, 1 = left, 2 = right
    page_width: float
    page_height: float
    runs: int = 1  # number of horizontally separated runs (table cells)
    text: str = field(init=False)

    def __post_init__(self) -> None:
        parts: list[str] = []
        prev: Word | None = None
        for w in self.words:
            if prev is not None:
                gap = w.x0 - prev.x1
                parts.append("" if gap < 0.12 * min(w.size, prev.size) else " ")
            parts.append(w.text)
            prev = w
        self.text = "".join(parts).strip()

    @property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def size(self) -> float:
        """Font size weighted by characters."""
        sizes = Counter()
        for w in self.words:
            sizes[round(w.size, 1)] += len(w.text)
        return sizes.most_common(1)[0][0]

    @property
    def bold(self) -> bool:
        """True when at least 80 % of the characters are in a bold font."""
        total = sum(len(w.text) for w in self.words)
        return total > 0 and sum(len(w.text) for w in self.words if w.bold) / total >= 0.8


def is_bold_font(fontname: str | None) -> bool:
    """Heuristic: the font name says bold/black/heavy ("Times-Bold", "ABCDEF+AdvOTb92eb7df.B")."""
    return bool(fontname and _BOLD_FONT.search(fontname))


# ------------------------------------------------------------------------------------------- rows and columns
def group_rows(words: Sequence[Word]) -> list[list[Word]]:
    """Group words into rows by vertical position (sub/superscripts join the row they overlap), each sorted by x."""
    rows: list[tuple[float, float, list[Word]]] = []
    for w in sorted(words, key=lambda w: (w.top, w.x0)):
        center = (w.top + w.bottom) / 2
        for i in range(len(rows) - 1, max(-1, len(rows) - 4), -1):
            top, bottom, members = rows[i]
            if top - 1.0 <= center <= bottom + 1.0:
                members.append(w)
                break
        else:
            rows.append((w.top, w.bottom, [w]))
    return [sorted(r[2], key=lambda w: w.x0) for r in rows]


def split_runs(row: Sequence[Word]) -> list[list[Word]]:
    """Split a row into horizontally separated runs (gaps wider than about one em)."""
    runs: list[list[Word]] = []
    for w in row:
        if runs and w.x0 - runs[-1][-1].x1 <= 0.9 * max(w.size, runs[-1][-1].size):
            runs[-1].append(w)
        else:
            runs.append([w])
    return runs


def find_gutter(rows: Sequence[Sequence[Sequence[Word]]], width: float) -> float | None:
    """The x of the gap between two text columns, or None for a one-column page.

    ``rows`` are rows split into runs. A gutter is a vertical band in the middle 30–70 % of the page that few runs
    cross while at least three rows have text on both sides of it (or many rows have text on each side).
    """
    runs = [(r[0].x0, r[-1].x1) for row in rows for r in row if sum(len(w.text) for w in r) >= 2]
    if len(runs) < 6:
        return None
    lo, hi = int(width * 0.3), int(width * 0.7)
    crossing = []
    for x in range(lo, hi + 1):
        crossing.append(sum(1 for a, b in runs if a < x < b))
    best = min(crossing)
    if best > 0.4 * len(runs):
        return None
    # centre of the widest band of minimal crossing
    bands, start = [], None
    for i, c in enumerate(crossing + [best + 1]):
        if c == best and start is None:
            start = i
        elif c != best and start is not None:
            bands.append((i - start, start, i - 1))
            start = None
    length, s, e = max(bands)
    if length < 4:
        return None
    x = lo + (s + e) / 2
    left = sum(1 for a, b in runs if b <= x)
    right = sum(1 for a, b in runs if a >= x)
    both = sum(1 for row in rows if any(r[-1].x1 <= x for r in row) and any(r[0].x0 >= x for r in row))
    if right < 3 or left < 3:
        return None
    if both >= 3 or (right >= 0.25 * (left + right) and left >= 0.25 * (left + right)):
        return x
    return None


def page_lines(words: Sequence[Word], page: int, width: float, height: float) -> list[Line]:
    """Lines of one page in reading order: full-width rows split the page into bands; inside a band the left
    column is read before the right one."""
    rows = [split_runs(r) for r in group_rows(words)]
    gutter = find_gutter(rows, width)
    out: list[Line] = []
    left: list[Line] = []
    right: list[Line] = []

    def flush() -> None:
        out.extend(left)
        out.extend(right)
        left.clear()
        right.clear()

    band = 0.09 * height
    prev_full: Line | None = None
    for row in rows:
        words_in_row = [w for r in row for w in r]
        top = min(w.top for w in words_in_row)
        bottom = max(w.bottom for w in words_in_row)
        crosses = gutter is not None and any(r[0].x0 < gutter < r[-1].x1 for r in row)
        # a short last line of a full-width paragraph (abstract) stays full width
        continues_full = (gutter is not None and prev_full is not None and not crosses
                          and all(r[-1].x1 <= gutter for r in row)
                          and top - prev_full.bottom < 0.6 * prev_full.size
                          and abs(words_in_row[0].size - prev_full.size) < 0.6)
        if gutter is None or crosses or continues_full or top < band or bottom > height - band:
            flush()
            line = Line(words_in_row, page, 0, width, height, runs=len(row))
            out.append(line)
            prev_full = line if (crosses or continues_full) else None
            continue
        prev_full = None
        lruns = [r for r in row if r[-1].x1 <= gutter]
        rruns = [r for r in row if r[0].x0 >= gutter]
        if lruns:
            left.append(Line([w for r in lruns for w in r], page, 1, width, height, runs=len(lruns)))
        if rruns:
            right.append(Line([w for r in rruns for w in r], page, 2, width, height, runs=len(rruns)))
    flush()
    return out


# ------------------------------------------------------------------------------------------ headers/footers
def _margin_key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


def remove_headers_footers(pages: Sequence[list[Line]], band: float = 0.09) -> tuple[list[list[Line]], list[str]]:
    """Drop running headers/footers and page numbers.

    A line in the top or bottom ``band`` of its page is removed when it is a bare page number ("12", "Page 3 of
    9", "iv") or when the same text (digits ignored) appears in the margins of at least two pages and at least
    30 % of the pages.

    Returns
    -------
    (pages, removed)
        The filtered pages and the distinct removed texts (for logging/tests).
    """
    def in_margin(line: Line) -> bool:
        return line.top < band * line.page_height or line.bottom > (1 - band) * line.page_height

    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_margin_key(ln.text) for ln in lines if in_margin(ln)})
    n = len(pages)
    repeated = {k for k, c in counts.items() if c >= 2 and c >= 0.3 * n}
    removed: set[str] = set()
    result = []
    for lines in pages:
        kept = []
        for ln in lines:
            if in_margin(ln) and (_PAGE_NUMBER.match(ln.text.strip()) or _margin_key(ln.text) in repeated):
                removed.add(ln.text)
                continue
            kept.append(ln)
        result.append(kept)
    return result, sorted(removed)


# ---------------------------------------------------------------------------------------------- paragraphs
@dataclass
class RawBlock:
    """Consecutive lines that form one paragraph, heading or caption candidate."""

    lines: list[Line]

    @property
    def first(self) -> Line:
        return self.lines[0]


def body_metrics(lines: Sequence[Line]) -> tuple[float, float]:
    """``(body font size, typical gap between consecutive lines of a paragraph)``."""
    sizes = Counter()
    for ln in lines:
        sizes[ln.size] += len(ln.text)
    body = sizes.most_common(1)[0][0] if sizes else 10.0
    gaps = [b.top - a.bottom for a, b in zip(lines, lines[1:])
            if a.page == b.page and a.column == b.column and a.size == body == b.size and 0 <= b.top - a.bottom < body]
    gap = statistics.median(gaps) if gaps else 0.2 * body
    return body, gap


def column_edges(lines: Sequence[Line]) -> dict[tuple[int, int], tuple[float, float]]:
    """Per (page, column): the left edge (most common x0) and the right edge (90th percentile x1)."""
    by: dict[tuple[int, int], list[Line]] = {}
    for ln in lines:
        by.setdefault((ln.page, ln.column), []).append(ln)
    edges = {}
    for key, lns in by.items():
        x0s = Counter(round(ln.x0) for ln in lns)
        left = x0s.most_common(1)[0][0]
        x1s = sorted(ln.x1 for ln in lns)
        edges[key] = (float(left), x1s[int(0.9 * (len(x1s) - 1))])
    return edges


def split_blocks(lines: Sequence[Line], starts_block) -> list[RawBlock]:
    """Group lines in reading order into blocks.

    A new block starts at a font-size or boldness change, extra vertical space, a first-line indent, after a
    short line that ends a sentence, or wherever ``starts_block(line)`` says (captions, numbered headings).
    """
    if not lines:
        return []
    body, gap = body_metrics(lines)
    edges = column_edges(lines)
    blocks: list[RawBlock] = [RawBlock([lines[0]])]
    for prev, cur in zip(lines, lines[1:]):
        left, right = edges[(cur.page, cur.column)]
        pleft, pright = edges[(prev.page, prev.column)]
        same_column = prev.page == cur.page and prev.column == cur.column
        new = False
        if abs(cur.size - prev.size) > 0.6 or cur.bold != prev.bold:
            new = True
        elif same_column and cur.top - prev.bottom > gap + 0.45 * body:
            new = True
        elif 0.7 * body < cur.x0 - left < 4 * body:
            new = True  # first-line indent
        elif prev.x1 < pright - 2.5 * body and re.search(r"[.!?:]\s*$", prev.text):
            new = True  # a short last line ends the paragraph
        elif starts_block(cur.text) or prev.bold or (prev.column != cur.column and prev.page == cur.page
                                                     and (prev.column == 0 or cur.column == 0)):
            new = True
        if new:
            blocks.append(RawBlock([cur]))
        else:
            blocks[-1].lines.append(cur)
    return blocks
