"""Importer of the CdSe automated batch-microreactor data (Xu et al. 2024): absorption (uv) or emission (pl).

One recipe per aliquot: (experiment, sampling time). Its chemicals are the Cd and Se precursors at their
concentrations (mM) and oleic acid as an OA/Cd ratio; its steps an injection and a growth at the reactor
temperature for ``t_s`` seconds; its outcomes the fitted peak (nm), FWHM (nm and meV) of the spectrum. The
absorption and PL files describe the same aliquots: both map to the same recipe key (experiment, time rounded
to the second), so importing the second file adds its outcomes to the recipes of the first.
The repeatability files (``*_reproducibility.csv``, other column spellings) are accepted too, under their own keys.
"""

from __future__ import annotations

import logging
from pathlib import Path

from nanosynth.artifacts import sha256_file
from nanosynth.db.importers.base import (
    ParseResult,
    Rejection,
    cell_float,
    check_readable,
    read_csv_strict,
    require_numeric,
)
from nanosynth.schema.enums import ChemicalRole, OutcomeProperty, SourceKind, Spectrum, StepAction, SynthesisMethod
from nanosynth.schema.errors import ImportFormatError, SchemaValidationError
from nanosynth.schema.records import RecipeCreate, validate_record

log = logging.getLogger(__name__)

DATASET = "cdse-hte"
IMPORTER = "nanosynth.import.cdse_hte@1"
CITATION = "Xu et al. 2024, Chem. Mater. (AutonomousWorkflows/CdSe_ML)"

# canonical name → accepted spellings
_ALIASES = {
    "expt": ["Expt. No", "Expt_No"],
    "t_ambient": ["T_external", "T_Ambient"],
    "cd_mm": ["Cd_mM"],
    "se_mm": ["Se_mM"],
    "oa_cd": ["OA_Cd_ratio"],
    "t_reactor": ["T_reactor"],
    "t_s": ["t_s"],
    "peak_nm": ["Peak_nm", "peak_nm"],
    "fwhm_nm": ["FWHM_nm"],
    "fwhm_ev": ["FWHM_eV"],
}


def spectrum_of(path: Path, spectrum: str | None = None) -> Spectrum:
    """Which spectrum a file holds: given, or from its name (``uv``/``abs`` → absorption, ``pl`` → PL)."""
    if spectrum:
        value = spectrum.strip().lower()
        return Spectrum.ABSORPTION if value in {"uv", "abs", "absorption", "uv-vis"} else Spectrum(value)
    name = path.name.lower()
    has_uv = "uv" in name or "abs" in name
    has_pl = "pl" in name.replace("sample", "")
    if has_uv == has_pl:
        raise ImportFormatError(
            f"cannot tell from the name {path.name!r} whether it holds absorption (uv) or PL spectra: "
            "rename it to contain 'uv' or 'pl'"
        )
    return Spectrum.ABSORPTION if has_uv else Spectrum.PL


