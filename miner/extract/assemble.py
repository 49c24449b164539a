"""Recipe assembly: the classified paragraphs of a :class:`nanosynth.miner.document.Document` →
:class:`nanosynth.schema.RecipeCreate` records with provenance, stored in ``Document.recipes``.

Consecutive synthesis paragraphs form one recipe (a precursor-stock paragraph and the synthesis that uses it,
Au seeds and their growth), unless a paragraph names a different target composition. Per recipe:

- **chemicals**: material mentions (NER + dictionary) with amounts linked by :mod:`nanosynth.miner.extract.linking`,
  normalized to mmol / mL / g / mM (mass and volume also to mmol when the dictionary knows the molar mass and
  density), roles from :mod:`nanosynth.miner.extract.roles`;
- **steps**: operation mentions in reading order with the conditions linked to them (temperature, time,
  heating rate, atmosphere, injection volume);
- **outcomes**: size (± sd or %), shape, absorption and PL peak, FWHM, PLQY, yield
  (:mod:`nanosynth.miner.extract.outcomes`) from the characterization / results paragraphs, the recipe's own
  synthesis paragraphs and the abstract, attached to the recipe of the same target composition;
- **method** (hot injection, heat-up, seed-mediated, ...) and **target composition**.

**Relevance gate** (:mod:`nanosynth.miner.extract.relevance`): a group that reads like organic/medicinal chemistry
yields no recipe. A paper without a procedure paragraph gets **partial recipes** from its title and abstract
(:mod:`nanosynth.miner.extract.summary`, marked in the notes), or none and ``Document.no_synthesis_reason`` says
why. **Physical sense** (:mod:`nanosynth.miner.extract.sanity`): an absurd amount, temperature or time is dropped
and a warning goes to the recipe notes and the document warnings. An injection without a temperature takes the
flask's latest temperature; a reaction step at a temperature stands for growth when no growth step has one.

Every value carries a :class:`nanosynth.schema.ProvenanceCreate` (paper via ``paper_key``, ``paragraph_order``,
paragraph-relative character offsets, ``extractor`` = ``name@version``, confidence). Every record is validated
with :func:`nanosynth.schema.validate_record`; a value that fails is dropped with a logged reason, never raised.

Assembly reads the document's body paragraphs directly: their classifier ``category`` (or
:func:`heuristic_label` when no classifier ran), their ``section_type`` and their NER ``entities``. The NER
model, when given, runs here in one batched call over the paragraphs of the recipes and annotates those
paragraphs in place, so a document that already carries entities is not run through the model again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from nanosynth.miner.document import DocEntity, DocParagraph, Document
from nanosynth.miner.extract.abstract import is_chemical_name, ratio_assignments
from nanosynth.miner.extract.amounts import fill_amount
from nanosynth.miner.extract.linking import Link, Mention, link_amounts, link_conditions, sentence_spans
from nanosynth.miner.extract.mentions import (
    action_of,
    atmosphere_mentions,
    drop_continuations,
    material_mentions,
    merge_mentions,
    ner_mentions_batch,
    operation_mentions,
)
from nanosynth.miner.extract.method import detect_method
from nanosynth.miner.extract.outcomes import WEAK_SHAPES, extract_outcomes
from nanosynth.miner.extract.quantities import Quantity, QuantityKind, find_quantities
from nanosynth.miner.extract.relevance import is_organic_procedure
from nanosynth.miner.extract.roles import assign_role, find_targets, is_shell, recipe_target, target_composition
from nanosynth.miner.extract.sanity import check_chemical, check_step
from nanosynth.miner.extract.summary import summary_recipes
from nanosynth.schema.chemicals import normalize_name
from nanosynth.schema.enums import ChemicalRole, OutcomeProperty, SourceKind, StepAction
from nanosynth.schema.errors import NanosynthError, SchemaValidationError
from nanosynth.schema.records import (
    ChemicalUseCreate,
    OutcomeCreate,
    RecipeCreate,
    StepCreate,
    validate_record,
)
from nanosynth.schema.tables import PaperBase

logger = logging.getLogger(__name__)

EXTRACTOR_NAME = "nanosynth.recipe"
EXTRACTOR_VERSION = "1.2.0"

#: Paragraphs longer than this are cut (with a warning) before extraction; nothing real is this long.
MAX_PARAGRAPH_CHARS = 20_000

K = QuantityKind
#: A volume right before these words is the size of a vessel, not an amount ("a 50 mL three-neck flask").
_APPARATUS = re.compile(r"\s*(?:-\s*)?(?:three|two|single|one|four|round|flat|glass|teflon|stainless|plastic|"
                        r"centrifuge|flask|vial|beaker|autoclave|reactor|tube|bottle|syringe|cuvette|schlenk)", re.I)
AMOUNT_KINDS = {K.AMOUNT, K.VOLUME, K.MASS, K.CONCENTRATION, K.MASS_CONCENTRATION}
CONDITION_KINDS = {K.TEMPERATURE, K.TIME, K.RATE, K.PRESSURE}
_ATMOSPHERE_GASES = {"nitrogen", "argon"}
#: Sections whose paragraphs summarize or motivate a synthesis but never describe one to reproduce.
NON_PROCEDURE_SECTIONS = frozenset({"abstract", "introduction", "conclusion", "back_matter", "acknowledgments"})
#: Sections read for summary-level (partial) recipes when a paper has no procedure: untitled text and abstracts.
SUMMARY_SECTIONS = frozenset({None, "abstract"})
_TITLE_SENTENCE = re.compile(r"^\s*(?:[\dIVX]+\.?[\d.]*\s+)?(?:(?:typical\s+)?(?:synthes[ie]s|preparation|growth|"
                             r"formation|fabrication)\b[^.]{0,80}|[^.]{0,80}\b(?:synthes[ie]s|preparation|growth)"
                             r")\.\s", re.I)


@dataclass
class _Chem:
    name_raw: str
    mention: Mention
    order: int
    amounts: list[tuple[Quantity, Link]] = field(default_factory=list)
    before: str = ""
    after: str = ""


def is_procedural(text: str) -> bool:
    """True when a paragraph reads like a procedure: an amount (``0.2 mmol``, ``5 mL``; not a ``50 mL flask``),
    or a temperature/time together with an operation word. Summaries (``InP QDs were synthesized from InCl3 and
    (DMA)3P``) are not procedures and never start a recipe."""
    quantities = find_quantities(text, ratios=False)
    if any(q.kind in AMOUNT_KINDS and not _APPARATUS.match(text, q.char_end) for q in quantities):
        return True
    return any(q.kind in (K.TEMPERATURE, K.TIME) for q in quantities) and bool(operation_mentions(text))


def _title_target(p: DocParagraph) -> str | None:
    """Target named by a paragraph's title sentence (``Synthesis of CdSe NCs.``), None when there is none."""
    m = _TITLE_SENTENCE.match(p.text)
    if m is None:
        return None
    targets = [t for t in find_targets(m.group(0)) if not re.match(r"(?i)seeds?$", t.noun)]
    return targets[0].composition if targets and not is_shell(targets[0]) else None


