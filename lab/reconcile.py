"""Reconcile a campaign's lab results with the literature model that seeded it.

For a finished (or partial) campaign: residuals of the lab results against the prior model; detection of a
systematic offset — a constant bias and a *temperature offset* (the reactor running hotter or colder than its
setpoint: the ΔT that best explains the lab results through the prior, found by a 1-D search); a recalibrated
model — the prior evaluated at the corrected temperature plus a Gaussian-process residual model trained on the
lab results — written as a plain-JSON artifact with a sha256 manifest and registered as a ``ModelArtifact``
whose ``parent_id`` is the prior's artifact; literature/curated records that the lab results contradict beyond
their uncertainty; parity and residual plots (PNG).
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sqlalchemy.engine import Engine

from nanosynth.artifacts import atomic_write_text, manifest_sha256, sha256_text, verify_manifest, write_manifest
from nanosynth.db import campaigns as store
from nanosynth.db import model_registry
from nanosynth.db.engine import session_scope
from nanosynth.lab.adapters.base import Capabilities, SafetyLimits, utcnow
from nanosynth.lab.campaign import lab_frame
from nanosynth.lab.planner import _Surrogate
from nanosynth.lab.prior import PriorModel
from nanosynth.lab.space import SearchSpace, min_distances
from nanosynth.lab.temperature_offset import OffsetFit, calibration_design, fit_offset
from nanosynth.schema.enums import ExperimentStatus
from nanosynth.schema.errors import ArtifactNotFoundError, ModelError
from nanosynth.schema.tables import Campaign

log = logging.getLogger(__name__)
ARTIFACT_FILE = "recalibration.json"


class RecalibratedPrior:
    """Prior evaluated at ``T + temperature_offset_c`` plus a GP residual model fitted on lab results."""

    def __init__(self, base: PriorModel, temperature_offset_c: float, surrogate: _Surrogate | None) -> None:
        self.base = base
        self.temperature_offset_c = temperature_offset_c
        self.surrogate = surrogate

    def shifted(self, X: pd.DataFrame) -> pd.DataFrame:
        Z = X.copy()
        if "temperature_c" in Z:
            Z["temperature_c"] = Z["temperature_c"] + self.temperature_offset_c
        return Z

    def predict_dist(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        mean, std = self.base.predict_dist(self.shifted(X))
        mean, std = np.asarray(mean, float), np.asarray(std, float)
        if self.surrogate is None:
            return mean, std
        g, s = self.surrogate.gp_.predict(self.surrogate.space_.encode(X), return_std=True)
        return mean + self.surrogate.scale_ * g, self.surrogate.scale_ * s


@dataclass
class OutputReconciliation:
    """Reconciliation of one outcome."""

    output: str
    n: int
    prior_mae: float
    prior_bias: float
    bias_p_value: float
    temperature_offset_c: float
    offset_mae: float
    offset_significant: bool
    recalibrated_loo_mae: float
    z_within_2sigma: float
    rows: pd.DataFrame = field(repr=False)
    model: RecalibratedPrior | None = field(default=None, repr=False)
    offset: OffsetFit | None = field(default=None, repr=False)


def reconcile_output(prior: PriorModel, space: SearchSpace, lab: pd.DataFrame, output: str,
                     tolerance: float = 3.0, seed: int = 0) -> OutputReconciliation:
    """Residuals, offsets and a recalibrated model for one outcome.

    Raises
    ------
    ModelError
        With fewer than 3 lab results for ``output``.
    """
    rows = lab.dropna(subset=[output]).reset_index(drop=True) if output in lab else lab.iloc[0:0]
    if len(rows) < 3:
        raise ModelError(f"only {len(rows)} successful lab results with {output}: reconciliation needs at least 3")
    X = rows[space.names]
    y = rows[output].to_numpy(float)
    mean, std = prior.predict_dist(X)
    mean, std = np.asarray(mean, float), np.asarray(std, float)
    resid = y - mean
    bias_p = float(stats.ttest_1samp(resid, 0.0).pvalue) if len(resid) > 2 and np.std(resid) > 0 else 0.0
    offset = fit_offset(prior, X, y)
    if not offset.identifiable and "temperature_c" in space.names:
        offset.design = calibration_design(prior, space, 6, seed=seed, exclude=X)
    n = len(y)
    dt, significant = offset.offset_c, offset.significant
    dt_used = dt if significant else 0.0
    shifted = RecalibratedPrior(prior, dt_used, None)
    m_shift, _ = shifted.predict_dist(X)
    # leave-one-out error of the residual GP on top of the shifted prior
    loo, loo_pred = [], []
    for i in range(n):
        keep = np.arange(n) != i
        sur = _Surrogate(shifted, tolerance, seed).fit(space, X[keep].reset_index(drop=True), y[keep])
        pred, _ = sur.predict(X.iloc[[i]], space.encode(X.iloc[[i]]))
        loo_pred.append(float(pred[0]))
        loo.append(abs(float(pred[0]) - y[i]))
    surrogate = _Surrogate(shifted, tolerance, seed).fit(space, X, y)
    model = RecalibratedPrior(prior, dt_used, surrogate)
    out_rows = rows[["seq", *space.names]].copy()
    out_rows[f"{output}_measured"] = y
    out_rows[f"{output}_prior"] = mean
    out_rows[f"{output}_prior_std"] = std
    out_rows[f"{output}_offset_corrected"] = m_shift
    out_rows[f"{output}_recalibrated_loo"] = loo_pred
    z = np.abs(resid) / np.maximum(np.sqrt(std**2 + tolerance**2), 1e-9)
    return OutputReconciliation(
        output=output, n=n, prior_mae=float(np.mean(np.abs(resid))), prior_bias=float(np.mean(resid)),
        bias_p_value=bias_p, temperature_offset_c=dt, offset_mae=float(np.mean(np.abs(y - m_shift))),
        offset_significant=bool(significant), offset=offset, recalibrated_loo_mae=float(np.mean(loo)),
        z_within_2sigma=float(np.mean(z <= 2)), rows=out_rows, model=model)


def flag_contradicted(model: RecalibratedPrior, space: SearchSpace, literature: pd.DataFrame, lab: pd.DataFrame,
                      output: str, *, radius: float = 0.12, record_sd: float = 1.0, k: float = 3.0) -> pd.DataFrame:
    """Literature rows near the lab-explored conditions whose value disagrees with the lab-corrected model.

    A row is flagged when ``|value − model| > k·sqrt(σ_model² + record_sd²)`` and it lies within ``radius`` (unit
    cube distance) of a lab experiment. ``record_sd`` is the record's uncertainty when it gives none (default
    ≈ the repeatability of the platform, in the outcome's unit).
    """
    lit = literature.dropna(subset=[*space.names, output])
    if lit.empty or lab.empty:
        return lit.iloc[0:0]
    inside = np.all([(lit[n] >= space.box[n][0]) & (lit[n] <= space.box[n][1]) for n in space.names], axis=0)
    lit = lit[inside]
    if lit.empty:
        return lit
    d = min_distances(space.encode(lit[space.names]), space.encode(lab[space.names]))
    near = lit[d <= radius].copy()
    if near.empty:
        return near
    mean, std = model.predict_dist(near[space.names])
    near["lab_model"] = mean
    near["lab_model_std"] = std
    near["z"] = np.abs(near[output] - mean) / np.sqrt(std**2 + record_sd**2)
    return near[near["z"] > k].sort_values("z", ascending=False)


def _save_artifact(directory: Path, rec: OutputReconciliation, space: SearchSpace, campaign_id: int,
                   prior_info: dict[str, Any]) -> tuple[Path, str]:
    sur = rec.model.surrogate
    doc = {
        "kind": "residual_gp_on_prior", "output": rec.output, "campaign_id": campaign_id,
        "temperature_offset_c": rec.model.temperature_offset_c, "parameters": space.names,
        "box": {k: list(v) for k, v in space.box.items()},
        "gp": {"X": sur.gp_.X_train_.tolist(), "y": np.asarray(sur.gp_.y_train_).tolist(),
               "kernel": str(sur.gp_.kernel_), "theta": sur.gp_.kernel_.theta.tolist(), "scale": sur.scale_},
        "prior": prior_info, "created_at": utcnow().isoformat(),
    }
    directory.mkdir(parents=True, exist_ok=True)
    atomic_write_text(directory / ARTIFACT_FILE, json.dumps(doc, indent=1))
    write_manifest(directory, {"format": "json", "features": space.names, "target": rec.output})
    return directory, manifest_sha256(directory)


def load_recalibration(directory: Path, base: PriorModel, capabilities: Capabilities,
                       safety_limits: SafetyLimits | None = None) -> RecalibratedPrior:
    """Rebuild a recalibrated model from its artifact directory (hashes verified) on top of ``base``.

    Raises
    ------
    ArtifactNotFoundError, ArtifactIntegrityError
        Missing files or a hash mismatch.
    """
    directory = Path(directory)
    manifest = verify_manifest(directory)
    if ARTIFACT_FILE not in manifest["files"]:
        raise ArtifactNotFoundError(f"recalibration artifact incomplete in {directory}: no {ARTIFACT_FILE}; re-run "
                                    "'nanosynth lab reconcile'")
    doc = json.loads((directory / ARTIFACT_FILE).read_text(encoding="utf-8"))
    from sklearn.gaussian_process import GaussianProcessRegressor

    space = SearchSpace(capabilities, safety_limits)
    shifted = RecalibratedPrior(base, doc["temperature_offset_c"], None)
    sur = _Surrogate(shifted, 1.0, 0)
    X = np.array(doc["gp"]["X"])
    frame = space.decode(X)
    sur.fit(space, frame, shifted.predict_dist(frame)[0] + doc["gp"]["scale"] * np.array(doc["gp"]["y"]))
    kernel = sur.gp_.kernel_.clone_with_theta(np.array(doc["gp"]["theta"]))
    sur.gp_ = GaussianProcessRegressor(kernel=kernel, optimizer=None).fit(X, np.array(doc["gp"]["y"]))
    sur.scale_ = doc["gp"]["scale"]
    return RecalibratedPrior(base, doc["temperature_offset_c"], sur)


def _plots(directory: Path, recs: list[OutputReconciliation], space: SearchSpace) -> list[Path]:
    from nanosynth.models.plots import figures

    plt = figures()  # stand-alone figures: no global backend switch (notebooks keep their inline figures)

    paths = []
    for rec in recs:
        r, o = rec.rows, rec.output
        fig, ax = plt.subplots(figsize=(4.5, 4.5))
        ax.errorbar(r[f"{o}_measured"], r[f"{o}_prior"], yerr=r[f"{o}_prior_std"], fmt="o", label="literature prior")
        ax.plot(r[f"{o}_measured"], r[f"{o}_recalibrated_loo"], "s", mfc="none", label="recalibrated (LOO)")
        lo = float(np.nanmin(r[[f"{o}_measured", f"{o}_prior"]].to_numpy())) - 5
        hi = float(np.nanmax(r[[f"{o}_measured", f"{o}_prior"]].to_numpy())) + 5
        ax.plot([lo, hi], [lo, hi], "k--", lw=1)
        ax.set(xlabel=f"measured {o}", ylabel=f"predicted {o}", title=f"parity: {o}")
        ax.legend(fontsize=8)
        fig.tight_layout()
        p = directory / f"parity_{o}.png"
        fig.savefig(p, dpi=100)
        plt.close(fig)
        paths.append(p)
        fig, axes = plt.subplots(1, len(space.names), figsize=(3 * len(space.names), 3), sharey=True)
        res = r[f"{o}_measured"] - r[f"{o}_prior"]
        for ax, name in zip(np.atleast_1d(axes), space.names, strict=True):
            ax.scatter(r[name], res, s=15)
            ax.axhline(0, color="k", lw=1)
            ax.set_xlabel(name)
        np.atleast_1d(axes)[0].set_ylabel(f"lab − prior ({o})")
        fig.suptitle(f"residuals vs parameters (fitted ΔT = {rec.temperature_offset_c:+.1f} °C)")
        fig.tight_layout()
        p = directory / f"residuals_{o}.png"
        fig.savefig(p, dpi=100)
        plt.close(fig)
        paths.append(p)
    return paths


def reconcile_campaign(engine: Engine, campaign_id: int, priors: dict[str, PriorModel], capabilities: Capabilities,
                       out_dir: Path, *, safety_limits: SafetyLimits | None = None,
                       literature: pd.DataFrame | None = None, prior_info: dict[str, Any] | None = None,
                       register: bool = True) -> dict[str, Any]:
    """Reconcile campaign ``campaign_id``: residuals, offsets, recalibrated models (registered), flags, plots.

    Parameters
    ----------
    priors:
        Literature model per outcome (those without lab values are skipped).
    capabilities, safety_limits:
        The reactor's parameter space (for the GP's encoding).
    out_dir:
        Where ``reconcile-<id>/`` (report.json, PNGs, model artifacts) is written.
    literature:
        Literature/curated rows (reactor-parameter columns + outcomes + ``recipe_id``/``source_key``) to check
        against the lab results.

    Returns
    -------
    dict
        The report (also written as ``report.json``).
    """
    camp, lab = lab_frame(engine, campaign_id)
    if lab.empty:
        raise ModelError(f"campaign {campaign_id} has no successful experiments to reconcile")
    space = SearchSpace(capabilities, safety_limits)
    directory = Path(out_dir) / f"reconcile-{campaign_id}"
    directory.mkdir(parents=True, exist_ok=True)
    tolerance = float(camp.config.get("tolerance", 3.0))
    recs = [reconcile_output(prior, space, lab, output, tolerance=tolerance, seed=int(camp.config.get("seed", 0)))
            for output, prior in priors.items() if output in lab and lab[output].notna().sum() >= 3]
    if not recs:
        raise ModelError(f"campaign {campaign_id}: no outcome with ≥ 3 lab results and a prior among {list(priors)}")
    report: dict[str, Any] = {"campaign_id": campaign_id, "n_lab_results": len(lab), "outputs": {}}
    for rec in recs:
        info = (prior_info or {}).get(rec.output, {})
        entry = _entry(rec, tolerance)
        art_dir, manifest_sha = _save_artifact(directory / f"model_{rec.output}", rec, space, campaign_id, info)
        entry["artifact_path"] = str(art_dir)
        if register:
            entry["model_artifact_id"] = _register(engine, camp, rec, art_dir, manifest_sha, space, info)
        if literature is not None and rec.output in literature:
            flagged = flag_contradicted(rec.model, space, literature, lab, rec.output)
            keep = [c for c in ("recipe_id", "source_key", "dataset", "citation", *space.names, rec.output,
                                "lab_model", "lab_model_std", "z") if c in flagged]
            entry["contradicted_records"] = json.loads(flagged[keep].head(200).to_json(orient="records"))
            entry["n_contradicted"] = int(len(flagged))
        report["outputs"][rec.output] = entry
    report["plots"] = [str(p) for p in _plots(directory, recs, space)]
    atomic_write_text(directory / "report.json", json.dumps(report, indent=1, default=str))
    report["report_path"] = str(directory / "report.json")
    return report


def _entry(rec: OutputReconciliation, tolerance: float) -> dict[str, Any]:
    """The figures of one output in the report."""
    return {
        "n": rec.n, "prior_mae": rec.prior_mae, "prior_bias": rec.prior_bias, "bias_p_value": rec.bias_p_value,
        "systematic_bias": rec.bias_p_value < 0.01 and abs(rec.prior_bias) > tolerance / 2,
        "temperature_offset_c": rec.temperature_offset_c, "temperature_offset_significant": rec.offset_significant,
        "temperature_offset_identifiable": rec.offset.identifiable if rec.offset else None,
        "temperature_offset_se_c": rec.offset.standard_error_c if rec.offset else None,
        "temperature_span_c": list(rec.offset.span_c) if rec.offset else None,
        "temperature_offset_reason": rec.offset.reason if rec.offset else None,
        "experiments_to_identify_offset": rec.offset.design if rec.offset else [],
        "mae_after_temperature_offset": rec.offset_mae, "recalibrated_loo_mae": rec.recalibrated_loo_mae,
        "fraction_within_2sigma_of_prior": rec.z_within_2sigma,
        "experiments": json.loads(rec.rows.to_json(orient="records")),
    }


def reconcile_stored_campaign(engine: Engine, campaign_id: int, out_dir: Path, *, prior_dataset: str = "cdse-hte",
                              adapter_options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Reconcile a stored campaign with priors rebuilt from the database: what ``nanosynth lab reconcile`` runs.

    The campaign's stored adapter (options overridden by ``adapter_options``) seen through its stored mapping gives
    the parameter space; the priors are those of the reactor's declared product (registered models, or tree
    ensembles on ``prior_dataset`` / the product's literature), whose rows are also checked against the lab results.
    Returns the report of :func:`reconcile_campaign`.

    Raises
    ------
    ModelError
        When no prior matches the reactor's product.
    """
    from nanosynth.lab.adapters.contract import as_contract
    from nanosynth.lab.adapters.loader import load_adapter
    from nanosynth.lab.campaign import load_settings
    from nanosynth.lab.prior import product_literature, product_priors

    settings = load_settings(engine, campaign_id)
    reactor = as_contract(load_adapter(settings.adapter or "simulated",
                                       {**settings.adapter_options, **(adapter_options or {})}), settings.mapping)
    caps = reactor.capabilities()
    with session_scope(engine) as s:
        priors, info = product_priors(s, caps, list(settings.objective().outputs), dataset=prior_dataset,
                                      random_state=settings.seed)
        literature = product_literature(s, caps, prior_dataset)
    if not priors:
        raise ModelError(f"campaign {campaign_id}: no prior to reconcile against ({info.get('unseeded')})")
    return reconcile_campaign(engine, campaign_id, priors, caps, out_dir, safety_limits=reactor.safety_limits,
                              literature=literature, prior_info=info)


