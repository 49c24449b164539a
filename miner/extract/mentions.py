"""Entity mentions for recipe assembly: dictionary materials, operation verbs, atmospheres, and NER output.

The trained NER model (:mod:`nanosynth.miner.extract.ner`) finds materials and operations in any wording; the rules here
add what a dictionary knows for sure (``ODE``, ``TOP-Se``, ``cadmium oxide``, formulas such as ``CdO``) and map
operation words onto :class:`nanosynth.schema.enums.StepAction`. :func:`merge_mentions` unions both sources, the dictionary
span winning on overlap (it carries the exact chemical name).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

from nanosynth.miner.extract.linking import Mention
from nanosynth.schema.chemicals import is_formula, lookup
from nanosynth.schema.enums import StepAction

A = StepAction

#: Operation words → step action (checked in order, on the lower-cased word).
_ACTIONS: list[tuple[re.Pattern[str], StepAction]] = [
    (re.compile(r"^(?:degass?(?:ed|ing)?|degas|evacuat\w*|purg\w*|pumped|dried|drying)$"), A.DEGAS),
    (re.compile(r"^(?:inject\w*|swiftly|rapidly)$"), A.INJECT),
    (re.compile(r"^(?:heat\w*|raised|ramped|warm\w*|reflux\w*|anneal\w*)$"), A.HEAT),
    (re.compile(r"^(?:grow\w*|grew|growth|react\w*|aged|aging|ageing|kept|maintained|held|left|undisturbed|"
                r"incubat\w*|decompos\w*|thermoly\w*)$"), A.GROW),
    (re.compile(r"^(?:quench\w*)$"), A.QUENCH),
    (re.compile(r"^(?:cool\w*)$"), A.COOL),
    (re.compile(r"^(?:centrifug\w*)$"), A.CENTRIFUGE),
    (re.compile(r"^(?:precipitat\w*|wash\w*|purif\w*|redispers\w*|re-dispers\w*|isolat\w*)$"), A.PURIFY),
    (re.compile(r"^(?:dissolv\w*)$"), A.DISSOLVE),
    (re.compile(r"^(?:stirr?\w*)$"), A.STIR),
    (re.compile(r"^(?:mix\w*|add\w*|load\w*|combin\w*|introduc\w*|transferr?ed|pour\w*|dropp\w*)$"), A.MIX),
]
_OPERATION_WORDS = re.compile(
    r"\b(?:degass?(?:ed|ing)?|evacuated|purged|inject(?:ed|ion|ing)?|heat(?:ed|ing)?|raised|ramped|warmed|"
    r"reflux(?:ed|ing)?|annealed|grow(?:n|th|ing)?(?!\s+solution)|grew|dried|drying|react(?:ed|ion)?|aged|kept|maintained|held|"
    r"left(?=\s+(?:undisturbed|unstirred|to\s+(?:stand|react|age|grow)|overnight|for|at)\b)|incubated|"
    r"quench(?:ed|ing)?|cool(?:ed|ing)?|centrifug(?:ed|ation|ing)|precipitat(?:ed|ion)|wash(?:ed|ing)|"
    r"purif(?:ied|ication)|redispersed|re-dispersed|dissolv(?:ed|ing)|stirr(?:ed|ing)|mix(?:ed|ing)|"
    r"add(?:ed|ition)|loaded|combined|introduced|transferred|poured)\b", re.I)


def action_of(word: str) -> StepAction:
    """Step action of an operation word (``"injected"`` → inject, ``"swiftly added"`` → inject)."""
    low = word.strip().lower()
    if re.search(r"\b(?:swiftly|rapidly|quickly)\s+add", low):
        return A.INJECT
    last = re.findall(r"[a-z-]+", low)
    for token in reversed(last or [low]):
        for regex, action in _ACTIONS:
            if regex.match(token):
                return action
    return A.OTHER


def operation_mentions(text: str) -> list[Mention]:
    """Operation words of a paragraph (rule-based)."""
    return [Mention(m.start(), m.end(), "Operation", m.group(0)) for m in _OPERATION_WORDS.finditer(text)]


_ATMOSPHERE = re.compile(
    r"\b(?:under|in|with)\s+(?:an?\s+)?(?:inert\s+)?(?:(?:gentle|continuous|constant)\s+)?(?:flow(?:ing)?\s+(?:of\s+)?)?"
    r"(?P<gas>N2|N₂|nitrogen|Ar|argon|vacuum|air)\b(?:\s+(?:atmosphere|flow|protection))?"
    r"|\b(?P<gas2>N2|nitrogen|Ar|argon)[- ](?:atmosphere|filled|flow)\b", re.I)
_GAS = {"n2": "N2", "n₂": "N2", "nitrogen": "N2", "ar": "Ar", "argon": "Ar", "vacuum": "vacuum", "air": "air"}


def atmosphere_mentions(text: str) -> list[Mention]:
    """Atmospheres (``under N2``, ``under vacuum``, ``Ar atmosphere``) as ``Condition-Misc`` mentions; the mention
    text is the normalized gas (N2, Ar, vacuum, air)."""
    out = []
    for m in _ATMOSPHERE.finditer(text):
        gas = m.group("gas") or m.group("gas2")
        if gas is None:
            continue
        if gas.lower() == "ar" and gas != "Ar":
            continue
        out.append(Mention(m.start(), m.end(), "Condition-Misc", _GAS[gas.lower()]))
    return out


# --------------------------------------------------------------------------------------------------- materials
def _dictionary_names() -> tuple[set[str], set[str]]:
    """Known chemical names (case-insensitive) and abbreviations (case-sensitive) of schema.chemicals."""
    from nanosynth.schema import chemicals

    names = {n.lower() for n in chemicals._CHEMICALS} | {n.lower() for n in chemicals._SYNONYMS}
    abbreviations = set(chemicals._ABBREVIATIONS)
    return names, abbreviations


@functools.cache
def _material_regexes() -> tuple[re.Pattern[str], re.Pattern[str]]:
    names, abbreviations = _dictionary_names()
    extra = {r"(?:cadmium|lead|zinc|indium|cesium|caesium|copper|manganese|iron|silver|tin|bismuth) "
             r"(?:oleate|stearate|myristate|acetate|chloride|bromide|iodide|nitrate|acetylacetonate|oxide)",
             r"(?:Cs|Pb|Cd|Zn|In)[- ]oleate", r"(?:TOP|TBP|ODE|OLA|OAm)[-–](?:Se|S|Te)", r"(?:Se|S|Te)[-–](?:TOP|TBP|ODE)",
             r"(?:selenium|sulfur|sulphur|tellurium) powder", r"(?:gold|silver) seeds?", r"seed solution", r"seeds"}
    word_names = sorted((re.escape(n) for n in names if len(n) > 2 and not re.fullmatch(r"[a-z]{1,2}\d*", n)),
                        key=len, reverse=True)
    name_re = re.compile(r"(?<![\w-])(?:" + "|".join(sorted(extra, key=len, reverse=True) + word_names)
                         + r")(?![\w-])(?!\s+bath)", re.I)
    abbrev = sorted((re.escape(a) for a in abbreviations), key=len, reverse=True)
    abbrev_re = re.compile(r"(?<![\w-])(?:" + "|".join(abbrev) + r")(?![\w-])")
    return name_re, abbrev_re


_FORMULA = re.compile(r"(?<![\w-])\(?[A-Z][A-Za-z0-9()·\[\]]*[A-Za-z0-9)\]](?:·\d*[A-Z][A-Za-z0-9]*)?(?![\w-])")
_NOT_MATERIAL = {"TEM", "XRD", "PL", "UV", "NMR", "FWHM", "PLQY", "QY", "HRTEM", "SAED", "EDS", "EDX", "XPS", "FTIR",
                 "ICP", "OES", "MS", "DLS", "SEM", "STEM", "HAADF", "NC", "NCs", "QD", "QDs", "NP", "NPs", "RT", "I",
                 "A", "The", "In", "At", "After", "Then", "This", "We", "It", "For", "To", "As", "CCD", "IR", "EQE",
                 "In", "S1", "S2", "S3", "S4", "S5", "No", "Co", "Ltd", "Inc", "Fig", "Figure", "Table"}


def material_mentions(text: str) -> list[Mention]:
    """Materials a dictionary or formula parser recognizes: names, abbreviations, formulas (``CdO``, ``PbCl2``).

    Generic words (``solution``, ``mixture``) are not materials here; acronyms of techniques (TEM, XRD) are
    excluded.
    """
    name_re, abbrev_re = _material_regexes()
    folded = text.replace("–", "-")
    found: list[Mention] = []
    for m in name_re.finditer(folded):
        found.append(Mention(m.start(), m.end(), "Material", text[m.start():m.end()]))
    for m in abbrev_re.finditer(folded):
        found.append(Mention(m.start(), m.end(), "Material", text[m.start():m.end()]))
    for m in _FORMULA.finditer(folded):
        token = m.group(0)
        if token.startswith("(") and token.count("(") > token.count(")"):
            token, start = token[1:], m.start() + 1
        else:
            start = m.start()
        token = token.rstrip(")") if token.count(")") > token.count("(") else token
        if token in _NOT_MATERIAL or len(token) < 2 and token not in {"S"}:
            continue
        if lookup(token) is not None or (is_formula(token) and re.search(r"[A-Z][a-z]?\d|[A-Z][a-z]?[A-Z]|^[A-Z][a-z]?$",
                                                                          token)):
            if re.fullmatch(r"[A-Z][a-z]?", token) and lookup(token) is None:
                continue  # bare element symbols other than Se/S/Te are too ambiguous ("In", "As", "I")
            found.append(Mention(start, start + len(token), "Material", token))
    return _longest_first(found)


def _longest_first(mentions: Iterable[Mention]) -> list[Mention]:
    taken: list[Mention] = []
    for m in sorted(mentions, key=lambda x: (-(x.end - x.start), x.start)):
        if all(m.end <= t.start or m.start >= t.end for t in taken):
            taken.append(m)
    return sorted(taken)


_GENERIC = re.compile(r"^(?:the\s+|a\s+|an\s+)?(?:(?:reaction|resulting|crude|final|clear|colou?rless|brown\w*|"
                      r"yellow\w*|red|black|turbid|precursor|stock|growth|mixed|as-?prepared|as-?synthesi[sz]ed)\s+)*"
                      r"(?:solution|mixture|product|products|precipitate|reaction|sample|samples|suspension|dispersion|"
                      r"flask|residue|supernatant|crude|powder|solid|liquid|solvent|solvents|precursor|precursors|"
                      r"nanocrystals?|nanoparticles?|nanorods?|nanocubes?|nanoplatelets?|nanowires?|nanosheets?|"
                      r"particles?|NCs|NPs|NRs|QDs|dots|quantum dots|cores?|shells?|(?:reducing\s+|capping\s+)?agents?|"
                      r"salts?|ligands?|surfactants?|mixture solution|antisolvent|anti-solvent|non-?solvent|bath|"
                      r"ice|glovebox|mantle|heating mantle|stir bar)$", re.I)
#: A material right before these words is a bath or a tool, not a chemical of the recipe ("water bath").
_NOT_A_CHEMICAL_AFTER = re.compile(r"^[\s-]*(?:bath|cooling bath|jacket|condenser|mantle|line)\b", re.I)
#: An operation word right before these nouns modifies them ("growth solution", "reaction mixture").
_NOUN_MODIFIER = re.compile(r"^\s+(?:solutions?|mixtures?|flasks?|vessels?|media|medium|temperatures?|times?|"
                            r"conditions?)\b", re.I)
#: Aspect verbs that continue the previous operation ("stirring was continued for 2 min").
_CONTINUATION = re.compile(r"^(?:continued|continuing|prolonged|extended|allowed)$", re.I)
_AUXILIARY_GAP = re.compile(r"^(?:\s|was|were|is|are|been|be|then|further|subsequently)*$", re.I)


def _keep_predicted(text: str, start: int, end: int, label: str) -> bool:
    """Whether a predicted entity is worth keeping (generic words and baths are not chemicals)."""
    span = text[start:end].strip()
    if not span or len(span) > 120 or not re.search(r"[A-Za-z]", span):
        return False
    if label in ("Material", "Nonrecipe-Material"):
        if _GENERIC.match(span) or _NOT_A_CHEMICAL_AFTER.match(text[end:end + 20]):
            return False
    if label == "Operation" and _NOUN_MODIFIER.match(text[end:end + 20]):
        return False  # "growth solution", "reaction mixture": a noun, not an operation
    return True


def ner_mentions(nlp, text: str) -> list[Mention]:
    """Entity mentions of one paragraph predicted by an NER pipeline (see :func:`ner_mentions_batch`)."""
    return ner_mentions_batch(nlp, [text])[0]


def ner_mentions_batch(nlp, texts: Sequence[str]) -> list[list[Mention]]:
    """Entity mentions of many paragraphs predicted in one batched call of
    :func:`nanosynth.miner.extract.ner.predict_spans`; generic words (``solution``, ``nanorods``, ``reducing agent``) and
    baths (``water bath``) are dropped for materials.

    Parameters
    ----------
    nlp:
        A model returned by :func:`nanosynth.miner.extract.ner.load_ner` (any backend behind that API).
    texts:
        Paragraph texts.
    """
    from nanosynth.miner.extract.ner import predict_spans

    if not texts:
        return []
    spans = predict_spans(nlp, list(texts))
    out: list[list[Mention]] = []
    for text, found in zip(texts, spans, strict=True):
        out.append([Mention(s, e, label, text[s:e]) for s, e, label in found
                    if 0 <= s < e <= len(text) and _keep_predicted(text, s, e, label)])
    return out


def drop_continuations(text: str, operations: Iterable[Mention]) -> list[Mention]:
    """Drop aspect verbs that continue the operation right before them (``stirring was continued for 2 min``:
    the time belongs to stirring). A continuation verb without a preceding operation in its clause is kept."""
    ops = sorted(operations)
    kept: list[Mention] = []
    for op in ops:
        if _CONTINUATION.match(op.text.strip()) and kept:
            prev = kept[-1]
            if _AUXILIARY_GAP.match(text[prev.end:op.start]) and action_of(prev.text) is not A.OTHER:
                continue
        kept.append(op)
    return kept


def merge_mentions(rule_based: Iterable[Mention], predicted: Iterable[Mention], label: str) -> list[Mention]:
    """Union of rule-based and predicted mentions of ``label``; a rule-based span wins where they overlap."""
    rules = [m for m in rule_based if m.label == label]
    merged = list(rules)
    for p in predicted:
        if p.label != label:
            continue
        if all(p.end <= r.start or p.start >= r.end for r in rules):
            merged.append(p)
    return _longest_first(merged)


__all__ = ["action_of", "atmosphere_mentions", "drop_continuations", "material_mentions", "merge_mentions",
           "ner_mentions", "ner_mentions_batch", "operation_mentions"]
