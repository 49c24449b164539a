"""The feature matrix of a set of recipes (one row per ``recipe_id``), learned vocabulary, domain check.

Feature families (column prefixes) and the chemical class each counts toward in importance tables:

============================  =====================================================================  ===========
prefix / name                 meaning                                                                class
============================  =====================================================================  ===========
``t_injection_c``             temperature of the injection (or mixing, heat-up) step, °C             conditions
``t_growth_c`` ``t_max_c``    growth-step temperature and the highest step temperature, °C           conditions
``log_time_s``                log10 of the growth time in s (sum of step times when no grow step)    conditions
``heating_rate_k_min``        heating rate of any step, K/min                                        conditions
``method=<m>``                synthesis route one-hot (hot_injection, heat_up, ...)                  conditions
``mmol_<role>``               total mmol per role (cation/anion precursor, ligand, solvent, ...)     by role
``mm_<role>``                 total concentration per role (mM) when the source gives concentrations by role
``ratio_ligand_cation``       ligand / cation-precursor mole (or stated) ratio                       ligand
``ratio_anion_cation``        anion / cation precursor ratio                                         precursor
``ratio_solvent_cation``      solvent / cation precursor mole ratio                                  solvent
``precursor_mm``              total precursor concentration (mM): stated, or mmol per estimated mL   precursor
``liquid_ml``                 estimated liquid volume (ligands + solvents, from mmol, M and density) solvent
``chem=<name>``               log1p(mmol) of a chemical (1 when present without an amount)           its role
``comp=<formula>``            target composition (and phase variant) one-hot                         composition
``comp_*``                    element descriptors, bulk gap, lattice one-hot                         composition
============================  =====================================================================  ===========

Everything is a pure function of the frames and of the vocabulary learned by :meth:`FeatureBuilder.fit`
(chemicals and compositions seen in at least ``min_count`` training recipes, and per-feature training ranges for
the applicability-domain check). The column order is sorted and fixed; :meth:`FeatureBuilder.spec_hash` is
a sha256 over :data:`FEATURE_VERSION`, the configuration and the vocabulary, stored in artifact manifests.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from nanosynth.artifacts import sha256_text
from nanosynth.models.errors import NotFittedError
from nanosynth.models.features.descriptors import DESCRIPTOR_NAMES, LATTICE_FEATURES, composition_descriptors
from nanosynth.models.features.frames import RecipeFramesLike, check_frames
from nanosynth.schema.chemicals import density, molar_mass
from nanosynth.schema.errors import ModelError, SchemaValidationError

log = logging.getLogger(__name__)

#: Bump when the meaning of any feature changes (part of every feature hash).
FEATURE_VERSION = "nanosynth.features@1"

ROLES = ("cation_precursor", "anion_precursor", "ligand", "solvent", "reducing_agent", "additive", "other")
METHODS = ("hot_injection", "heat_up", "seed_mediated", "ion_exchange", "solvothermal", "microfluidic", "other",
           "unknown")
CONDITION_FEATURES = ("t_injection_c", "t_growth_c", "t_max_c", "log_time_s", "heating_rate_k_min")
RATIO_FEATURES = ("ratio_ligand_cation", "ratio_anion_cation", "ratio_solvent_cation", "precursor_mm", "liquid_ml")
#: Chemical classes used to aggregate importance.
CLASSES = ("composition", "precursor", "ligand", "solvent", "conditions", "other")
_ROLE_CLASS = {"cation_precursor": "precursor", "anion_precursor": "precursor", "ligand": "ligand",
               "solvent": "solvent", "reducing_agent": "other", "additive": "other", "other": "other"}
_RATIO_CLASS = {"ratio_ligand_cation": "ligand", "ratio_anion_cation": "precursor", "precursor_mm": "precursor",
                "ratio_solvent_cation": "solvent", "liquid_ml": "solvent"}
#: Features whose value is checked against the training range (the applicability domain).
RANGE_FEATURES = ("t_injection_c", "t_growth_c", "t_max_c", "log_time_s", "ratio_ligand_cation",
                  "ratio_anion_cation", "precursor_mm", "mm_cation_precursor", "mm_anion_precursor")


@dataclass(frozen=True)
class FeatureConfig:
    """What the builder includes.

    Attributes
    ----------
    min_count:
        A chemical or composition becomes a one-hot/amount column when seen in at least this many training
        recipes; rarer ones only count through role totals and composition descriptors.
    identity:
        Include ``chem=<name>`` columns.
    composition_onehot:
        Include ``comp=<formula>`` columns (with phase variant when the source gives one).
    range_margin:
        Fraction of the training span allowed beyond the training min/max before a value is out of domain.
    """

    min_count: int = 2
    identity: bool = True
    composition_onehot: bool = True
    range_margin: float = 0.05


@dataclass
class DomainReport:
    """Per-row applicability-domain findings of :meth:`FeatureBuilder.transform_with_report`."""

    unknown_chemicals: dict[int, list[str]] = field(default_factory=dict)
    unknown_composition: dict[int, str] = field(default_factory=dict)
    out_of_range: dict[int, list[str]] = field(default_factory=dict)

    def flagged(self, recipe_ids) -> np.ndarray:
        """Boolean per recipe id: outside the training domain for any reason."""
        bad = set(self.unknown_chemicals) | set(self.unknown_composition) | set(self.out_of_range)
        return np.array([rid in bad for rid in recipe_ids], dtype=bool)

    def reasons(self, recipe_id) -> list[str]:
        """Why ``recipe_id`` is outside the training domain (empty when it is inside)."""
        out = []
        if recipe_id in self.unknown_chemicals:
            out.append("unknown chemicals: " + ", ".join(self.unknown_chemicals[recipe_id]))
        if recipe_id in self.unknown_composition:
            out.append(f"composition {self.unknown_composition[recipe_id]} not in training data")
        if recipe_id in self.out_of_range:
            out.append("outside training range: " + ", ".join(self.out_of_range[recipe_id]))
        return out


def _composition_key(composition, phase) -> str | None:
    if composition is None or (isinstance(composition, float) and math.isnan(composition)):
        return None
    key = str(composition)
    if phase is not None and not (isinstance(phase, float) and math.isnan(phase)) and str(phase):
        key = f"{key}|{phase}"
    return key


def _volume_ml(name: str, formula, mmol: float) -> float:
    """Liquid volume of ``mmol`` of a chemical from molar mass and density; NaN when either is unknown."""
    rho = density(name) if isinstance(name, str) else None
    if not rho or not isinstance(formula, str) or not formula:
        return math.nan
    try:
        mass_g = mmol * molar_mass(formula) / 1000.0
    except (SchemaValidationError, KeyError):
        return math.nan
    return mass_g / rho


def _condition_features(steps: pd.DataFrame, ids: pd.Index, out: pd.DataFrame) -> None:
    """Injection, growth and maximum temperature, log growth time and heating rate (in place)."""
    steps = steps[steps["recipe_id"].isin(ids)]
    temp = pd.to_numeric(steps["temperature_c"], errors="coerce")
    steps = steps.assign(temperature_c=temp, time_s=pd.to_numeric(steps["time_s"], errors="coerce"),
                         heating_rate_k_min=pd.to_numeric(steps["heating_rate_k_min"], errors="coerce"))
    first_inj = steps[steps["action"].isin(["inject", "mix"])].groupby("recipe_id")["temperature_c"].first()
    grow = steps[steps["action"] == "grow"].groupby("recipe_id")
    out["t_injection_c"] = first_inj
    out["t_growth_c"] = grow["temperature_c"].first()
    out["t_max_c"] = steps.groupby("recipe_id")["temperature_c"].max()
    grow_time = grow["time_s"].first()
    total_time = steps.groupby("recipe_id")["time_s"].sum(min_count=1)
    time_s = grow_time.reindex(ids).fillna(total_time.reindex(ids))
    out["log_time_s"] = np.log10(time_s.clip(lower=1.0))
    out["heating_rate_k_min"] = steps.groupby("recipe_id")["heating_rate_k_min"].max()
    out["t_growth_c"] = out["t_growth_c"].fillna(out["t_max_c"])
    out["t_injection_c"] = out["t_injection_c"].fillna(out["t_growth_c"])


def _role_totals(chems: pd.DataFrame, ids: pd.Index, out: pd.DataFrame) -> pd.Series:
    """``mmol_<role>`` and ``mm_<role>`` sums (in place); returns the stated ligand ratio per recipe."""
    mmol = pd.to_numeric(chems["amount_mmol"], errors="coerce")
    conc = pd.to_numeric(chems["concentration_mm"], errors="coerce")
    ratio = pd.to_numeric(chems["ratio"], errors="coerce")
    role = chems["role"].fillna("other").where(chems["role"].isin(ROLES), "other")
    by = pd.DataFrame({"recipe_id": chems["recipe_id"].to_numpy(), "role": role.to_numpy(),
                       "mmol": mmol.to_numpy(), "conc": conc.to_numpy(), "ratio": ratio.to_numpy()})
    sums = by.pivot_table(index="recipe_id", columns="role", values="mmol", aggfunc="sum")
    concs = by.pivot_table(index="recipe_id", columns="role", values="conc", aggfunc="sum")
    for r in ROLES:
        if r in sums:
            out[f"mmol_{r}"] = sums[r].reindex(ids).fillna(0.0).to_numpy()
        if r in concs:
            out[f"mm_{r}"] = concs[r].reindex(ids).fillna(0.0).to_numpy()
    return by[by["role"] == "ligand"].groupby("recipe_id")["ratio"].sum(min_count=1)


def _mole_ratios(out: pd.DataFrame, ids: pd.Index, lig_stated: pd.Series) -> None:
    """Anion/cation, ligand/cation (stated ratio first) and solvent/cation ratios (in place)."""
    cat = np.where(out["mmol_cation_precursor"] > 0, out["mmol_cation_precursor"], out["mm_cation_precursor"])
    an = np.where(out["mmol_anion_precursor"] > 0, out["mmol_anion_precursor"], out["mm_anion_precursor"])
    lig = np.where(out["mmol_ligand"] > 0, out["mmol_ligand"], out["mm_ligand"])
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ratio_anion_cation"] = np.where(cat > 0, an / cat, np.nan)
        lig_ratio = np.where(cat > 0, lig / cat, np.nan)
        stated = lig_stated.reindex(ids).to_numpy(dtype=float)
        out["ratio_ligand_cation"] = np.where(np.isfinite(stated), stated, lig_ratio)
        out["ratio_solvent_cation"] = np.where(cat > 0, out["mmol_solvent"] / cat, np.nan)


def _volume_features(chems: pd.DataFrame, ids: pd.Index, out: pd.DataFrame) -> None:
    """Liquid volume (stated mL, else estimated from mmol and density) and precursor concentration (in place)."""
    mmol = pd.to_numeric(chems["amount_mmol"], errors="coerce")
    liquid = chems[chems["role"].isin(["ligand", "solvent"]) & mmol.notna()]
    vols = pd.Series([_volume_ml(n, f, a) for n, f, a in zip(liquid["name"], liquid["formula"],
                                                               pd.to_numeric(liquid["amount_mmol"]), strict=True)],
                     index=liquid.index, dtype=float)
    ml_direct = pd.to_numeric(chems["amount_ml"], errors="coerce")
    vol_est = vols.groupby(liquid["recipe_id"]).sum(min_count=1)
    vol_given = ml_direct.groupby(chems["recipe_id"]).sum(min_count=1)
    volume = vol_given.reindex(ids).fillna(vol_est.reindex(ids))
    out["liquid_ml"] = volume.to_numpy()
    stated_mm = out["mm_cation_precursor"] + out["mm_anion_precursor"]
    with np.errstate(divide="ignore", invalid="ignore"):
        est_mm = (out["mmol_cation_precursor"] + out["mmol_anion_precursor"]) / volume * 1000.0
    out["precursor_mm"] = np.where(stated_mm > 0, stated_mm, est_mm)
    out.loc[~np.isfinite(out["precursor_mm"]), "precursor_mm"] = np.nan


def base_table(frames: RecipeFramesLike) -> pd.DataFrame:
    """Vocabulary-free per-recipe features (conditions, role totals, ratios), indexed by ``recipe_id``."""
    frames = check_frames(frames)
    rec = frames.recipes
    ids = pd.Index(rec["recipe_id"].tolist(), name="recipe_id") if len(rec) else pd.Index([], name="recipe_id")
    out = pd.DataFrame(index=ids)
    if len(frames.steps):
        _condition_features(frames.steps, ids, out)
    for col in CONDITION_FEATURES:
        if col not in out:
            out[col] = np.nan
    methods = rec.set_index("recipe_id")["method"].reindex(ids) if len(rec) else pd.Series(index=ids, dtype=object)
    for m in METHODS:
        out[f"method={m}"] = (methods == m).astype(float).to_numpy()
    chems = frames.chemicals
    chems = chems[chems["recipe_id"].isin(ids)] if len(chems) else chems
    for role in ROLES:
        out[f"mmol_{role}"] = 0.0
        out[f"mm_{role}"] = 0.0
    for col in RATIO_FEATURES:
        out[col] = np.nan
    if len(chems):
        _mole_ratios(out, ids, _role_totals(chems, ids, out))
        _volume_features(chems, ids, out)
    return out


@dataclass
class _Vocabulary:
    chemicals: list[str]
    chemical_roles: dict[str, str]
    compositions: list[str]
    ranges: dict[str, list[float]]


class FeatureBuilder(TransformerMixin, BaseEstimator):
    """Scikit-learn transformer: learns the vocabulary on training frames, then turns any frames into the same
    numeric columns.

    Its input ``X`` is a set of recipe frames (:class:`~nanosynth.models.features.RecipeFramesLike`), not a
    matrix; :meth:`transform` returns the float feature matrix (a DataFrame indexed by ``recipe_id``, columns
    :meth:`get_feature_names_out`), :meth:`transform_with_report` also the applicability-domain report.

    Parameters
    ----------
    config:
        :class:`FeatureConfig`; default settings when None.

    Attributes
    ----------
    columns_ : list of str
        Output columns in order (after :meth:`fit`).
    classes_ : dict
        Column → chemical class (composition, precursor, ligand, solvent, conditions, other).
    """

    def __init__(self, config: FeatureConfig | None = None):
        self.config = config

    # ----------------------------------------------------------------------------------------------- fitting
    def fit(self, X: RecipeFramesLike, y=None) -> FeatureBuilder:
        """Learn chemicals, compositions and training ranges from the frames ``X``; ``y`` is ignored."""
        frames = check_frames(X)
        cfg = self.config or FeatureConfig()
        chem_names, roles = _chemical_vocabulary(frames.chemicals, cfg)
        rec = frames.recipes
        comps = _composition_vocabulary(rec, cfg)
        base = base_table(frames)
        ranges = {}
        for col in RANGE_FEATURES:
            vals = base[col].to_numpy(dtype=float)
            vals = vals[np.isfinite(vals)]
            if len(vals):
                ranges[col] = [float(vals.min()), float(vals.max())]
        self.vocabulary_ = _Vocabulary(chem_names, roles, comps, ranges)
        self.config_ = cfg
        self.columns_ = self._columns()
        self.classes_ = self._classes()
        self.known_compositions_ = sorted({str(c) for c in rec["target_composition"].dropna()}) if len(rec) else []
        return self

    def _columns(self) -> list[str]:
        v = self.vocabulary_
        cols = list(CONDITION_FEATURES) + [f"method={m}" for m in METHODS]
        cols += [f"mmol_{r}" for r in ROLES] + [f"mm_{r}" for r in ROLES] + list(RATIO_FEATURES)
        cols += [f"chem={n}" for n in v.chemicals] + [f"comp={c}" for c in v.compositions]
        cols += list(DESCRIPTOR_NAMES) + list(LATTICE_FEATURES)
        return cols

    def _classes(self) -> dict[str, str]:
        return {col: _column_class(col, self.vocabulary_.chemical_roles) for col in self.columns_}

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "columns_")

    def _check_fitted(self) -> None:
        if not hasattr(self, "columns_"):
            raise NotFittedError("this FeatureBuilder is not fitted yet: call fit(frames) first")

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """The output column names (the order of :meth:`transform`'s columns)."""
        self._check_fitted()
        return np.asarray(self.columns_, dtype=object)

    # --------------------------------------------------------------------------------------------- transform
    def transform(self, X: RecipeFramesLike) -> pd.DataFrame:
        """Float feature matrix of the frames ``X``: index ``recipe_id``, columns :attr:`columns_`."""
        return self.transform_with_report(X)[0]

    def transform_with_report(self, X: RecipeFramesLike) -> tuple[pd.DataFrame, DomainReport]:
        """Feature matrix (as :meth:`transform`) and the applicability-domain report of each recipe."""
        self._check_fitted()
        frames = check_frames(X)
        base = base_table(frames)
        ids = base.index
        report = DomainReport()
        chem_block = self._chemical_block(frames.chemicals, ids, report)
        comp_block, desc = self._composition_blocks(frames.recipes, ids, report)
        matrix = pd.concat([base, chem_block, comp_block, desc], axis=1)
        matrix = matrix.reindex(columns=self.columns_).astype(float)
        self._check_ranges(matrix, report)
        return matrix, report

    def _chemical_block(self, chems: pd.DataFrame, ids: pd.Index, report: DomainReport) -> pd.DataFrame:
        """``chem=<name>`` columns: log1p(mmol) of each known chemical (1 without an amount); flags unknowns."""
        v = self.vocabulary_
        chem_block = pd.DataFrame(0.0, index=ids, columns=[f"chem={n}" for n in v.chemicals])
        if not (len(chems) and len(ids)):
            return chem_block
        chems = chems[chems["recipe_id"].isin(ids)]
        known = chems["name"].isin(v.chemicals)
        mmol = pd.to_numeric(chems["amount_mmol"], errors="coerce")
        value = np.where(mmol.notna(), np.log1p(mmol.fillna(0.0).clip(lower=0.0)), 1.0)
        sub = pd.DataFrame({"recipe_id": chems["recipe_id"].to_numpy(), "name": chems["name"].to_numpy(),
                            "v": value})[known.to_numpy()]
        if len(sub):
            pivot = sub.pivot_table(index="recipe_id", columns="name", values="v", aggfunc="sum")
            pivot.columns = [f"chem={c}" for c in pivot.columns]
            chem_block.update(pivot.reindex(index=ids))
        if self.config_.identity:
            for rid, names in chems[~known.to_numpy()].groupby("recipe_id")["name"]:
                report.unknown_chemicals[rid] = sorted({str(n) for n in names})
        return chem_block

    def _composition_blocks(self, recipes: pd.DataFrame, ids: pd.Index,
                            report: DomainReport) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``comp=<formula>`` one-hot and composition descriptors per recipe; flags unknown compositions."""
        rec = recipes.set_index("recipe_id").reindex(ids) if len(ids) else recipes
        comp_block = pd.DataFrame(0.0, index=ids, columns=[f"comp={c}" for c in self.vocabulary_.compositions])
        desc_rows = []
        cache: dict = {}
        for rid in ids:
            comp = rec.at[rid, "target_composition"] if "target_composition" in rec else None
            phase = rec.at[rid, "target_phase"] if "target_phase" in rec else None
            key = _composition_key(comp, phase)
            if key is not None and f"comp={key}" in comp_block.columns:
                comp_block.at[rid, f"comp={key}"] = 1.0
            comp_str = None if key is None else str(comp)
            if comp_str is not None and comp_str not in self.known_compositions_:
                report.unknown_composition[rid] = comp_str
            if comp_str not in cache:
                cache[comp_str] = composition_descriptors(comp_str)
            desc_rows.append(cache[comp_str])
        desc = pd.DataFrame(desc_rows, index=ids, columns=list(DESCRIPTOR_NAMES) + list(LATTICE_FEATURES))
        return comp_block, desc

    def _check_ranges(self, matrix: pd.DataFrame, report: DomainReport) -> None:
        """Flag values beyond the training range (widened by ``range_margin`` of the span)."""
        margin = self.config_.range_margin
        ids = matrix.index
        for col, (lo, hi) in self.vocabulary_.ranges.items():
            span = max(hi - lo, 1e-9)
            vals = matrix[col].to_numpy()
            bad = np.isfinite(vals) & ((vals < lo - margin * span) | (vals > hi + margin * span))
            for rid, val in zip(ids[bad], vals[bad], strict=True):
                report.out_of_range.setdefault(rid, []).append(f"{col}={val:.4g} (trained {lo:.4g}..{hi:.4g})")

    # ----------------------------------------------------------------------------------------- persistence
    def to_dict(self) -> dict:
        """JSON-serializable spec (config, vocabulary, ranges)."""
        self._check_fitted()
        v = self.vocabulary_
        return {"feature_version": FEATURE_VERSION, "config": asdict(self.config_),
                "chemicals": v.chemicals, "chemical_roles": v.chemical_roles, "compositions": v.compositions,
                "known_compositions": self.known_compositions_, "ranges": v.ranges, "columns": self.columns_}

    @classmethod
    def from_dict(cls, spec: dict) -> FeatureBuilder:
        """Rebuild a fitted builder from :meth:`to_dict` output."""
        if spec.get("feature_version") != FEATURE_VERSION:
            raise ModelError(
                f"features were built with {spec.get('feature_version')!r} but this code is {FEATURE_VERSION!r}: "
                "retrain the model with this version of nanosynth"
            )
        cfg = FeatureConfig(**spec["config"])
        builder = cls(cfg)
        builder.config_ = cfg
        builder.vocabulary_ = _Vocabulary(list(spec["chemicals"]), dict(spec["chemical_roles"]),
                                          list(spec["compositions"]), {k: list(x) for k, x in spec["ranges"].items()})
        builder.known_compositions_ = list(spec.get("known_compositions", []))
        builder.columns_ = builder._columns()
        if builder.columns_ != list(spec["columns"]):
            raise ModelError("stored feature columns do not match the rebuilt ones: the artifact is inconsistent")
        builder.classes_ = builder._classes()
        return builder

    def spec_hash(self) -> str:
        """sha256 of the feature specification (version, config, vocabulary, columns)."""
        return sha256_text(json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":")))


def _chemical_vocabulary(chems: pd.DataFrame, cfg: FeatureConfig) -> tuple[list[str], dict[str, str]]:
    """Chemicals seen in at least ``min_count`` recipes and the role each plays most often."""
    if not (cfg.identity and len(chems)):
        return [], {}
    counts = chems.drop_duplicates(["recipe_id", "name"]).groupby("name")["recipe_id"].count()
    chem_names = sorted(str(n) for n, c in counts.items() if c >= cfg.min_count)
    mode = chems[chems["name"].isin(chem_names)].groupby("name")["role"].agg(
        lambda s: s.fillna("other").value_counts().sort_index().idxmax())
    return chem_names, {str(k): str(v) for k, v in mode.items()}


def _composition_vocabulary(rec: pd.DataFrame, cfg: FeatureConfig) -> list[str]:
    """Composition keys (with phase variant) seen in at least ``min_count`` recipes."""
    if not (cfg.composition_onehot and len(rec)):
        return []
    keys = [_composition_key(c, p) for c, p in zip(rec["target_composition"],
                                                 rec.get("target_phase", [None] * len(rec)), strict=True)]
    vc = pd.Series([k for k in keys if k]).value_counts()
    return sorted(str(k) for k, c in vc.items() if c >= cfg.min_count)


def _column_class(col: str, chemical_roles: dict[str, str]) -> str:
    """The chemical class a feature column counts toward in importance tables."""
    if col.startswith(("comp=", "comp_")):
        return "composition"
    if col.startswith("chem="):
        return _ROLE_CLASS.get(chemical_roles.get(col[5:], "other"), "other")
    if col.startswith(("mmol_", "mm_")):
        return _ROLE_CLASS.get(col.split("_", 1)[1], "other")
    return _RATIO_CLASS.get(col, "conditions")
