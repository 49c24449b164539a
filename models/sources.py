"""Training sources: which dataset a source name selects, its default grouping, selection and model settings.

The CLI resolves a source to a database query (``db.queries.recipe_frames(session, dataset=...)``); this module
only holds the modelling defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nanosynth.schema.errors import ModelError


@dataclass(frozen=True)
class SourceSpec:
    """Defaults for one training source.

    Attributes
    ----------
    datasets: ``Recipe.dataset`` values selected.
    group_by: default CV grouping (``none`` = random folds).
    max_size_nm: recipes with a larger size are left out (Gu et al. study: ≤ 20 nm).
    files: dataset files (relative to the shared data folder) the CLI imports when the database lacks them.
    estimator_params: per model kind, estimator parameters tuned by cross-validation on this source.
    target_params: per target, per model kind, overrides of ``estimator_params`` (e.g. lighter multi-class
        boosting for shape).
    default_model: model kind used when none is given (chosen by the level-out protocol for grid sources).
    """

    name: str
    datasets: tuple[str, ...]
    group_by: str
    max_size_nm: float | None = None
    files: tuple[tuple[str, str], ...] = ()
    estimator_params: dict = field(default_factory=dict)
    target_params: dict = field(default_factory=dict)
    default_model: str = "xgb"

    def params(self, model: str, target: str | None = None) -> dict:
        """Estimator parameters of ``model`` for ``target`` on this source."""
        out = dict(self.estimator_params.get(model, {}))
        if target is not None:
            from nanosynth.models.targets import get_target

            out.update(self.target_params.get(get_target(target).name, {}).get(model, {}))
        return out


#: Continuous inputs of the microreactor GP: the five reactor conditions (+ spectrum and peak in the FWHM cascade).
_HTE_CONDITIONS = ("t_growth_c", "mm_cation_precursor", "mm_anion_precursor", "ratio_ligand_cation", "log_time_s",
                   "spectrum=pl", "cascade_peak_mev")

SOURCES: dict[str, SourceSpec] = {
    "gu2024": SourceSpec(
        "gu2024", ("gu2024",), "none", 20.0,
        files=(("gu2024", "nanocrystal_recipes/raw_recipe_dataset.xlsx"),),
        estimator_params={"xgb": {"n_members": 3, "n_estimators": 400, "max_depth": 12, "learning_rate": 0.05,
                                  "colsample_bytree": 0.2, "subsample": 0.8, "min_child_weight": 0.5},
                          "nn": {"n_members": 3, "epochs": 80, "hidden": 256},
                          "rf": {"n_members": 3, "n_estimators": 100, "max_features": 0.3},
                          "et": {"n_members": 3, "n_estimators": 150, "max_features": 0.5}},
        target_params={"shape": {"xgb": {"n_estimators": 150, "max_depth": 8, "learning_rate": 0.1,
                                         "colsample_bytree": 0.3},
                                 "nn": {"epochs": 40}}}),
    "cdse-hte": SourceSpec(
        "cdse-hte", ("cdse-hte",), "experiment",
        files=(("cdse-hte", "cdse_hte/cdse_uv_train_val.csv"), ("cdse-hte", "cdse_hte/cdse_pl_train_val.csv")),
        estimator_params={"xgb": {"n_members": 5, "n_estimators": 600, "max_depth": 5, "learning_rate": 0.03,
                                  "subsample": 0.8, "colsample_bytree": 1.0},
                          "nn": {"n_members": 4, "epochs": 40, "hidden": 128, "batch_size": 256},
                          "rf": {"n_members": 3, "n_estimators": 100, "max_features": 1.0},
                          "et": {"n_members": 3, "n_estimators": 150, "max_features": 1.0},
                          "gp": {"columns": list(_HTE_CONDITIONS)}},
        default_model="gp"),
    "cdse-literature": SourceSpec(
        "cdse-literature", ("cdse-literature",), "citation",
        files=(("cdse-literature", "cdse_literature/cdse_hot_injection_literature.csv"),),
        estimator_params={"xgb": {"n_members": 5, "n_estimators": 300, "max_depth": 3, "learning_rate": 0.05},
                          "nn": {"n_members": 5, "epochs": 200, "hidden": 64},
                          "rf": {"n_members": 3, "n_estimators": 200, "max_features": 0.5},
                          "et": {"n_members": 3, "n_estimators": 200, "max_features": 0.5}}),
}


def get_source(name: str) -> SourceSpec:
    if name not in SOURCES:
        raise ModelError(f"unknown source {name!r}: use one of {', '.join(SOURCES)}")
    return SOURCES[name]
