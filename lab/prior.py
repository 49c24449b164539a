"""Prior (literature) models for campaigns: the :class:`PriorModel` protocol and a built-in fallback.

A campaign needs, for each target outcome, a model that predicts a mean and an uncertainty at any point of the
reactor's parameter space. Any object with ``predict_dist(DataFrame) -> (mean, std)`` fits (the property models
of :mod:`models` do); the DataFrame has one column per reactor parameter (``temperature_c``, ``cd_mm``, ...).
:class:`RenamingPrior` maps those names to a model's own feature names.

:class:`PropertyModelPrior` wraps a trained ``models`` artifact (XGBoost/NN ensemble trained on the cdse-hte
source, loaded and hash-verified by :func:`nanosynth.models.artifacts.load_model`); it is what campaigns use when such a
model is registered. :class:`TreeEnsemblePrior` is the fallback used when no registered model is available: an extremely-randomized
tree ensemble (scikit-learn) fitted on literature/curated rows, whose spread across trees is the uncertainty.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd
from sklearn.ensemble import ExtraTreesRegressor
from sklearn.exceptions import NotFittedError

from nanosynth.schema.enums import Spectrum, spectral_name
from nanosynth.schema.errors import ModelError

log = logging.getLogger(__name__)

#: Reactor parameter → column of the cdse-hte training table built by :func:`hte_table_from_frames`.
HTE_PARAMETERS = ("temperature_c", "cd_mm", "se_mm", "oa_cd_ratio", "time_s")


@runtime_checkable
class PriorModel(Protocol):
    """Anything that predicts a distribution of one outcome from reactor parameters."""

    def predict_dist(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Predicted mean and standard deviation (same units as the outcome) for each row of ``X``."""
        ...


