"""Physics-informed growth model of CdSe hot-injection synthesis (the digital twin's chemistry).

A precursor-conversion / burst-nucleation / growth / Ostwald-ripening picture (LaMer; the "precursor conversion
controls the number of nuclei" picture of Owen and co-workers; LSW ripening), each step with its own Arrhenius
temperature dependence (activation energies in kJ/mol, reference temperature 250 °C):

* **Free oleic acid.** Two oleates are bound per Cd, so the free acid is ``[OA]_free ≈ [Cd]·(OA/Cd − 2)``
  (smoothed near 2). Free acid solubilizes Cd monomer and passivates surfaces: it raises the monomer solubility,
  slows precursor conversion, lowers the number of nuclei and speeds up ripening.
* **Monomer supply.** ``P₀`` is a smooth minimum of [Cd] and [Se] (the limiting precursor). It converts to monomer
  with stretched first-order kinetics ``X(t) = 1 − exp(−(k_c t)^β)``; ``k_c`` is Arrhenius (``e_conv``) with
  power-law orders in [Se], [Cd] and free OA. β < 1 represents the spread of precursor reactivities.
* **Solubility.** ``C_s = C_s0 · exp(−E_sol/R (1/T − 1/T_ref)) · ([OA]_free/100 mM)^{cs_oa}`` (mM): monomer that
  stays dissolved; the product that can form is ``P₀ − C_s`` (smoothly floored at 0, so hot and dilute runs with
  a lot of free acid make little or no product → "no signal").
* **Nucleation burst.** The number of nuclei (arbitrary units) scales with a power of the initial supersaturation
  ``S₀ = P₀/C_s`` and of the monomer supply rate ``k_c·P₀`` (fast conversion → many nuclei → small dots), with its
  own Arrhenius term (``e_nuc``), an extra order in free OA, and an empirical second-order response surface of
  ``ln N`` in (1/T, ln[Cd], ln[Se], ln[OA]_free) for the interactions (e.g. precursor non-stoichiometry) that the
  scaling law misses.
* **Growth.** Nuclei of diameter ``d₀`` grow by the converted monomer shared among them (volume conservation):
  ``v_g(t) = d₀³ + V_m · X(t)·(P₀ − C_s)₊ / N`` — reaction-limited by the conversion rate ``k_c``.
* **Ostwald ripening** (LSW: ``r³`` grows linearly in time at a rate ∝ D·C_s): ``v = v_g + K_r · t · X(t)^q``,
  ``K_r = K_r0 · exp(−E_r/R (1/T − 1/T_ref)) · C_s/C_s,ref``; gated by depletion (``X^q``: ripening takes over
  once the precursor is used up). Every term is non-decreasing in time, so the size grows monotonically.
* **Optics.** The diameter gives the first-exciton wavelength by inverting the Yu et al. 2003 sizing curve
  (:func:`nanosynth.lab.spectra.abs_peak_from_size`); PL is Stokes-shifted by a size-dependent amount. Line widths:
  ``FWHM² = Γ(E)² + (|dE/dD|·2.355·s·D)²`` with a relative size spread ``s`` that focuses while particles grow
  from monomer (``s_g = s_∞ + (s_nuc − s_∞)(d₀³/v_g)^{s_focus}``, ``s_∞ = f_inf·s_nuc``) and relaxes towards the broad LSW distribution
  (``s_lsw``) as the ripened fraction of the volume rises.

All free parameters live in :class:`GrowthParameters`; :mod:`nanosynth.lab.calibrate` fits them to the cdse-hte data and
writes ``lab/twin_params.json``. Everything here is pure numpy, closed-form and vectorized.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from nanosynth.lab.spectra import HC_EV_NM, abs_peak_from_size
from nanosynth.schema.errors import ArtifactNotFoundError, SchemaValidationError

R_KJ = 8.314462618e-3  # kJ/(mol K)
T_REF_K = 523.15  # 250 °C
C_REF = 10.0  # mM
FOA_REF = 100.0  # mM of free oleic acid (10 mM Cd at OA/Cd = 12)
CS_REF = 1.0  # mM
E_REF = 2.4  # eV, reference of the size-dependent optical terms
#: Oleic acid bound per Cd (Cd oleate); the excess is free acid.
OA_BOUND_PER_CD = 2.0
#: Parameters of the model, in order (what the calibration optimizes; ``log_*`` are natural logs).
FREE_PARAMETERS = (
    "log_kc", "e_conv", "c_se", "c_cd", "c_oa", "beta", "t_lag",
    "log_cs", "e_sol", "cs_oa",
    "log_n", "e_nuc", "n_sat", "n_rate", "n_oa",
    "nq_tt", "nq_tc", "nq_ts", "nq_to", "nq_cc", "nq_cs", "nq_co", "nq_ss", "nq_so", "nq_oo",
    "log_v", "log_d0",
    "log_kr", "e_ripen", "q_dep",
    "stokes0", "stokes1",
    "gamma_abs", "gamma_abs1", "gamma_pl", "gamma_pl1", "pl_width_scale",
    "s_nuc", "sn_t", "sn_cd", "sn_se", "sn_oa", "f_inf", "s_focus", "s_lsw", "s_t",
)


class GrowthParameters(BaseModel):
    """Free parameters of the growth model (energies in kJ/mol, widths in eV, ``log_*`` natural logs).

    Rates are at the reference temperature (250 °C), [Cd] = [Se] = 10 mM and 100 mM free oleic acid.
    """

    model_config = ConfigDict(frozen=True)

    # precursor conversion (monomer supply; reaction-limited growth rate)
    log_kc: float = Field(default=-4.0, description="ln k_c (1/s) at the reference conditions")
    e_conv: float = Field(default=80.0, description="activation energy of precursor conversion (kJ/mol)")
    c_se: float = Field(default=0.5, description="order of k_c in [Se]")
    c_cd: float = Field(default=0.0, description="order of k_c in [Cd]")
    c_oa: float = Field(default=0.3, description="free-OA inhibition of conversion (k_c ∝ [OA]_free^-c_oa)")
    beta: float = Field(default=0.6, description="stretch exponent of the conversion kinetics")
    t_lag: float = Field(default=2.0, description="mixing/heat-up lag added to the growth time (s)")
    # solubility
    log_cs: float = Field(default=-1.0, description="ln C_s (mM) at the reference conditions")
    e_sol: float = Field(default=60.0, description="dissolution enthalpy of the monomer (kJ/mol)")
    cs_oa: float = Field(default=0.5, description="order of C_s in free OA")
    # nucleation burst
    log_n: float = Field(default=0.0, description="ln of the number of nuclei (a.u.) at the reference")
    e_nuc: float = Field(default=40.0, description="activation energy of nucleation (kJ/mol)")
    n_sat: float = Field(default=0.5, description="order of N in the initial supersaturation S₀ = P₀/C_s")
    n_rate: float = Field(default=0.5, description="order of N in the monomer supply rate k_c·P0")
    n_oa: float = Field(default=0.2, description="extra free-OA suppression of nucleation")
    # second-order (interaction) terms of ln N in z = (θ, ln[Cd]/10, ln[Se]/10, ln[OA]_free/100), θ = 10⁴(1/T_ref − 1/T)
    nq_tt: float = 0.0
    nq_tc: float = 0.0
    nq_ts: float = 0.0
    nq_to: float = 0.0
    nq_cc: float = 0.0
    nq_cs: float = 0.0
    nq_co: float = 0.0
    nq_ss: float = 0.0
    nq_so: float = 0.0
    nq_oo: float = 0.0
    # growth
    log_v: float = Field(default=2.0, description="ln of the volume per converted mM per nucleus (nm³)")
    log_d0: float = Field(default=0.4, description="ln of the nucleus diameter (nm)")
    # ripening
    log_kr: float = Field(default=-5.0, description="ln K_r (nm³/s) at the reference")
    e_ripen: float = Field(default=80.0, description="activation energy of monomer diffusion in ripening (kJ/mol)")
    q_dep: float = Field(default=1.0, description="ripening gate by depletion X(t)^q")
    # optics
    stokes0: float = 0.06
    stokes1: float = 0.1
    gamma_abs: float = 0.09
    gamma_abs1: float = 0.0
    gamma_pl: float = 0.08
    gamma_pl1: float = 0.0
    pl_width_scale: float = 0.8
    s_nuc: float = 0.15
    sn_t: float = Field(default=0.0, description="ln s_nuc per θ = 10⁴(1/T_ref − 1/T)")
    sn_cd: float = Field(default=0.0, description="order of s_nuc in [Cd]")
    sn_se: float = Field(default=0.0, description="order of s_nuc in [Se]")
    sn_oa: float = Field(default=0.0, description="order of s_nuc in free OA")
    f_inf: float = Field(default=0.5, description="focused spread as a fraction of the nucleation spread (≤ 1)")
    s_focus: float = 0.5
    s_lsw: float = 0.2
    s_t: float = 0.0
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


def arrhenius(e_kj: float, t_k: np.ndarray) -> np.ndarray:
    """``exp(−E/R (1/T − 1/T_ref))``: the rate at ``t_k`` relative to the reference temperature."""
    return np.exp(-e_kj / R_KJ * (1.0 / t_k - 1.0 / T_REF_K))


def free_oleic_acid_mm(cd_mm: np.ndarray, oa_cd_ratio: np.ndarray) -> np.ndarray:
    """Free oleic acid (mM): the acid beyond the two oleates bound per Cd, smoothly floored near 0."""
    width = 0.5
    excess = width * np.logaddexp(0.0, (np.asarray(oa_cd_ratio, float) - OA_BOUND_PER_CD) / width)
    return np.asarray(cd_mm, float) * excess


def _dlambda_dd(diameter_nm: np.ndarray) -> np.ndarray:
    """dλ/dD of the sizing curve at ``diameter_nm`` (nm per nm), from dD/dλ of the Yu polynomial."""
    lam = abs_peak_from_size(diameter_nm, clip=True)
    dd_dl = 4 * 1.6122e-9 * lam**3 - 3 * 2.6575e-6 * lam**2 + 2 * 1.6242e-3 * lam - 0.4277
    return 1.0 / np.maximum(dd_dl, 1e-3)


def _second_order(p: GrowthParameters, tk: np.ndarray, cd: np.ndarray, se: np.ndarray,
                  lfoa: np.ndarray) -> np.ndarray:
    """Empirical second-order response surface of ln N (interactions the burst scaling law does not capture)."""
    z = (1e4 * (1.0 / T_REF_K - 1.0 / tk), np.log(cd / C_REF), np.log(se / C_REF), lfoa)
    out = np.zeros_like(tk)
    for (i, j), name in zip(_PAIRS, _PAIR_NAMES, strict=True):
        out = out + getattr(p, name) * z[i] * z[j]
    return out


_PAIRS = [(i, j) for i in range(4) for j in range(i, 4)]
_PAIR_NAMES = ["nq_" + "tcso"[i] + "tcso"[j] for i, j in _PAIRS]


def _kinetics(p: GrowthParameters, tk: np.ndarray, cd: np.ndarray, se: np.ndarray, oa: np.ndarray,
              t: np.ndarray) -> dict[str, np.ndarray]:
    """Precursor conversion, solubility, formable product and the nucleation burst."""
    q = p.smoothmin_q
    p0 = (cd ** (-q) + se ** (-q)) ** (-1.0 / q)
    foa = free_oleic_acid_mm(cd, oa) / FOA_REF
    lfoa = np.log(np.maximum(foa, 1e-6))
    # precursor conversion (monomer supply)
    kc = math.exp(p.log_kc) * arrhenius(p.e_conv, tk) * (se / C_REF) ** p.c_se * (cd / C_REF) ** p.c_cd \
        * np.exp(-p.c_oa * lfoa)
    t_eff = np.maximum(t + p.t_lag, 1e-3)
    x = -np.expm1(-((kc * t_eff) ** p.beta))
    # solubility and product that can form
    cs = CS_REF * math.exp(p.log_cs) * arrhenius(p.e_sol, tk) * np.exp(p.cs_oa * lfoa)
    width = 0.05 * p0
    formable = width * np.logaddexp(0.0, (p0 - cs) / width)
    # nucleation burst
    s0 = np.maximum(p0 / cs, 1e-6)
    n = math.exp(p.log_n) * arrhenius(p.e_nuc, tk) * s0**p.n_sat * (kc * p0 / C_REF) ** p.n_rate \
        * np.exp(-p.n_oa * lfoa + _second_order(p, tk, cd, se, lfoa))
    return {"lfoa": lfoa, "t_eff": t_eff, "x": x, "cs": cs, "formable": formable, "n": n}


def _growth(p: GrowthParameters, tk: np.ndarray, k: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Growth from monomer, then ripening: volumes and diameter."""
    v0 = math.exp(3 * p.log_d0)
    converted = k["formable"] * k["x"]
    v_g = v0 + math.exp(p.log_v) * converted / k["n"]
    kr = math.exp(p.log_kr) * arrhenius(p.e_ripen, tk) * k["cs"] / CS_REF
    v_r = kr * k["t_eff"] * k["x"]**p.q_dep
    vol = v_g + v_r
    return {"v0": v0, "converted": converted, "v_g": v_g, "v_r": v_r, "vol": vol, "d": np.cbrt(vol)}


