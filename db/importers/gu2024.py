"""Importer of the Gu et al. 2024 colloidal nanocrystal recipe dataset (``raw_recipe_dataset.xlsx``).

One recipe per row. Reactant columns (``reactants``, ``reactants.1`` ...) with amounts in mmol become chemical uses;
roles come from the dataset's own abbreviation workbook (ligand / solvent sheets) when it sits beside the file,
then from the row's cationic/anionic precursor lists, then from the chemical dictionary and the target
composition. Injection and reaction temperatures, reaction time and heating rate become steps; size, size
distribution and shape become outcomes. Provenance: dataset name, row number, DOI.
"""

from __future__ import annotations

import logging
import re
import zipfile
from pathlib import Path

import pandas as pd

from nanosynth.artifacts import sha256_file
from nanosynth.db.importers.base import (
    ParseResult,
    Rejection,
    cell_float,
    cell_text,
    check_readable,
    require_columns,
    require_numeric,
)
from nanosynth.schema.chemicals import clean_text, formula_of, guess_role, is_formula, lookup
from nanosynth.schema.enums import ChemicalRole, OutcomeProperty, SourceKind, StepAction, SynthesisMethod
from nanosynth.schema.errors import ImportFormatError, SchemaValidationError
from nanosynth.schema.records import RecipeCreate, validate_record
from nanosynth.schema.tables import PaperBase

log = logging.getLogger(__name__)

DATASET = "gu2024"
IMPORTER = "nanosynth.import.gu2024@1"
N_REACTANTS = 10
_COL_INJ = "injection temperature/℃"
_COL_RXN = "reaction temperature/℃"
_COL_TIME = "reaction time/min"
_COL_SIZE = "D/nm"
_COL_DIST = "Size distribution/%"
_COL_RATE = "heating rate/℃ min-1"
REQUIRED = ["cationic precursor", "anionic precursor", "Nanocrystal Composition", _COL_INJ, _COL_RXN, _COL_TIME,
            "additive amount/mmol", "reactants", _COL_SIZE, _COL_DIST, "shape", "DOI"]


class _Abbreviations:
    """The dataset's abbreviation workbook: abbreviation → (full name, role hint), composition → phase id."""

    def __init__(self, path: Path | None):
        self.names: dict[str, tuple[str, ChemicalRole | None]] = {}
        self.phases: dict[str, str] = {}
        if path is None or not path.is_file():
            return
        try:
            sheets = pd.read_excel(path, sheet_name=None, dtype=str)
        except Exception as exc:  # openpyxl raises many types on a broken workbook
            raise ImportFormatError(f"abbreviation workbook {path} cannot be read: {exc}") from exc
        for sheet, role in (("ligand", ChemicalRole.LIGAND), ("solvent", ChemicalRole.SOLVENT)):
            frame = sheets.get(sheet)
            if frame is not None and {"name", "abbreviations"} <= set(frame.columns):
                for name, abbr in zip(frame["name"], frame["abbreviations"], strict=True):
                    if isinstance(abbr, str) and isinstance(name, str):
                        self.names[abbr.strip()] = (clean_text(name), role)
        frame = sheets.get("precursor")
        if frame is not None and "formula/abbreviations" in frame.columns:
            for name, abbr in zip(frame.get("name", [None] * len(frame)), frame["formula/abbreviations"],
                                  strict=True):
                if isinstance(abbr, str) and abbr.strip() not in self.names:
                    full = clean_text(name) if isinstance(name, str) else abbr.strip()
                    self.names[abbr.strip()] = (full, None)
        frame = sheets.get("qd")
        if frame is not None and {"source", "formula"} <= set(frame.columns):
            for source, formula in zip(frame["source"], frame["formula"], strict=True):
                if isinstance(formula, str) and isinstance(source, str):
                    self.phases[formula.strip()] = source.strip()


def _split_composition(text: str) -> tuple[str, str | None]:
    """``'CdSe-1'`` → (``'CdSe'``, ``'1'``); compositions without a variant suffix are returned as they are."""
    m = re.match(r"^(.*?)-(\d+)$", text.strip())
    if m and m.group(1):
        return m.group(1).strip(), m.group(2)
    return text.strip(), None


