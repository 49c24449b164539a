"""The input of featurization: four long frames keyed by ``recipe_id`` (duck-typed, no ``db`` import).

``db.queries.recipe_frames(session, ...)`` and ``db.queries.frames_from_records(records)`` return objects with
these four attributes; :func:`frames_for_conditions` builds the same shape from plain reactor conditions so a lab
script can call a CdSe model without a database.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from nanosynth.schema.errors import ModelError
from nanosynth.schema.frames import (
    CHEMICAL_COLUMNS,
    OUTCOME_COLUMNS,
    RECIPE_COLUMNS,
    STEP_COLUMNS,
    RecipeFrames,
)


@runtime_checkable
class RecipeFramesLike(Protocol):
    """Anything with ``recipes``, ``chemicals``, ``steps`` and ``outcomes`` DataFrames (see ``db.queries``)."""

    recipes: pd.DataFrame
    chemicals: pd.DataFrame
    steps: pd.DataFrame
    outcomes: pd.DataFrame


#: A concrete :class:`RecipeFramesLike` (used for subsets and for condition rows).
Frames = RecipeFrames


def check_frames(frames: object) -> RecipeFramesLike:
    """``frames`` if it has the four frames with a ``recipe_id`` column; else :class:`ModelError`."""
    for name in ("recipes", "chemicals", "steps", "outcomes"):
        frame = getattr(frames, name, None)
        if not isinstance(frame, pd.DataFrame) or (len(frame.columns) and "recipe_id" not in frame.columns):
            raise ModelError(
                f"expected recipe frames with a '{name}' DataFrame keyed by recipe_id: pass the result of "
                "nanosynth.db.queries.recipe_frames(...), db.queries.frames_from_records(...) or "
                "nanosynth.models.features.frames_for_conditions(...)"
            )
    return frames  # type: ignore[return-value]


def subset_frames(frames: RecipeFramesLike, recipe_ids) -> Frames:
    """The frames restricted to ``recipe_ids`` (order of ``frames.recipes`` kept)."""
    ids = set(pd.Index(recipe_ids).tolist())
    return Frames(*(getattr(frames, n)[getattr(frames, n)["recipe_id"].isin(ids)].reset_index(drop=True)
                    if len(getattr(frames, n)) else getattr(frames, n).copy()
                    for n in ("recipes", "chemicals", "steps", "outcomes")))


#: Column names accepted by :func:`frames_for_conditions` (canonical name → accepted spellings).
CONDITION_ALIASES = {
    "temperature_c": ["temperature_c", "T_reactor", "temperature", "T_C", "growth_temperature_c"],
    "cd_mm": ["cd_mm", "Cd_mM", "cd_mM", "cd"],
    "se_mm": ["se_mm", "Se_mM", "se_mM", "se"],
    "oa_cd_ratio": ["oa_cd_ratio", "OA_Cd_ratio", "oa_cd", "oa_ratio"],
    "time_s": ["time_s", "t_s", "time"],
}


def _condition_columns(frame: pd.DataFrame) -> dict[str, str]:
    found, missing = {}, []
    for key, names in CONDITION_ALIASES.items():
        match = next((n for n in names if n in frame.columns), None)
        if match is None:
            missing.append(key)
        else:
            found[key] = match
    if missing:
        raise ModelError(
            f"condition rows miss column(s) {', '.join(missing)}: give temperature_c (°C), cd_mm, se_mm, "
            "oa_cd_ratio and time_s (s) per row"
        )
    return found


def frames_for_conditions(conditions: pd.DataFrame, composition: str = "CdSe") -> Frames:
    """Recipe frames for CdSe microreactor conditions, shaped exactly like the ``cdse-hte`` importer's recipes.

    Parameters
    ----------
    conditions:
        One row per planned experiment with columns ``temperature_c`` (reactor temperature, °C), ``cd_mm``,
        ``se_mm`` (precursor concentrations, mM), ``oa_cd_ratio`` (oleic acid / Cd) and ``time_s`` (growth time,
        s). The dataset's own spellings (``T_reactor``, ``Cd_mM``, ``Se_mM``, ``OA_Cd_ratio``, ``t_s``) work too.
    composition:
        Target composition written into the recipes.

    Returns
    -------
    Frames
        ``recipe_id`` = row position (0..n-1), no outcomes. Feed it to ``PropertyModel.predict_dist``.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"temperature_c": [250.0], "cd_mm": [10.0], "se_mm": [10.0],
    ...                      "oa_cd_ratio": [10.0], "time_s": [120.0]})
    >>> len(frames_for_conditions(rows))
    1
    """
    if not isinstance(conditions, pd.DataFrame):
        raise ModelError("conditions must be a pandas DataFrame with one row per experiment")
    values = _condition_values(conditions)
    ids = np.arange(len(conditions))
    recipes = pd.DataFrame({
        "recipe_id": ids, "source_key": [f"conditions:{i}" for i in ids], "source_kind": "lab",
        "source": "lab", "dataset": None, "series_key": [f"conditions:{i}" for i in ids], "method": "hot_injection",
        "target_composition": composition, "target_phase": None, "success": None, "paper_id": None, "doi": None,
        "citation": None,
    }, columns=RECIPE_COLUMNS)
    return Frames(
        recipes=recipes,
        chemicals=pd.DataFrame(_chemical_rows(values, ids), columns=CHEMICAL_COLUMNS),
        steps=pd.DataFrame(_step_rows(values, ids), columns=STEP_COLUMNS),
        outcomes=pd.DataFrame(columns=OUTCOME_COLUMNS),
    )


def _condition_values(conditions: pd.DataFrame) -> dict[str, np.ndarray]:
    """The five condition columns as float arrays under their canonical names."""
    values = {}
    for key, col in _condition_columns(conditions).items():
        series = pd.to_numeric(conditions[col], errors="coerce")
        if series.isna().any():
            bad = int(np.flatnonzero(series.isna().to_numpy())[0])
            raise ModelError(f"condition column {col!r} has a missing or non-numeric value in row {bad}")
        values[key] = series.to_numpy(dtype=float)
    return values


def _chemical_rows(values: dict[str, np.ndarray], ids: np.ndarray) -> list[tuple]:
    """Cd and Se precursors (mM) and oleic acid (ratio to Cd) per condition row."""
    rows = []
    for i in ids:
        cd, se, oa = values["cd_mm"][i], values["se_mm"][i], values["oa_cd_ratio"][i]
        rows += [
            (i, "Cd precursor", "cadmium precursor", None, "cation_precursor", None, None, None, cd, None, f"{cd} mM"),
            (i, "Se precursor", "selenium precursor", None, "anion_precursor", None, None, None, se, None, f"{se} mM"),
            (i, "OA", "oleic acid", "C18H34O2", "ligand", None, None, None, None, oa, f"OA/Cd = {oa}"),
        ]
    return rows


def _step_rows(values: dict[str, np.ndarray], ids: np.ndarray) -> list[tuple]:
    """An injection and a growth step at the reactor temperature per condition row."""
    rows = []
    for i in ids:
        t = values["temperature_c"][i]
        rows += [(i, 0, "inject", t, t + 273.15, None, None, None, None),
                 (i, 1, "grow", t, t + 273.15, values["time_s"][i], None, None, None)]
    return rows