def _size_spread(p: GrowthParameters, tk: np.ndarray, cd: np.ndarray, se: np.ndarray, lfoa: np.ndarray,
                 g: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Relative size spread (focusing during growth, LSW-like broadening by ripening) and the ripened fraction."""
    ripen_frac = g["v_r"] / g["vol"]
    s_nuc = p.s_nuc * np.exp(p.sn_t * 1e4 * (1.0 / T_REF_K - 1.0 / tk) + p.sn_cd * np.log(cd / C_REF)
                             + p.sn_se * np.log(se / C_REF) + p.sn_oa * lfoa)
    s_inf = p.f_inf * s_nuc
    s_g = s_inf + (s_nuc - s_inf) * (g["v0"] / g["v_g"]) ** p.s_focus
    s = (1.0 - ripen_frac) * s_g + ripen_frac * p.s_lsw + p.s_t * (tk - T_REF_K) / 100.0
    return np.clip(s, 0.005, 0.6), ripen_frac


def _line_widths(p: GrowthParameters, d: np.ndarray, lam: np.ndarray, e_abs: np.ndarray,
                 s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Absorption and PL FWHM (eV): homogeneous width ⊕ inhomogeneous (size-spread) broadening."""
    de_dd = HC_EV_NM / lam**2 * _dlambda_dd(d)  # eV per nm
    inhom = de_dd * 2.3548 * s * d
    g_abs = np.maximum(p.gamma_abs + p.gamma_abs1 * (e_abs - E_REF), 1e-3)
    g_pl = np.maximum(p.gamma_pl + p.gamma_pl1 * (e_abs - E_REF), 1e-3)
    return np.sqrt(g_abs**2 + inhom**2), np.sqrt(g_pl**2 + (p.pl_width_scale * inhom) ** 2)


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
        ``pl_fwhm_ev``, the nm peaks ``abs_peak_nm``, ``pl_peak_nm``, and the intermediate quantities
        ``nuclei`` (a.u.), ``solubility_mm``, ``ripened_fraction``, ``size_spread``.

    Raises
    ------
    SchemaValidationError
        When a concentration, ratio or time is not positive.
    """
    t_c, cd, se, oa, t = (np.asarray(a, dtype=float) for a in (temperature_c, cd_mm, se_mm, oa_cd_ratio, time_s))
    if np.any(cd <= 0) or np.any(se <= 0) or np.any(oa <= 0) or np.any(t <= 0):
        raise SchemaValidationError("concentrations, OA/Cd ratio and time must be positive")
    tk = t_c + 273.15
    k = _kinetics(p, tk, cd, se, oa, t)
    g = _growth(p, tk, k)
    d = g["d"]
    lam = abs_peak_from_size(d, clip=True)
    e_abs = HC_EV_NM / lam
    e_pl = e_abs - (p.stokes0 + p.stokes1 * (e_abs - E_REF))
    s, ripen_frac = _size_spread(p, tk, cd, se, k["lfoa"], g)
    fwhm_abs, fwhm_pl = _line_widths(p, d, lam, e_abs, s)
    return {
        "size_nm": d,
        "conversion": k["x"],
        "converted_mm": g["converted"],
        "nuclei": k["n"],
        "solubility_mm": k["cs"],
        "ripened_fraction": ripen_frac,
        "size_spread": s,
        "abs_peak_ev": e_abs,
        "abs_peak_nm": lam,
        "abs_fwhm_ev": fwhm_abs,
        "pl_peak_ev": e_pl,
        "pl_peak_nm": HC_EV_NM / e_pl,
        "pl_fwhm_ev": fwhm_pl,
    }