def _paragraph_target(text: str) -> tuple[str | None, bool]:
    """``(composition, is_shell)`` of the product a synthesis paragraph names first (seeds do not count)."""
    targets = [t for t in find_targets(text) if not re.match(r"(?i)seeds?$", t.noun)]
    if not targets:
        return None, False
    composite = next((t for t in targets if "/" in t.composition or "@" in t.composition), None)
    if composite is not None:
        return composite.composition, False
    return targets[0].composition, is_shell(targets[0])


def _compatible(target: str | None, current: str | None, shell: bool = False) -> bool:
    return target is None or current is None or shell or target == current or _is_part(target, current)


# ------------------------------------------------------------------------------------------- paragraph input
_SYNTHESIS_WORDS = re.compile(r"\b(?:inject\w*|heated|degass\w*|dissolved|added|stirred|loaded|cooled|reflux\w*|"
                              r"precipitated|centrifug\w*|was (?:prepared|synthesi[sz]ed))\b", re.I)
_CHARACTERIZATION_WORDS = re.compile(r"\b(?:TEM|XRD|absorption|photoluminescence|PL|FWHM|PLQY|quantum yield|"
                                     r"diameter|spectr\w+|emission|size distribution)\b", re.I)


def heuristic_label(text: str, section_type: str | None = None) -> str:
    """A fallback paragraph label (``synthesis``/``characterization``/``other``) when no classifier ran."""
    amounts = sum(1 for q in find_quantities(text[:MAX_PARAGRAPH_CHARS], ratios=False) if q.kind in AMOUNT_KINDS)
    ops = len(_SYNTHESIS_WORDS.findall(text))
    if section_type in (None, "experimental") and amounts >= 2 and ops >= 2:
        return "synthesis"
    if len(_CHARACTERIZATION_WORDS.findall(text)) >= 2:
        return "characterization"
    return "other"


def _working_paragraphs(document: Document) -> list[DocParagraph]:
    """The body paragraphs assembly reads, in reading order.

    A paragraph no classifier labelled gets :func:`heuristic_label` as its category, and one longer than
    :data:`MAX_PARAGRAPH_CHARS` is cut (with a warning); both on a copy, the document is not changed.
    """
    out: list[DocParagraph] = []
    for p in document.body:
        update: dict = {}
        if p.category is None:
            update["category"] = heuristic_label(p.text, p.section_type)
        if len(p.text) > MAX_PARAGRAPH_CHARS:
            logger.warning("paragraph %d is %d characters long: only the first %d are used", p.order, len(p.text),
                           MAX_PARAGRAPH_CHARS)
            update["text"] = p.text[:MAX_PARAGRAPH_CHARS]
        out.append(p.model_copy(update=update) if update else p)
    return out