def _register(engine: Engine, camp: Campaign, rec: OutputReconciliation, path: Path, manifest_sha: str,
              space: SearchSpace, prior_info: dict[str, Any]) -> int:
    with session_scope(engine) as s:
        parent_id = prior_info.get("model_artifact_id") or camp.model_artifact_id
        if parent_id is None:  # the prior was a fallback fitted on the fly: register its specification
            parent_id = _register_prior_spec(s, rec.output, space, prior_info)
        row = model_registry.add_artifact(s, {
            "name": f"lab-recalibrated-{rec.output}", "version": f"campaign{camp.id}-{utcnow():%Y%m%d%H%M%S%f}",
            "kind": "residual", "target": rec.output, "path": str(path.resolve()), "manifest_sha256": manifest_sha,
            "features": space.names, "parent_id": parent_id,
            "metrics": {"prior_mae": rec.prior_mae, "recalibrated_loo_mae": rec.recalibrated_loo_mae,
                        "temperature_offset_c": rec.model.temperature_offset_c, "n_lab": rec.n,
                        "campaign_id": camp.id}})
        return int(row.id)


def _register_prior_spec(session, output: str, space: SearchSpace, prior_info: dict[str, Any]) -> int:
    """Registry id of a prior fitted on the fly, recorded by its specification (idempotent)."""
    spec_text = json.dumps(dict(prior_info), sort_keys=True, default=str)
    sha = sha256_text(spec_text)
    name = f"prior-{prior_info.get('kind', 'unknown')}-{output}"
    existing = model_registry.find_artifact(session, name, sha[:12])
    if existing is None:
        existing = model_registry.add_artifact(session, {
            "name": name, "version": sha[:12], "kind": str(prior_info.get("kind", "unknown")),
            "target": output, "path": f"spec:{spec_text}", "manifest_sha256": sha,
            "features": space.names, "metrics": {}})
    return int(existing.id)