def _columns(header: list[str], path: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, spellings in _ALIASES.items():
        for s in spellings:
            if s in header:
                found[key] = s
                break
    missing = [spellings[0] for key, spellings in _ALIASES.items() if key not in found]
    if missing:
        raise ImportFormatError(
            f"{path.name} is not a {DATASET} file: missing column(s) {', '.join(repr(m) for m in missing)}. "
            f"Expected: {', '.join(s[0] for s in _ALIASES.values())}"
        )
    return found


def parse(path: Path, spectrum: str | None = None) -> ParseResult:
    """Parse an absorption or PL CSV of the microreactor data into recipes (nothing is written).

    Raises
    ------
    ImportFormatError
        Wrong columns, a numeric column holding text, a truncated file, or a name that does not say uv/pl.
    """
    path = check_readable(Path(path), (".csv",), DATASET)
    frame = read_csv_strict(path, DATASET)
    cols = _columns(list(frame.columns), path)
    require_numeric(frame, [cols[k] for k in ("cd_mm", "se_mm", "t_reactor", "t_s", "peak_nm")], path, DATASET)
    spec = spectrum_of(path, spectrum)
    repeat = cols["expt"] == "Expt_No"
    prefix = "cdse-hte-repeat" if repeat else DATASET
    result = ParseResult(DATASET, path, sha256_file(path), rows=len(frame))
    for idx, row in enumerate(frame.to_dict("records"), start=1):
        try:
            result.records.append(_row_to_recipe(idx, row, cols, spec, prefix, path.name))
        except SchemaValidationError as exc:
            result.rejections.append(Rejection(idx, str(exc)))
    log.info("%s (%s): %d rows, %d recipes, %d rejected", DATASET, spec.value, result.rows, len(result.records),
             len(result.rejections))
    return result


def _row_to_recipe(idx: int, row: dict, cols: dict[str, str], spec: Spectrum, prefix: str,
                   file_name: str) -> RecipeCreate:
    def num(key: str, required: bool = True):
        return cell_float(row.get(cols[key]), cols[key], required=required)

    expt_value = num("expt")
    expt = int(expt_value) if expt_value == int(expt_value) else expt_value
    t_s = num("t_s")
    cd, se, oa = num("cd_mm"), num("se_mm"), num("oa_cd")
    t_reactor = num("t_reactor")
    peak = num("peak_nm")
    fwhm_nm = num("fwhm_nm", required=False)
    fwhm_ev = num("fwhm_ev", required=False)
    ambient = cell_float(row.get(cols["t_ambient"]), cols["t_ambient"], non_negative=False)
    prov = {"extractor": IMPORTER, "dataset": prefix, "row_number": idx, "citation": f"{CITATION}; {file_name}",
            "confidence": 1.0}
    method = "UV-vis (in-line, half-Gaussian fit)" if spec is Spectrum.ABSORPTION else "PL (in-line, Gaussian fit)"
    peak_prop = OutcomeProperty.ABS_PEAK_NM if spec is Spectrum.ABSORPTION else OutcomeProperty.PL_PEAK_NM
    outcomes = [{"property": peak_prop.value, "value": peak, "method": method, "spectrum": spec.value}]
    if fwhm_nm is not None:
        outcomes.append({"property": OutcomeProperty.FWHM_NM.value, "value": fwhm_nm, "method": method,
                         "spectrum": spec.value})
    if fwhm_ev is not None:
        outcomes.append({"property": OutcomeProperty.FWHM_MEV.value, "value": fwhm_ev * 1000.0, "method": method,
                         "spectrum": spec.value})
    return validate_record(RecipeCreate, {
        "source_key": f"{prefix}:expt{expt}:t{round(t_s)}",
        "source_kind": SourceKind.CURATED_DATASET.value,
        "dataset": prefix,
        "series_key": f"{prefix}:expt{expt}",
        "method": SynthesisMethod.HOT_INJECTION.value,
        "target_composition": "CdSe",
        "success": True,
        "notes": None if ambient is None else f"ambient temperature {ambient} °C",
        "provenance": prov,
        "chemicals": [
            {"name_raw": "Cd precursor", "name": "cadmium precursor", "role": ChemicalRole.CATION_PRECURSOR.value,
             "amount_raw": f"{cd} mM", "amount_value": cd, "amount_unit": "mM", "concentration_mm": cd},
            {"name_raw": "Se precursor", "name": "selenium precursor", "role": ChemicalRole.ANION_PRECURSOR.value,
             "amount_raw": f"{se} mM", "amount_value": se, "amount_unit": "mM", "concentration_mm": se},
            {"name_raw": "OA", "name": "oleic acid", "formula": "C18H34O2", "role": ChemicalRole.LIGAND.value,
             "amount_raw": f"OA/Cd = {oa}", "amount_value": oa, "ratio": oa},
        ],
        "steps": [
            {"order": 0, "action": StepAction.INJECT.value, "temperature_c": t_reactor},
            {"order": 1, "action": StepAction.GROW.value, "temperature_c": t_reactor, "time_s": t_s},
        ],
        "outcomes": outcomes,
    }, where=f"row {idx}")