# ---------------------------------------------------------------------------------------------------- extractor
class RecipeExtractor:
    """Build recipes from the labelled paragraphs of one paper.

    Parameters
    ----------
    ner:
        A loaded spaCy pipeline with MSPTC entity labels (``miner.extract.ner.load_ner("default")``), or None
        for dictionary/rule mentions only.
    version:
        Extractor version written into every provenance (``nanosynth.recipe@<version>``).
    """

    def __init__(self, ner=None, version: str = EXTRACTOR_VERSION):
        self.ner = ner
        self.version = version

    @property
    def extractor(self) -> str:
        """``name@version`` written into provenance."""
        ner_name = getattr(self.ner, "meta", {}).get("name") if self.ner is not None else None
        suffix = f"+ner.{ner_name}" if ner_name else ""
        return f"{EXTRACTOR_NAME}@{self.version}{suffix}"[:120]

    # -------------------------------------------------------------------------------------------- public
    def recipes(self, document: Document) -> list[RecipeCreate]:
        """Extract the recipes of a document (see module docstring) into ``document.recipes``.

        Annotates the document in place: ``entities`` on the paragraphs the NER model ran on, and
        :attr:`~nanosynth.miner.document.Document.recipes`. Never raises on content; drops invalid values.

        Returns
        -------
        list of schema.RecipeCreate
            ``document.recipes``.
        """
        if not isinstance(document, Document):
            raise TypeError(f"recipes() takes a nanosynth.miner.document.Document, not {type(document).__name__}: "
                            "rebuild a stored paper with Document.from_records(paper)")
        paper = document.paper_record()
        paragraphs = _working_paragraphs(document)
        groups, dropped = self._relevant(self._group(paragraphs), paper)
        self._annotate_entities(document, [p for group in groups for p in group])
        outcome_paras = [p for p in paragraphs if p.category == "characterization"
                         or (p.section_type in ("results", "characterization") and p.category != "synthesis")]
        # fallbacks when the synthesis paragraphs do not name the product: the title, then the whole paper
        title_target = target_composition([paper.title or ""]) or target_composition(
            [p.text for p in outcome_paras] or [p.text for p in paragraphs])
        built: list[tuple[RecipeCreate, str | None, int]] = []
        hints: list[tuple[str, str, dict] | None] = []
        for group in groups:
            try:
                recipe = self._recipe(group, paper, title_target, document.warnings)
            except NanosynthError as exc:
                logger.warning("paper %s, paragraph %d: recipe dropped: %s", paper.key, group[0].order, exc)
                continue
            if recipe is not None:
                built.append((recipe, recipe.target_composition, group[-1].order))
                hint = shape_hint([p.text for p in group] + [paper.title or ""] + [p.text for p in outcome_paras],
                                  recipe.target_composition)
                hints.append(None if hint is None else
                             (hint[0], hint[1], self._provenance(group[0].order, None, None, 0.6, paper)))
        summary = [p for p in paragraphs if p.section_type in SUMMARY_SECTIONS and p.text.strip()]
        if built:
            in_groups = {p.order for group in groups for p in group}
            sources = outcome_paras + [p for p in paragraphs if p.order in in_groups] + [
                p for p in summary if p.order not in in_groups and p not in outcome_paras]
            self._attach_outcomes(built, sources, hints)
            document.no_synthesis_reason = None
        else:
            built = self._summary(summary, paper, document)
            if not built and dropped:
                document.no_synthesis_reason = dropped
        document.recipes = [r for r, _, _ in built]
        return document.recipes

    def _relevant(self, groups: list[list[DocParagraph]], paper: PaperBase) -> tuple[list[list[DocParagraph]], str | None]:
        """The groups that describe a nanomaterial synthesis, and the reason of the last one dropped (the
        relevance gate: an organic/medicinal-chemistry procedure is no nanocrystal recipe)."""
        kept: list[list[DocParagraph]] = []
        reason = None
        for group in groups:
            text = " ".join(p.text for p in group)
            if is_organic_procedure(text):
                reason = "no nanomaterial synthesis: organic synthesis (no nanoscale product, no inorganic target)"
                logger.info("paper %s, paragraph %d: %s", paper.key, group[0].order, reason)
                continue
            kept.append(group)
        return kept, reason

    def _summary(self, paragraphs: list[DocParagraph], paper: PaperBase,
                 document: Document) -> list[tuple[RecipeCreate, str | None, int]]:
        """Partial recipes of a paper without procedure (title/abstract/results), validated; sets the document's
        ``no_synthesis_reason`` when there is none."""
        def provenance(order: int, start: int | None, end: int | None, confidence: float) -> dict:
            return self._provenance(order, start, end, confidence, paper)

        data, reason = summary_recipes(paragraphs, provenance)
        document.no_synthesis_reason = reason
        built: list[tuple[RecipeCreate, str | None, int]] = []
        for item in data:
            order = item.pop("_order")
            item.update({"source_key": recipe_source_key(paper.key, f"{item['target_composition']} " + " ".join(
                p.text for p in paragraphs)), "source_kind": SourceKind.LITERATURE.value, "paper_key": paper.key,
                "paper": paper, "provenance": provenance(order, None, None, 0.5)})
            try:
                recipe = validate_record(RecipeCreate, item, where=f"{paper.key} summary")
            except SchemaValidationError as exc:
                logger.warning("paper %s: summary recipe dropped: %s", paper.key, exc)
                continue
            built.append((recipe, recipe.target_composition, order))
        if data and not built:
            document.no_synthesis_reason = "no nanomaterial synthesis: summary recipes failed validation (see log)"
        return built

    # ---------------------------------------------------------------------------------------- grouping
    @staticmethod
    def _group(paragraphs: Sequence[DocParagraph]) -> list[list[DocParagraph]]:
        """Synthesis paragraphs → one list per described synthesis.

        Candidates are paragraphs labelled ``synthesis`` outside abstract/introduction/conclusion sections. A
        recipe starts at a procedural paragraph (:func:`is_procedural`); the following candidates join it while
        they are near (at most two paragraphs apart, or in the same section) and name no other product: a
        precursor stock, the seeds and their growth, the cores and their shell (``ZnS shell``, ``InP/ZnS QDs``)
        are one recipe. A new recipe starts at a paragraph naming another product, at a second titled synthesis
        of the same product (``Synthesis of CdSe NCs.`` twice), or at an untitled stock paragraph that directly
        precedes another product's synthesis.
        """
        info = []
        for i, p in enumerate(paragraphs):
            if p.category != "synthesis" or not p.text.strip() or p.section_type in NON_PROCEDURE_SECTIONS:
                continue
            target, shell = _paragraph_target(p.text)
            info.append((i, p, target, shell, _title_target(p), is_procedural(p.text)))
        groups: list[list[DocParagraph]] = []
        current: list[DocParagraph] = []
        current_target: str | None = None
        titles: set[str] = set()
        last_index, last_section = -10, None
        for k, (i, p, target, shell, title, procedural) in enumerate(info):
            join = bool(current) and _compatible(target, current_target, shell) and (
                i - last_index <= 2 or (p.section_type is not None and p.section_type == last_section))
            if join and title is not None and title in titles and not shell:
                join = False  # a second titled synthesis of the same product
            if join and target is None and current_target is not None and procedural and k + 1 < len(info):
                nxt = info[k + 1]
                if nxt[2] is not None and not nxt[3] and nxt[0] - i <= 2 and not _compatible(nxt[2], current_target):
                    join = False  # the stock solution of the next product's synthesis
            if join:
                current.append(p)
                if target is not None:
                    if shell and current_target is not None and target != current_target \
                            and target not in current_target.split("/"):
                        current_target = f"{current_target}/{target}"
                    elif current_target is None or current_target in target.split("/"):
                        current_target = target
            elif procedural:
                if current:
                    groups.append(current)
                current, current_target, titles = [p], target, set()
            else:
                continue  # a summary sentence labelled synthesis: no recipe of its own
            if title is not None:
                titles.add(title)
            last_index, last_section = i, p.section_type
        if current:
            groups.append(current)
        return groups

    # ------------------------------------------------------------------------------------------ recipe
    def _provenance(self, order: int, start: int | None, end: int | None, confidence: float,
                    paper: PaperBase) -> dict:
        return {"paragraph_order": order, "char_start": start, "char_end": end, "extractor": self.extractor,
                "confidence": round(max(0.0, min(1.0, confidence)), 3), "citation": paper.doi}

    def _annotate_entities(self, document: Document, paragraphs: Sequence[DocParagraph]) -> None:
        """The NER stage: entities of the given paragraphs that have none yet, in one batched call, set on them
        and on the document's paragraphs of the same order (nothing without a model or when it fails)."""
        todo = [p for p in paragraphs if p.entities is None]
        if self.ner is None or not todo:
            return
        try:
            found = ner_mentions_batch(self.ner, [p.text for p in todo])
        except Exception as exc:  # noqa: BLE001 - a model failure must not lose the paper: rules still work
            logger.warning("NER failed on %d paragraph(s) (%s: %s): using dictionary mentions only", len(todo),
                           type(exc).__name__, exc)
            return
        originals = {p.order: p for p in document.paragraphs}
        for p, mentions in zip(todo, found, strict=True):
            entities = tuple(DocEntity(start=m.start, end=m.end, label=m.label, text=m.text) for m in mentions)
            p.entities = entities
            originals[p.order].entities = entities

    @staticmethod
    def _mentions(p: DocParagraph) -> tuple[list[Mention], list[Mention]]:
        """Material and operation mentions of a paragraph: rules and dictionary, merged with its NER entities."""
        text = p.text
        rule_mats = material_mentions(text)
        rule_ops = operation_mentions(text)
        if p.entities is None:
            return rule_mats, rule_ops
        predicted = [Mention(e.start, e.end, e.label, e.text) for e in p.entities]
        mats = merge_mentions(rule_mats, predicted, "Material")
        ops = drop_continuations(text, merge_mentions(rule_ops, predicted, "Operation"))
        return mats, ops

    def _recipe(self, group: list[DocParagraph], paper: PaperBase, title_target: str | None,
                warnings: list[str]) -> RecipeCreate | None:
        """One recipe from a group of synthesis paragraphs; implausible values are dropped and their warnings
        go to the recipe notes and to ``warnings`` (the document's)."""
        first = group[0]
        texts = [p.text for p in group]
        target = recipe_target(texts) or title_target
        chems: list[_Chem] = []
        steps: list[dict] = []
        for p in group:
            self._paragraph(p, target, chems, steps, paper)
        flags: list[str] = []
        chemicals, workup = self._chemicals(chems, target, paper, flags)
        _apply_ratios(chemicals, texts)
        step_models = self._validated_steps(steps, paper, flags)
        warnings.extend(f"paragraph {first.order}: {flag}" for flag in flags)
        if not chemicals and not step_models:
            logger.info("paper %s, paragraph %d: no chemicals or steps found: no recipe", paper.key, first.order)
            return None
        method = detect_method(" ".join(texts))
        confidences = [c.provenance.confidence for c in chemicals if c.provenance and c.provenance.confidence]
        data = {
            "source_key": recipe_source_key(paper.key, " ".join(texts)),
            "source_kind": SourceKind.LITERATURE.value,
            "method": method.value,
            "target_composition": target,
            "paper_key": paper.key,
            "paper": paper,
            "chemicals": chemicals,
            "steps": step_models,
            "outcomes": [],
            "notes": _notes(workup, flags),
            "provenance": self._provenance(first.order, 0, len(first.text),
                                           sum(confidences) / len(confidences) if confidences else 0.5, paper),
        }
        return validate_record(RecipeCreate, data, where=f"{paper.key} paragraph {first.order}")

    def _paragraph(self, p: DocParagraph, target: str | None, chems: list[_Chem], steps: list[dict],
                   paper: PaperBase) -> None:
        text = p.text
        mats, ops = self._mentions(p)
        quantities = find_quantities(text)
        amount_q = [q for q in quantities if (q.kind in AMOUNT_KINDS and not _APPARATUS.match(text, q.char_end))
                    or _percent_before_material(text, q)]
        cond_q = [q for q in quantities if q.kind in CONDITION_KINDS]
        atmospheres = atmosphere_mentions(text)
        mats = [m for m in mats if not any(a.start <= m.start < a.end for a in atmospheres)
                and is_chemical_name(m.text, text[m.end:m.end + 40])]
        amount_m = {Mention(q.char_start, q.char_end, "Amount-Unit", q.raw): q for q in amount_q}
        cond_m = {Mention(q.char_start, q.char_end, "Condition-Unit", q.raw): q for q in cond_q}
        for a in atmospheres:
            cond_m[a] = None  # type: ignore[assignment]
        by_material: dict[Mention, list[tuple[Quantity, Link]]] = {}
        for link in link_amounts(text, list(amount_m), mats):
            by_material.setdefault(link.target, []).append((amount_m[link.source], link))
        sentences = sentence_spans(text) or [(0, len(text))]
        for m in mats:
            s_start, s_end = next(((s, e) for s, e in sentences if s <= m.start < e), (0, len(text)))
            chems.append(_Chem(m.text, m, p.order, by_material.get(m, []), text[max(s_start, m.start - 120):m.start],
                               text[m.end:min(s_end, m.end + 120)]))
        by_op: dict[Mention, list[tuple[Mention, Quantity | None, Link]]] = {}
        for link in link_conditions(text, list(cond_m), ops):
            by_op.setdefault(link.target, []).append((link.source, cond_m[link.source], link))
        for op in sorted(ops):
            step = self._step(p, op, by_op.get(op, []), text, sentences, amount_q, paper)
            if step is not None:
                steps.append(step)

    def _step(self, p: DocParagraph, op: Mention, conditions, text: str, sentences, amount_q: list[Quantity],
              paper: PaperBase) -> dict | None:
        action = action_of(op.text)
        data: dict = {"action": action.value}
        start, end = op.start, op.end
        confidences = [0.8]
        for mention, q, link in conditions:
            start, end = min(start, mention.start), max(end, mention.end)
            confidences.append(link.confidence)
            if q is None:
                data.setdefault("atmosphere", mention.text)
                continue
            if q.kind is K.TEMPERATURE and q.normalized is not None and "temperature_k" not in data:
                data["temperature_k"] = q.normalized_high if (q.is_range and action is StepAction.HEAT) else q.normalized
            elif q.kind is K.TIME and q.normalized is not None and "time_s" not in data:
                data["time_s"] = q.normalized
            elif q.kind is K.RATE and q.normalized is not None:
                data["heating_rate_k_min"] = abs(q.normalized)
            elif q.kind is K.PRESSURE and "atmosphere" not in data:
                data["atmosphere"] = "vacuum"
        if action is StepAction.INJECT:
            sent = next(((s, e) for s, e in sentences if s <= op.start < e), (0, len(text)))
            volumes = [q.normalized for q in amount_q if q.kind is K.VOLUME and sent[0] <= q.char_start < sent[1]
                       and q.normalized is not None]
            if volumes:
                data["injection_volume_ml"] = sum(volumes)
        if action is StepAction.OTHER and len(data) == 1:
            return None
        sent = next(((s, e) for s, e in sentences if s <= op.start < e), (0, len(text)))
        data["raw_text"] = text[sent[0]:sent[1]][:2000]
        data["provenance"] = self._provenance(p.order, start, end, min(confidences), paper)
        data["_pos"] = (p.order, op.start)
        return data

    def _validated_steps(self, steps: list[dict], paper: PaperBase, flags: list[str]) -> list[StepCreate]:
        merged: list[dict] = []
        values = {"temperature_k", "time_s", "heating_rate_k_min", "atmosphere", "injection_volume_ml"}
        for s in sorted(steps, key=lambda d: d["_pos"]):
            prev = merged[-1] if merged else None
            if prev is not None and prev["action"] == s["action"] and not (set(prev) & set(s) & values):
                # "set to 260 °C for growth. After 5 min of growth": one growth step
                prev.update({k: v for k, v in s.items() if k in values})
                continue
            merged.append(s)
        _infer_conditions(merged)
        out: list[StepCreate] = []
        for s in merged:
            s = {k: v for k, v in s.items() if k != "_pos"}
            flags.extend(check_step(s))
            s["order"] = len(out)
            try:
                out.append(validate_record(StepCreate, s, where=f"{paper.key} step"))
            except SchemaValidationError as exc:
                logger.warning("step dropped: %s", exc)
        return out

    def _chemicals(self, chems: list[_Chem], target: str | None, paper: PaperBase,
                   flags: list[str]) -> tuple[list[ChemicalUseCreate], list[str]]:
        """One row per chemical (first mention with an amount wins; a reaction use beats a work-up use; a later
        mention in the same paragraph completes missing amount fields, e.g. ``1 M TOP-Se`` then ``0.5 mL of the
        TOP-Se``). Returns the rows and the names of work-up chemicals (role ``other``)."""
        rows: dict[str, dict] = {}
        meta: dict[str, tuple[bool, int]] = {}  # key -> (work-up, paragraph order)
        for c in chems:
            found = self._chemical_data(c, target, paper)
            if found is None:
                continue
            key, data, workup = found
            if key in rows:
                existing, (was_workup, order) = rows[key], meta[key]
                if was_workup and not workup:
                    pass  # the reaction use replaces a work-up use of the same chemical
                elif workup and not was_workup:
                    continue
                elif existing.get("amount_raw") is None and "amount_raw" in data:
                    data["role"] = existing["role"] if existing["role"] != ChemicalRole.OTHER.value else data["role"]
                    data["name_raw"] = max(existing["name_raw"], c.name_raw, key=len)
                else:
                    if "amount_raw" in data and not (order == c.order and _complete_amounts(existing, data)) \
                            and not workup:
                        _add_raw_amount(existing, data["amount_raw"])
                    continue
            rows[key], meta[key] = data, (workup, c.order)
        return self._validated_chemicals(rows, meta, paper, flags)

    def _chemical_data(self, c: _Chem, target: str | None, paper: PaperBase) -> tuple[str, dict, bool] | None:
        """``(key, ChemicalUseCreate data, is work-up)`` of one material mention; None for the target itself, a
        gas of the atmosphere or a name that does not normalize."""
        try:
            name = normalize_name(c.name_raw)
        except SchemaValidationError:
            return None
        if not is_chemical_name(c.name_raw, c.after):
            return None
        if name in _ATMOSPHERE_GASES or (target and name.replace(" ", "") in {
                target.replace(" ", ""), *re.split(r"[/@]", target.replace(" ", ""))}):
            return None
        decision = assign_role(c.name_raw, c.before, c.after, target)
        if decision.role is ChemicalRole.TARGET:
            return None
        data: dict = {"name_raw": c.name_raw[:300], "role": decision.role.value}
        span_start, span_end = c.mention.start, c.mention.end
        confidence = decision.confidence
        raws = []
        priority = {K.PERCENT: -1, K.AMOUNT: 0, K.MASS: 1, K.VOLUME: 2, K.CONCENTRATION: 3}
        for q, link in sorted(c.amounts, key=lambda a: (priority.get(a[0].kind, 9), a[0].char_start)):
            raws.append(q.raw)
            span_start, span_end = min(span_start, q.char_start), max(span_end, q.char_end)
            confidence = min(confidence, link.confidence)
            fill_amount(data, q, c.name_raw)
        if raws:
            data["amount_raw"] = "; ".join(raws)[:300]
        data["provenance"] = self._provenance(c.order, span_start, span_end, confidence, paper)
        key = "seed solution" if decision.rule == "seeds" else name
        return key, data, decision.rule.startswith("work-up")

    @staticmethod
    def _validated_chemicals(rows: dict[str, dict], meta: dict[str, tuple[bool, int]], paper: PaperBase,
                             flags: list[str]) -> tuple[list[ChemicalUseCreate], list[str]]:
        out: list[ChemicalUseCreate] = []
        workup_names: list[str] = []
        for key, data in rows.items():
            if data.get("amount_mmol") is None and data.get("amount_ml") and data.get("concentration_mm"):
                data["amount_mmol"] = round(data["amount_ml"] * data["concentration_mm"] / 1000.0, 9)
            flags.extend(check_chemical(data))
            try:
                row = validate_record(ChemicalUseCreate, data, where=f"{paper.key} chemical {data['name_raw']!r}")
            except SchemaValidationError as exc:
                logger.warning("chemical dropped: %s", exc)
                continue
            out.append(row)
            if meta[key][0]:
                workup_names.append(row.name)
        return out, workup_names

    # ---------------------------------------------------------------------------------------- outcomes
    def _attach_outcomes(self, built: list[tuple[RecipeCreate, str | None, int]], paragraphs: Sequence[DocParagraph],
                         hints: list[tuple[str, str, dict] | None]) -> None:
        per_recipe: dict[int, dict[str, OutcomeCreate]] = {i: {} for i in range(len(built))}
        for p in paragraphs:
            for sent_start, sent_end in sentence_spans(p.text):
                sentence = p.text[sent_start:sent_end]
                comps = {t.composition for t in find_targets(sentence)}
                index = _recipe_for(built, comps, p.order)
                for prop, data in extract_outcomes(sentence, sent_start):
                    data["provenance"] = self._provenance(p.order, data.pop("_start"), data.pop("_end"),
                                                          data.pop("_confidence"), built[index][0].paper)
                    key = prop if prop not in ("fwhm_nm", "fwhm_mev") else f"{prop}:{data.get('spectrum')}"
                    if key in per_recipe[index]:
                        continue
                    try:
                        per_recipe[index][key] = validate_record(OutcomeCreate, data, where=f"outcome {prop}")
                    except SchemaValidationError as exc:
                        logger.warning("outcome dropped: %s", exc)
        for i, (recipe, _, _) in enumerate(built):
            outcomes = list(per_recipe[i].values())
            hint = hints[i]
            if hint is not None and not any(o.property == OutcomeProperty.SHAPE.value for o in outcomes):
                shape, phrase, prov = hint
                try:
                    outcomes.append(validate_record(OutcomeCreate, {
                        "property": "shape", "value_text": shape, "value_raw": phrase, "provenance": prov}))
                except SchemaValidationError as exc:
                    logger.warning("shape outcome dropped: %s", exc)
            recipe.outcomes = outcomes


