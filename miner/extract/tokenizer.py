"""Chemistry-aware spaCy tokenizer for synthesis text.

spaCy's English rules split ``TOP-Se``, ``1-octadecene`` and ``N,N-dimethylformamide`` apart, break ``°C`` into
``°`` + ``C``, keep ``300degC.`` and ``H2O.`` whole, and treat ``Ga.``/``Mo.``/``La.`` as US-state abbreviations.
The rules here keep formulas and chemical names whole (``Cd(OA)2``, ``(TMS)2S``, ``Zn(OAc)2·2H2O``,
``Mn(CH3COO)2*4H2O``, ``CsPbBr3``) and split numbers from units (``300°C`` → ``300`` ``°C``, ``5mL`` → ``5``
``mL``, ``240–300`` → ``240`` ``–`` ``300``), ratios stay one token (``1:40``), scientific notation stays one token
(``10^-3``, ``1e-3``).

The tokenizer is registered as ``nanosynth.chem_tokenizer.v1`` in spaCy's ``tokenizers`` registry, so a pipeline
saved with ``nlp.to_disk`` loads again with ``spacy.load`` once this module is imported (``load_ner`` does that).
Importing this module performs no I/O.
"""

from __future__ import annotations

from typing import Callable

import spacy
from spacy.lang.char_classes import (
    ALPHA,
    ALPHA_LOWER,
    ALPHA_UPPER,
    CONCAT_QUOTES,
    LIST_CURRENCY,
    LIST_ELLIPSES,
    LIST_ICONS,
    LIST_PUNCT,
    LIST_QUOTES,
)
from spacy.language import Language
from spacy.symbols import ORTH
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

TOKENIZER_NAME = "nanosynth.chem_tokenizer.v1"

# "°" is a unit character here, not an icon: drop it from spaCy's icon class so "°C" stays one token.
_ICONS = [icon.replace("\\u00B0", "") for icon in LIST_ICONS]
# Characters that are punctuation everywhere except inside formulas: "*" and "·" are hydrate dots when they sit
# between two formula parts, so they only act as prefixes/suffixes (never as infixes).
_PUNCT = [p for p in LIST_PUNCT if p not in ("\\*", "·")]

_NUMBER = r"[+\-−]?\d+(?:[.,]\d+)*"
# A unit-like remainder after a number: starts with a letter, µ, °, Å or %, no whitespace, and is not an ordinal
# suffix or the exponent of scientific notation.
_UNIT_TAIL = r"(?=(?!(?:st|nd|rd|th)\b)(?![eE][+\-−]?\d)[A-Za-zµμ°ºÅΩ%][^\s]*$)"

_PREFIXES: list[str] = [
    "§", "%", "=", "—", "–", r"\+(?![0-9])", "~", "∼", "≈", "≤", "≥", "±", "<", ">", "\\*", "·",
    *LIST_ELLIPSES,
    *LIST_QUOTES,
    *LIST_CURRENCY,
    *_ICONS,
    # "(" and "[" open a bracket unless they start a formula group such as "(TMS)2S" or "(NH4)2SO4".
    r"\((?![A-Za-z0-9+\-−]+\)[A-Za-z0-9])",
    r"\[(?![A-Za-z0-9+\-−]+\][A-Za-z0-9])",
    *[p for p in _PUNCT if p not in ("\\(", "\\[")],
    # number glued to its unit: "300°C", "5mL", "0.429mmol", "300sccm", "5%".
    _NUMBER + _UNIT_TAIL,
]

_SUFFIXES: list[str] = [
    *LIST_ELLIPSES,
    *LIST_QUOTES,
    *_ICONS,
    *[p for p in _PUNCT if p != "\\]"],
    # a closing bracket, except the end of a glued citation "HNO3[24]" (split by an infix rule instead)
    r"(?<!\[\d)(?<!\[\d\d)(?<!\[\d\d\d)\]",
    "'s", "'S", "’s", "’S", "—", "–",
    r"(?<=[0-9])\+",
    r"(?<=°[FfCcKk])\.",
    # sentence-final period after anything but a known abbreviation (handled as special cases): "H2O.", "h.",
    # "degC.", "mL.", "(Aldrich).", "3."
    r"(?<=[^\s.])\.",
]

