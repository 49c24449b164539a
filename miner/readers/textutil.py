"""Text helpers shared by the readers: cleaning, headings, captions, references, year, hyphenation repair."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_LIGATURES = str.maketrans({
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st",
    "\ufb06": "st", "\u00ad": None, "\u200b": None, "\u200c": None, "\u200d": None, "\u2060": None,
    "\ufeff": None, "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2002": " ", "\u2003": " ", "\u2005": " ",
    "\u2006": " ", "\u2007": " ", "\u2008": " ", "\u200a": " ",
})
_WS = re.compile(r"\s+")


_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:])(?=\s|$)")


def clean_inline(text: str) -> str:
    """Expand ligatures, drop soft hyphens/zero-width characters, turn odd spaces into spaces, collapse runs,
    and drop spaces left before sentence punctuation (after removed citation markers)."""
    return _SPACE_BEFORE_PUNCT.sub(r"\1", _WS.sub(" ", text.translate(_LIGATURES))).strip()


# Brackets left empty once citation markers are removed: "route [, ]." / "growth (; )" / "dots [–]".
_EMPTY_PARENS = re.compile(r"\s*\(\s*(?:[,;]\s*)*\)")
_EMPTY_SQUARE = re.compile(r"\s*\[\s*(?:[,;–—−-]\s*)*\]")


def drop_empty_brackets(text: str) -> str:
    """Remove ``()``/``[]`` that hold only separators, the residue of removed citation markers.

    Parentheses holding a lone dash are kept, since "(−)-sparteine" is chemistry, not a citation residue.
    """
    if "(" not in text and "[" not in text:
        return text
    out = _EMPTY_SQUARE.sub("", _EMPTY_PARENS.sub("", text))
    return _SPACE_BEFORE_PUNCT.sub(r"\1", out).strip()


# ------------------------------------------------------------------------------------------------- captions
CAPTION_RE = re.compile(
    r"^(?P<label>(?:Supplementary\s+|Extended\s+Data\s+)?(?:Figure|Fig\.?|Scheme|Chart|Table|Graph)"
    r"\s*S?\d+[A-Za-z]?)(?:\s*[.:|]\s*|\s+[-–—]\s+)(?=\S)",
    re.I,
)
CAPTION_LOOSE_RE = re.compile(
    r"^(?P<label>(?:Supplementary\s+)?(?:Figure|Fig\.?|Scheme|Chart|Table)\s*S?\d+[A-Za-z]?)\b", re.I)


def caption_label(text: str) -> str | None:
    """The label ("Figure 1", "Table 2") if ``text`` starts like a caption ("Figure 1.", "Fig. 2:", "Table 1 |").

    In-text mentions ("Figure 1 shows ...") are not captions.
    """
    match = CAPTION_RE.match(text.strip())
    return normalize_label(match.group("label")) if match else None


def normalize_label(label: str) -> str:
    """"Fig. 2" → "Figure 2"; whitespace collapsed."""
    label = _WS.sub(" ", label.strip())
    return re.sub(r"^Fig(?:ure|\.)?\s*", "Figure ", label, flags=re.I)


def loose_caption_label(text: str) -> str | None:
    """Label of a text known to be a caption from its structure, even without punctuation ("Fig. 1 TEM ...")."""
    match = CAPTION_LOOSE_RE.match(text.strip())
    return normalize_label(match.group("label")) if match else None


# ----------------------------------------------------------------------------------------------- references
REFERENCES_RE = re.compile(
    r"^\W*(?:[0-9IVX]+\.?\s*)?(?:references?(?:\s+and\s+notes)?|notes\s+and\s+references|bibliography|"
    r"literature\s+cited|references\s+cited|works\s+cited|cited\s+references)\W*$",
    re.I,
)


def is_references_heading(text: str) -> bool:
    """True for "References", "REFERENCES AND NOTES", "Notes and references", "Literature Cited", ..."""
    return bool(REFERENCES_RE.match(text.strip()))


# ------------------------------------------------------------------------------------------------- headings
HEADING_NUMBER_RE = re.compile(r"^(?P<num>(?:\d{1,2}\.){1,3}\d{0,2}|\d{1,2}|[IVX]{1,5}\.|[A-H]\.)\s+(?P<title>\S.*)$")
KNOWN_HEADINGS = {
    "abstract", "introduction", "experimental", "experimental section", "experimental details",
    "experimental methods", "experimental procedures", "experimental procedure", "materials and methods",
    "methods", "method", "materials", "chemicals", "results", "results and discussion", "discussion",
    "conclusion", "conclusions", "summary", "conclusions and outlook", "summary and outlook", "outlook",
    "acknowledgment", "acknowledgments", "acknowledgement", "acknowledgements", "supporting information",
    "associated content", "author information", "notes", "characterization", "synthesis", "keywords",
    "conflicts of interest", "conflict of interest", "author contributions", "data availability",
    "methods summary", "online methods", "background", "theory", "computational details",
    "electronic supplementary information", "funding", "competing interests",
}


def split_heading_number(text: str) -> tuple[str | None, str]:
    """Split a printed heading into ``(number, title)``: "2.1. Synthesis of CdSe" → ("2.1", "Synthesis of CdSe")."""
    text = clean_inline(text)
    match = HEADING_NUMBER_RE.match(text)
    if match and re.match(r"[A-Za-z(]", match.group("title")):
        return match.group("num").rstrip("."), match.group("title").strip()
    return None, text


def heading_level(number: str | None) -> int:
    """Nesting depth implied by a heading number ("2" → 1, "2.1" → 2, "2.1.3" → 3, "II." → 1, "A." → 2)."""
    if not number:
        return 1
    if re.fullmatch(r"[A-H]", number):
        return 2
    return number.count(".") + 1


def is_known_heading(text: str) -> bool:
    """True when ``text`` (without number and trailing punctuation) is a standard section name."""
    _, title = split_heading_number(text)
    return title.strip(" .:").lower() in KNOWN_HEADINGS


def looks_like_heading(text: str, *, max_words: int = 12) -> bool:
    """Heuristic for a standalone short line being a section heading (plain text/PDF readers).

    A heading is short, does not end like a sentence, starts with a capital letter or a number, and is numbered,
    all-caps, a standard section name, or title-like (no sentence punctuation).
    """
    text = clean_inline(text)
    if not text or len(text) > 120:
        return False
    if is_known_heading(text):
        return True
    words = text.split()
    if len(words) > max_words or not re.match(r"[A-Z0-9IVX]", text):
        return False
    if text.endswith((".", ",", ";", ":", "?")) and not re.fullmatch(r"[\d.]+", words[0]):
        return False
    if re.search(r"[=<>%]|\d\s*(mL|mg|mmol|°C|nm|g)\b", text):
        return False
    number, title = split_heading_number(text)
    if number and title[:1].isupper():
        return True
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) / len(letters) > 0.8 and len(letters) >= 4


# ----------------------------------------------------------------- year (DOIs: nanosynth.schema.doi.find_doi)
_YEAR_RE = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?!\d)")


def find_year(text: str) -> int | None:
    """A plausible publication year in ``text``: the most frequent 1950–2049 number, latest on ties."""
    years = Counter(int(y) for y in _YEAR_RE.findall(text))
    if not years:
        return None
    return max(years.items(), key=lambda kv: (kv[1], kv[0]))[0]


# --------------------------------------------------------------------------------------- hyphenation repair
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z-]*[A-Za-z]|[A-Za-z]")


class Dehyphenator:
    """Decide whether a hyphen at a line end is a soft break ("syn-/thesis") or a real hyphen ("1-/octadecene").

    Decisions, first that applies:

    1. keep the hyphen when the part before it ends in a digit, a capital letter or a short all-caps token
       ("1-octadecene", "X-ray", "TOP-Se"), or the part after it does not start with a lower-case letter;
    2. keep it when the hyphenated form occurs elsewhere in the document; join when the joined form does;
    3. keep it when both halves occur as words of their own in the document ("size-dependent");
    4. otherwise join ("nano-crystals" → "nanocrystals").

    Parameters
    ----------
    texts:
        The document's lines/paragraphs, used to count word forms.
    """

    def __init__(self, texts: Iterable[str] = ()) -> None:
        self.counts: Counter[str] = Counter()
        for text in texts:
            self.add(text)

    def add(self, text: str) -> None:
        """Count the word forms of ``text`` line by line; fragments of words broken across lines are skipped."""
        broken = False
        for line in text.split("\n"):
            body = line.strip()
            if broken:
                body = re.sub(r"^\S+", "", body)
            broken = bool(re.search(r"[A-Za-z]-$", body))
            if broken:
                body = re.sub(r"\S+-$", "", body)
            self.counts.update(w.lower() for w in _WORD_RE.findall(body))

    def join(self, left: str, right: str) -> str:
        """Join two lines; ``left`` may end with a hyphen that is removed or kept."""
        left = left.rstrip()
        right = right.lstrip()
        if not left:
            return right
        if not right:
            return left
        if not left.endswith("-") or left.endswith("--") or len(left) < 2 or left[-2].isspace():
            return f"{left} {right}"
        head_match = re.search(r"(\S*)-$", left)
        head = head_match.group(1) if head_match else ""
        tail_match = re.match(r"[^\s,.;:)\]]*", right)
        tail = tail_match.group(0) if tail_match else ""
        if self.keep_hyphen(head, tail):
            return left + right
        return left[:-1] + right

    def keep_hyphen(self, head: str, tail: str) -> bool:
        """True when ``head-tail`` is a real hyphenated word, False when the hyphen is a line-break artefact."""
        last = re.sub(r"^.*[-(/\[]", "", head)  # last component: "tri-n-" → "n"
        if not last or not tail:
            return True
        if not tail[0].islower():
            return True
        if last[-1].isdigit() or last[-1].isupper() or last.isupper() or not last[-1].isalpha():
            return True
        hyphenated = f"{last}-{re.match(r'[A-Za-z]*', tail).group(0)}".lower()  # type: ignore[union-attr]
        joined = hyphenated.replace("-", "")
        if self.counts.get(hyphenated, 0) > 0:
            return True
        if self.counts.get(joined, 0) > 0:
            return False
        tail_word = re.match(r"[A-Za-z]*", tail).group(0).lower()  # type: ignore[union-attr]
        return len(last) > 2 and self.counts.get(last.lower(), 0) > 0 and self.counts.get(tail_word, 0) > 0


def join_lines(lines: list[str], dehyphenator: Dehyphenator | None = None) -> str:
    """Join wrapped lines of one paragraph into one string, repairing line-break hyphenation."""
    dh = dehyphenator or Dehyphenator(lines)
    out = ""
    for line in lines:
        line = clean_inline(line)
        if line:
            out = dh.join(out, line) if out else line
    return out
