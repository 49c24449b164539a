"""Recipe-shaped input files: planned syntheses written as chemicals with amounts and conditions, in JSON or CSV.

Every property model featurizes the unified schema, so a file of recipes in this shape can be given to any of
them (the Gu size and shape models, the CdSe literature model, the microreactor models):

JSON — a list of recipes (or ``{"recipes": [...]}``)::

    [{"id": "run-1", "composition": "CdSe", "method": "hot_injection",
      "chemicals": [{"name": "cadmium oxide", "role": "cation_precursor", "amount": "0.2 mmol"},
                    {"name": "oleic acid", "role": "ligand", "amount": "2 mL"}],
      "conditions": {"injection_temperature_c": 300, "temperature_c": 260, "time_s": 180}}]

CSV — one row per chemical; the recipe columns (``recipe``, ``composition``, ``method`` and the condition columns)
repeat on each row of a recipe or stand on its first row only::

    recipe,composition,chemical,role,amount,temperature_c,time_s
    run-1,CdSe,cadmium oxide,cation_precursor,0.2 mmol,260,180
    run-1,CdSe,oleic acid,ligand,2 mL,,

Amounts are a number with a unit (mmol, mL, g, mM ...; converted with pint) or a bare number (a ratio to the
cation precursor). Unknown fields are refused with the list of valid ones, so a misspelled condition never
silently drops out of a prediction.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from nanosynth.schema.chemicals import density, formula_of, guess_role, molar_mass, normalize_name
from nanosynth.schema.errors import ModelError, UnitError
from nanosynth.schema.records import ChemicalUseCreate, RecipeCreate, StepCreate
from nanosynth.schema.units import normalize_amount, split_value_unit

class ChemicalInput(BaseModel):
    """One chemical of a planned recipe: its name, role (guessed from the name when absent) and amount."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    role: str | None = None
    amount: str | float | None = None


class ConditionsInput(BaseModel):
    """Reaction conditions: growth temperature and time, injection temperature, heating rate."""

    model_config = ConfigDict(extra="forbid")

    temperature_c: float | None = Field(default=None, description="growth (reaction) temperature, °C")
    injection_temperature_c: float | None = Field(default=None, description="hot-injection temperature, °C")
    time_s: float | None = Field(default=None, ge=0, description="growth time, s")
    time_min: float | None = Field(default=None, ge=0, description="growth time, min (alternative to time_s)")
    heating_rate_k_min: float | None = Field(default=None, ge=0)

    def growth_time_s(self) -> float | None:
        if self.time_s is not None and self.time_min is not None:
            raise ModelError("give the growth time once: time_s or time_min, not both")
        return self.time_s if self.time_s is not None else (None if self.time_min is None else self.time_min * 60)


