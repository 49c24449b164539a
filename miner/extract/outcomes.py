"""Outcome values written in sentences: size (± sd or %), shape, absorption/PL peak, FWHM, PLQY, yield.

:func:`extract_outcomes` reads one sentence (procedure, results, characterization or abstract) and returns
``(property, OutcomeCreate data)`` pairs with private offset/confidence keys for the caller's provenance.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from nanosynth.miner.extract.quantities import Quantity, QuantityKind, find_quantities
from nanosynth.schema.units import ev_to_nm
from nanosynth.schema.vocab import shape_synonyms

K = QuantityKind

_CUES = {
    "fwhm": re.compile(r"FWHM|full[- ]width at half[- ]maximum|line ?width|half[- ]width", re.I),
    "plqy": re.compile(r"PLQY|PL QY|quantum (?:yield|efficiency)|\bQYs?\b", re.I),
    "yield": re.compile(r"(?<!quantum )\byield\b", re.I),
    "pl": re.compile(r"\bPL\b|photoluminescen\w*|emission|emit\w*|luminescen\w*", re.I),
    "abs": re.compile(r"absorption|absorbance|\babsorb(?:s|ing|ed)?\b|excitonic|exciton|\bUV[- ]?vis|\babs\b|"
                      r"plasmon\w*|\bL?SPR\b|extinction", re.I),
    "size": re.compile(r"diameter|sizes?\b|sized|TEM|edge length|length|thickness|width|dimension", re.I),
}
#: Words right after a length that make it a size: ``4.5 nm across``, ``12 nm in diameter``, ``8 nm wide``.
_SIZE_AFTER = re.compile(r"\s*(?:across|wide|long|thick|in (?:diameter|size|width|length|edge length)|"
                         r"(?:average |mean )?(?:diameter|size|edge length))\b", re.I)
#: A sentence about spectra: a value of 150 nm or more in it is a wavelength, not a size.
_OPTICAL = re.compile(r"\bpeak|emission|emit\w*|absorption|absorbance|wavelength|\bPL\b|luminescen\w*|plasmon",
                      re.I)
_SHAPE_EXCLUDE = re.compile(r"^\s*(?:phase|structure|zinc|wurtzite|rock|crystal|lattice|perovskite|symmetry|"
                            r"close|unit cell|Pm|Fm|space group)", re.I)
WEAK_SHAPES = {"dot", "dots", "quantum dots", "quantum dot", "qds", "round", "random"}


def _shape_regex() -> re.Pattern[str]:
    words = sorted((w for w in shape_synonyms() if w not in WEAK_SHAPES and len(w) > 3), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(w) for w in words) + r")(?:-shaped|-like)?(?![\w-])",
                      re.I)


_SHAPE_RE: re.Pattern[str] | None = None


def _nearest_cue(sentence: str, pos: int, names: Iterable[str]) -> str | None:
    best, best_pos = None, -1
    window = sentence[max(0, pos - 120):pos]
    offset = max(0, pos - 120)
    for name in names:
        for m in _CUES[name].finditer(window):
            if m.start() + offset > best_pos:
                best, best_pos = name, m.start() + offset
    return best


def extract_outcomes(sentence: str, offset: int = 0) -> list[tuple[str, dict]]:
    """Outcome values of one results/characterization sentence: ``(property, OutcomeCreate data)`` pairs.

    The nearest cue word before a number decides what it is (``FWHM of 28 nm``, ``PL peak at 620 nm``, ``first
    excitonic absorption peak at 550 nm``, ``diameter of 3.2 ± 0.3 nm``, ``PLQY of 65%``). Data dicts carry
    private ``_start``/``_end``/``_confidence`` keys (paragraph offsets) for the provenance.
    """
    global _SHAPE_RE
    out: list[tuple[str, dict]] = []
    for q in find_quantities(sentence, qualitative=False):
        start, end = q.char_start + offset, q.char_end + offset
        cue = _nearest_cue(sentence, q.char_start, ("fwhm", "plqy", "yield", "pl", "abs", "size"))
        if q.kind is K.LENGTH and _SIZE_AFTER.match(sentence[q.char_end:]):
            cue = "size"  # "4.5 nm across", "12 nm in diameter": the cue follows the number
        if q.kind is K.LENGTH and q.normalized is not None:
            value = q.normalized
            if cue == "fwhm":
                spectrum = "pl" if _CUES["pl"].search(sentence) else "absorption"
                out.append(("fwhm_nm", _outcome("fwhm_nm", value, q, start, end, 0.75, spectrum=spectrum)))
            elif cue in ("pl", "abs") and value >= 150 and not re.match(r"\s*(?:excitation|laser|diode|LED)",
                                                                         sentence[q.char_end:], re.I) \
                    and not re.search(r"excit\w*\s+(?:at|of|wavelength)?\s*$", sentence[:q.char_start], re.I):
                prop = "pl_peak_nm" if cue == "pl" else "abs_peak_nm"
                out.append((prop, _outcome(prop, value, q, start, end, 0.8)))
            elif cue == "size" and value < 1000 and not (value >= 150 and _OPTICAL.search(sentence)):
                out.append(("size_nm", _outcome("size_nm", value, q, start, end, 0.8, method=_size_method(sentence))))
                if q.normalized_error is not None and q.error_pct is None:
                    out.append(("size_sd_nm", _outcome("size_sd_nm", q.normalized_error, q, start, end, 0.8)))
                if q.error_pct is not None:
                    out.append(("size_dist_pct", _outcome("size_dist_pct", q.error_pct, q, start, end, 0.8)))
        elif q.kind is K.ENERGY and q.normalized is not None:
            if cue == "fwhm":
                spectrum = "pl" if _CUES["pl"].search(sentence) else "absorption"
                out.append(("fwhm_mev", _outcome("fwhm_mev", q.normalized, q, start, end, 0.75, spectrum=spectrum)))
            elif cue in ("pl", "abs") and q.normalized > 300:
                prop = "pl_peak_nm" if cue == "pl" else "abs_peak_nm"
                out.append((prop, _outcome(prop, ev_to_nm(q.normalized / 1000.0), q, start, end, 0.7)))
        elif q.kind is K.PERCENT and q.normalized is not None:
            if cue == "plqy":
                out.append(("plqy", _outcome("plqy", q.normalized, q, start, end, 0.8)))
            elif cue == "yield":
                out.append(("yield", _outcome("yield", q.normalized, q, start, end, 0.7)))
            elif cue == "size" and re.search(r"size distribution|polydispersity|standard deviation", sentence, re.I):
                out.append(("size_dist_pct", _outcome("size_dist_pct", q.normalized, q, start, end, 0.7)))
    if _SHAPE_RE is None:
        _SHAPE_RE = _shape_regex()
    if re.search(r"TEM|shape|morpholog|spherical|cubic|rod|platelet|faceted|triangular", sentence, re.I):
        for m in _SHAPE_RE.finditer(sentence):
            if _SHAPE_EXCLUDE.match(sentence[m.end():m.end() + 20]):
                continue
            word = re.sub(r"-(?:shaped|like)$", "", m.group(0).lower())
            out.append(("shape", {"property": "shape", "value_text": word, "value_raw": m.group(0),
                                  "method": _size_method(sentence), "_start": m.start() + offset,
                                  "_end": m.end() + offset, "_confidence": 0.7}))
            break
    return out


def _size_method(sentence: str) -> str | None:
    for method in ("TEM", "SAXS", "XRD", "DLS", "SEM"):
        if re.search(rf"\b{method}\b", sentence):
            return method
    if re.search(r"sizing curve|absorption", sentence, re.I):
        return "UV-vis"
    return None


def _outcome(prop: str, value: float, q: Quantity, start: int, end: int, confidence: float, **extra) -> dict:
    data = {"property": prop, "value": round(value, 6), "value_raw": q.raw[:300], "_start": start, "_end": end,
            "_confidence": confidence}
    data.update({k: v for k, v in extra.items() if v is not None})
    return data


__all__ = ["WEAK_SHAPES", "extract_outcomes"]