_AMOUNT_FIELDS = ("amount_mmol", "amount_ml", "amount_g", "concentration_mm")


def _apply_ratios(chemicals: list[ChemicalUseCreate], texts: Sequence[str]) -> None:
    """Set ``ratio`` on the chemicals a molar ratio with species names (``Cd/Te/MPA = 1:0.5:2.4``)."""
    keys = [(c.name_raw, c.name, c.formula) for c in chemicals]
    for text in texts:
        for index, (part, raw) in ratio_assignments(text, keys).items():
            chem = chemicals[index]
            if chem.ratio is None:
                chem.ratio = part
                chem.amount_raw = (f"{chem.amount_raw}; {raw}" if chem.amount_raw else raw)[:300]


def _percent_before_material(text: str, q: Quantity) -> bool:
    """A percentage written right before a name is a solution strength (``0.01% HAuCl4``, ``1 wt% PVP``)."""
    return q.kind is K.PERCENT and q.value is not None and 0 < q.value <= 100 and bool(
        re.match(r"\s*(?:\((?:w/v|w/w|wt|v/v)\)\s*)?(?:of\s+)?(?:[A-Za-z(]|tri)", text[q.char_end:q.char_end + 12])) \
        and not re.match(r"\s*(?:yield|QY|PLQY|quantum|of the|efficien|conversion|purity|pure)", text[q.char_end:], re.I)