class RenamingPrior:
    """Wrap a model whose features are named differently from the reactor parameters.

    Parameters
    ----------
    model:
        Object with ``predict_dist``.
    columns:
        Reactor parameter name → model feature name; unmapped columns pass unchanged.
    extra:
        Constant feature columns the model needs (e.g. ``{"composition": "CdSe"}``).
    """

    def __init__(self, model: PriorModel, columns: Mapping[str, str], extra: Mapping[str, object] | None = None):
        self.model = model
        self.columns = dict(columns)
        self.extra = dict(extra or {})

    def predict_dist(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        Z = X.rename(columns=self.columns)
        for k, v in self.extra.items():
            Z[k] = v
        mean, std = self.model.predict_dist(Z)
        return np.asarray(mean, dtype=float), np.asarray(std, dtype=float)


class TreeEnsemblePrior:
    """Extra-trees ensemble with across-tree spread as uncertainty (scikit-learn estimator contract).

    Parameters
    ----------
    features:
        Columns used as inputs (log-transformed when ``log_features`` says so).
    n_estimators, min_samples_leaf, random_state:
        Passed to :class:`sklearn.ensemble.ExtraTreesRegressor`.
    log_features:
        Features modelled on a log axis (concentrations, ratios, times).
    """

    def __init__(self, features: tuple[str, ...] = HTE_PARAMETERS, n_estimators: int = 60,
                 min_samples_leaf: int = 3, random_state: int = 0,
                 log_features: tuple[str, ...] = ("cd_mm", "se_mm", "oa_cd_ratio", "time_s")) -> None:
        self.features = tuple(features)
        self.n_estimators = n_estimators
        self.min_samples_leaf = min_samples_leaf
        self.random_state = random_state
        self.log_features = tuple(log_features)

    def _matrix(self, X: pd.DataFrame) -> np.ndarray:
        missing = [f for f in self.features if f not in X.columns]
        if missing:
            raise ModelError(f"prior model needs columns {missing}; got {list(X.columns)}")
        cols = [np.log(np.maximum(X[f].to_numpy(float), 1e-9)) if f in self.log_features else X[f].to_numpy(float)
                for f in self.features]
        return np.column_stack(cols)

    def fit(self, X: pd.DataFrame, y: np.ndarray | pd.Series) -> TreeEnsemblePrior:
        """Fit on rows of ``X`` (reactor-parameter columns) and outcome ``y`` (NaN rows dropped).

        Raises
        ------
        ModelError
            When fewer than 10 usable rows remain.
        """
        y = np.asarray(y, dtype=float)
        M = self._matrix(X)
        ok = np.isfinite(y) & np.isfinite(M).all(axis=1)
        if ok.sum() < 10:
            raise ModelError(f"only {int(ok.sum())} usable rows to fit the prior; import the cdse-hte data first "
                             "('nanosynth db import cdse-hte ...')")
        self.model_ = ExtraTreesRegressor(n_estimators=self.n_estimators, min_samples_leaf=self.min_samples_leaf,
                                          random_state=self.random_state, n_jobs=1).fit(M[ok], y[ok])
        self.n_train_ = int(ok.sum())
        return self

    def predict_dist(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        if not hasattr(self, "model_"):
            raise NotFittedError("TreeEnsemblePrior is not fitted: call fit() first")
        M = self._matrix(X)
        per_tree = np.stack([t.predict(M) for t in self.model_.estimators_])
        return per_tree.mean(axis=0), per_tree.std(axis=0)


def hte_table_from_frames(frames) -> pd.DataFrame:
    """One row per recipe with the batch-microreactor parameters and outcomes, from ``db.queries`` frames.

    Uses the cdse-hte mapping of the importer: Cd precursor ``concentration_mm`` (cation precursor), Se precursor
    ``concentration_mm`` (anion precursor), oleic acid ``ratio``, and the grow step's temperature and time.
    Outcome columns: ``abs_peak_nm``, ``pl_peak_nm``, ``abs_fwhm_mev``, ``pl_fwhm_mev`` (when present).
    """
    recipes = frames.recipes[["recipe_id"]].copy()
    chem = frames.chemicals
    role = chem["role"].fillna("")
    name = (chem["name"].fillna("") + " " + chem["formula"].fillna("")).str.lower()
    cd = chem[(role == "cation_precursor") & chem["concentration_mm"].notna()].groupby("recipe_id")["concentration_mm"].first()
    se = chem[(role == "anion_precursor") & chem["concentration_mm"].notna()].groupby("recipe_id")["concentration_mm"].first()
    oa = chem[chem["ratio"].notna() & name.str.contains("ole")].groupby("recipe_id")["ratio"].first()
    steps = frames.steps
    grow = steps[steps["action"] == "grow"].sort_values("order").groupby("recipe_id").last()
    table = recipes.set_index("recipe_id")
    table["cd_mm"] = cd
    table["se_mm"] = se
    table["oa_cd_ratio"] = oa
    table["temperature_c"] = grow["temperature_c"]
    table["time_s"] = grow["time_s"]
    out = frames.outcomes
    for prop, spectrum, col in (("abs_peak_nm", None, "abs_peak_nm"), ("pl_peak_nm", None, "pl_peak_nm"),
                                *(("fwhm_mev", s.value, spectral_name("fwhm_mev", s)) for s in Spectrum)):
        sel = out[out["property"] == prop]
        if spectrum:
            sel = sel[sel["spectrum"] == spectrum]
        table[col] = sel.groupby("recipe_id")["value"].mean()
    return table.reset_index()


def fit_tree_prior(table: pd.DataFrame, target: str, random_state: int = 0) -> TreeEnsemblePrior:
    """Fit a :class:`TreeEnsemblePrior` for ``target`` on a table with reactor-parameter columns.

    Raises
    ------
    ModelError
        When the table lacks the target column or usable rows.
    """
    if target not in table.columns:
        raise ModelError(f"no {target!r} values to fit a prior on; columns: {list(table.columns)}")
    rows = table.dropna(subset=[*HTE_PARAMETERS, target])
    return TreeEnsemblePrior(random_state=random_state).fit(rows, rows[target].to_numpy(float))


def hte_table_from_csv(data_dir) -> pd.DataFrame:
    """The cdse-hte training table straight from the CSV files (benchmarks/tests without a database).

    Same columns as :func:`hte_table_from_frames`; absorption and PL rows of the same experiment and time
    (rounded to the second) are merged.
    """
    from pathlib import Path

    d = Path(data_dir)
    cols = {"T_reactor": "temperature_c", "Cd_mM": "cd_mm", "Se_mM": "se_mm", "OA_Cd_ratio": "oa_cd_ratio"}
    frames = []
    for name, peak, fwhm in (("cdse_uv_train_val.csv", "abs_peak_nm", "abs_fwhm_mev"),
                             ("cdse_pl_train_val.csv", "pl_peak_nm", "pl_fwhm_mev")):
        df = pd.read_csv(d / name)
        out = df.rename(columns=cols)[["Expt. No", *cols.values()]].copy()
        out["t_key"] = df["t_s"].round().astype(int)
        out["time_s"] = df["t_s"]
        out[peak] = df["Peak_nm"]
        out[fwhm] = df["FWHM_eV"] * 1000.0
        frames.append(out)
    merged = frames[0].merge(frames[1][["Expt. No", "t_key", "pl_peak_nm", "pl_fwhm_mev"]], on=["Expt. No", "t_key"],
                             how="outer")
    merged = merged.merge(frames[1][["Expt. No", "t_key", *cols.values(), "time_s"]], on=["Expt. No", "t_key"],
                          how="left", suffixes=("", "_pl"))
    for c in [*cols.values(), "time_s"]:
        merged[c] = merged[c].fillna(merged[f"{c}_pl"])
    return merged[[*HTE_PARAMETERS, "abs_peak_nm", "pl_peak_nm", "abs_fwhm_mev", "pl_fwhm_mev"]].reset_index(drop=True)


def database_table(session, dataset: str | list[str] = "cdse-hte") -> pd.DataFrame:
    """The batch-microreactor training table of ``dataset`` rows in the database (see :func:`hte_table_from_frames`).

    Raises
    ------
    ModelError
        When the database holds no such rows.
    """
    from nanosynth.db.queries import recipe_frames

    frames = recipe_frames(session, dataset=dataset)
    if len(frames) == 0:
        raise ModelError(f"the database has no {dataset} recipes: import them first, e.g. "
                         "'nanosynth db import cdse-hte ../shared/data/cdse_hte/cdse_uv_train_val.csv'")
    return hte_table_from_frames(frames)


class PropertyModelPrior:
    """A trained :class:`nanosynth.models.pipeline.PropertyModel` as a campaign prior.

    The models package predicts from recipe frames; reactor-parameter rows are turned into frames shaped like the
    cdse-hte importer's recipes with :func:`nanosynth.models.features.frames_for_conditions`. Out-of-domain rows (outside the
    training grid) keep the model's widened uncertainty; the warning is logged once instead of raised each call.

    Parameters
    ----------
    model:
        Fitted ``PropertyModel`` (anything with ``predict_dist(frames) -> DataFrame`` with ``recipe_id``, ``mean``
        and ``std`` columns).
    manifest:
        Its artifact manifest (name, version, source ...), kept for the campaign record.
    composition:
        Target composition written into the condition frames.
    """

    def __init__(self, model: object, manifest: Mapping[str, object] | None = None, composition: str = "CdSe"):
        self.model = model
        self.manifest = dict(manifest or {})
        self.composition = composition
        self._warned = False

    def predict_dist(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        import warnings

        from nanosynth.models.features import frames_for_conditions

        frames = frames_for_conditions(X.reset_index(drop=True), composition=self.composition)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            dist = self.model.predict_dist(frames)
        if caught and not self._warned:
            log.info("prior %s: %s", self.manifest.get("name", "model"), caught[0].message)
            self._warned = True
        dist = dist.set_index("recipe_id").reindex(np.arange(len(X)))
        mean, std = dist["mean"].to_numpy(float), dist["std"].to_numpy(float)
        if not np.all(np.isfinite(mean)):
            raise ModelError(f"prior {self.manifest.get('name', 'model')} returned no prediction for some rows")
        return mean, np.where(np.isfinite(std), std, np.nanmax(std[np.isfinite(std)], initial=1.0))


#: Training sources whose models describe the batch microreactor (cdse-hte grid).
REACTOR_SOURCES = ("cdse-hte",)


def load_model_prior(path, sources: tuple[str, ...] | None = REACTOR_SOURCES) -> PropertyModelPrior:
    """Load a ``models`` artifact directory (hashes verified) as a :class:`PropertyModelPrior`.

    Parameters
    ----------
    path:
        Artifact directory written by ``nanosynth models train`` / :func:`nanosynth.models.artifacts.save_model`.
    sources:
        Accepted training sources (manifest ``source``); ``None`` accepts any.

    Raises
    ------
    ArtifactNotFoundError, ArtifactIntegrityError
        From :func:`nanosynth.models.artifacts.load_model` (missing or tampered artifact).
    ModelError
        When the model was trained on another source or cannot predict from reactor parameters.
    """
    from nanosynth.models.artifacts import load_model

    model, manifest = load_model(path)
    source = manifest.get("source")
    if sources is not None and source is not None and source not in sources:
        raise ModelError(f"model {manifest.get('name')} was trained on {source!r}, not on the reactor data "
                         f"{list(sources)}: train one with 'nanosynth models train --source cdse-hte'")
    if getattr(getattr(model, "spec", None), "kind", "regression") != "regression":
        raise ModelError(f"model {manifest.get('name')} is not a regression model and cannot seed a campaign")
    return PropertyModelPrior(model, manifest)


def _registered_loader():
    """Loader of registered model artifacts (``models.artifacts.load_model`` wrapped as a prior), or None."""
    import importlib.util

    if importlib.util.find_spec("nanosynth.models.artifacts") is None:
        return None
    return load_model_prior


def registered_priors(session, outputs: list[str]) -> tuple[dict[str, PriorModel], dict[str, object]]:
    """Newest registered ``models`` artifact per output trained on the reactor data (cdse-hte), as a prior.

    Artifacts that fail verification, were trained on another source, or are lab recalibrations are skipped with
    a warning. Returns ``(priors, info)``; outputs without a usable registered model are simply missing.
    """
    from nanosynth.db.model_registry import list_artifacts

    loader = _registered_loader()
    priors: dict[str, PriorModel] = {}
    info: dict[str, object] = {}
    if loader is None:
        return priors, info
    for out in outputs:
        for row in list_artifacts(session, out):
            if row.kind == "residual" or str(row.path).startswith("spec:"):
                continue  # lab recalibrations (lab.reconcile) need their base model; not a stand-alone prior
            try:
                model = loader(row.path)
            except Exception as exc:  # noqa: BLE001 - a broken/foreign artifact must not stop the fallback
                log.warning("registered model %s@%s for %s cannot be used: %s", row.name, row.version, out, exc)
                continue
            if isinstance(model, PriorModel):
                priors[out] = model
                info[out] = {"kind": "registered", "model_artifact_id": row.id, "name": row.name,
                             "version": row.version, "model": row.kind}
                break
    return priors, info


def fit_smooth_prior(session, target: str, dataset: str = "cdse-hte", random_state: int = 0) -> PropertyModelPrior:
    """The source's default property model (``gp`` for cdse-hte: smooth in temperature) fitted on ``dataset``.

    A tree ensemble is a step function between the grid temperatures, so it cannot tell a shifted temperature;
    calibrations (:mod:`nanosynth.lab.temperature_offset`) use this instead.

    Raises
    ------
    ModelError
        When the database holds no ``dataset`` recipes with ``target``.
    """
    from nanosynth.db.queries import recipe_frames
    from nanosynth.models.pipeline import PropertyModel
    from nanosynth.models.sources import get_source

    frames = recipe_frames(session, dataset=dataset)
    if len(frames) == 0:
        raise ModelError(f"the database has no {dataset} recipes: import them first, e.g. "
                         "'nanosynth db import -f cdse-hte ../shared/data/cdse_hte/cdse_uv_train_val.csv'")
    spec = get_source(dataset)
    kind = spec.default_model
    model = PropertyModel(target, kind, group_by=spec.group_by, random_state=random_state,
                          estimator_params=spec.estimator_params.get(kind)).fit(frames)
    return PropertyModelPrior(model, {"name": f"{dataset}-{target}-{kind}", "source": dataset})


def database_priors(session, outputs: list[str], dataset: str = "cdse-hte", random_state: int = 0,
                    smooth: bool = False) -> tuple[dict[str, PriorModel], dict[str, object]]:
    """Priors for ``outputs``: registered models first, else a model fitted on the database's ``dataset``.

    The fallback is a tree ensemble, or with ``smooth`` the source's default model (:func:`fit_smooth_prior`).
    """
    priors, info = registered_priors(session, outputs)
    missing = [o for o in outputs if o not in priors]
    if missing:
        table = None if smooth else database_table(session, dataset)
        for o in missing:
            if smooth:
                priors[o] = fit_smooth_prior(session, o, dataset, random_state)
                info[o] = {"kind": priors[o].model.model, "dataset": dataset, "n_train": priors[o].model.n_train_}
                continue
            priors[o] = fit_tree_prior(table, o, random_state=random_state)
            info[o] = {"kind": "tree_ensemble", "dataset": dataset, "n_train": priors[o].n_train_}
    return priors, info


#: Literature (wide-frame) columns that give a reactor parameter of the schema when a recipe has no reactor row.
LITERATURE_COLUMNS = {"temperature_c": ("growth_temperature_c", "max_temperature_c", "injection_temperature_c"),
                      "time_s": ("growth_time_s",), "residence_time_s": ("growth_time_s",)}
#: Training sources of registered models per composition (models trained on the CdSe batch-reactor grid).
SOURCES_BY_COMPOSITION = {"CdSe": REACTOR_SOURCES}


def literature_table(session, composition: str, method: str | None, names: list[str]) -> pd.DataFrame:
    """Literature recipes of ``composition`` (and ``method``) with the reactor parameters they state.

    Each reactor parameter comes from the column of the same name or from :data:`LITERATURE_COLUMNS` (growth
    temperature and time); outcome columns are the wide frame's (``pl_peak_nm``, ``pl_fwhm_mev``, ``plqy`` ...).
    Results of lab campaigns (source kind ``campaign``) are left out: they are what a prior is checked against.
    """
    from nanosynth.db.queries import recipes_wide

    wide = recipes_wide(session, composition=composition, method=method)
    if "source_kind" in wide:
        wide = wide[wide["source_kind"] != "campaign"].reset_index(drop=True)
    table = wide.copy()
    for name in names:
        if name not in table:
            source = next((c for c in LITERATURE_COLUMNS.get(name, ()) if c in wide), None)
            table[name] = wide[source] if source else np.nan
    return table


def _literature_priors(session, product, names: list[str], outputs: list[str], log_names: list[str],
                       random_state: int) -> tuple[dict[str, PriorModel], dict[str, object]]:
    """Tree-ensemble priors on the product's literature recipes, over the parameters they state (≥ 10 rows)."""
    table = literature_table(session, product.composition, product.method, names)
    priors: dict[str, PriorModel] = {}
    info: dict[str, object] = {}
    for out in outputs:
        if out not in table:
            continue
        rows = table.dropna(subset=[out])
        features = tuple(n for n in names if rows[n].notna().sum() >= 10)
        rows = rows.dropna(subset=list(features))
        if not features or len(rows) < 10:
            continue
        priors[out] = TreeEnsemblePrior(features=features, random_state=random_state,
                                        log_features=tuple(n for n in features if n in log_names)).fit(rows, rows[out])
        info[out] = {"kind": "tree_ensemble", "composition": product.composition, "method": product.method,
                     "features": list(features), "n_train": priors[out].n_train_}
    return priors, info


def product_priors(session, capabilities, outputs: list[str], dataset: str = "cdse-hte",
                   random_state: int = 0, smooth: bool = False) -> tuple[dict[str, PriorModel], dict[str, object]]:
    """Priors for a reactor's declared product: registered models and literature recipes that match it.

    A CdSe reactor with the batch-microreactor parameters gets :func:`database_priors` (registered models first,
    else a tree ensemble on ``dataset``); any other product gets tree ensembles fitted on the database's recipes
    of its composition and method. ``info`` says, per output, where its prior came from, and under ``"unseeded"``
    why some outputs have none.
    """
    product = capabilities.product
    names = capabilities.parameter_names
    if product is None:
        return {}, {"unseeded": f"{capabilities.reactor} declares no product (composition, method): add one to its "
                                "capabilities or to the [product] table of its mapping file"}
    priors: dict[str, PriorModel] = {}
    info: dict[str, object] = {}
    if product.composition in SOURCES_BY_COMPOSITION and set(names) == set(HTE_PARAMETERS):
        try:
            priors, info = database_priors(session, outputs, dataset=dataset, random_state=random_state,
                                           smooth=smooth)
        except ModelError as exc:
            info["literature"] = str(exc)
    missing = [o for o in outputs if o not in priors]
    if missing:
        log_names = [p.name for p in capabilities.parameters if p.log_scale]
        more, more_info = _literature_priors(session, product, names, missing, log_names, random_state)
        priors.update(more)
        info.update(more_info)
    if [o for o in outputs if o not in priors]:
        info["unseeded"] = (f"no registered model or literature recipes ({product.composition}, "
                            f"{product.method or 'any method'}) stating {names} for "
                            f"{[o for o in outputs if o not in priors]}")
    return priors, info


def product_literature(session, capabilities, dataset: str = "cdse-hte") -> pd.DataFrame | None:
    """The literature rows the product's prior is fitted on (reactor-parameter columns), or None when there are none.

    The CdSe batch-microreactor parameter set gets ``dataset`` (:func:`database_table`); any other product its
    composition's recipes (:func:`literature_table`).
    """
    product = capabilities.product
    if product is None:
        return None
    names = capabilities.parameter_names
    try:
        if product.composition in SOURCES_BY_COMPOSITION and set(names) == set(HTE_PARAMETERS):
            return database_table(session, dataset)
        table = literature_table(session, product.composition, product.method, names)
    except ModelError:
        return None
    return table if len(table) else None
