"""Partial recipes from summary text (title, abstract, results summaries) of a paper without a procedure.

:func:`summary_recipes` joins the candidate paragraphs, applies the relevance gate
(:func:`nanosynth.miner.extract.relevance.no_synthesis_reason`), finds the main products
(:func:`nanosynth.miner.extract.abstract.main_products`) and gives each one the chemicals, conditions and outcomes
stated in the sentences that concern it (a sentence naming a product belongs to it; any other sentence to the
product named last before it, else to the first product). The recipes it returns are marked partial in their
notes; :mod:`nanosynth.miner.extract.assemble` completes and validates them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nanosynth.miner.document import DocParagraph
from nanosynth.miner.extract.abstract import (
    SummarySpec,
    main_products,
    ratio_assignments,
    sizes_before_nouns,
    summary_chemicals,
    summary_conditions,
)
from nanosynth.miner.extract.amounts import fill_amount
from nanosynth.miner.extract.linking import Mention, link_amounts, sentence_spans
from nanosynth.miner.extract.method import detect_method
from nanosynth.miner.extract.outcomes import extract_outcomes
from nanosynth.miner.extract.quantities import QuantityKind, find_quantities
from nanosynth.miner.extract.relevance import no_synthesis_reason, states_synthesis
from nanosynth.miner.extract.roles import assign_role
from nanosynth.miner.extract.sanity import check_chemical, check_step
from nanosynth.schema.chemicals import formula_of, normalize_name
from nanosynth.schema.enums import ChemicalRole
from nanosynth.schema.errors import SchemaValidationError
from nanosynth.schema.records import ChemicalUseCreate, OutcomeCreate, validate_record

logger = logging.getLogger(__name__)

#: Written into the notes of every summary-level recipe.
PARTIAL_NOTE = ("partial recipe: from the title/abstract/results summary only (no procedure paragraph); amounts, "
                "steps and conditions are those the summary states")

_AMOUNT_KINDS = {QuantityKind.AMOUNT, QuantityKind.VOLUME, QuantityKind.MASS, QuantityKind.CONCENTRATION}

#: ``provenance(paragraph_order, char_start, char_end, confidence) -> ProvenanceCreate data``.
ProvenanceFn = Callable[[int, int | None, int | None, float], dict]


@dataclass(frozen=True)
class _Joined:
    """Paragraph texts joined with newlines, and the way back to paragraph-relative offsets."""

    text: str
    starts: tuple[tuple[int, int], ...]  # (offset in text, paragraph order)

    @classmethod
    def of(cls, paragraphs: Sequence[DocParagraph]) -> _Joined:
        starts, parts, pos = [], [], 0
        for p in paragraphs:
            starts.append((pos, p.order))
            parts.append(p.text)
            pos += len(p.text) + 1
        return cls("\n".join(parts), tuple(starts))

    def local(self, start: int, end: int) -> tuple[int, int, int]:
        """``(paragraph order, start, end)`` of a span of the joined text."""
        base, order = next((b, o) for b, o in reversed(self.starts) if b <= start)
        return order, start - base, end - base


def _owner(specs: Sequence[SummarySpec], start: int, end: int) -> int:
    """Index of the product a sentence ``[start, end)`` concerns (see module docstring)."""
    for i, spec in enumerate(specs):
        if any(start <= s < end for s, _ in spec.mentions):
            return i
    before = [(max((s for s, _ in spec.mentions if s < start), default=-1), i) for i, spec in enumerate(specs)]
    best = max(before)
    return best[1] if best[0] >= 0 else 0


def summary_recipes(paragraphs: Sequence[DocParagraph], provenance: ProvenanceFn) -> tuple[list[dict], str | None]:
    """Partial recipe data (RecipeCreate fields without keys/paper) from summary paragraphs, or the reason there
    is none.

    Parameters
    ----------
    paragraphs:
        The candidate paragraphs in reading order (title line, abstract, results summaries).
    provenance:
        Builds provenance data for a paragraph span.

    Returns
    -------
    (list of dict, str or None)
        One dict per main product (``target_composition``, ``method``, ``chemicals``, ``steps``, ``outcomes``,
        ``notes``, ``_order``), and ``None``, or ``[]`` and the ``no nanomaterial synthesis: ...`` reason.
    """
    joined = _Joined.of(paragraphs)
    sentences = [(s, e) for p_start, _ in joined.starts for s, e in _para_sentences(joined.text, p_start)]
    synthesis = [(s, e) for s, e in sentences if states_synthesis(joined.text[s:e])]
    specs = main_products(joined.text, synthesis)
    reason = no_synthesis_reason(joined.text, bool(specs))
    if reason is None and not specs:
        reason = "no nanomaterial synthesis: no product composition named (e.g. 'CdSe nanocrystals')"
    if reason is not None:
        return [], reason
    method = detect_method(joined.text).value
    recipes = [{"target_composition": spec.target, "method": method, "chemicals": [], "steps": [], "outcomes": [],
                "notes": PARTIAL_NOTE, "_order": joined.local(spec.mentions[0][0], spec.mentions[0][1])[0]}
               for spec in specs]
    _add_chemicals(joined, specs, sentences, recipes, provenance)
    _add_steps(joined, specs, sentences, recipes, provenance)
    _add_outcomes(joined, specs, sentences, recipes, provenance)
    return recipes, None


def _para_sentences(text: str, start: int) -> list[tuple[int, int]]:
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    return [(start + s, start + e) for s, e in sentence_spans(text[start:end]) or [(0, end - start)]]


def _sentence_of(sentences: Sequence[tuple[int, int]], pos: int) -> tuple[int, int]:
    return next(((s, e) for s, e in sentences if s <= pos < e), (pos, pos + 1))


def _add_chemicals(joined: _Joined, specs, sentences, recipes: list[dict], provenance: ProvenanceFn) -> None:
    found = summary_chemicals(joined.text, specs)
    mentions = [Mention(start, end, "Material", name) for start, end, name in found]
    amounts = {Mention(q.char_start, q.char_end, "Amount-Unit", q.raw): q
               for q in find_quantities(joined.text, ratios=False, qualitative=False) if q.kind in _AMOUNT_KINDS}
    linked: dict[Mention, list] = {}
    for link in link_amounts(joined.text, list(amounts), mentions):
        linked.setdefault(link.target, []).append(amounts[link.source])
    rows: list[tuple[int, dict]] = []
    for mention in mentions:
        start, end, name = mention.start, mention.end, mention.text
        s, e = _sentence_of(sentences, start)
        index = _owner(specs, s, e)
        decision = assign_role(name, joined.text[max(s, start - 120):start], joined.text[end:min(e, end + 120)],
                               specs[index].target)
        if decision.role is ChemicalRole.TARGET:
            continue
        order, a, b = joined.local(start, end)
        data = {"name_raw": name[:300], "role": decision.role.value,
                "provenance": provenance(order, a, b, min(decision.confidence, 0.6))}
        for q in linked.get(mention, []):
            fill_amount(data, q, name)
        if linked.get(mention):
            data["amount_raw"] = "; ".join(q.raw for q in linked[mention])[:300]
        for warning in check_chemical(data):
            recipes[index]["notes"] = f"{recipes[index]['notes']}; {warning}"
        rows.append((index, data))
    keys = [(d["name_raw"], _normal(d["name_raw"]), formula_of(d["name_raw"])) for _, d in rows]
    for i, (part, raw) in ratio_assignments(joined.text, keys).items():
        rows[i][1]["ratio"] = part
        rows[i][1]["amount_raw"] = "; ".join(filter(None, (rows[i][1].get("amount_raw"), raw)))[:300]
    for index, data in rows:
        try:
            recipes[index]["chemicals"].append(validate_record(ChemicalUseCreate, data, where="summary chemical"))
        except SchemaValidationError as exc:
            logger.info("summary chemical dropped: %s", exc)


def _normal(name: str) -> str:
    try:
        return normalize_name(name)
    except SchemaValidationError:
        return name


def _add_steps(joined: _Joined, specs, sentences, recipes: list[dict], provenance: ProvenanceFn) -> None:
    for step in summary_conditions(joined.text):
        s, e = _sentence_of(sentences, step["_start"])
        recipe = recipes[_owner(specs, s, e)]
        order, a, b = joined.local(step.pop("_start"), step.pop("_end"))
        for warning in check_step(step):
            recipe["notes"] = f"{recipe['notes']}; {warning}"
        if len(step) == 1:
            continue
        step.update({"order": len(recipe["steps"]), "raw_text": joined.text[s:e][:2000],
                     "provenance": provenance(order, a, b, 0.6)})
        recipe["steps"].append(step)


def _add_outcomes(joined: _Joined, specs, sentences, recipes: list[dict], provenance: ProvenanceFn) -> None:
    seen: set[tuple] = set()

    def add(index: int, data: dict, start: int, end: int, confidence: float) -> None:
        key = (index, data["property"], data.get("value"), data.get("value_text"), data.get("spectrum"))
        if key in seen:
            return
        seen.add(key)
        order, a, b = joined.local(start, end)
        data["provenance"] = provenance(order, a, b, confidence)
        try:
            recipes[index]["outcomes"].append(validate_record(OutcomeCreate, data, where="summary outcome"))
        except SchemaValidationError as exc:
            logger.info("summary outcome dropped: %s", exc)

    for i, spec in enumerate(specs):
        for shape, start, end in spec.shapes:
            add(i, {"property": "shape", "value_text": shape, "value_raw": joined.text[start:end][:300]}, start, end,
                0.6)
    for s, e in sentences:
        index = _owner(specs, s, e)
        for prop, data in extract_outcomes(joined.text[s:e], s):
            if prop == "shape" and recipes[index]["outcomes"] and any(
                    o.property == "shape" for o in recipes[index]["outcomes"]):
                continue
            add(index, data, data.pop("_start"), data.pop("_end"), data.pop("_confidence"))
    for size, sd, start, end in sizes_before_nouns(joined.text):
        index = _owner(specs, *_sentence_of(sentences, start))
        add(index, {"property": "size_nm", "value": size, "value_raw": joined.text[start:end][:300]}, start, end, 0.6)
        if sd is not None:
            add(index, {"property": "size_sd_nm", "value": sd, "value_raw": joined.text[start:end][:300]}, start, end,
                0.6)


__all__ = ["PARTIAL_NOTE", "summary_recipes"]