def _infer_conditions(steps: list[dict]) -> None:
    """Fill what the text implies but does not repeat (step dicts in reading order, changed in place).

    - An injection without a temperature happens at the temperature of the flask: that of the latest earlier
      step with one (not a degassing step, and not across a cooling or an un-tempered heating step).
    - Without a growth step that has a temperature, a reaction step of no other action with one (``decomposition
      at 60 °C``, ``nucleated at 120 °C``) is the growth step.
    """
    for i, step in enumerate(steps):
        if step["action"] != StepAction.INJECT.value or step.get("temperature_k") is not None:
            continue
        for prev in reversed(steps[:i]):
            if prev["action"] == StepAction.DEGAS.value or prev["action"] == StepAction.COOL.value:
                break
            if prev.get("temperature_k") is not None:
                step["temperature_k"] = prev["temperature_k"]
                break
            if prev["action"] == StepAction.HEAT.value:
                break
    if not any(s["action"] == StepAction.GROW.value and s.get("temperature_k") is not None for s in steps):
        other = next((s for s in steps if s["action"] == StepAction.OTHER.value and s.get("temperature_k")), None)
        if other is not None:
            other["action"] = StepAction.GROW.value


def _notes(workup: list[str], flags: list[str]) -> str | None:
    """Recipe notes: the work-up chemicals and the implausible values that were dropped."""
    parts = []
    if workup:
        parts.append("work-up (precipitation/washing/redispersion; role 'other', not reaction chemicals): "
                     + ", ".join(workup))
    parts.extend(flags)
    return "; ".join(parts)[:1000] if parts else None


