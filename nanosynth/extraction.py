"""Extraction without a database: paper files → per-document recipes with the evidence of every value.

>>> for doc in iter_extract([Path("paper.pdf"), Path("abstract.txt")]):   # models loaded once
...     print(json.dumps(doc.to_json()))

:func:`extract_paths` / :func:`iter_extract` run the text-mining pipeline (:mod:`nanosynth.miner.pipeline`) on
each file and convert its :class:`~nanosynth.schema.RecipeCreate` records to the stable JSON shape of
``nanosynth extract --json`` (documented in the README, section "Extracting recipes from papers"):

- conditions come from the steps: ``injection_temperature_c`` is the temperature of the first ``inject`` step
  that has one, ``growth_temperature_c``/``growth_time_s`` those of the first ``grow`` step that has them (a
  heating step is never taken for growth: only what the extractor marks as growth is growth);
- outcomes with several distinct values of one property become a list; PLQY is in percent;
- every value carries evidence ``{"text": sentence, "start": int, "end": int}`` where ``start``/``end`` are
  character offsets into the document text as read (:attr:`ExtractedDocument.text`: the paragraphs joined by
  blank lines, the reader's ``Document.text``), so ``text[start:end]`` is the value as written.

A file that cannot be read or extracted becomes an :class:`ExtractedDocument` with ``error`` set; the others
continue. Nothing here opens a database.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nanosynth.miner.extract.quantities import Quantity, QuantityKind, find_quantities
from nanosynth.miner.extract.summary import PARTIAL_NOTE
from nanosynth.miner.pipeline import Pipeline, PipelineConfig
from nanosynth.schema.errors import NanosynthError, ReaderError
from nanosynth.schema.records import ChemicalUseCreate, PaperCreate, ParagraphCreate, RecipeCreate, StepCreate

logger = logging.getLogger(__name__)

#: Roles of ``nanosynth extract --json`` (schema roles map onto these; ``target`` chemicals are left out).
ROLES = ("cation_precursor", "anion_precursor", "ligand", "solvent", "reducing_agent", "seed", "additive", "other")
CONDITIONS = ("injection_temperature_c", "growth_temperature_c", "growth_time_s", "heating_rate_c_per_min",
              "atmosphere")
#: Outcome keys of the JSON and the schema property each comes from.
OUTCOMES = {"size_nm": "size_nm", "size_sd_nm": "size_sd_nm", "shape": "shape", "abs_peak_nm": "abs_peak_nm",
            "pl_peak_nm": "pl_peak_nm", "fwhm_nm": "fwhm_nm", "plqy_pct": "plqy"}
NO_RECIPE_REASON = "no synthesis recipe found in the text"

_ATMOSPHERE_WORDS = {"n2": "N2|nitrogen", "ar": "Ar|argon", "vacuum": "vacuum", "air": "air"}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])")
_ABBREVIATION = re.compile(r"(?:\b(?:Fig|Figs|ca|approx|e\.g|i\.e|vs|No|Ref|Eq|et al|resp|wt|vol)\.)$", re.I)


@dataclass
class ExtractedDocument:
    """What :func:`iter_extract` gives for one file.

    Attributes
    ----------
    source:
        The path as given.
    synthesis:
        True when at least one recipe was extracted.
    reason:
        Why there is no recipe (the relevance gate's reason, or :data:`NO_RECIPE_REASON`); None with recipes.
    recipes:
        Recipes in the JSON shape of ``nanosynth extract --json``.
    error:
        Why the file could not be read or extracted (then nothing else is set).
    text:
        The document text the evidence offsets point into.
    warnings:
        Non-fatal problems reported by the reader.
    seconds:
        Time spent on this file (reading, classification, extraction).
    """

    source: str
    synthesis: bool = False
    reason: str | None = None
    recipes: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    text: str = ""
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_json(self) -> dict[str, Any]:
        """The object ``nanosynth extract --json`` prints (an ``error`` key only for a failed file)."""
        out: dict[str, Any] = {"source": self.source, "synthesis": self.synthesis, "reason": self.reason,
                               "recipes": self.recipes}
        if self.error is not None:
            out["error"] = self.error
        return out


def iter_extract(paths: Iterable[Path | str], *, pipeline: Pipeline | None = None,
                 config: PipelineConfig | None = None) -> Iterator[ExtractedDocument]:
    """Extract recipes with evidence from each file, loading the models once (before the first file).

    Parameters
    ----------
    paths:
        Paper files: PDF, publisher HTML/XML, plain text or Markdown (the reader is chosen by content).
    pipeline:
        A pipeline to reuse (initialized here if needed); default: ``Pipeline(config)``.
    config:
        Configuration of the pipeline built when ``pipeline`` is None (default: the shipped models).

    Returns
    -------
    Iterator[ExtractedDocument]
        One per path, in order, extracted as it is consumed; a file that cannot be read or extracted has
        ``error`` set.

    Raises
    ------
    ArtifactNotFoundError, ModelError, ConfigError
        The models cannot be loaded (raised by this call, before any file is processed).
    """
    pipe = (pipeline or Pipeline(config or PipelineConfig())).initialize()  # now, not at the first file
    return (extract_file(pipe, Path(path)) for path in paths)


def extract_paths(paths: Iterable[Path | str], *, pipeline: Pipeline | None = None,
                  config: PipelineConfig | None = None) -> list[ExtractedDocument]:
    """:func:`iter_extract` as a list (see there for parameters and errors)."""
    return list(iter_extract(paths, pipeline=pipeline, config=config))


def extract_file(pipe: Pipeline, path: Path) -> ExtractedDocument:
    """Run an initialized pipeline on one file; reading or extraction errors become ``error``."""
    started = time.perf_counter()
    source = str(path)
    try:
        if path.is_dir():
            raise ReaderError(f"{source} is a directory: give paper files (use a shell glob such as dir/*.pdf)")
        result = pipe.process(path.read_bytes(), source)
    except OSError as exc:
        return ExtractedDocument(source, error=f"ReaderError: cannot read {source}: {exc.strerror or exc}",
                                 seconds=time.perf_counter() - started)
    except NanosynthError as exc:
        logger.info("%s: %s", source, exc)  # the error is in the result (the CLI prints it once)
        return ExtractedDocument(source, error=f"{type(exc).__name__}: {exc}", seconds=time.perf_counter() - started)
    located = _Located(result.paper)
    recipes = [recipe_json(r, located) for r in result.recipes]
    reason = None if recipes else (getattr(result, "no_synthesis_reason", None) or NO_RECIPE_REASON)
    return ExtractedDocument(source, synthesis=bool(recipes), reason=reason, recipes=recipes, text=located.text,
                             warnings=list(result.warnings), seconds=time.perf_counter() - started)


# ---------------------------------------------------------------------------------------------- evidence
class _Located:
    """The stored paragraphs of one processed document by reading order, and the document text."""

    def __init__(self, paper: PaperCreate):
        self.paragraphs: dict[int, ParagraphCreate] = {p.order: p for p in paper.paragraphs}
        parts: list[str] = []
        pos = 0
        for p in sorted(paper.paragraphs, key=lambda q: q.char_start or 0):
            start = p.char_start if p.char_start is not None and p.char_start >= pos else pos
            parts.append("\n" * (start - pos) + p.text)
            pos = start + len(p.text)
        self.text = "".join(parts)

    def paragraph(self, provenance: Any) -> ParagraphCreate | None:
        order = getattr(provenance, "paragraph_order", None)
        return self.paragraphs.get(order) if order is not None else None

    def evidence(self, para: ParagraphCreate, start: int, end: int) -> dict[str, Any]:
        """``{"text": sentence, "start", "end"}`` of the paragraph span ``start:end`` in document offsets."""
        offset = para.char_start or 0
        return {"text": sentence_at(para.text, start, end), "start": offset + start, "end": offset + end}

    def span(self, provenance: Any) -> tuple[ParagraphCreate, int, int] | None:
        """The provenance's paragraph and its span in paragraph offsets (None when it points nowhere)."""
        para = self.paragraph(provenance)
        if para is None or provenance.char_start is None:
            return None
        end = provenance.char_end if provenance.char_end is not None else provenance.char_start
        return para, max(0, provenance.char_start), min(len(para.text), max(end, provenance.char_start))

    def find(self, provenance: Any, pattern: re.Pattern[str], accept) -> dict[str, Any] | None:
        """Evidence of the match of ``pattern`` nearest to the provenance span for which ``accept(match)``."""
        return self._nearest(provenance, lambda text: ((m.start(), m.end()) for m in pattern.finditer(text)
                                                       if accept(m)))

    def find_quantity(self, provenance: Any, accept) -> dict[str, Any] | None:
        """Evidence of the quantity (:func:`~nanosynth.miner.extract.quantities.find_quantities`) nearest to the
        provenance span for which ``accept(quantity)``."""
        return self._nearest(provenance, lambda text: ((q.char_start, q.char_end) for q in find_quantities(text)
                                                       if accept(q)))

    def _nearest(self, provenance: Any, candidates) -> dict[str, Any] | None:
        """Evidence of the candidate span (``candidates(paragraph text)``) nearest to the provenance span, else of
        the provenance span itself."""
        where = self.span(provenance)
        if where is None:
            return None
        para, a, b = where
        best: tuple[int, int, int] | None = None
        for start, end in candidates(para.text):
            distance = 0 if start < b and end > a else min(abs(start - b), abs(a - end))
            if best is None or distance < best[0]:
                best = (distance, start, end)
        if best is None:
            return self.evidence(para, a, b)
        return self.evidence(para, best[1], best[2])

    def first(self, needle: str, provenance: Any = None) -> dict[str, Any] | None:
        """Evidence of the first occurrence of ``needle`` as a word: in the provenance's paragraph, else anywhere."""
        home = self.paragraph(provenance) if provenance is not None else None
        word = re.compile(rf"(?<![A-Za-z0-9]){re.escape(needle)}(?![a-z0-9])")
        for para in ([home] if home else []) + sorted(self.paragraphs.values(), key=lambda p: p.order):
            m = word.search(para.text)
            if m is not None:
                return self.evidence(para, m.start(), m.end())
        return None


def sentence_at(text: str, start: int, end: int) -> str:
    """The sentence of ``text`` that contains the span ``start:end`` (several when the span crosses a boundary)."""
    bounds = [0]
    for m in _SENTENCE_END.finditer(text):
        if not _ABBREVIATION.search(text[max(0, m.start() - 8):m.start()]):
            bounds.append(m.end())
    bounds.append(len(text))
    lo = max((b for b in bounds if b <= start), default=0)
    hi = min((b for b in bounds if b >= max(end, start + 1)), default=len(text))
    return text[lo:hi].strip()


# ---------------------------------------------------------------------------------------------- recipes
def recipe_json(recipe: RecipeCreate, located: _Located) -> dict[str, Any]:
    """One recipe in the JSON shape of ``nanosynth extract --json``, with its evidence."""
    evidence: dict[str, dict[str, Any]] = {}
    target = recipe.target_composition
    if target:
        _put(evidence, "target", located.first(target, recipe.provenance))
    chemicals = _chemicals(recipe.chemicals, located, evidence)
    conditions = _conditions(recipe.steps, located, evidence)
    outcomes, morphology = _outcomes(recipe, located, evidence)
    steps = []
    for i, step in enumerate(recipe.steps):
        steps.append({"action": step.action, "temperature_c": step.temperature_c, "time_s": step.time_s})
        where = located.span(step.provenance)
        if where is not None:
            _put(evidence, f"steps[{i}]", located.evidence(*where))
    partial = (recipe.notes or "").startswith(PARTIAL_NOTE) or not (
        any(c["amounts"] for c in chemicals) and any(s["temperature_c"] is not None or s["time_s"] is not None
                                                     for s in steps))
    return {"target": target, "morphology": morphology, "method": _method(recipe.method), "chemicals": chemicals,
            "conditions": conditions, "outcomes": outcomes, "steps": steps, "partial": bool(partial),
            "evidence": evidence}


def _put(evidence: dict[str, dict[str, Any]], key: str, item: dict[str, Any] | None) -> None:
    if item is not None:
        evidence[key] = item


def _method(method: str | None) -> str | None:
    return None if method in (None, "", "unknown") else method


def _role(role: str | None) -> str:
    return role if role in ROLES else "other"


def _chemicals(chemicals: list[ChemicalUseCreate], located: _Located,
               evidence: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Chemicals of the JSON (target-role chemicals left out) with name and amount evidence."""
    out: list[dict[str, Any]] = []
    for chem in chemicals:
        if chem.role == "target":
            continue
        key = f"chemicals[{len(out)}]"
        amounts = chemical_amounts(chem)
        out.append({"name": chem.name or chem.name_raw, "name_raw": chem.name_raw, "formula": chem.formula,
                    "role": _role(chem.role), "amounts": amounts})
        raw_name = re.compile(re.escape(chem.name_raw), re.I) if chem.name_raw else None
        if raw_name is not None:
            _put(evidence, key, located.find(chem.provenance, raw_name, lambda m: True))
        for j, amount in enumerate(amounts):
            if not amount["raw"]:
                continue
            pattern = re.compile(re.escape(amount["raw"]))
            _put(evidence, f"{key}.amounts[{j}]", located.find(chem.provenance, pattern, lambda m: True))
    return out


_NORMALIZED_AMOUNTS = (("amount_mmol", "mmol"), ("amount_ml", "mL"), ("amount_g", "g"), ("concentration_mm", "mM"),
                       ("ratio", "ratio"))


def chemical_amounts(chem: ChemicalUseCreate) -> list[dict[str, Any]]:
    """``[{"value", "unit", "raw"}]`` of a chemical: its stored amount first, then the other amounts of its raw
    text (``"0.2 mmol; 25.7 mg"`` gives two)."""
    parts = [p.strip() for p in (chem.amount_raw or "").split(";") if p.strip()]
    out: list[dict[str, Any]] = []
    if chem.amount_value is not None:
        unit = chem.amount_unit or "ratio"
        out.append({"value": float(chem.amount_value), "unit": unit, "raw": parts[0] if parts else
                    f"{chem.amount_value:g} {unit}"})
        parts = parts[1:]
    for part in parts:
        found = find_quantities(part, ratios=False, qualitative=False)
        q = found[0] if len(found) == 1 else None
        if q is None or q.value is None or not q.raw_unit or not _known_unit(q.raw_unit):
            continue
        out.append({"value": float(q.value), "unit": q.raw_unit, "raw": part})
    # normalized values of another dimension derived from the stated one (mmol from a volume, via density and
    # molar mass); their raw text is the stated amount they come from
    stated = {_dimension(a["unit"]) for a in out}
    raw = out[0]["raw"] if out else ""
    for attribute, unit in _NORMALIZED_AMOUNTS:
        value = getattr(chem, attribute)
        if value is not None and _dimension(unit) not in stated:
            out.append({"value": float(value), "unit": unit, "raw": raw})
            stated.add(_dimension(unit))
    return out


def _dimension(unit: str) -> str:
    """``amount``, ``volume``, ``mass``, ``concentration`` or ``ratio`` of a unit (the unit itself when unknown)."""
    from nanosynth.schema.units import parse_unit

    if unit.lower() in ("ratio", "molar ratio", "eq", "equiv"):
        return "ratio"
    try:
        return str(parse_unit(unit).dimensionality)
    except (ValueError, NanosynthError, AttributeError):
        return unit


def _known_unit(unit: str) -> bool:
    from nanosynth.schema.units import parse_unit

    try:
        parse_unit(unit)
    except (ValueError, NanosynthError):
        return False
    return True


# ---------------------------------------------------------------------------------------------- conditions
def _first_step(steps: list[StepCreate], action: str | None, attribute: str) -> StepCreate | None:
    """The first step (of ``action``, any when None) whose ``attribute`` is set."""
    for step in steps:
        if (action is None or step.action == action) and getattr(step, attribute) is not None:
            return step
    return None


def _temperature_match(value: float):
    """Accepts a temperature quantity equal to ``value`` °C (``room temperature`` for 15–30 °C)."""
    def accept(q: Quantity) -> bool:
        if q.kind is not QuantityKind.TEMPERATURE or q.normalized is None:
            return False
        if q.qualifier == "room_temperature":
            return 15.0 <= value <= 30.0
        return abs(q.normalized - 273.15 - value) < 0.6

    return accept


def _relative_match(kind: QuantityKind, value: float):
    """Accepts a quantity of ``kind`` whose normalized value (s, K/min) is ``value`` within 1 %."""
    def accept(q: Quantity) -> bool:
        return q.kind is kind and q.normalized is not None and abs(q.normalized - value) <= 0.01 * max(value, 1.0)

    return accept


def _conditions(steps: list[StepCreate], located: _Located,
                evidence: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Injection/growth temperature, growth time, heating rate and atmosphere from the steps, with evidence."""
    conditions: dict[str, Any] = dict.fromkeys(CONDITIONS)
    wanted = (("injection_temperature_c", "inject", "temperature_c"), ("growth_temperature_c", "grow",
              "temperature_c"), ("growth_time_s", "grow", "time_s"))
    for key, action, attribute in wanted:
        step = _first_step(steps, action, attribute)
        if step is None:
            continue
        value = float(getattr(step, attribute))
        conditions[key] = value
        accept = (_temperature_match(value) if attribute == "temperature_c"
                  else _relative_match(QuantityKind.TIME, value))
        _put(evidence, f"conditions.{key}", located.find_quantity(step.provenance, accept))
    rate_step = _first_step(steps, None, "heating_rate_k_min")
    if rate_step is not None:
        rate = float(rate_step.heating_rate_k_min)
        conditions["heating_rate_c_per_min"] = rate
        _put(evidence, "conditions.heating_rate_c_per_min",
             located.find_quantity(rate_step.provenance, _relative_match(QuantityKind.RATE, rate)))
    gas = next((s for s in steps if s.atmosphere and s.action != "degas" and s.atmosphere != "vacuum"), None)
    if gas is not None:
        conditions["atmosphere"] = gas.atmosphere
        words = _ATMOSPHERE_WORDS.get(gas.atmosphere.lower(), re.escape(gas.atmosphere))
        _put(evidence, "conditions.atmosphere",
             located.find(gas.provenance, re.compile(rf"\b(?:{words})\b", re.I), lambda m: True))
    return conditions


# ---------------------------------------------------------------------------------------------- outcomes
def _outcomes(recipe: RecipeCreate, located: _Located,
              evidence: dict[str, dict[str, Any]]) -> tuple[dict[str, Any], str | None]:
    """Outcome values (a list when a property has several distinct values) with evidence, and the morphology
    as written (the raw text of the first shape)."""
    values: dict[str, list[Any]] = {key: [] for key in OUTCOMES}
    spans: dict[str, list[dict[str, Any] | None]] = {key: [] for key in OUTCOMES}
    by_property = {prop: key for key, prop in OUTCOMES.items()}
    morphology = None
    for outcome in recipe.outcomes:
        key = by_property.get(outcome.property)
        if key is None:
            continue
        value = outcome.value_text if key == "shape" else float(outcome.value)
        if key == "shape" and morphology is None:
            morphology = outcome.value_raw or outcome.value_text
        if value in values[key]:
            continue
        values[key].append(value)
        where = located.span(outcome.provenance)
        spans[key].append(located.evidence(*where) if where is not None else None)
    outcomes: dict[str, Any] = {}
    for key, found in values.items():
        outcomes[key] = None if not found else found[0] if len(found) == 1 else found
        for i, item in enumerate(spans[key]):
            _put(evidence, f"outcomes.{key}" if len(found) == 1 else f"outcomes.{key}[{i}]", item)
    return outcomes, morphology


__all__ = ["CONDITIONS", "NO_RECIPE_REASON", "OUTCOMES", "ROLES", "ExtractedDocument", "chemical_amounts",
           "extract_file", "extract_paths", "iter_extract", "recipe_json", "sentence_at"]
