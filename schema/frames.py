"""The long-frame form of recipes shared by ``db`` (which builds it) and ``models`` (which reads it).

Four pandas DataFrames keyed by ``recipe_id``: recipes, chemicals, steps, outcomes. Defined here, in the bottom
layer, so that both sides agree on one set of columns without ``models`` importing ``db``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

RECIPE_COLUMNS = ["recipe_id", "source_key", "source_kind", "source", "dataset", "series_key", "method",
                  "target_composition", "target_phase", "success", "paper_id", "doi", "citation"]
CHEMICAL_COLUMNS = ["recipe_id", "name_raw", "name", "formula", "role", "amount_mmol", "amount_ml", "amount_g",
                    "concentration_mm", "ratio", "amount_raw"]
STEP_COLUMNS = ["recipe_id", "order", "action", "temperature_c", "temperature_k", "time_s", "heating_rate_k_min",
                "atmosphere", "injection_volume_ml"]
OUTCOME_COLUMNS = ["recipe_id", "property", "value", "value_text", "spectrum", "method"]


@dataclass
class RecipeFrames:
    """Four long frames keyed by ``recipe_id``: recipes, chemicals, steps, outcomes."""

    recipes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=RECIPE_COLUMNS))
    chemicals: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CHEMICAL_COLUMNS))
    steps: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=STEP_COLUMNS))
    outcomes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=OUTCOME_COLUMNS))

    def __len__(self) -> int:
        return len(self.recipes)