def _add_raw_amount(existing: dict, raw: str) -> None:
    """Keep the amount of a later mention in another paragraph (``ODE (15 mL)`` … ``ODE (3 mL)``) in the raw text;
    the normalized fields stay those of the first mention."""
    known = existing.get("amount_raw")
    if not known:
        return
    if raw not in known.split("; "):
        existing["amount_raw"] = f"{known}; {raw}"[:300]


def _complete_amounts(existing: dict, new: dict) -> bool:
    """Fill the amount fields ``existing`` lacks from a later mention of the same chemical in the same paragraph
    (``1 M TOP-Se`` ... ``0.5 mL of the TOP-Se``); the provenance span grows to cover both mentions. False when
    the two mentions state conflicting amounts (nothing filled)."""
    filled = [f for f in _AMOUNT_FIELDS if existing.get(f) is None and new.get(f) is not None
              and not (f == "amount_mmol" and existing.get("amount_g") is not None)]
    if not filled or any(existing.get(f) is not None and new.get(f) is not None for f in ("amount_ml",
                                                                                           "concentration_mm")):
        return False
    for f in filled:
        existing[f] = new[f]
    existing["amount_raw"] = f"{existing['amount_raw']}; {new['amount_raw']}"[:300]
    old, add = existing["provenance"], new["provenance"]
    old["char_start"] = min(old["char_start"], add["char_start"])
    old["char_end"] = max(old["char_end"], add["char_end"])
    old["confidence"] = min(old["confidence"], add["confidence"])
    return True