def _role(abbr: str, book: _Abbreviations, cation_list: set[str], anion_list: set[str],
          composition: str) -> ChemicalRole:
    """Dictionary (with the target composition) first, then the workbook's sheet, then the row's precursor lists."""
    full, hint = book.names.get(abbr, (None, None))
    info = lookup(abbr) or (lookup(full) if full else None)
    if info is not None:
        return guess_role(info.name, composition)
    if hint is not None:
        return hint
    guessed = guess_role(abbr, composition)
    if guessed is ChemicalRole.OTHER and abbr in anion_list:
        return ChemicalRole.ANION_PRECURSOR
    if guessed is ChemicalRole.OTHER and abbr in cation_list:
        return ChemicalRole.CATION_PRECURSOR
    return guessed


def parse(path: Path, abbreviations: Path | None = None) -> ParseResult:
    """Parse the Gu et al. workbook into recipes (nothing is written).

    Parameters
    ----------
    path:
        ``raw_recipe_dataset.xlsx``.
    abbreviations:
        The dataset's ``chemical_abbreviations.xlsx``; by default the file of that name beside ``path``.

    Raises
    ------
    ImportFormatError
        When the file is not a readable workbook, lacks columns, or a numeric column holds text.
    """
    path = check_readable(Path(path), (".xlsx", ".xlsm"), DATASET)
    try:
        frame = pd.read_excel(path, sheet_name=0, dtype=object)
    except (zipfile.BadZipFile, ValueError, KeyError, OSError) as exc:
        raise ImportFormatError(
            f"{path.name} cannot be read as an Excel workbook ({exc}): the file is corrupt, truncated or not .xlsx"
        ) from exc
    require_columns(frame, REQUIRED, path, DATASET)
    require_numeric(frame, [_COL_INJ, _COL_RXN, _COL_TIME, "additive amount/mmol"], path, DATASET)
    book = _Abbreviations(abbreviations if abbreviations is not None
                          else path.with_name("chemical_abbreviations.xlsx"))
    result = ParseResult(DATASET, path, sha256_file(path), rows=len(frame))
    for idx, row in enumerate(frame.to_dict("records"), start=1):
        try:
            record, warnings = _row_to_recipe(idx, row, book)
        except SchemaValidationError as exc:
            result.rejections.append(Rejection(idx, str(exc)))
            continue
        result.records.append(record)
        result.warnings.extend(Rejection(idx, w) for w in warnings)
    log.info("gu2024: %d rows, %d recipes, %d rejected", result.rows, len(result.records), len(result.rejections))
    return result


def _row_to_recipe(idx: int, row: dict, book: _Abbreviations) -> tuple[RecipeCreate, list[str]]:
    """One recipe (and its warnings) from a data row; :class:`SchemaValidationError` rejects the row."""
    warnings: list[str] = []
    comp_raw = cell_text(row.get("Nanocrystal Composition"))
    if comp_raw is None:
        raise SchemaValidationError("Nanocrystal Composition is empty")
    composition, variant = _split_composition(comp_raw)
    phase = book.phases.get(comp_raw) or (f"variant {variant}" if variant else None)
    cation_list = {s.strip() for s in str(cell_text(row.get("cationic precursor")) or "").split(",") if s.strip()}
    anion_list = {s.strip() for s in str(cell_text(row.get("anionic precursor")) or "").split(",") if s.strip()}
    doi = cell_text(row.get("DOI"))
    citation = doi
    paper = None
    if doi and doi.lower().startswith("10."):
        paper = PaperBase(key=f"doi:{doi.lower()}", doi=doi, source_kind="dataset_citation", citation=doi)
    prov = {"extractor": IMPORTER, "dataset": DATASET, "row_number": idx, "citation": citation, "confidence": 1.0}

    chemicals = _chemicals(row, book, cation_list, anion_list, composition, warnings)
    method, steps = _steps(row, warnings)
    outcomes = _outcomes(row, warnings)
    record = validate_record(RecipeCreate, {
        "source_key": f"{DATASET}:{idx}",
        "source_kind": SourceKind.CURATED_DATASET.value,
        "dataset": DATASET,
        "paper_key": paper.key if paper else None,
        "paper": paper,
        "method": method.value,
        "target_composition": composition,
        "target_phase": phase,
        "success": True,
        "notes": "self-synthesis (Gu et al. 2024)" if doi == "self-synthesis" else None,
        "provenance": prov,
        "chemicals": chemicals,
        "steps": steps,
        "outcomes": outcomes,
    }, where=f"row {idx}")
    return record, warnings


