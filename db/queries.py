"""Queries returning pandas DataFrames: long frames per table, one wide frame per recipe, filters.

``recipe_frames`` is the training-frame source of ``models`` (which never opens sessions itself);
``frames_from_records`` builds the very same frames from unsaved records (a file parsed by an importer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import and_, case, exists, func, or_, select
from sqlmodel import Session

from nanosynth.schema.enums import (
    ChemicalRole,
    OutcomeProperty,
    RecipeSource,
    SourceKind,
    SynthesisMethod,
    expand_sources,
    recipe_source,
    source_kinds,
    spectral_name,
)
from nanosynth.schema.errors import NanosynthError, QueryError, unknown_value
from nanosynth.schema.frames import CHEMICAL_COLUMNS, OUTCOME_COLUMNS, RECIPE_COLUMNS, STEP_COLUMNS, RecipeFrames
from nanosynth.schema.records import RecipeCreate
from nanosynth.schema.tables import ChemicalUse, Outcome, Paper, Provenance, Recipe, Step

@dataclass(frozen=True)
class RecipeFilter:
    """Filters for recipe queries (all optional, combined with AND).

    ``chemical`` matches a normalized or raw chemical name (case-insensitive substring) with an optional
    ``role`` (a role name, or ``"precursor"`` for either precursor role); ``property_ranges`` maps an outcome
    property to ``(low, high)`` (either may be None) and keeps only recipes that have that outcome within range;
    ``min_confidence`` leaves out recipes whose extraction confidence is below it (rows without one pass).

    ``shape`` keeps recipes with that shape outcome (a normalized shape name such as ``sphere``).
    ``source`` keeps recipes from these sources (``curated``, ``mined``, ``lab``, ``simulated``, or ``literature``
    for curated and mined). Simulated recipes (the reactor's digital twin) are left out unless ``include`` holds
    ``"simulated"``, ``source`` names it, or the filter names the recipes (``dataset`` or ``recipe_ids``).
    """

    dataset: str | Sequence[str] | None = None
    source_kind: str | None = None
    source: str | Sequence[str] | None = None
    include: Sequence[str] = ()
    composition: str | Sequence[str] | None = None
    method: str | None = None
    shape: str | None = None
    chemical: str | None = None
    role: str | None = None
    has_property: Sequence[str] = ()
    property_ranges: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    recipe_ids: Sequence[int] | None = None
    min_confidence: float | None = None
    limit: int | None = None

    def __post_init__(self) -> None:
        check_filter(self)


#: Values each vocabulary filter accepts (``role`` also takes ``precursor``: either precursor role).
FILTER_VOCABULARIES = {
    "source_kind": tuple(SourceKind), "method": tuple(SynthesisMethod),
    "role": (*ChemicalRole, "precursor"), "property": tuple(OutcomeProperty),
}


def check_filter(flt: RecipeFilter) -> None:
    """Refuse filters that can only match by accident: unknown vocabulary values, unknown or non-numeric range
    properties, reversed ranges and a limit below 1.

    Raises
    ------
    QueryError
        Naming the valid values (and the nearest one) or the range to fix.
    """
    for name in ("source_kind", "method", "role"):
        value = getattr(flt, name)
        if value is not None and value not in FILTER_VOCABULARIES[name]:
            raise QueryError(unknown_value(name.replace("_", " "), value, FILTER_VOCABULARIES[name]))
    for prop in (*flt.has_property, *flt.property_ranges):
        if prop not in FILTER_VOCABULARIES["property"]:
            raise QueryError(unknown_value("outcome property", prop, FILTER_VOCABULARIES["property"]))
    for prop, (low, high) in flt.property_ranges.items():
        if prop == OutcomeProperty.SHAPE:
            raise QueryError("shape has no numeric value to range over: filter with has_property=['shape']")
        if low is not None and high is not None and low > high:
            raise QueryError(f"range of {prop} is reversed ({low:g} > {high:g}): give LOW:HIGH, e.g. "
                             f"{prop}={high:g}:{low:g}")
    if flt.limit is not None and flt.limit < 1:
        raise QueryError(f"limit must be a positive number of recipes, got {flt.limit}")


def check_known_values(session: Session, flt: RecipeFilter) -> None:
    """Refuse a dataset or composition that no recipe in the database has (a misspelling returns 0 rows).

    Raises
    ------
    QueryError
        Naming the values present in the database (and the nearest one).
    """
    for name, column in (("dataset", Recipe.dataset), ("composition", Recipe.target_composition)):
        wanted = _as_list(getattr(flt, name))
        if not wanted:
            continue
        present = set(session.execute(select(column).where(column.in_(wanted)).distinct()).scalars())
        for value in wanted:
            if value not in present:
                known = session.execute(select(column).where(column.is_not(None)).distinct()).scalars()
                raise QueryError(unknown_value(f"{name} (not in this database)", value, known))


def _as_list(value) -> list | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def source_column():
    """SQL expression of a recipe's :class:`~nanosynth.schema.enums.RecipeSource` (labelled ``source``)."""
    whens = [(Recipe.simulated.is_(True), RecipeSource.SIMULATED.value)]
    whens += [(Recipe.source_kind.in_(source_kinds(src.value)), src.value) for src in RecipeSource
              if src is not RecipeSource.SIMULATED]
    return case(*whens, else_=RecipeSource.LAB.value).label("source")


def _source_condition(flt: RecipeFilter):
    """The WHERE clause of ``flt.source`` and of the simulated default (None when nothing is filtered)."""
    try:
        sources = expand_sources(flt.source) if flt.source is not None else None
        unknown = set(flt.include) - {RecipeSource.SIMULATED.value}
        if unknown:
            raise ValueError(f"cannot include {sorted(unknown)}: only 'simulated' is left out by default")
    except ValueError as exc:
        raise NanosynthError(str(exc)) from exc
    simulated = RecipeSource.SIMULATED.value
    if sources is None:
        named = flt.dataset is not None or flt.recipe_ids is not None or simulated in flt.include
        return None if named else Recipe.simulated.is_(False)
    parts = [and_(Recipe.source_kind.in_(source_kinds(src)), Recipe.simulated.is_(src == simulated))
             for src in sources]
    return or_(*parts)


def _recipe_select(flt: RecipeFilter):
    stmt = select(Recipe.id)
    if (cond := _source_condition(flt)) is not None:
        stmt = stmt.where(cond)
    if (ds := _as_list(flt.dataset)) is not None:
        stmt = stmt.where(Recipe.dataset.in_(ds))
    if flt.source_kind:
        stmt = stmt.where(Recipe.source_kind == flt.source_kind)
    if (comps := _as_list(flt.composition)) is not None:
        stmt = stmt.where(Recipe.target_composition.in_(comps))
    if flt.method:
        stmt = stmt.where(Recipe.method == flt.method)
    if flt.recipe_ids is not None:
        stmt = stmt.where(Recipe.id.in_(list(flt.recipe_ids)))
    if flt.min_confidence is not None:  # recipes without a stated confidence (curated rows) pass
        stmt = stmt.where(~exists().where(and_(Provenance.id == Recipe.provenance_id,
                                               Provenance.confidence < flt.min_confidence)))
    if flt.chemical or flt.role:
        cond = [ChemicalUse.recipe_id == Recipe.id]
        if flt.chemical:
            pattern = f"%{flt.chemical.lower()}%"
            cond.append(or_(func.lower(ChemicalUse.name).like(pattern), func.lower(ChemicalUse.name_raw).like(pattern)))
        if flt.role == "precursor":
            cond.append(ChemicalUse.role.in_(["cation_precursor", "anion_precursor"]))
        elif flt.role:
            cond.append(ChemicalUse.role == flt.role)
        stmt = stmt.where(exists().where(and_(*cond)))
    if flt.shape:
        stmt = stmt.where(exists().where(and_(Outcome.recipe_id == Recipe.id, Outcome.property == "shape",
                                              Outcome.value_text == flt.shape)))
    for prop in flt.has_property:
        stmt = stmt.where(exists().where(and_(Outcome.recipe_id == Recipe.id, Outcome.property == prop)))
    for prop, (low, high) in flt.property_ranges.items():
        cond = [Outcome.recipe_id == Recipe.id, Outcome.property == prop]
        if low is not None:
            cond.append(Outcome.value >= low)
        if high is not None:
            cond.append(Outcome.value <= high)
        stmt = stmt.where(exists().where(and_(*cond)))
    stmt = stmt.order_by(Recipe.id)
    if flt.limit:
        stmt = stmt.limit(flt.limit)
    return stmt


def recipe_ids(session: Session, flt: RecipeFilter | None = None) -> list[int]:
    """Ids of the recipes matching ``flt``."""
    return list(session.execute(_recipe_select(flt or RecipeFilter())).scalars())


def count_recipes(session: Session, flt: RecipeFilter | None = None) -> int:
    """Number of recipes matching ``flt``."""
    ids = _recipe_select(flt or RecipeFilter()).subquery()
    return int(session.execute(select(func.count()).select_from(ids)).scalar_one())


def source_counts(session: Session, flt: RecipeFilter | None = None) -> dict[str, int]:
    """Recipes per :class:`~nanosynth.schema.enums.RecipeSource` among those matching ``flt`` if its source
    and simulated restrictions were lifted (the counts of a source facet)."""
    from dataclasses import replace

    open_flt = replace(flt or RecipeFilter(), source=None, include=(RecipeSource.SIMULATED.value,), limit=None)
    ids = _recipe_select(open_flt).subquery()
    src = source_column()
    rows = session.execute(select(src, func.count()).where(Recipe.id.in_(select(ids.c.id))).group_by(src)).all()
    counts = dict.fromkeys((s.value for s in RecipeSource), 0)
    counts.update({name: int(n) for name, n in rows})
    return counts


def _frame(session: Session, stmt, columns: list[str]) -> pd.DataFrame:
    rows = session.execute(stmt).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def _chunks(ids: list[int], size: int = 900):
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def recipe_frames(session: Session, flt: RecipeFilter | None = None, **filters) -> RecipeFrames:
    """Long frames (recipes, chemicals, steps, outcomes) of the recipes matching the filter.

    Examples
    --------
    >>> frames = recipe_frames(session, dataset="cdse-hte")                      # doctest: +SKIP
    >>> frames = recipe_frames(session, composition="CdSe", has_property=["size_nm"])  # doctest: +SKIP
    """
    flt = flt or RecipeFilter(**filters)
    ids = recipe_ids(session, flt)
    parts: dict[str, list[pd.DataFrame]] = {"recipes": [], "chemicals": [], "steps": [], "outcomes": []}
    for chunk in _chunks(ids):
        parts["recipes"].append(_frame(session, select(
            Recipe.id, Recipe.source_key, Recipe.source_kind, source_column(), Recipe.dataset, Recipe.series_key,
            Recipe.method, Recipe.target_composition, Recipe.target_phase, Recipe.success, Recipe.paper_id, Paper.doi,
            Paper.citation,
        ).outerjoin(Paper, Paper.id == Recipe.paper_id).where(Recipe.id.in_(chunk)), RECIPE_COLUMNS))
        parts["chemicals"].append(_frame(session, select(
            ChemicalUse.recipe_id, ChemicalUse.name_raw, ChemicalUse.name, ChemicalUse.formula, ChemicalUse.role,
            ChemicalUse.amount_mmol, ChemicalUse.amount_ml, ChemicalUse.amount_g, ChemicalUse.concentration_mm,
            ChemicalUse.ratio, ChemicalUse.amount_raw,
        ).where(ChemicalUse.recipe_id.in_(chunk)).order_by(ChemicalUse.recipe_id, ChemicalUse.id), CHEMICAL_COLUMNS))
        parts["steps"].append(_frame(session, select(
            Step.recipe_id, Step.order, Step.action, Step.temperature_c, Step.temperature_k, Step.time_s,
            Step.heating_rate_k_min, Step.atmosphere, Step.injection_volume_ml,
        ).where(Step.recipe_id.in_(chunk)).order_by(Step.recipe_id, Step.order), STEP_COLUMNS))
        parts["outcomes"].append(_frame(session, select(
            Outcome.recipe_id, Outcome.property, Outcome.value, Outcome.value_text, Outcome.spectrum, Outcome.method,
        ).where(Outcome.recipe_id.in_(chunk)).order_by(Outcome.recipe_id, Outcome.id), OUTCOME_COLUMNS))
    frames = RecipeFrames()
    for name, pieces in parts.items():
        if pieces:
            setattr(frames, name, _typed(pd.concat(pieces, ignore_index=True)))
    return frames


_FLOATS = {"amount_mmol", "amount_ml", "amount_g", "concentration_mm", "ratio", "temperature_c", "temperature_k",
           "time_s", "heating_rate_k_min", "injection_volume_ml", "value"}


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for col in frame.columns:
        if col in _FLOATS:
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    return frame


def frames_from_records(records: Sequence[RecipeCreate]) -> RecipeFrames:
    """The frames of :func:`recipe_frames`, built from unsaved records (``recipe_id`` = position in ``records``)."""
    rec_rows, chem_rows, step_rows, out_rows = [], [], [], []
    for rid, rec in enumerate(records):
        doi = rec.paper.doi if rec.paper is not None else None
        citation = rec.paper.citation if rec.paper is not None else (rec.provenance.citation if rec.provenance
                                                                     else None)
        rec_rows.append((rid, rec.source_key, rec.source_kind, recipe_source(rec.source_kind, rec.simulated),
                         rec.dataset, rec.series_key, rec.method, rec.target_composition, rec.target_phase,
                         rec.success, rec.paper_id, doi, citation))
        chem_rows += [(rid, *(getattr(c, k) for k in CHEMICAL_COLUMNS[1:])) for c in rec.chemicals]
        step_rows += [(rid, *(getattr(s, k) for k in STEP_COLUMNS[1:])) for s in rec.steps]
        out_rows += [(rid, *(getattr(o, k) for k in OUTCOME_COLUMNS[1:])) for o in rec.outcomes]
    return RecipeFrames(
        recipes=_typed(pd.DataFrame(rec_rows, columns=RECIPE_COLUMNS)),
        chemicals=_typed(pd.DataFrame(chem_rows, columns=CHEMICAL_COLUMNS)),
        steps=_typed(pd.DataFrame(step_rows, columns=STEP_COLUMNS)),
        outcomes=_typed(pd.DataFrame(out_rows, columns=OUTCOME_COLUMNS)),
    )


def wide_frame(frames: RecipeFrames) -> pd.DataFrame:
    """One row per recipe: its metadata, main conditions, chemicals by role, and one column per outcome.

    Outcome columns are named by property (``size_nm``, ``abs_peak_nm`` ...); FWHM columns carry the spectrum
    (:func:`~nanosynth.schema.enums.spectral_name`: ``abs_fwhm_nm``, ``pl_fwhm_mev``); ``shape`` holds the shape name.
    """
    wide = frames.recipes.set_index("recipe_id").copy()
    steps = frames.steps
    if not steps.empty:
        inj = steps[steps["action"] == "inject"].groupby("recipe_id")["temperature_c"].first()
        grow = steps[steps["action"] == "grow"].groupby("recipe_id")
        wide["injection_temperature_c"] = inj
        wide["growth_temperature_c"] = grow["temperature_c"].first()
        wide["growth_time_s"] = grow["time_s"].first()
        wide["max_temperature_c"] = steps.groupby("recipe_id")["temperature_c"].max()
        wide["heating_rate_k_min"] = steps.groupby("recipe_id")["heating_rate_k_min"].max()
    chems = frames.chemicals
    if not chems.empty:
        amount = pd.Series("", index=chems.index, dtype=object)
        for col, unit in (("ratio", "ratio"), ("amount_g", "g"), ("amount_ml", "mL"), ("concentration_mm", "mM"),
                          ("amount_mmol", "mmol")):  # last wins: mmol preferred
            has = chems[col].notna()
            amount[has] = [f"{v:g} {unit}" for v in chems.loc[has, col]]
        label = chems["name"].astype(str).where(amount == "", chems["name"].astype(str) + " (" + amount + ")")
        for role in ("cation_precursor", "anion_precursor", "ligand", "solvent", "reducing_agent", "additive"):
            mask = chems["role"] == role
            wide[f"{role}s"] = label[mask].groupby(chems.loc[mask, "recipe_id"]).agg("; ".join)
    outs = frames.outcomes
    if not outs.empty:
        numeric = outs[outs["property"] != "shape"].copy()
        fwhm = numeric["property"].str.startswith("fwhm") & numeric["spectrum"].notna()
        numeric.loc[fwhm, "property"] = [spectral_name(p, s) for p, s in
                                          zip(numeric.loc[fwhm, "property"], numeric.loc[fwhm, "spectrum"])]
        if not numeric.empty:
            pivot = numeric.pivot_table(index="recipe_id", columns="property", values="value", aggfunc="first")
            wide = wide.join(pivot)
        shapes = outs[outs["property"] == "shape"].groupby("recipe_id")["value_text"].first()
        if not shapes.empty:
            wide["shape"] = shapes
    return wide.reset_index()


def recipes_wide(session: Session, flt: RecipeFilter | None = None, **filters) -> pd.DataFrame:
    """One row per matching recipe (see :func:`wide_frame`)."""
    return wide_frame(recipe_frames(session, flt, **filters))


#: Unit of an outcome from the suffix of its property name (size_nm, fwhm_mev, size_dist_pct).
_OUTCOME_UNITS = {"nm": "nm", "mev": "meV", "pct": "%"}


def _outcome_name(prop: str, spectrum) -> str:
    """``pl_fwhm_mev`` for a per-spectrum outcome (the name wide frames use), else the property itself; a missing
    spectrum (None or NaN in a frame) adds nothing."""
    if isinstance(spectrum, str) and spectrum and not prop.endswith("peak_nm"):
        return spectral_name(prop, spectrum)
    return prop


def recipes_long(session: Session, flt: RecipeFilter | None = None, **filters) -> pd.DataFrame:
    """One row per value: (recipe_id, source_key, kind chemical|step|outcome, name, value, unit, text)."""
    frames = recipe_frames(session, flt, **filters)
    keys = frames.recipes[["recipe_id", "source_key", "dataset", "target_composition"]]
    rows = []
    for c in frames.chemicals.itertuples(index=False):
        for col, unit in (("amount_mmol", "mmol"), ("concentration_mm", "mM"), ("amount_ml", "mL"),
                          ("amount_g", "g"), ("ratio", "")):
            value = getattr(c, col)
            if pd.notna(value):
                rows.append((c.recipe_id, "chemical", f"{c.role}:{c.name}", value, unit, c.name_raw))
    for s in frames.steps.itertuples(index=False):
        for col, unit in (("temperature_c", "°C"), ("time_s", "s"), ("heating_rate_k_min", "K/min"),
                          ("injection_volume_ml", "mL")):
            value = getattr(s, col)
            if pd.notna(value):
                rows.append((s.recipe_id, "step", f"{s.order}:{s.action}:{col}", value, unit, s.atmosphere))
    for o in frames.outcomes.itertuples(index=False):
        rows.append((o.recipe_id, "outcome", _outcome_name(o.property, o.spectrum), o.value,
                     _OUTCOME_UNITS.get(o.property.rsplit("_", 1)[-1], ""), o.value_text))
    long = pd.DataFrame(rows, columns=["recipe_id", "kind", "name", "value", "unit", "text"])
    return keys.merge(long, on="recipe_id", how="inner")