def recipe_source_key(paper_key: str, first_paragraph: str) -> str:
    """Stable key of a literature recipe: the paper key plus a digest of the start of its synthesis text.

    ``first_paragraph`` is the recipe's synthesis text (its paragraphs joined). The digest is taken over the
    first 400 lower-cased ASCII letters and digits only, so the text, HTML and PDF versions of one paper give the
    same key (paragraph orders, line breaks, hyphenation and paragraph splits at page breaks differ between
    formats), and re-ingesting a paper is idempotent.
    """
    import hashlib

    letters = re.sub(r"[^0-9a-z]", "", first_paragraph.lower())[:400]
    return f"{paper_key}#r{hashlib.sha256(letters.encode('utf-8')).hexdigest()[:12]}"[:300]


def _is_part(a: str, b: str) -> bool:
    return a in b.split("/") or b in a.split("/")


def _recipe_for(built, comps: set[str], order: int) -> int:
    if comps:
        for i, (_, target, _) in enumerate(built):
            if target and (target in comps or any(_is_part(c, target) for c in comps)):
                return i
    preceding = [i for i, (_, _, last) in enumerate(built) if last <= order]
    return preceding[-1] if preceding else 0


def shape_hint(texts: Iterable[str], target: str | None) -> tuple[str, str] | None:
    """``(shape, phrase)`` named by a product phrase of the target (``CdSe nanorods`` → rod), else None.

    Nouns that say nothing about shape (nanocrystals, NCs, QDs, nanoparticles, dots) give no hint.
    """
    from nanosynth.schema.vocab import normalize_shape

    for text in texts:
        for t in find_targets(text):
            if target and t.composition != target:
                continue
            noun = t.noun.split()[-1]
            if noun.lower() in WEAK_SHAPES or re.match(r"(?i)nanocrystal|NCs|nanoparticle|NPs|particle|seed|core|"
                                                        r"shell|cluster|crystal|nanostructure", noun):
                continue
            try:
                return normalize_shape(noun), t.noun
            except SchemaValidationError:
                continue
    return None


def recipes(document: Document, *, ner=None, version: str = EXTRACTOR_VERSION) -> list[RecipeCreate]:
    """Recipes of one paper, also stored in ``document.recipes`` (see :meth:`RecipeExtractor.recipes`).

    Parameters
    ----------
    document:
        The paper. Paragraph categories come from the classifier stage, else from :func:`heuristic_label`; a
        stored paper is rebuilt with :meth:`nanosynth.miner.document.Document.from_records`.
    ner:
        Optional loaded NER pipeline (see :class:`RecipeExtractor`).
    version:
        Extractor version for provenance.

    Returns
    -------
    list of schema.RecipeCreate
        Validated recipes with chemicals, steps, outcomes and provenance; empty when the paper has no synthesis.
    """
    return RecipeExtractor(ner=ner, version=version).recipes(document)


__all__ = ["EXTRACTOR_NAME", "EXTRACTOR_VERSION", "MAX_PARAGRAPH_CHARS", "RecipeExtractor", "detect_method",
           "extract_outcomes", "heuristic_label", "recipe_source_key", "recipes", "shape_hint"]
