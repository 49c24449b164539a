"""Physics-informed growth model of CdSe hot-injection synthesis (the digital twin's chemistry).

A burst-nucleation / growth / ripening picture with Arrhenius temperature dependence:

* Monomer supply ``M`` (mM) is a smooth minimum of [Cd] and [Se] (the limiting precursor).
* The number of nuclei ``N`` depends on temperature (activation energy ``e_nuc``) and, log-quadratically, on the
  precursor concentrations and the oleic-acid/Cd ratio (free oleic acid stabilizes monomer → fewer nuclei →
  larger dots; the quadratic terms let the data express the non-monotonic [Cd] effect seen in the grid).
* Monomer conversion follows stretched first-order kinetics ``X(t) = 1 − exp(−(k t)^β)``, ``k`` Arrhenius
  (``e_growth``); β < 1 mimics the spread of induction times.
* Particle volume: ``D³ = D₀³ + v·M·X(t)/N + K_r·t`` (growth from monomer plus LSW-like Ostwald ripening,
  ``K_r`` Arrhenius with ``e_ripen``).
* The diameter gives the first-exciton wavelength by inverting the Yu et al. 2003 sizing curve
  (:func:`lab.spectra.abs_peak_from_size`); PL is Stokes-shifted by a size-dependent amount.
* Line widths: ``FWHM² = Γ² + (|dE/dD|·2.355·s·D)²`` with a relative size spread ``s(t)`` that focuses during
  growth and defocuses with ripening.

All free parameters live in :class:`GrowthParameters`; :mod:`lab.calibrate` fits them to the cdse-hte data and
writes ``lab/twin_params.json``. Everything here is pure numpy and vectorized.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from lab.spectra import HC_EV_NM, abs_peak_from_size
from schema.errors import ArtifactNotFoundError, SchemaValidationError

R_KJ = 8.314462618e-3  # kJ/(mol K)
T_REF_K = 523.15  # 250 °C
C_REF = 10.0  # mM
OA_REF = 10.0
#: Parameters of the model, in order (what the calibration optimizes; all but the few bounded ones are logs).
FREE_PARAMETERS = (
    "log_n", "e_nuc", "p_cd", "p_se", "p_oa", "p_cd2", "p_se2", "p_oa2",
    "log_k", "e_growth", "g_oa", "g_m", "beta",
    "log_v", "log_d0", "log_kr", "e_ripen", "r_oa",
    "stokes0", "stokes1",
    "gamma_abs", "gamma_pl", "s0", "s_inf", "s_focus", "s_ripen", "s_t", "pl_width_scale",
)


class GrowthParameters(BaseModel):
    """Free parameters of the growth model (energies in kJ/mol, widths in eV, logs are natural logs)."""

    model_config = ConfigDict(frozen=True)

    log_n: float = 0.0
    e_nuc: float = 60.0
    p_cd: float = 0.5
    p_se: float = 0.5
    p_oa: float = 0.5
    p_cd2: float = 0.0
    p_se2: float = 0.0
    p_oa2: float = 0.0
    log_k: float = -3.5
    e_growth: float = 40.0
    g_oa: float = 0.2
    g_m: float = 0.0
    beta: float = 1.0
    log_v: float = 0.5
    log_d0: float = 0.4
    log_kr: float = -5.0
    e_ripen: float = 80.0
    r_oa: float = 0.3
    stokes0: float = 0.08
    stokes1: float = 0.1
    gamma_abs: float = 0.06
    gamma_pl: float = 0.05
    s0: float = 0.15
    s_inf: float = 0.08
    s_focus: float = 1.0
    s_ripen: float = 0.02
    s_t: float = 0.0
    pl_width_scale: float = 0.8
    smoothmin_q: float = Field(default=4.0, description="sharpness of the [Cd]/[Se] smooth minimum (fixed)")

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, n) for n in FREE_PARAMETERS], dtype=float)

    @classmethod
    def from_vector(cls, v: np.ndarray, **fixed: Any) -> GrowthParameters:
        return cls(**dict(zip(FREE_PARAMETERS, (float(x) for x in v), strict=True)), **fixed)


class TwinCalibration(BaseModel):
    """Calibrated growth parameters plus the noise model and the fit report (``lab/twin_params.json``)."""

    parameters: GrowthParameters
    #: Repeatability (1σ, meV) by reactor temperature (°C) for abs/PL peak and FWHM, from the repeatability runs.
    noise_temperatures_c: list[float]
    noise_abs_peak_mev: list[float]
    noise_abs_fwhm_mev: list[float]
    noise_pl_peak_mev: list[float]
    noise_pl_fwhm_mev: list[float]
    #: First-exciton absorbance = absorbance_scale · converted_mm^absorbance_exponent · (1 − exp(−converted/onset)):
    #: fitted log-log to the observed heights; the onset factor makes very little product undetectable.
    absorbance_scale: float = 0.26
    absorbance_exponent: float = 0.25
    signal_onset_mm: float = 0.01
    metrics: dict[str, Any] = Field(default_factory=dict)
    data_sha256: dict[str, str] = Field(default_factory=dict)

    def exciton_absorbance(self, converted_mm: np.ndarray | float) -> np.ndarray | float:
        """Peak absorbance of the first exciton for ``converted_mm`` of CdSe formed."""
        c = np.maximum(np.asarray(converted_mm, dtype=float), 0.0)
        h = self.absorbance_scale * c**self.absorbance_exponent * (1.0 - np.exp(-c / self.signal_onset_mm))
        return float(h) if h.ndim == 0 else h

    def noise_sd_mev(self, temperature_c: float) -> dict[str, float]:
        """Interpolated repeatability 1σ (meV) at ``temperature_c``."""
        t = self.noise_temperatures_c
        return {
            "abs_peak": float(np.interp(temperature_c, t, self.noise_abs_peak_mev)),
            "abs_fwhm": float(np.interp(temperature_c, t, self.noise_abs_fwhm_mev)),
            "pl_peak": float(np.interp(temperature_c, t, self.noise_pl_peak_mev)),
            "pl_fwhm": float(np.interp(temperature_c, t, self.noise_pl_fwhm_mev)),
        }


PARAMS_FILE = "twin_params.json"


def load_calibration(path: Path | None = None) -> TwinCalibration:
    """Read the calibrated twin parameters (default: ``lab/twin_params.json`` shipped with the package).

    Raises
    ------
    ArtifactNotFoundError
        When the file is missing (run ``python benchmarks/calibrate_twin.py``).
    """
    try:
        text = Path(path or Path(__file__).with_name(PARAMS_FILE)).read_text()
    except FileNotFoundError as exc:
        raise ArtifactNotFoundError(
            f"twin calibration {path or 'lab/' + PARAMS_FILE} is missing: run 'python benchmarks/calibrate_twin.py'"
        ) from exc
    return TwinCalibration.model_validate(json.loads(text))


def _arr(e_kj: float, t_k: np.ndarray) -> np.ndarray:
    return np.exp(-e_kj / R_KJ * (1.0 / t_k - 1.0 / T_REF_K))


def _dlambda_dd(diameter_nm: np.ndarray) -> np.ndarray:
    """dλ/dD of the sizing curve at ``diameter_nm`` (nm per nm), from dD/dλ of the Yu polynomial."""
    lam = abs_peak_from_size(diameter_nm, clip=True)
    dd_dl = 4 * 1.6122e-9 * lam**3 - 3 * 2.6575e-6 * lam**2 + 2 * 1.6242e-3 * lam - 0.4277
    return 1.0 / np.maximum(dd_dl, 1e-3)


def predict(
    p: GrowthParameters,
    temperature_c: np.ndarray,
    cd_mm: np.ndarray,
    se_mm: np.ndarray,
    oa_cd_ratio: np.ndarray,
    time_s: np.ndarray,
) -> dict[str, np.ndarray]:
    """Noise-free twin outputs for arrays of conditions.

    Returns
    -------
    dict
        ``size_nm``, ``conversion``, ``converted_mm``, ``abs_peak_ev``, ``abs_fwhm_ev``, ``pl_peak_ev``,
        ``pl_fwhm_ev`` (and the nm peaks ``abs_peak_nm``, ``pl_peak_nm``).

    Raises
    ------
    SchemaValidationError
        When a concentration, ratio or time is not positive.
    """
    t_c, cd, se, oa, t = (np.asarray(a, dtype=float) for a in (temperature_c, cd_mm, se_mm, oa_cd_ratio, time_s))
    if np.any(cd <= 0) or np.any(se <= 0) or np.any(oa <= 0) or np.any(t <= 0):
        raise SchemaValidationError("concentrations, OA/Cd ratio and time must be positive")
    tk = t_c + 273.15
    q = p.smoothmin_q
    m = (cd ** (-q) + se ** (-q)) ** (-1.0 / q)
    lcd, lse, loa = np.log(cd / C_REF), np.log(se / C_REF), np.log(oa / OA_REF)
    n = math.exp(p.log_n) * _arr(p.e_nuc, tk) * np.exp(
        p.p_cd * lcd + p.p_se * lse - p.p_oa * loa + p.p_cd2 * lcd**2 + p.p_se2 * lse**2 + p.p_oa2 * loa**2)
    k = math.exp(p.log_k) * _arr(p.e_growth, tk) * (oa / OA_REF) ** (-p.g_oa) * (m / C_REF) ** p.g_m
    x = 1.0 - np.exp(-((k * t) ** p.beta))
    kr = math.exp(p.log_kr) * _arr(p.e_ripen, tk) * (oa / OA_REF) ** p.r_oa
    vol = math.exp(3 * p.log_d0) + math.exp(p.log_v) * (m / C_REF) * x / n + kr * t
    d = np.cbrt(vol)
    lam = abs_peak_from_size(d, clip=True)
    e_abs = HC_EV_NM / lam
    stokes = p.stokes0 + p.stokes1 * (e_abs - 2.3)
    e_pl = e_abs - stokes
    # relative size spread: focusing while monomer is consumed, defocusing by ripening
    ripen_frac = kr * t / vol
    s = p.s_inf + (p.s0 - p.s_inf) * np.exp(-p.s_focus * x) + p.s_ripen * ripen_frac \
        + p.s_t * (tk - T_REF_K) / 100.0
    s = np.clip(s, 0.005, 0.6)
    de_dd = HC_EV_NM / lam**2 * _dlambda_dd(d)  # eV per nm
    inhom = de_dd * 2.3548 * s * d
    fwhm_abs = np.sqrt(p.gamma_abs**2 + inhom**2)
    fwhm_pl = np.sqrt(p.gamma_pl**2 + (p.pl_width_scale * inhom) ** 2)
    return {
        "size_nm": d,
        "conversion": x,
        "converted_mm": m * x,
        "abs_peak_ev": e_abs,
        "abs_peak_nm": lam,
        "abs_fwhm_ev": fwhm_abs,
        "pl_peak_ev": e_pl,
        "pl_peak_nm": HC_EV_NM / e_pl,
        "pl_fwhm_ev": fwhm_pl,
    }
