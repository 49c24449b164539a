"""Calibrate the digital twin's growth model against the cdse-hte data (Xu et al. 2024).

Reads ``cdse_uv_train_val.csv`` / ``cdse_pl_train_val.csv`` (peak and FWHM in eV per experiment and time point)
and the repeatability runs ``*_peak_fitting_reproducibility.csv`` from a data folder, fits
:class:`nanosynth.lab.growth_model.GrowthParameters` by robust nonlinear least squares (``scipy.optimize.least_squares``,
soft-L1 loss, residuals in eV) and builds the noise model from the repeatability runs. Only the fitted numbers are
kept (``lab/twin_params.json``); the data stay in the shared folder.

Entry points: :func:`calibrate` (library) and ``benchmarks/calibrate_twin.py`` (script).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from nanosynth.artifacts import sha256_file
from nanosynth.lab.growth_model import FREE_PARAMETERS, GrowthParameters, TwinCalibration, predict
from nanosynth.schema.errors import ImportFormatError, ModelError

log = logging.getLogger(__name__)

UV_FILE = "cdse_uv_train_val.csv"
PL_FILE = "cdse_pl_train_val.csv"
UV_REPEAT_FILE = "uv_peak_fitting_reproducibility.csv"
PL_REPEAT_FILE = "pl_peak_fitting_reproducibility.csv"
CONDITION_COLUMNS = ["T_reactor", "Cd_mM", "Se_mM", "OA_Cd_ratio", "t_s"]

#: Bounds of the free parameters (same order as FREE_PARAMETERS).
_BOUNDS = {
    "log_kc": (-12, 4), "e_conv": (0, 200), "c_se": (-2, 3), "c_cd": (-2, 3), "c_oa": (-2, 3),
    "beta": (0.15, 1.5), "t_lag": (-5, 30),
    "log_cs": (-10, 5), "e_sol": (0, 150), "cs_oa": (-2, 3),
    "log_n": (-15, 15), "e_nuc": (0, 250), "n_sat": (-1, 4), "n_rate": (-1, 3), "n_oa": (-3, 3),
    **{f"nq_{a}{b}": (-3, 3) for a, b in ("tt", "tc", "ts", "to", "cc", "cs", "co", "ss", "so", "oo")},
    "log_v": (-10, 12), "log_d0": (0.0, 1.2),
    "log_kr": (-15, 8), "e_ripen": (0, 200), "q_dep": (0, 6),
    "stokes0": (0.0, 0.3), "stokes1": (-1, 1),
    "gamma_abs": (0.0, 0.3), "gamma_abs1": (-1, 1), "gamma_pl": (0.0, 0.3), "gamma_pl1": (-1, 1),
    "pl_width_scale": (0.1, 2.0),
    "s_nuc": (0.01, 0.6), "f_inf": (0.05, 1.0), "sn_t": (-3, 3), "sn_cd": (-2, 2), "sn_se": (-2, 2),
    "sn_oa": (-2, 2), "s_focus": (0.0, 5.0), "s_lsw": (0.0, 0.6), "s_t": (-0.5, 0.5),
}


#: Weak Gaussian priors (mean, sd) on the activation energies (kJ/mol). The temperature dependences of nucleation,
#: conversion and solubility enter ln N additively in 1/T, so the data fix only their combination; these priors make
#: the split identifiable without constraining what the data determine (each costs as much as a few rows' error).
ENERGY_PRIORS = {"e_nuc": (100.0, 50.0), "e_conv": (80.0, 40.0), "e_sol": (50.0, 30.0), "e_ripen": (80.0, 40.0)}
PRIOR_WEIGHT = 0.02 * 3.0  # eV-equivalent residual of a 1σ deviation
#: CdSe formed (mM) below which the exciton fades into the spectrometer noise. Every calibration row had a fitted
#: peak and the model puts ≥ 0.077 mM in all of them, so 0.05 mM keeps them detectable while cold/dilute/short runs
#: (e.g. 150 °C, 1 mM, 10 s → 0.006 mM) give no signal.
SIGNAL_ONSET_MM = 0.05


@dataclass
class CalibrationData:
    """The cdse-hte rows used for calibration (conditions + observed eV values)."""

    uv: pd.DataFrame
    pl: pd.DataFrame
    uv_repeat: pd.DataFrame
    pl_repeat: pd.DataFrame
    sha256: dict[str, str]


def _read(path: Path, required: list[str]) -> pd.DataFrame:
    if not path.is_file():
        raise ImportFormatError(f"{path} not found: point --data-dir at the cdse_hte folder of the shared data")
    df = pd.read_csv(path)
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ImportFormatError(f"{path.name} misses columns {missing}; is this the cdse-hte dataset?")
    return df


def load_data(data_dir: Path) -> CalibrationData:
    """Read the four cdse-hte files from ``data_dir`` (the ``cdse_hte`` folder).

    Raises
    ------
    ImportFormatError
        When a file is missing or lacks the expected columns.
    """
    data_dir = Path(data_dir)
    uv = _read(data_dir / UV_FILE, ["Expt. No", *CONDITION_COLUMNS, "Peak_eV", "FWHM_eV"])
    pl = _read(data_dir / PL_FILE, ["Expt. No", *CONDITION_COLUMNS, "Peak_eV", "FWHM_eV"])
    uvr = _read(data_dir / UV_REPEAT_FILE, ["Expt_No", *CONDITION_COLUMNS, "peak_eV", "FWHM_eV"])
    plr = _read(data_dir / PL_REPEAT_FILE, ["Expt_No", *CONDITION_COLUMNS, "peak_eV", "FWHM_eV"])
    sha = {name: sha256_file(data_dir / name) for name in (UV_FILE, PL_FILE, UV_REPEAT_FILE, PL_REPEAT_FILE)}
    return CalibrationData(uv=uv, pl=pl, uv_repeat=uvr, pl_repeat=plr, sha256=sha)


def _conditions(df: pd.DataFrame) -> tuple[np.ndarray, ...]:
    return tuple(df[c].to_numpy(float) for c in CONDITION_COLUMNS)


def residuals(vec: np.ndarray, uv: pd.DataFrame, pl: pd.DataFrame) -> np.ndarray:
    """Stacked residuals (eV): abs peak, abs FWHM, PL peak, PL FWHM."""
    p = GrowthParameters.from_vector(vec)
    pu = predict(p, *_conditions(uv))
    pp = predict(p, *_conditions(pl))
    prior = [PRIOR_WEIGHT * (getattr(p, k) - m) / s for k, (m, s) in ENERGY_PRIORS.items()]
    return np.concatenate([
        np.asarray(prior),
        pu["abs_peak_ev"] - uv["Peak_eV"].to_numpy(float),
        pu["abs_fwhm_ev"] - uv["FWHM_eV"].to_numpy(float),
        pp["pl_peak_ev"] - pl["Peak_eV"].to_numpy(float),
        pp["pl_fwhm_ev"] - pl["FWHM_eV"].to_numpy(float),
    ])


def errors_mev(p: GrowthParameters, uv: pd.DataFrame, pl: pd.DataFrame) -> dict[str, float]:
    """Mean absolute error (meV) of the four twin outputs on the given rows."""
    pu = predict(p, *_conditions(uv))
    pp = predict(p, *_conditions(pl))
    mae = lambda a, b: float(1000 * np.mean(np.abs(a - b.to_numpy(float))))  # noqa: E731
    return {
        "abs_peak_mae_mev": mae(pu["abs_peak_ev"], uv["Peak_eV"]),
        "abs_fwhm_mae_mev": mae(pu["abs_fwhm_ev"], uv["FWHM_eV"]),
        "pl_peak_mae_mev": mae(pp["pl_peak_ev"], pl["Peak_eV"]),
        "pl_fwhm_mae_mev": mae(pp["pl_fwhm_ev"], pl["FWHM_eV"]),
        "abs_peak_mae_nm": float(np.mean(np.abs(pu["abs_peak_nm"] - uv["Peak_nm"].to_numpy(float)))),
        "pl_peak_mae_nm": float(np.mean(np.abs(pp["pl_peak_nm"] - pl["Peak_nm"].to_numpy(float)))),
        "rows_uv": len(uv),
        "rows_pl": len(pl),
    }


def fit_parameters(uv: pd.DataFrame, pl: pd.DataFrame, start: GrowthParameters | None = None,
                   max_nfev: int = 400) -> GrowthParameters:
    """Robust least-squares fit of the growth parameters to the given rows.

    Raises
    ------
    ModelError
        When the optimizer fails.
    """
    x0 = (start or GrowthParameters()).vector()
    lo = np.array([_BOUNDS[n][0] for n in FREE_PARAMETERS])
    hi = np.array([_BOUNDS[n][1] for n in FREE_PARAMETERS])
    x0 = np.clip(x0, lo + 1e-9, hi - 1e-9)
    try:
        res = least_squares(residuals, x0, bounds=(lo, hi), args=(uv, pl), loss="soft_l1", f_scale=0.02,
                            x_scale="jac", max_nfev=max_nfev)
    except (ValueError, FloatingPointError) as exc:
        raise ModelError(f"twin calibration failed: {exc}") from exc
    log.info("calibration: cost %.4g after %d evaluations (%s)", res.cost, res.nfev, res.message)
    return GrowthParameters.from_vector(res.x)


def noise_model(uv_repeat: pd.DataFrame, pl_repeat: pd.DataFrame) -> dict[str, list[float]]:
    """Repeatability (1σ, meV) by temperature: median over time points of the SD across repeat experiments."""
    out: dict[str, list[float]] = {}
    temps = sorted(set(uv_repeat["T_reactor"]).intersection(pl_repeat["T_reactor"]))
    for key, df in (("abs", uv_repeat), ("pl", pl_repeat)):
        d = df.assign(tb=df["t_s"].round(-1))
        g = d.groupby(["T_reactor", "tb"]).agg(peak=("peak_eV", "std"), fwhm=("FWHM_eV", "std"))
        by_t = g.groupby(level=0).median()
        out[f"{key}_peak"] = [float(1000 * by_t.loc[t, "peak"]) for t in temps]
        out[f"{key}_fwhm"] = [float(1000 * by_t.loc[t, "fwhm"]) for t in temps]
    out["temperatures"] = [float(t) for t in temps]
    return out


def absorbance_law(p: GrowthParameters, uv: pd.DataFrame) -> tuple[float, float]:
    """Log-log fit of the observed exciton absorbance against the modelled converted CdSe (mM): (scale, exponent)."""
    if "height" not in uv.columns:
        return 0.26, 0.25
    conv = np.maximum(predict(p, *_conditions(uv))["converted_mm"], 1e-6)
    h = uv["height"].to_numpy(float)
    ok = h > 0
    slope, intercept = np.polyfit(np.log(conv[ok]), np.log(h[ok]), 1)
    return float(np.exp(intercept)), float(slope)


def grouped_cv(uv: pd.DataFrame, pl: pd.DataFrame, start: GrowthParameters, folds: int = 5,
               seed: int = 0, max_nfev: int = 150) -> dict[str, float]:
    """Leave-experiments-out CV error (meV): whole experiments (all their time points) are held out."""
    rng = np.random.default_rng(seed)
    expts = np.array(sorted(set(uv["Expt. No"]) | set(pl["Expt. No"])))
    rng.shuffle(expts)
    parts = np.array_split(expts, folds)
    rows = []
    for held in parts:
        tr_u, te_u = uv[~uv["Expt. No"].isin(held)], uv[uv["Expt. No"].isin(held)]
        tr_p, te_p = pl[~pl["Expt. No"].isin(held)], pl[pl["Expt. No"].isin(held)]
        p = fit_parameters(tr_u, tr_p, start=start, max_nfev=max_nfev)
        e = errors_mev(p, te_u, te_p)
        rows.append({k: v * len(held) for k, v in e.items() if k.endswith(("mev", "nm"))})
    n = len(expts)
    return {k: sum(r[k] for r in rows) / n for k in rows[0]}


def calibrate(data_dir: Path, *, cv_folds: int = 0, max_nfev: int = 600,
              start: GrowthParameters | None = None) -> TwinCalibration:
    """Fit the twin to the cdse-hte data in ``data_dir`` and return the calibration (not yet written).

    Parameters
    ----------
    data_dir:
        The ``cdse_hte`` folder.
    cv_folds:
        When > 1, also report leave-experiments-out CV errors (``metrics['cv']``).
    """
    data = load_data(data_dir)
    p = fit_parameters(data.uv, data.pl, start=start, max_nfev=max_nfev)
    metrics: dict[str, Any] = {"train": errors_mev(p, data.uv, data.pl)}
    if cv_folds > 1:
        metrics["cv"] = grouped_cv(data.uv, data.pl, p, folds=cv_folds)
        metrics["cv_folds"] = cv_folds
    noise = noise_model(data.uv_repeat, data.pl_repeat)
    scale, exponent = absorbance_law(p, data.uv)
    return TwinCalibration(
        parameters=p,
        noise_temperatures_c=noise["temperatures"],
        noise_abs_peak_mev=noise["abs_peak"],
        noise_abs_fwhm_mev=noise["abs_fwhm"],
        noise_pl_peak_mev=noise["pl_peak"],
        noise_pl_fwhm_mev=noise["pl_fwhm"],
        absorbance_scale=scale,
        absorbance_exponent=exponent,
        signal_onset_mm=SIGNAL_ONSET_MM,
        metrics=metrics,
        data_sha256=data.sha256,
    )