def _chemicals(row: dict, book: _Abbreviations, cation_list: set[str], anion_list: set[str], composition: str,
               warnings: list[str]) -> list[dict]:
    """The chemical uses of the reactant columns (amounts in mmol), roles assigned."""
    chemicals = []
    for i in range(N_REACTANTS):
        suffix = "" if i == 0 else f".{i}"
        name = cell_text(row.get(f"reactants{suffix}"))
        amount = cell_float(row.get(f"additive amount/mmol{suffix}"), f"amount of reactant {i + 1}")
        if name is None:
            if amount:
                warnings.append(f"amount {amount} mmol in column {i + 1} has no reactant name; left out")
            continue
        full, _hint = book.names.get(name, (None, None))
        info = lookup(name) or (lookup(full) if full else None)
        normalized = info.name if info else (full.lower() if full and not is_formula(full) else (full or name))
        chemicals.append({
            "name_raw": name,
            "name": normalized,
            "formula": (info.formula if info else None) or formula_of(name),
            "role": _role(name, book, cation_list, anion_list, composition).value,
            "amount_raw": None if amount is None else f"{amount} mmol",
            "amount_value": amount,
            "amount_unit": None if amount is None else "mmol",
            "amount_mmol": amount,
        })

    return chemicals


def _steps(row: dict, warnings: list[str]) -> tuple[SynthesisMethod, list[dict]]:
    """Synthesis method and steps from the temperatures, reaction time and heating rate."""
    t_inj = cell_float(row.get(_COL_INJ), "injection temperature", non_negative=False)
    t_rxn = cell_float(row.get(_COL_RXN), "reaction temperature", non_negative=False)
    minutes = cell_float(row.get(_COL_TIME), "reaction time")
    try:
        rate = cell_float(row.get(_COL_RATE), "heating rate")
    except SchemaValidationError as exc:
        warnings.append(f"{exc}; heating rate left out")
        rate = None
    heat_up = t_inj is not None and t_rxn is not None and t_inj <= 40 and t_rxn - t_inj > 20
    room_temperature = t_inj is not None and t_rxn is not None and max(t_inj, t_rxn) <= 40
    if heat_up or (rate or 0) > 0:
        method = SynthesisMethod.HEAT_UP
    elif room_temperature:  # reduction / precipitation at room temperature: the dataset does not say which
        method = SynthesisMethod.UNKNOWN
    else:
        method = SynthesisMethod.HOT_INJECTION
    steps = []
    if t_inj is not None:
        steps.append({"order": 0, "action": (StepAction.MIX if heat_up else StepAction.INJECT).value,
                      "temperature_c": t_inj})
    steps.append({"order": len(steps), "action": StepAction.GROW.value, "temperature_c": t_rxn,
                  "time_s": None if minutes is None else minutes * 60.0,
                  "heating_rate_k_min": rate or None})

    return method, steps


def _outcomes(row: dict, warnings: list[str]) -> list[dict]:
    """Size, size distribution (with how the particles were counted) and shape."""
    outcomes = []
    segmented = str(cell_text(row.get("Using Segmentation Models/Y or N")) or "").upper().startswith("Y")
    size_method = "TEM (segmentation model)" if segmented else "TEM"
    try:  # particles counted for the size statistics (Gu et al. evaluate on recipes with >= 300)
        counted = cell_float(row.get("Number of statistics"), "Number of statistics")
    except SchemaValidationError:
        counted = None
    if counted:
        size_method = f"{size_method}; {int(counted)} particles"
    for column, prop in ((_COL_SIZE, OutcomeProperty.SIZE_NM), (_COL_DIST, OutcomeProperty.SIZE_DIST_PCT)):
        try:
            value = cell_float(row.get(column), column)
        except SchemaValidationError as exc:
            warnings.append(f"{exc}; outcome {prop.value} left out")
            continue
        if value is not None:
            outcomes.append({"property": prop.value, "value": value, "value_raw": str(row.get(column)),
                             "method": size_method})
        elif str(row.get(column)).strip() in {"?", "？"}:
            warnings.append(f"{column} is '?' (unknown in the source); outcome {prop.value} left out")
    shape = cell_text(row.get("shape"))
    if shape:
        outcomes.append({"property": OutcomeProperty.SHAPE.value, "value_text": shape, "value_raw": shape,
                         "method": "TEM"})

    return outcomes
