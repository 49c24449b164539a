"""Relevance gate: does a text describe the synthesis of a nanomaterial?

Rules, no model (fast, explainable). A text passes when it states a synthesis (``were synthesized``, ``we report
a ... synthesis``, ``prepared via``, ``synthesis of``) and names a nanoscale or inorganic product. It fails, with a
reason a curator can read, when it is

- an organic / medicinal-chemistry procedure (coupling reactions, column chromatography, ``compound 3a``, NMR
  lists) without a nanoscale product;
- an introduction or review (citations, other people's work: ``et al.``, ``[12]``, ``has been reported``);
- a figure caption (``Reprinted with permission``, ``(a) TEM image of ...``);
- characterization or results only (no synthesis statement).

:func:`no_synthesis_reason` gives ``None`` for a relevant text and the reason otherwise.
"""

from __future__ import annotations

import re

#: Words that only nanoscale products take (``nanocrystals``, ``QDs``, ``colloidal``).
NANO_WORDS = re.compile(
    r"\bnano\w+|\bNCs?\b|\bNPs?\b|\bGNPs?\b|\bQDs?\b|quantum dots?|\bcolloid\w*|\bNPLs?\b|\bNRs?\b|\bNWs?\b|"
    r"\bcore[/–-]shell\b|\bseeds?\b|\bdecahedr\w+|\bicosahedr\w+|\boctahedr\w+|\btetrahedr\w+|\bsupraparticles?\b|"
    r"\bclusters?\b|\bparticles?\b", re.I)
_SYNTHESIS_STATEMENT = re.compile(
    r"\b(?:(?:was|were|is|are|been|be|being)\s+(?:\w+ly\s+)?(?:synthesi[sz]ed|prepared|fabricated|grown|produced|"
    r"obtained|made|formed|generated|converted|transformed)|synthes[ie]s\s+(?:of|for|method|route|strategy|"
    r"approach|procedure|protocol)|synthetic\s+(?:method|route|strategy|approach|protocol|procedure)|"
    r"\bwe\s+(?:\w+ly\s+)?(?:synthesi[sz]ed?|prepared?|fabricated?|grew|grow|obtained|produced?|made)\b|"
    r"(?:we|here)\W+(?:\w+\s+){0,3}(?:synthesi[sz]ed?|prepared?|report\w*|develop\w*|present\w*|demonstrat\w*|"
    r"describe\w*|propose\w*)\b[^.]{0,120}\b(?:synthes\w+|route|method|approach|strategy|preparation|growth|"
    r"procedure|protocol)|(?:synthesi[sz]ed|prepared|fabricated|grown|obtained|produced)\s+(?:by|via|through|"
    r"using|with|from|in|at|under)\b|one[- ]pot|hot[- ]injection|heat(?:ing)?[- ]up|seed(?:ed)?[- ]mediated|"
    r"seeded growth|cation[- ]exchange|anion[- ]exchange|polyol|solvothermal|hydrothermal|co-?precipitation|"
    r"(?:reduction|decomposition|thermolysis)\s+of|preparation\s+of|(?:is|was)\s+used\s+to\s+(?:synthesi[sz]e|"
    r"prepare|grow)|(?:injected|added|dissolved|heated|mixed)\s+(?:in|into|to|at|with)\b)", re.I)
_ORGANIC = re.compile(
    r"column chromatography|flash chromatography|silica gel|\bTLC\b|\bRf\b|\bcompounds?\s+\d+[a-z]?\b|"
    r"\b(?:Suzuki|Sonogashira|Heck|Buchwald|Stille|Negishi|Mitsunobu|Wittig|Grignard)\b|cross-coupling|"
    r"\bNMR\s*\(|\bCDCl3\b|\bDMSO-d6\b|\bHRMS\b|\bm\.p\.|\byield(?:ed)?\s+(?:of\s+)?\d+\s*%\s+of\s+(?:the\s+)?"
    r"(?:title|desired)|\btitle compound\b|\bamide coupling\b|\bdeprotection\b|\bBoc\b|\bEtOAc\b|\bhexanes?\b",
    re.I)
_CITATION = re.compile(r"\[\d+(?:[,–-]\s*\d+)*\]|\bet al\.|\b(?:has|have) been (?:reported|developed|used|explored|"
                       r"studied|investigated|proposed)|\brecent(?:ly)?\b[^.]{0,40}\b(?:reported|showed|demonstrated)\b|"
                       r"(?<=[a-z)])\d{1,3}(?:,\d{1,3})+(?=[\s.])", re.I)
_CAPTION = re.compile(r"^\s*(?:From:|Fig(?:ure)?\.?\s*\d|\(?[a-h]\)\s|Scheme\s+\d)|Reprinted (?:with|from)|"
                      r"Adapted (?:with|from)|Copyright\s+(?:©|\(c\)|\d{4})", re.I | re.M)
_INTRO_HEADING = re.compile(r"^\s*(?:\d+\.?\s*)?(?:introduction|background|review)\b", re.I)
_OWN_WORK = re.compile(r"\b(?:we|our|here(?:in)?|this (?:work|study|paper|article|report))\b", re.I)
_FUNCTIONALIZATION = re.compile(r"\b(?:functionali[sz]ed|conjugated|grafted|coated|loaded|immobili[sz]ed|"
                                r"decorated|assembled|deposited)\s+(?:with|onto|on|by|via)\b", re.I)


def states_synthesis(text: str) -> bool:
    """True when ``text`` has a synthesis statement (``were synthesized``, ``a seed-mediated growth approach``)."""
    return bool(_SYNTHESIS_STATEMENT.search(text))


def is_organic_procedure(text: str) -> bool:
    """True when ``text`` reads like organic / medicinal chemistry and names no nanoscale product."""
    return len(_ORGANIC.findall(text)) >= 2 and not NANO_WORDS.search(text)


def no_synthesis_reason(text: str, has_product: bool) -> str | None:
    """Why ``text`` describes no nanomaterial synthesis, or None when it does.

    Parameters
    ----------
    text:
        The text of the candidate paragraphs (title, abstract, procedure), joined.
    has_product:
        Whether a nanoscale product phrase (``CdSe nanocrystals``, ``Au NPs``) was found in it.

    Returns
    -------
    str or None
        ``"no nanomaterial synthesis: <kind> (<why>)"``, or None for a relevant text.
    """
    if not text.strip():
        return "no nanomaterial synthesis: empty document (no body text)"
    if is_organic_procedure(text):
        return "no nanomaterial synthesis: organic synthesis (no nanoscale product, no inorganic target)"
    if _CAPTION.search(text) and len(text) < 1500:
        return "no nanomaterial synthesis: figure caption (describes a figure, not a procedure)"
    if _INTRO_HEADING.match(text) or (len(_CITATION.findall(text)) >= 2 and not _OWN_WORK.search(text)):
        return "no nanomaterial synthesis: introduction or review (cites other work, no own synthesis)"
    if not has_product and not NANO_WORDS.search(text):
        return "no nanomaterial synthesis: no nanoscale or inorganic product named"
    if not states_synthesis(text):
        if _FUNCTIONALIZATION.search(text):
            return "no nanomaterial synthesis: surface modification of existing particles (no synthesis stated)"
        return "no nanomaterial synthesis: characterization or results only (no synthesis statement)"
    return None


__all__ = ["NANO_WORDS", "is_organic_procedure", "no_synthesis_reason", "states_synthesis"]