class RecipeInput(BaseModel):
    """One planned recipe."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    composition: str = Field(min_length=1)
    method: str = "hot_injection"
    phase: str | None = None
    chemicals: list[ChemicalInput] = Field(default_factory=list)
    conditions: ConditionsInput = Field(default_factory=ConditionsInput)

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, v):
        return None if v is None else str(v)


CONDITION_FIELDS = tuple(ConditionsInput.model_fields)
CSV_COLUMNS = ("recipe", "composition", "method", "phase", "chemical", "role", "amount", *CONDITION_FIELDS)


def _chemical_record(chem: ChemicalInput, composition: str) -> ChemicalUseCreate:
    """A schema chemical with its amount normalized (mmol / mL / g / mM / ratio)."""
    name = normalize_name(chem.name)
    formula = formula_of(name)
    role = chem.role or guess_role(name, composition).value
    amount = chem.amount
    if amount is None or (isinstance(amount, str) and not amount.strip()):
        return ChemicalUseCreate(name_raw=chem.name, name=name, formula=formula, role=role)
    if isinstance(amount, (int, float)):
        value, unit = float(amount), None
    else:
        value, unit = split_value_unit(amount)
        if value is None:
            raise ModelError(f"amount {amount!r} of {chem.name!r} is not a number with a unit (e.g. '0.2 mmol')")
    try:
        norm = normalize_amount(value, unit, molar_mass(formula) if formula else None, density(name))
    except UnitError as exc:
        raise ModelError(f"amount {amount!r} of {chem.name!r}: {exc}") from exc
    return ChemicalUseCreate(name_raw=chem.name, name=name, formula=formula, role=role, amount_raw=str(amount),
                             amount_value=value, amount_unit=unit, amount_mmol=norm.mmol, amount_ml=norm.ml,
                             amount_g=norm.g, concentration_mm=norm.mm, ratio=norm.ratio)


def _step_records(cond: ConditionsInput) -> list[StepCreate]:
    """An injection step (when its temperature is given) and a growth step with temperature and time."""
    steps = []
    if cond.injection_temperature_c is not None:
        steps.append(StepCreate(order=0, action="inject", temperature_c=cond.injection_temperature_c))
    time_s = cond.growth_time_s()
    if cond.temperature_c is not None or time_s is not None or cond.heating_rate_k_min is not None:
        steps.append(StepCreate(order=len(steps), action="grow", temperature_c=cond.temperature_c, time_s=time_s,
                                heating_rate_k_min=cond.heating_rate_k_min))
    return steps


def to_record(recipe: RecipeInput, position: int) -> RecipeCreate:
    """The schema record of one planned recipe (``source_kind`` lab: a plan, not a literature report)."""
    key = recipe.id or f"recipe-{position + 1}"
    return RecipeCreate(source_key=key, source_kind="lab", series_key=key, method=recipe.method,
                        target_composition=recipe.composition, target_phase=recipe.phase,
                        chemicals=[_chemical_record(c, recipe.composition) for c in recipe.chemicals],
                        steps=_step_records(recipe.conditions))


def _validated(items: list, where: str) -> list[RecipeInput]:
    recipes = []
    for k, item in enumerate(items):
        try:
            recipes.append(RecipeInput.model_validate(item))
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"])
            hint = ""
            if err["type"] == "extra_forbidden":
                hint = (f" (recipe fields: {', '.join(RecipeInput.model_fields)}; conditions: "
                        f"{', '.join(CONDITION_FIELDS)}; chemical fields: {', '.join(ChemicalInput.model_fields)})")
            raise ModelError(f"{where}, recipe {k + 1}: {field}: {err['msg']}{hint}") from exc
    return recipes


def _csv_items(table: pd.DataFrame) -> list[dict]:
    """Recipe dicts from the one-row-per-chemical CSV layout (recipe columns may be on the first row only)."""
    unknown = [c for c in table.columns if c not in CSV_COLUMNS]
    if unknown:
        raise ModelError(f"unknown column(s) {', '.join(map(repr, unknown))}: recipe CSV columns are "
                         f"{', '.join(CSV_COLUMNS)}")
    if "recipe" not in table.columns:
        table = table.assign(recipe=[f"recipe-{k + 1}" for k in range(len(table))])
    items = []
    for key, rows in table.groupby("recipe", sort=False):
        first = {c: _first(rows[c]) for c in rows.columns}
        chemicals = [{k: v for k, v in (("name", r.get("chemical")), ("role", r.get("role")),
                                         ("amount", r.get("amount"))) if not _missing(v)}
                     for r in rows.to_dict("records") if not _missing(r.get("chemical"))]
        item = {k: first[k] for k in ("composition", "method", "phase") if not _missing(first.get(k))}
        conditions = {k: first[k] for k in CONDITION_FIELDS if not _missing(first.get(k))}
        items.append({"id": str(key), **item, "chemicals": chemicals, "conditions": conditions})
    return items


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (isinstance(value, str)
                                                                                 and not value.strip())


def _first(series: pd.Series):
    present = series.dropna()
    return present.iloc[0] if len(present) else None


def is_recipe_table(table: pd.DataFrame) -> bool:
    """Whether a CSV is in the recipe layout (it has a ``chemical`` column) rather than a conditions table."""
    return "chemical" in table.columns


def read_recipe_file(path: Path) -> list[RecipeCreate]:
    """Schema records of the recipes in a JSON or CSV recipe file (see the module docstring for the layout).

    Raises
    ------
    ModelError
        When the file is missing, not JSON/CSV, or a recipe has an unknown field, a missing composition or an
        amount that is not a number with a unit of amount.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path} does not exist")
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ModelError(f"{path.name} is not valid JSON: {exc}") from exc
        items = data.get("recipes") if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise ModelError(f"{path.name}: expected a list of recipes or {{\"recipes\": [...]}}")
    else:
        items = _csv_items(pd.read_csv(path, dtype={"recipe": str}))
    if not items:
        raise ModelError(f"{path.name} holds no recipe")
    return [to_record(r, k) for k, r in enumerate(_validated(items, path.name))]


__all__ = ["CSV_COLUMNS", "ChemicalInput", "ConditionsInput", "RecipeInput", "is_recipe_table",
           "read_recipe_file", "to_record"]