_UNIT_WORDS = r"(?:mL|ml|L|µL|μL|uL|mg|g|kg|µg|μg|nm|µm|μm|um|mm|cm|m|h|hr|min|s|W|kW|mmol|mol|M|mM|day|days|K|kV|V)"
_HYPHEN_HEADS = (
    r"(?:doped|thick|containing|derived|coated|modified|rich|based|loaded|capped|stabilized|assisted|"
    r"functionalized|terminated|supported|type|dried|cleaning|treated|decorated|grafted|free|like|NPs|NCs|NWs)"
)

_INFIXES: list[str] = [
    *LIST_ELLIPSES,
    *_ICONS,
    # numeric ranges and operators: "240–300", "5-10", "5±0.3", "2×10"
    r"(?<=[0-9])[\-–—~∼±×](?=[0-9])",
    r"(?<=[0-9])[±×](?=[+\-−]?[0-9])",
    # em dash and double hyphen between words
    r"(?<=[{a}0-9])(?:—|--)(?=[{a}])".format(a=ALPHA),
    # sentence boundary without a space: "solution.The", "P1.In"
    r"(?<=[{al}{q}])\.(?=[{au}{q}])".format(al=ALPHA_LOWER, au=ALPHA_UPPER, q=CONCAT_QUOTES),
    r"(?<=[0-9])\.(?=[{au}][{al}])".format(al=ALPHA_LOWER, au=ALPHA_UPPER),
    # citation glued to a word: "procedure.24", "DMF.36,37", "literature.[14]", "(ref 2).16", "HNO3[24]", "work,34"
    r"(?<=[{a}]{{2}})\.(?=\[?[0-9])".format(a=ALPHA),
    r"(?<=\))\.(?=[0-9])",
    r"(?<=[^\s\[(])(?=\[[0-9][0-9,\-– ]*(?:\]|$))",
    r"(?<=[{al}]{{2}}),(?=\[?[0-9])".format(al=ALPHA_LOWER),
    # registered-trademark marks and IR band intensities: "Nafion(r)", "1603(m)"
    r"(?<=[{a}0-9])(?=\((?:r|R|TM|tm|s|m|w|b|vs|vw|sh|br)(?:\)|$))".format(a=ALPHA),
    # a bracketed supplier glued to a formula: "Zn(NO3)2*6H2O(Aldrich)"
    r"(?<=[{a}0-9)])\((?=[{au}][{al}]{{3,}})".format(a=ALPHA, au=ALPHA_UPPER, al=ALPHA_LOWER),
    # colons: split except in ratios "1:40", "6:3:1": "pH:1.0", "HCl:0.011", "Cu:CTAB:H2O", "n(Pd):n(C3N4)"
    r"(?<=[{a})\]]):(?=[{a}0-9(])".format(a=ALPHA),
    r"(?<=[0-9]):(?=[{a}(])".format(a=ALPHA),
    r"(?<=[{a}0-9)])(?:<=|>=|[=<>≤≥])(?=[{a}0-9(])".format(a=ALPHA),
    # slashes between words (mixtures, composites, units): "ethanol/water", "H2/N2", "degC/min", "K/40";
    # fractions such as "Na2/3" stay whole
    r"(?<=[{a}0-9)\]%])/(?=[{a}(\[])".format(a=ALPHA),
    r"(?<=[{a})\]%])/(?=[0-9])".format(a=ALPHA),
    # unit glued to the end of a range or formula-free number inside a longer string: "70-80%", "60–65°C",
    # "5-10min" (case-sensitive unit words, so formulas such as "Ag2S", "Li3V2(PO4)3" stay whole)
    r"(?<=[0-9])(?=%|°|º)",
    r"(?<=[0-9])(?=(?:mL|ml|µL|μL|uL|mg|kg|µg|μg|nm|µm|μm|mm|cm|h|hr|hrs|min|mins|s|sec|mmol|µmol|μmol|mol|mM|µM|μM|"
    r"L|g|wt|vol|sccm|rpm|kV|mA|day|days|degC|deg)\b)",
    # hyphenated descriptors whose head word is annotated separately: "Fe-doped", "SiO2-supported", "25-mL"
    r"(?<=[{a}0-9)])-(?={h}\b)".format(a=ALPHA, h=_HYPHEN_HEADS),
    r"(?<=[0-9])-(?={u}\b)".format(u=_UNIT_WORDS),
    r"(?<=[{a}0-9)])-(?=to-)".format(a=ALPHA),
    r"(?<=-to)-(?=[{a}])".format(a=ALPHA),
]

