"""Roles of chemicals (cation/anion precursor, ligand, solvent, reducing agent, additive, target) and target
compositions, by dictionary (:mod:`nanosynth.schema.chemicals`) plus the words around the mention.

Context beats dictionary: ``oleylamine (5 mL) as the solvent`` is a solvent, ``TOP as ligand`` a ligand,
``in 10 mL ODE`` a solvent, ``seed solution`` an additive (the seeds), a mention of the target composition
itself is the target. Without context the dictionary role is used, refined by the target composition
(``CdO`` is a cation precursor of CdSe; ``Se`` an anion precursor).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from nanosynth.schema.chemicals import clean_text, composition_elements, guess_role, is_formula, lookup
from nanosynth.schema.elements import ELEMENTS
from nanosynth.schema.enums import ChemicalRole

R = ChemicalRole

_AS_ROLE = [
    (re.compile(r"^\W{0,3}(?:\([^)]{0,40}\)\s*)?(?:which\s+(?:acts|acted|serves|served)\s+)?as\s+(?:the\s+|a\s+|an\s+)?"
                r"(?:co-?)?(?:ligands?|surfactants?|capping (?:agents?|ligands?)|stabili[sz](?:er|ing agent)s?)\b", re.I),
     R.LIGAND),
    (re.compile(r"^\W{0,3}(?:\([^)]{0,40}\)\s*)?as\s+(?:the\s+|a\s+|an\s+)?(?:mild\s+|strong\s+)?"
                r"(?:reducing agents?|reductants?)\b", re.I), R.REDUCING_AGENT),
    (re.compile(r"^\W{0,3}(?:\([^)]{0,40}\)\s*)?as\s+(?:the\s+|a\s+|an\s+)?(?:co-?)?solvents?\b", re.I), R.SOLVENT),
    (re.compile(r"^\W{0,3}(?:\([^)]{0,40}\)\s*)?as\s+(?:the\s+|a\s+|an\s+)?(?:additives?|catalysts?|"
                r"shape[- ]directing agents?)\b", re.I), R.ADDITIVE),
]
_IN_SOLVENT = re.compile(r"\b(?:dissolved|dispersed|suspended|diluted|mixed|redispersed)?\s*(?:in|into)\s+"
                         r"(?:(?:\d[\d.,]*\s*(?:mL|ml|μL|uL|L)\s+(?:of\s+)?)|(?:the\s+|a\s+)?)?$", re.I)
_SEED = re.compile(r"\bseeds?\b|\bseed solution\b", re.I)

# ------------------------------------------------------------------------------------------------ work-up
#: Work-up verbs: a solvent they govern is used to stop, precipitate, wash, redisperse or store the product.
_WORKUP_VERB = (r"(?:precipitat\w*|flocculat\w*|wash(?:ed|ing|es)?|rins\w*|purif\w*|centrifug\w*|"
                r"re-?disperse?\w*|re-?dissolv\w*|re-?suspend\w*|stor(?:ed|age)|collected|isolated|extract(?:ed|ion)|"
                r"quench(?:ed|ing)?|crashed out)")
#: Reaction verbs: once one of them sits between a work-up verb and the solvent, the solvent is a reaction one.
_REACTION_VERB = re.compile(r"\b(?:heat\w*|inject\w*|degass?\w*|load\w*|reflux\w*|grow\w*|grew|react\w*|"
                            r"ramp\w*|raised|anneal\w*|swiftly|rapidly|quickly|reduc\w*)\b", re.I)
_WORKUP_VERB_RE = re.compile(rf"\b{_WORKUP_VERB}\b", re.I)
_WORKUP_REST = re.compile(r"^[^.;]{0,70}?\b(?:with|in|into|using|by|from|adding|addition of|of)\s+[^.;]{0,45}$",
                          re.I)
_WORKUP_AFTER = re.compile(
    r"^\W{0,3}(?:\([^)]{0,40}\)\s*)?(?:(?:was|were)\s+(?:then\s+|subsequently\s+)?added\s+(?:[^.;]{0,40}?\s)?"
    rf"(?:to|for)\s+(?P<verb>{_WORKUP_VERB}|stop|terminate)"
    r"|(?:(?:was|were)\s+used\s+)?as\s+(?:the\s+|an?\s+)?(?P<role>anti-?solvents?|non-?solvents?|precipitants?|"
    r"washing solvents?)"
    r"|(?:[^.;]{0,20}?\s)?for\s+(?:further\s+)?(?P<use>storage|further use|characteri[sz]ation|washing|purification|"
    r"precipitation|TEM|optical measurements?|spectroscop\w*)"
    r"|(?:was|were)\s+used\s+(?:to|for)\s+(?P<verb2>" + _WORKUP_VERB + r"|wash|precipitate|purify))", re.I)


def workup_cue(before: str, after: str) -> str | None:
    """The work-up verb governing a chemical mention (``precipitated with ethanol`` → ``"precipitated"``), or None.

    Parameters
    ----------
    before, after:
        Text of the same sentence before and after the mention.

    Notes
    -----
    Purification solvents (precipitation, washing, redispersion, storage, quenching) are not reaction solvents:
    a scientist asking for "the solvent" of a recipe means ODE or water in the flask, not the ethanol the
    product was washed with. A reaction verb between the work-up verb and the mention cancels the cue
    (``purified ODE was heated in ...``).
    """
    window = before[-140:]
    verbs = list(_WORKUP_VERB_RE.finditer(window))
    if verbs:
        last = verbs[-1]
        rest = window[last.end():]
        clause_after = re.split(r";|\.(?:\s|$)", after[:80], maxsplit=1)[0]
        if _WORKUP_REST.match(rest) and not _REACTION_VERB.search(rest) and not _REACTION_VERB.search(clause_after):
            return last.group(0).lower()
    m = _WORKUP_AFTER.search(after[:120])
    if m is not None and not _REACTION_VERB.search(m.group(0)):
        return (m.group("verb") or m.group("verb2") or m.group("role") or m.group("use")).lower()
    return None


@dataclass(frozen=True)
class RoleDecision:
    """A role with the rule that decided it and a confidence in [0, 1]."""

    role: ChemicalRole
    rule: str
    confidence: float


def assign_role(name: str, before: str = "", after: str = "", target: str | None = None) -> RoleDecision:
    """Role of the chemical ``name`` given the text right ``before`` and ``after`` its mention.

    Parameters
    ----------
    name:
        The chemical as written (``"ODE"``, ``"CdO"``, ``"Au seeds"``).
    before, after:
        Up to a sentence of text before and after the mention (only the nearest words matter).
    target:
        Target composition of the recipe (``"CdSe"``), used to tell precursors apart.
    """
    if target and _same_composition(name, target):
        return RoleDecision(R.TARGET, "is-target-composition", 0.9)
    if _SEED.search(name) or re.match(r"^\s*seeds?\b", after, re.I):
        return RoleDecision(R.ADDITIVE, "seeds", 0.85)
    for regex, role in _AS_ROLE:
        if regex.search(after[:80]):
            return RoleDecision(role, f"as-{role.value}", 0.9)
    dictionary = guess_role(name, target)
    info = lookup(name)
    if (info is None or info.role in (R.SOLVENT, R.OTHER)) and dictionary not in (
            R.CATION_PRECURSOR, R.ANION_PRECURSOR, R.LIGAND, R.REDUCING_AGENT):
        cue = workup_cue(before, after)
        if cue is not None:
            return RoleDecision(R.OTHER, f"work-up:{cue}", 0.8)
    if _IN_SOLVENT.search(before[-60:]) and (info is None or info.role in (R.SOLVENT, R.OTHER)) \
            and dictionary not in (R.CATION_PRECURSOR, R.ANION_PRECURSOR):
        return RoleDecision(R.SOLVENT, "in-solvent", 0.8)
    if dictionary is R.CATION_PRECURSOR and target and _metals_outside_target(name, target):
        return RoleDecision(R.ADDITIVE, "metal-not-in-target", 0.7)
    if info is not None:
        return RoleDecision(dictionary, "dictionary", 0.85)
    return RoleDecision(dictionary, "formula-or-suffix", 0.6 if dictionary is not R.OTHER else 0.4)


def _metals_outside_target(name: str, target: str) -> bool:
    """True when the chemical carries metals and none of them is a cation of the target (AgNO3 for Au rods)."""
    from nanosynth.schema.chemicals import cation_elements, formula_of, parse_formula

    formula = formula_of(name)
    if not formula:
        return False
    try:
        elements = set(parse_formula(formula))
    except Exception:  # noqa: BLE001 - unparsable formula: no opinion
        return False
    metals = set(cation_elements(formula)) & elements
    targets = set(cation_elements(target))
    return bool(metals) and bool(targets) and not (metals & targets)


def _same_composition(name: str, target: str) -> bool:
    a, b = clean_text(name).replace(" ", ""), clean_text(target).replace(" ", "")
    return bool(a) and a == b and is_formula(a)


# ------------------------------------------------------------------------------------------ target compositions
_PRODUCT_NOUN = (r"(?:core/shell\s+|core-shell\s+|colloidal\s+|spherical\s+|perovskite\s+|alloyed\s+)?"
                 r"(?:nanocrystals?|NCs|QDs|quantum dots|nanoparticles|NPs|nanorods|NRs|nanoplatelets|NPLs|nanocubes|"
                 r"nanowires|NWs|nanosheets|nanostars|nanoprisms|nanoplates|tetrapods|dots|seeds?|particles|cores?|"
                 r"nanospheres|nanoclusters|clusters|crystals|nanostructures|shells?)\b")
_METAL_NAMES = {"gold": "Au", "silver": "Ag", "platinum": "Pt", "palladium": "Pd", "copper": "Cu", "iron oxide": "Fe3O4",
                "nickel": "Ni", "cobalt": "Co", "rhodium": "Rh", "silicon": "Si", "germanium": "Ge"}
_FORMULA_TOKEN = r"[A-Z][A-Za-z0-9]*(?:\([A-Za-z0-9]+\)[0-9]*)?(?:/[A-Z][A-Za-z0-9]*)*(?:@[A-Z][A-Za-z0-9]*)?"


@functools.cache
def _target_regex() -> re.Pattern[str]:
    names = "|".join(sorted(_METAL_NAMES, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?P<comp>{_FORMULA_TOKEN}|{names})\s+{_PRODUCT_NOUN}", re.I)


@dataclass(frozen=True)
class TargetMention:
    """A product composition phrase (``CdSe nanocrystals``): composition, its noun, offsets."""

    composition: str
    noun: str
    start: int
    end: int


def find_targets(text: str) -> list[TargetMention]:
    """Target composition phrases in ``text``: ``CdSe NCs``, ``InP/ZnS QDs``, ``CsPbBr3 nanocubes``, ``gold nanorods``.

    Precursors are not targets: a composition that the dictionary knows as a precursor, ligand or solvent
    (``CdO``, ``PbO``) is skipped unless followed by a product noun that only products take (``nanocrystals``).
    """
    found: list[TargetMention] = []
    for m in _target_regex().finditer(text):
        raw = m.group("comp")
        comp = _METAL_NAMES.get(raw.lower(), raw)
        noun = text[m.end("comp"):m.end()].strip()
        if raw.lower() not in _METAL_NAMES:
            if not raw[0].isupper() or not _is_product_formula(comp):
                continue
            info = lookup(comp)
            if info is not None and info.role is not R.OTHER and not re.search(r"nano|NCs|QDs|dots", noun, re.I):
                continue
        found.append(TargetMention(comp, noun, m.start(), m.end()))
    return found


def _is_product_formula(comp: str) -> bool:
    parts = re.split(r"[/@]", comp)
    for part in parts:
        if not is_formula(part):
            return False
        if not any(el in ELEMENTS for el in composition_elements(part)):
            return False
    return True


def target_composition(texts: list[str]) -> str | None:
    """The most frequent target composition in ``texts`` (first seen wins ties), or None."""
    counts: dict[str, int] = {}
    for text in texts:
        for t in find_targets(text):
            counts[t.composition] = counts.get(t.composition, 0) + 1
    if not counts:
        return None
    return max(counts, key=lambda c: counts[c])


def is_shell(t: TargetMention) -> bool:
    """True for a shell phrase (``ZnS shell``): the shell grows on the cores of the same recipe."""
    return bool(re.search(r"\bshells?$", t.noun, re.I))


def recipe_target(texts: list[str]) -> str | None:
    """Target composition of a recipe's paragraphs, core/shell aware.

    The most frequent composition wins, but a core/shell composition that contains it wins over the core alone
    (``InP cores`` ×2 and ``InP/ZnS QDs`` ×1 → ``InP/ZnS``), and a shell named only as ``ZnS shell`` on a core
    gives ``InP/ZnS``. Seeds do not count when anything else is named.
    """
    counts: dict[str, int] = {}
    seeds: dict[str, int] = {}
    shells: list[str] = []
    for text in texts:
        for t in find_targets(text):
            if is_shell(t):
                shells.append(t.composition)
            elif re.match(r"(?i)seeds?$", t.noun):
                seeds[t.composition] = seeds.get(t.composition, 0) + 1
            else:
                counts[t.composition] = counts.get(t.composition, 0) + 1
    counts = counts or seeds
    if not counts:
        return shells[0] if shells else None
    best = max(counts, key=lambda c: counts[c])
    if "/" in best or "@" in best:
        return best
    composites = [c for c in counts if ("/" in c or "@" in c) and best in re.split(r"[/@]", c)]
    if composites:
        return max(composites, key=lambda c: counts[c])
    shell = next((sh for sh in shells if sh != best), None)
    return f"{best}/{shell}" if shell else best


__all__ = ["RoleDecision", "TargetMention", "assign_role", "find_targets", "is_shell", "recipe_target",
           "target_composition", "workup_cue"]
