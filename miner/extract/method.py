"""Synthesis method of a recipe's text (hot injection, heat-up, seed-mediated, ion exchange, solvothermal ...)."""

from __future__ import annotations

import re

from nanosynth.schema.enums import SynthesisMethod
from nanosynth.schema.vocab import normalize_method

def detect_method(text: str) -> SynthesisMethod:
    """Synthesis method of a recipe's text: explicit phrases first, then seeds, injection, heating, autoclave."""
    low = text.lower()
    explicit = re.search(r"hot[- ]injection|heat(?:ing)?[- ]up|one[- ]pot|seed(?:ed)?[- ]mediated|seeded growth|"
                         r"cation exchange|anion exchange|solvothermal|hydrothermal|microfluidic|microreactor", low)
    if explicit:
        return normalize_method(explicit.group(0))
    if re.search(r"\bseed(?:s| solution)\b", low) and re.search(r"\bgrowth solution\b|\bseeds?\b.*\badded\b", low):
        return SynthesisMethod.SEED_MEDIATED
    if re.search(r"\bpolyol|co-?precipitation|sol[- ]gel|microwave|sonochemical|microemulsion|\bLARP\b", low):
        return SynthesisMethod.OTHER
    if re.search(r"autoclave", low):
        return SynthesisMethod.SOLVOTHERMAL
    if re.search(r"\binject(?:ed|ion)\b|swiftly added|rapidly added|quickly added", low):
        return SynthesisMethod.HOT_INJECTION
    if re.search(r"\bheated\b|\bramped\b", low):
        return SynthesisMethod.HEAT_UP
    return SynthesisMethod.UNKNOWN


__all__ = ["detect_method"]
