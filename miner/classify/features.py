"""Text normalisation and stateless cue features for the paragraph classifier.

The labelled corpora are small (a few hundred paragraphs), so the n-gram models are helped by a handful of
dense, domain-knowledge features that transfer across publishers and materials systems:

- *document-level cue densities*: amounts with units, temperatures, times, synthesis operations, reagent
  sources, instruments and measurement vocabulary, electrochemical/property tests, discourse (results,
  figures, citations), passive past-tense verbs, NMR/MS analytical data, caption openings;
- *sentence-level fractions*: share of sentences that read like a procedure step, a result statement, or a
  measurement description. They encode the labelling rule "label by main content" (a Results paragraph that
  opens with one procedure sentence is still ``other``).

Everything here is stateless (no fitted parameters), so nothing of it needs to be saved with a model beyond
:data:`CUE_FEATURES_VERSION`, which is recorded in every manifest and checked on load.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

#: Bump when the cue definitions change: models trained with another version refuse to load.
CUE_FEATURES_VERSION = "1"

_WS = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")

_AMOUNT_UNITS = r"(?:mg|g|kg|µg|μg|ug|ml|mL|µL|μL|uL|L|mmol|µmol|μmol|mol|M|mM|µM|μM|nM|wt\s?%|equiv|eq)"

#: Single-word cues: name → regular expression a lower-cased word must match in full. Matching is cached per
#: distinct word, so cost grows with the vocabulary, not with the text.
WORD_CUES: dict[str, str] = {
    "operation": (
        r"added|adding|addition|dissolv\w*|stirr\w*|heat\w*|inject\w*|reflux\w*|centrifug\w*|wash\w*|rins\w*"
        r"|dried|drying|calcin\w*|anneal\w*|precipitat\w*|mix\w*|dropwise|cooled|quench\w*|purif\w*|evaporat\w*"
        r"|filtr\w*|filtered|sonicat\w*|autoclave|degass\w*|transferred|poured|redispers\w*|dispersed"
        r"|synthesi[sz]\w*|prepared|obtained|yield\w*|reduc\w*|grown|growth|seed\w*|solution|mixture"
        r"|precursor\w*|reaction|flask|teflon"),
    "reagent_source": (
        r"purchased|supplied|received|sigma|aldrich|alfa|aesar|acros|merck|fisher|tci|reagent\w*|chemicals?"
        r"|purity|deionized|milli|distilled"),
    "instrument": (
        r"microscop\w*|spectromet\w*|spectrophotomet\w*|diffractomet\w*|magnetomet\w*|analy[sz]er"
        r"|instrument\w*|detector|recorded|measured|measurements?|characteri[sz]\w*|equipped|accelerating"
        r"|voltage|radiation|wavelength|resolution|scan\w*|spectr\w*|tem|sem|xrd|xps|ftir|nmr|ms|hrms|uv|pl|dls"
        r"|bet|tga|dsc|squid|raman|icp|eds|edx|saed|hrtem|afm|jeol|bruker|hitachi|philips|fei|shimadzu|perkin"
        r"|agilent|thermo|kv|ma|mhz|ppm|δ"),
    "property_test": (
        r"electrode\w*|electrolyte|cr20\d\d|galvanostat\w*|potentiostat\w*|voltammetr\w*|impedance|cycling"
        r"|charge|discharge|separator|slurry|pvdf|nmp|photocatal\w*|degradation|corrosion|immersion"),
    "discourse": (
        r"we|our|us|shown|shows|show|indicat\w*|suggest\w*|result\w*|observed|demonstrat\w*|reveal\w*"
        r"|attribut\w*|compared|however|therefore|thus|respectively|consistent|increase\w*|decrease\w*|fig"
        r"|figure|table|scheme|previous\w*|reported|studies|study|review|literature|model\w*|calculat\w*"
        r"|simulat\w*|theory|dft|energy|mechanism"),
}
#: Multi-word and numeric cues: name → regular expression searched in the raw text (case-insensitive).
PHRASE_CUES: dict[str, str] = {
    "amount": r"\d(?:[.,]\d+)?\s?" + _AMOUNT_UNITS + r"\b",
    "temperature": r"\d\s?(?:°|º|deg)\s?C\b|\d\s?K\b|room temperature",
    "time": r"\d\s?(?:h|hr|hrs|hours?|min|mins|minutes?|s|sec|days?|d)\b|overnight",
    "reagent_source": r"analytical grade|without further purification",
    "instrument": r"performed (?:on|using|with)|operat\w* at|ft-ir|lc-ms|uv-vis|m/z",
    "property_test": r"coin[- ]?cells?|super p|current density",
    "discourse": r"due to",
    "citation": r"\[\d+(?:[,–-]\s?\d+)*\]|\(\d+(?:[,–-]\s?\d+)*\)|\bet al\b",
    "passive": r"\b(?:was|were)\s+\w+ed\b",
    "analytical_data": r"δ|\bppm\b|\bJ\s?=|\d\s?Hz\b|\bm\s?/\s?z\b|\(\s?[sdtqm]\s?,|\bbr s\b",
}
#: Every cue name, in feature order.
CUE_NAMES: tuple[str, ...] = tuple(dict.fromkeys([*WORD_CUES, *PHRASE_CUES]))

_WORD_RX = [(CUE_NAMES.index(name), re.compile(pattern)) for name, pattern in WORD_CUES.items()]
_PHRASE_RX = [(CUE_NAMES.index(name), re.compile(pattern, re.I)) for name, pattern in PHRASE_CUES.items()]
_WORD = re.compile(r"\w+|δ")
_CAPTION = re.compile(r"^\s*(?:fig\.?|figure|scheme|table|chart)\s*\d", re.I)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(])")

_AUXILIARY = frozenset({"was", "were", "is", "are", "been"})
_PROCEDURE_WORD = re.compile(
    r"added|dissolved|stirred|heated|injected|refluxed|centrifuged|washed|rinsed|dried|calcined|annealed"
    r"|precipitated|mixed|cooled|quenched|purified|evaporated|filtered|sonicated|degassed|transferred|poured"
    r"|redispersed|dispersed|synthesi[sz]ed|prepared|obtained|kept|maintained|placed|loaded|sealed|collected"
    r"|separated|diluted|reduced|grown|immersed|treated|carried|performed|purchased|used|supplied|stored")
_PROCEDURE_MARKER = frozenset({"then", "dropwise", "subsequently", "afterwards", "followed"})
_RESULT_WORD = re.compile(r"fig|figure|table|shows?|shown|indicat\w*|suggest\w*|reveal\w*|observed|attribut\w*"
                          r"|demonstrat\w*|consistent|compared|results?")
_MEASUREMENT_WORD = re.compile(
    r"microscop\w*|spectromet\w*|spectrophotomet\w*|diffractomet\w*|magnetomet\w*|analy[sz]er|recorded"
    r"|measured|measurements?|equipped|accelerating|detector|instrument\w*|electrode|nmr|δ|hrms|ms")

# word-level flags: bits 0..len(CUE_NAMES)-1 = cue membership; then procedure / auxiliary / marker / result /
# measurement
_F_PROC, _F_AUX, _F_MARK, _F_RES, _F_MEAS = (1 << (len(CUE_NAMES) + i) for i in range(5))


@lru_cache(maxsize=200_000)
def _word_flags(word: str) -> int:
    flags = 0
    for index, pattern in _WORD_RX:
        if pattern.fullmatch(word):
            flags |= 1 << index
    if _PROCEDURE_WORD.fullmatch(word):
        flags |= _F_PROC
    if word in _AUXILIARY:
        flags |= _F_AUX
    if word in _PROCEDURE_MARKER:
        flags |= _F_MARK
    if _RESULT_WORD.fullmatch(word):
        flags |= _F_RES
    if _MEASUREMENT_WORD.fullmatch(word):
        flags |= _F_MEAS
    return flags

#: Names of the columns returned by :func:`cue_features`, in order.
CUE_FEATURE_NAMES: tuple[str, ...] = (
    *(f"{name}:{kind}" for name in CUE_NAMES for kind in ("log_count", "density")),
    "caption_opening",
    "log_length",
    "sentences:procedure",
    "sentences:result",
    "sentences:measurement",
    "sentences:first_is_procedure",
)


def normalize_text(text: str) -> str:
    """Lower-case ``text``, map every digit to ``0`` and collapse whitespace.

    Digits carry no class information but explode the n-gram vocabulary ("0.25 mmol" and "1.5 mmol" become
    the same pattern), which matters with few training paragraphs.
    """
    return _WS.sub(" ", _DIGIT.sub("0", text)).strip().lower()


def _sentence_fractions(text: str) -> tuple[float, float, float, float]:
    procedure, result, measurement = [], [], []
    for sentence in _SENTENCE_SPLIT.split(text):
        flags = [_word_flags(w) for w in _WORD.findall(sentence.lower())]
        if not flags:
            continue
        any_flags = 0
        for f in flags:
            any_flags |= f
        proc = bool((any_flags & _F_PROC and any_flags & _F_AUX) or any_flags & _F_MARK)
        res = bool(any_flags & _F_RES)
        procedure.append(proc and not res)
        result.append(res and not proc)
        measurement.append(bool(any_flags & _F_MEAS))
    if not procedure:
        return 0.0, 0.0, 0.0, 0.0
    n = len(procedure)
    return sum(procedure) / n, sum(result) / n, sum(measurement) / n, float(procedure[0])


def cue_features(texts: Sequence[str]) -> np.ndarray:
    """Dense cue features of each text.

    Parameters
    ----------
    texts:
        Paragraph texts (raw, not normalized).

    Returns
    -------
    numpy.ndarray
        Shape ``(len(texts), len(CUE_FEATURE_NAMES))``, float64, every column roughly in ``[0, 3]``.
    """
    out = np.zeros((len(texts), len(CUE_FEATURE_NAMES)), dtype=np.float64)
    n_cues = len(CUE_NAMES)
    for i, text in enumerate(texts):
        words = _WORD.findall(text.lower())
        n_tokens = max(len(words), 1)
        counts = np.zeros(n_cues)
        for word in words:
            flags = _word_flags(word)
            if flags:
                for j in range(n_cues):
                    if flags >> j & 1:
                        counts[j] += 1
        for j, pattern in _PHRASE_RX:
            counts[j] += len(pattern.findall(text))
        out[i, 0:2 * n_cues:2] = np.log1p(counts)
        out[i, 1:2 * n_cues:2] = np.minimum(10.0 * counts / n_tokens, 3.0)
        out[i, 2 * n_cues] = 1.0 if _CAPTION.match(text) else 0.0
        out[i, 2 * n_cues + 1] = np.log1p(len(words)) / 5.0
        out[i, 2 * n_cues + 2: 2 * n_cues + 6] = _sentence_fractions(text)
    return out


__all__ = ["CUE_FEATURES_VERSION", "CUE_FEATURE_NAMES", "CUE_NAMES", "PHRASE_CUES", "WORD_CUES", "cue_features",
           "normalize_text"]
