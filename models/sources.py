"""Training sources: which recipes a ``--source`` selection takes from the database, and the modelling defaults.

A selection is one or more parts joined by ``+`` (or ``,``): a curated dataset (``gu2024``, ``cdse-hte``,
``cdse-literature``), ``mined`` (recipes extracted from ingested papers), ``lab`` (real reactor runs) or
``simulated`` (campaigns on the digital twin), optionally narrowed by composition, method and a minimum extraction confidence. The CLI resolves it
to database queries (``db.queries.recipe_frames``); this module holds the parsing, the defaults of each part and
:func:`one_per_paper`, which keeps one source's recipes per paper.
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
        target_params={name: {"xgb": {"n_estimators": 150, "max_depth": 8, "learning_rate": 0.1,
                                      "colsample_bytree": 0.3},
                              "nn": {"epochs": 40}} for name in ("shape", "shape_given_size")}),
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


#: Selection parts that pick recipes by where they came from (the ``source`` of every query:
#: :class:`nanosynth.schema.enums.RecipeSource`) instead of by curated dataset. ``simulated`` (campaigns on the
#: digital twin) is only used when named.
SOURCE_PARTS = ("mined", "lab", "simulated")

#: Defaults of a selection without a curated dataset (mined literature, lab results): few, heterogeneous recipes
#: from many papers, so folds are grouped by paper and the ensembles are small.
DATABASE_SPEC = SourceSpec(
    "database", (), "doi",
    estimator_params={"xgb": {"n_members": 5, "n_estimators": 300, "max_depth": 3, "learning_rate": 0.05},
                      "nn": {"n_members": 5, "epochs": 200, "hidden": 64},
                      "rf": {"n_members": 3, "n_estimators": 200, "max_features": 0.5},
                      "et": {"n_members": 3, "n_estimators": 200, "max_features": 0.5}})

#: Precedence when one paper is reported by several sources: a curated row beats a lab record beats a mined one.
_KIND_RANK = {"curated_dataset": 0, "campaign": 1, "lab": 1, "literature": 2}


def get_source(name: str) -> SourceSpec:
    """The defaults of a curated source, or of the first curated part of a selection (``gu2024+mined``)."""
    if name in SOURCES:
        return SOURCES[name]
    return parse_selection(name).spec()


@dataclass(frozen=True)
class Selection:
    """A parsed ``--source`` selection over the whole database.

    Attributes
    ----------
    datasets: curated dataset names selected.
    sources: recipe sources selected besides them (``mined``, ``lab``, ``simulated``).
    composition, method: narrow every part (None = any).
    min_confidence: mined recipes below this extraction confidence are left out (curated rows have none).
    """

    datasets: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    composition: tuple[str, ...] | None = None
    method: str | None = None
    min_confidence: float | None = None

    def spec(self) -> SourceSpec:
        """Modelling defaults: those of the first curated dataset, else :data:`DATABASE_SPEC`."""
        return SOURCES[self.datasets[0]] if self.datasets else DATABASE_SPEC


def parse_selection(text: str, composition=None, method: str | None = None,
                    min_confidence: float | None = None) -> Selection:
    """Parse ``gu2024``, ``mined``, ``cdse-literature+mined+lab`` ... into a :class:`Selection`.

    Raises
    ------
    ModelError
        On an unknown part (the valid ones are listed) or a confidence outside 0..1.
    """
    parts = [p.strip() for p in str(text).replace(",", "+").split("+") if p.strip()]
    valid = [*SOURCES, *SOURCE_PARTS]
    unknown = [p for p in parts if p not in valid]
    if unknown or not parts:
        raise ModelError(f"unknown source {', '.join(map(repr, unknown or [text]))}: use one or more of "
                         f"{', '.join(valid)} joined by '+' (e.g. gu2024+mined)")
    if min_confidence is not None and not 0.0 <= float(min_confidence) <= 1.0:
        raise ModelError(f"--min-confidence {min_confidence} must lie between 0 and 1")
    comps = None if composition is None else tuple([composition] if isinstance(composition, str) else composition)
    return Selection(tuple(dict.fromkeys(p for p in parts if p in SOURCES)),
                     tuple(dict.fromkeys(p for p in parts if p in SOURCE_PARTS)),
                     comps, method, None if min_confidence is None else float(min_confidence))


def one_per_paper(frames):
    """Keep, for every paper (by DOI) reported by several sources, the recipes of its best source only.

    A paper both curated and mined would otherwise count twice; the curated rows are kept (then lab records,
    then mined ones). Recipes without a DOI are all kept. Returns the frames restricted to the kept recipes.
    """
    from nanosynth.models.features import subset_frames

    rec = frames.recipes
    if rec.empty or "doi" not in rec:
        return frames
    rank = rec["source_kind"].map(_KIND_RANK).fillna(3)
    doi = rec["doi"].astype("string").str.lower()
    best = rank.groupby(doi).transform("min")
    keep = doi.isna() | (rank == best)
    return frames if keep.all() else subset_frames(frames, rec.loc[keep, "recipe_id"])
