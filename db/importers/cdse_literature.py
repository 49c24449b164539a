"""Importer of the CdSe hot-injection literature compilation (UW DIRECT, subset of Baum et al. 2020).

One recipe per row; roles come from the column a chemical is listed in (metal source = cation precursor,
chalcogen source = anion precursor, carboxylic acid / amine / phosphine = ligand, solvents = solvent).
Injection and growth become steps; diameter (TEM or absorbance sizing curve), absorbance maximum and PL maximum
become outcomes. Provenance keeps dataset, row number and the citation; each citation becomes a paper.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from nanosynth.artifacts import sha256_file, sha256_text
from nanosynth.db.importers.base import (
    ParseResult,
    Rejection,
    cell_float,
    cell_text,
    check_readable,
    read_csv_strict,
    require_columns,
    require_numeric,
)
from nanosynth.schema.chemicals import formula_of, lookup, molar_mass
from nanosynth.schema.enums import ChemicalRole, OutcomeProperty, SourceKind, StepAction, SynthesisMethod
from nanosynth.schema.errors import SchemaValidationError
from nanosynth.schema.records import RecipeCreate, validate_record
from nanosynth.schema.tables import PaperBase

log = logging.getLogger(__name__)

DATASET = "cdse-literature"
IMPORTER = "nanosynth.import.cdse_literature@1"

# (name column, grams column, mmol column, role)
_CHEMICAL_COLUMNS = [
    ("Metal_source", "Metal_amount (g)", "Metal_mmol (mmol)", ChemicalRole.CATION_PRECURSOR),
    ("Chalcogen_source", "Chalcogen_amount (g)", "Chalcogen_mmol (mmol)", ChemicalRole.ANION_PRECURSOR),
    ("Carboxylic_Acid", "CA_amount (g)", "CA_mmol (mmol)", ChemicalRole.LIGAND),
    ("Amines", "Amines_amount (g)", "Amines_mmol (mmol)", ChemicalRole.LIGAND),
    ("Phosphines", "Phosphines_amount (g)", "Phosphines_mmol (mmol)", ChemicalRole.LIGAND),
    ("Solvent I", "S_I_amount (g)", None, ChemicalRole.SOLVENT),
    ("Solvent II", "S_II_amount (g)", None, ChemicalRole.SOLVENT),
]
_TIME = "Time_min (min)"
REQUIRED = ["Injection Temp (Celsius)", "Growth Temp (Celsius)", _TIME, "Diameter_nm", "Absorbance max (nm)",
            "PL max (nm)", "Diameter from", "Citation"] + [c for group in _CHEMICAL_COLUMNS for c in group[:3] if c]
NUMERIC = ["Injection Temp (Celsius)", "Growth Temp (Celsius)", _TIME, "Diameter_nm", "Metal_mmol (mmol)"]

#: Spelling slips in the source file, corrected before normalization (the raw text is kept).
_CORRECTIONS = {"cadmium acetate dihtdrate": "cadmium acetate dihydrate", "myrstic acid": "myristic acid",
                "liquid parafin": "paraffin oil", "liquid paraffin": "paraffin oil"}


def _paper(citation: str | None) -> PaperBase | None:
    if not citation:
        return None
    digest = sha256_text(citation.strip().lower())[:20]
    year = re.search(r"\b(19[5-9]\d|20[0-4]\d)\b", citation)
    journal = re.split(r"\s(?:19|20)\d\d\b", citation, maxsplit=1)[0].strip() or None
    return PaperBase(key=f"citation:{digest}", source_kind="dataset_citation", citation=citation.strip(),
                     journal=journal[:300] if journal else None, year=int(year.group(1)) if year else None)


def parse(path: Path) -> ParseResult:
    """Parse the CSV into recipes (nothing is written).

    Raises
    ------
    ImportFormatError
        Wrong columns, a numeric column holding text, or a truncated/ragged file.
    """
    path = check_readable(Path(path), (".csv",), DATASET)
    frame = read_csv_strict(path, DATASET)
    require_columns(frame, REQUIRED, path, DATASET)
    require_numeric(frame, NUMERIC, path, DATASET)
    result = ParseResult(DATASET, path, sha256_file(path), rows=len(frame))
    for idx, row in enumerate(frame.to_dict("records"), start=1):
        try:
            result.records.append(_row_to_recipe(idx, row))
        except SchemaValidationError as exc:
            result.rejections.append(Rejection(idx, str(exc)))
    log.info("%s: %d rows, %d recipes, %d rejected", DATASET, result.rows, len(result.records),
             len(result.rejections))
    return result


def _chemicals(row: dict) -> list[dict]:
    chemicals = []
    for name_col, g_col, mmol_col, role in _CHEMICAL_COLUMNS:
        raw = cell_text(row.get(name_col))
        grams = cell_float(row.get(g_col), g_col)
        mmol = cell_float(row.get(mmol_col), mmol_col) if mmol_col else None
        if raw is None:
            if grams or mmol:
                raise SchemaValidationError(f"{name_col} is empty but an amount is given")
            continue
        for part in raw.split("/"):  # "dioctylamine/hexadecylamine": a mixture, amount kept on the first
            corrected = _CORRECTIONS.get(part.strip().lower(), part.strip())
            info = lookup(corrected)
            formula = info.formula if info else formula_of(corrected)
            mmol_value = mmol
            if mmol_value is None and grams is not None and formula:
                mmol_value = grams / molar_mass(formula) * 1000.0
            chemicals.append({
                "name_raw": part.strip(),
                "name": info.name if info else corrected.lower(),
                "formula": formula,
                "role": role.value,
                "amount_raw": f"{grams} g" if grams is not None else None,
                "amount_value": grams,
                "amount_unit": "g" if grams is not None else None,
                "amount_g": grams,
                "amount_mmol": mmol_value,
            })
            grams = mmol = None
    return chemicals


def _row_to_recipe(idx: int, row: dict) -> RecipeCreate:
    citation = cell_text(row.get("Citation"))
    paper = _paper(citation)
    prov = {"extractor": IMPORTER, "dataset": DATASET, "row_number": idx, "citation": citation, "confidence": 1.0}
    t_inj = cell_float(row.get("Injection Temp (Celsius)"), "injection temperature", required=True)
    t_grow = cell_float(row.get("Growth Temp (Celsius)"), "growth temperature", required=True)
    minutes = cell_float(row.get(_TIME), "growth time")
    steps = [
        {"order": 0, "action": StepAction.INJECT.value, "temperature_c": t_inj},
        {"order": 1, "action": StepAction.GROW.value, "temperature_c": t_grow,
         "time_s": None if minutes is None else minutes * 60.0},
    ]
    size_from = (cell_text(row.get("Diameter from")) or "").lower()
    size_method = "TEM" if "tem" in size_from else ("UV-vis sizing curve" if "absorb" in size_from else size_from
                                                    or None)
    outcomes = []
    for column, prop, method in (("Diameter_nm", OutcomeProperty.SIZE_NM, size_method),
                                 ("Absorbance max (nm)", OutcomeProperty.ABS_PEAK_NM, "UV-vis"),
                                 ("PL max (nm)", OutcomeProperty.PL_PEAK_NM, "PL")):
        value = cell_float(row.get(column), column)
        if value is not None:
            outcomes.append({"property": prop.value, "value": value, "value_raw": str(row.get(column)),
                             "method": method})
    return validate_record(RecipeCreate, {
        "source_key": f"{DATASET}:{idx}",
        "source_kind": SourceKind.CURATED_DATASET.value,
        "dataset": DATASET,
        "paper_key": paper.key if paper else None,
        "paper": paper,
        "method": SynthesisMethod.HOT_INJECTION.value,
        "target_composition": "CdSe",
        "success": True,
        "provenance": prov,
        "chemicals": _chemicals(row),
        "steps": steps,
        "outcomes": outcomes,
    }, where=f"row {idx}")