_ABBREVIATIONS = (
    "al.", "approx.", "ca.", "cf.", "conc.", "Dr.", "e.g.", "E.g.", "eq.", "Eq.", "Eqs.",
    "equiv.", "etc.", "Fig.", "Figs.", "fig.", "i.e.", "I.e.", "No.", "no.", "Nos.", "Prof.",
    "Ref.", "Refs.", "ref.", "resp.", "sat.", "Tab.", "vs.", "viz.", "vol.", "Vol.", "wt.", "a.u.",
    "anhyd.", "soln.", "temp.", "Ph.D.", "St.", "Mfg.", "Mfr.",
)
_DIMENSIONS = ("0D", "1D", "2D", "3D")


def special_cases() -> dict[str, list[dict[int, str]]]:
    """Tokenizer exceptions: whitespace tokens, abbreviations that keep their period, and dimensionalities."""
    cases: dict[str, list[dict[int, str]]] = {}
    for text in (" ", "\t", "\n", "\xa0", "\u2009"):
        cases[text] = [{ORTH: text}]
    for text in (*_ABBREVIATIONS, *_DIMENSIONS):
        cases[text] = [{ORTH: text}]
    return cases


def build_tokenizer(nlp: Language) -> Tokenizer:
    """Build the chemistry-aware tokenizer for ``nlp``'s vocabulary.

    Parameters
    ----------
    nlp
        A (blank) pipeline whose vocabulary the tokenizer uses.

    Returns
    -------
    spacy.tokenizer.Tokenizer
        A tokenizer whose rules serialize with ``nlp.to_disk``.
    """
    from spacy.lang.en import English  # local: only for the default URL matcher

    return Tokenizer(
        nlp.vocab,
        rules=special_cases(),
        prefix_search=compile_prefix_regex(_PREFIXES).search,
        suffix_search=compile_suffix_regex(_SUFFIXES).search,
        infix_finditer=compile_infix_regex(_INFIXES).finditer,
        url_match=English.Defaults.url_match,
    )


@spacy.registry.tokenizers(TOKENIZER_NAME)
def create_chem_tokenizer() -> Callable[[Language], Tokenizer]:
    """Registry entry ``nanosynth.chem_tokenizer.v1``: a factory spaCy calls with the pipeline."""
    return build_tokenizer


def make_nlp() -> Language:
    """A blank English pipeline with the chemistry tokenizer.

    Returns
    -------
    spacy.Language
        ``spacy.blank("en")`` whose tokenizer is ``nanosynth.chem_tokenizer.v1``; its config records the tokenizer
        name so ``to_disk``/``spacy.load`` round-trip.
    """
    return spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER_NAME}}})


def tokenize(text: str) -> list[str]:
    """Token texts of ``text`` (convenience for tests and debugging)."""
    return [token.text for token in make_nlp().make_doc(text)]

