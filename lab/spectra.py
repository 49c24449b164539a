"""Spectra processing: first-exciton absorption peak, PL peak, FWHM, and CdSe size from the sizing curve.

The first (lowest-energy) exciton of CdSe quantum dots is fitted with a *half-Gaussian* on its low-energy side,
the way the automated batch-microreactor platform of Xu et al. (Chem. Mater. 2024) does: the high-energy side of
the first exciton overlaps higher transitions and the absorption continuum, so only the low-energy flank and the
peak top are used. PL is fitted with a full Gaussian around its maximum. Fits are done on an energy axis
(E = 1239.84 / λ); FWHM are reported in meV and nm.

Spectra with no usable signal (flat, pure noise, no peak) do not raise: they return a :class:`PeakFit` with NaN
values and a status saying why. Malformed input (arrays of different length, too few points) raises
:class:`~nanosynth.schema.errors.SchemaValidationError`.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import asdict, dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import OptimizeWarning, brentq, curve_fit
from scipy.signal import find_peaks, savgol_filter

from nanosynth.schema.errors import SchemaValidationError

log = logging.getLogger(__name__)

#: hc in eV·nm: E(eV) = HC_EV_NM / λ(nm).
HC_EV_NM = 1239.84
#: FWHM = FWHM_PER_SIGMA · σ for a Gaussian.
FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))
#: Wavelength range (nm) in which the Yu et al. 2003 CdSe sizing curve is used (≈1.2–14 nm diameters).
SIZING_RANGE_NM = (360.0, 700.0)
_YU_COEFFS = (1.6122e-9, -2.6575e-6, 1.6242e-3, -0.4277, 41.57)
MIN_POINTS = 10


class FitStatus(StrEnum):
    """Outcome of a peak fit."""

    OK = "ok"
    NO_SIGNAL = "no_signal"
    NO_PEAK = "no_peak"
    FIT_FAILED = "fit_failed"


@dataclass(frozen=True)
class PeakFit:
    """A fitted spectral peak (NaN values unless ``status`` is ``ok``)."""

    status: FitStatus
    peak_nm: float = math.nan
    peak_ev: float = math.nan
    fwhm_mev: float = math.nan
    fwhm_nm: float = math.nan
    height: float = math.nan
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status is FitStatus.OK

    def as_dict(self, prefix: str) -> dict[str, float]:
        """Outcome dict with ``prefix`` (e.g. ``abs`` → ``abs_peak_nm``, ``abs_fwhm_mev``...)."""
        d = asdict(self)
        return {f"{prefix}_{k}": float(d[k]) for k in ("peak_nm", "peak_ev", "fwhm_mev", "fwhm_nm", "height")}


# ------------------------------------------------------------------------------------------------ conversions
def nm_to_ev(wavelength_nm: ArrayLike) -> np.ndarray | float:
    """Photon energy (eV) of a wavelength (nm)."""
    w = np.asarray(wavelength_nm, dtype=float)
    out = HC_EV_NM / w
    return float(out) if out.ndim == 0 else out


def ev_to_nm(energy_ev: ArrayLike) -> np.ndarray | float:
    """Wavelength (nm) of a photon energy (eV)."""
    return nm_to_ev(energy_ev)  # the same reciprocal relation


def fwhm_ev_to_nm(peak_ev: float, fwhm_ev: float) -> float:
    """Width in nm of a band centred at ``peak_ev`` with energy width ``fwhm_ev`` (exact, asymmetric in nm)."""
    lo, hi = peak_ev - fwhm_ev / 2.0, peak_ev + fwhm_ev / 2.0
    if lo <= 0:
        return math.nan
    return float(HC_EV_NM / lo - HC_EV_NM / hi)


def fwhm_nm_to_mev(peak_nm: float, fwhm_nm: float) -> float:
    """Energy width (meV) of a band centred at ``peak_nm`` with width ``fwhm_nm``."""
    lo, hi = peak_nm - fwhm_nm / 2.0, peak_nm + fwhm_nm / 2.0
    if lo <= 0:
        return math.nan
    return float(1000.0 * (HC_EV_NM / lo - HC_EV_NM / hi))


def size_from_abs_peak(wavelength_nm: ArrayLike) -> np.ndarray | float:
    """CdSe diameter (nm) from the first-exciton wavelength (Yu et al., Chem. Mater. 2003).

    Values outside :data:`SIZING_RANGE_NM` give NaN (the empirical curve is not valid there).
    """
    w = np.asarray(wavelength_nm, dtype=float)
    d = np.polyval(_YU_COEFFS, w)
    d = np.where((w >= SIZING_RANGE_NM[0]) & (w <= SIZING_RANGE_NM[1]), d, np.nan)
    return float(d) if d.ndim == 0 else d


_INV_GRID_NM = np.linspace(SIZING_RANGE_NM[0], SIZING_RANGE_NM[1], 3401)


def abs_peak_from_size(diameter_nm: ArrayLike, *, clip: bool = False) -> np.ndarray | float:
    """First-exciton wavelength (nm) of CdSe dots of ``diameter_nm``: the Yu et al. sizing curve inverted.

    The curve is monotonic on :data:`SIZING_RANGE_NM`; it is inverted by interpolation on a 0.1 nm grid (error
    < 0.01 nm). Sizes outside the curve's range give NaN, or the range end with ``clip=True``.
    """
    d = np.asarray(diameter_nm, dtype=float)
    grid_d = np.polyval(_YU_COEFFS, _INV_GRID_NM)
    lo, hi = grid_d[0], grid_d[-1]
    dd = np.clip(d, lo, hi) if clip else d
    w = np.interp(dd, grid_d, _INV_GRID_NM)
    if not clip:
        w = np.where((d >= lo) & (d <= hi), w, np.nan)
    return float(w) if w.ndim == 0 else w


def abs_peak_from_size_exact(diameter_nm: float) -> float:
    """Same as :func:`abs_peak_from_size` for one value, by root finding (used to check the interpolation)."""
    lo, hi = SIZING_RANGE_NM
    f = lambda w: float(np.polyval(_YU_COEFFS, w)) - diameter_nm  # noqa: E731
    if f(lo) > 0 or f(hi) < 0:
        return math.nan
    return float(brentq(f, lo, hi, xtol=1e-6))


# ------------------------------------------------------------------------------------------------ helpers
def _gauss(x: np.ndarray, base: float, amp: float, x0: float, sigma: float) -> np.ndarray:
    return base + amp * np.exp(-0.5 * ((x - x0) / sigma) ** 2)


def _prepare(wavelength_nm: ArrayLike, intensity: ArrayLike, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Validate, drop non-finite points, convert to an ascending energy axis."""
    w = np.asarray(wavelength_nm, dtype=float).ravel()
    y = np.asarray(intensity, dtype=float).ravel()
    if w.shape != y.shape:
        raise SchemaValidationError(
            f"{what} spectrum: {w.size} wavelengths but {y.size} intensities; pass arrays of the same length"
        )
    keep = np.isfinite(w) & np.isfinite(y) & (w > 0)
    w, y = w[keep], y[keep]
    if w.size < MIN_POINTS:
        raise SchemaValidationError(
            f"{what} spectrum has {w.size} finite points; at least {MIN_POINTS} are needed to fit a peak"
        )
    e = HC_EV_NM / w
    order = np.argsort(e)
    return e[order], y[order]


def noise_level(y: np.ndarray) -> float:
    """Robust point-to-point noise estimate (MAD of first differences / √2)."""
    d = np.diff(y)
    mad = float(np.median(np.abs(d - np.median(d))))
    return 1.4826 * mad / math.sqrt(2.0)


def _smooth(y: np.ndarray) -> np.ndarray:
    n = y.size
    win = min(11, n - (1 - n % 2))
    if win < 5:
        return y.copy()
    if win % 2 == 0:
        win -= 1
    return savgol_filter(y, win, 2)


# ------------------------------------------------------------------------------------------------ fits
def fit_absorption_exciton(
    wavelength_nm: ArrayLike,
    absorbance: ArrayLike,
    *,
    min_absorbance: float = 0.005,
    min_snr: float = 5.0,
) -> PeakFit:
    """Fit the lowest-energy exciton peak of an absorption spectrum with a half-Gaussian.

    The lowest-energy local maximum with a prominence above ``min_snr`` × noise (and above 2 % of the signal
    range) is taken as the first exciton; a Gaussian plus constant baseline is fitted to the points on its
    low-energy side up to (and two points beyond) the maximum. FWHM = 2√(2 ln 2)·σ of that Gaussian.

    Parameters
    ----------
    wavelength_nm, absorbance:
        The spectrum (any order; non-finite points are dropped).
    min_absorbance:
        Peak-to-baseline absorbance below which the spectrum counts as "no signal".
    min_snr:
        Minimum prominence of the exciton relative to the noise.

    Returns
    -------
    PeakFit
        ``status`` ``ok`` with values, or ``no_signal``/``no_peak``/``fit_failed`` with NaN values.

    Raises
    ------
    SchemaValidationError
        When the arrays have different lengths or fewer than 10 finite points.
    """
    e, y = _prepare(wavelength_nm, absorbance, "absorption")
    noise = noise_level(y)
    ys = _smooth(y)
    span = float(ys.max() - ys.min())
    if span < max(min_absorbance, min_snr * noise):
        return PeakFit(FitStatus.NO_SIGNAL, message=f"absorbance range {span:.4f} is at noise level {noise:.4f}")
    prominence = max(min_snr * noise, 0.02 * span)
    peaks, props = find_peaks(ys, prominence=prominence)
    # exclude maxima at the very ends of the window: they are edges, not excitons
    inner = [(p, pr) for p, pr in zip(peaks, props["prominences"], strict=True) if 2 <= p <= e.size - 3]
    if not inner:
        return PeakFit(FitStatus.NO_PEAK, message="no exciton maximum above the noise (featureless spectrum)")
    ip = inner[0][0]  # lowest energy (axis is ascending in energy)
    sel, p0, bounds = _exciton_window(e, ys, ip)
    if sel.sum() < 5:
        return PeakFit(FitStatus.FIT_FAILED, message=f"only {int(sel.sum())} points on the exciton's low-energy side")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            popt, _ = curve_fit(_gauss, e[sel], y[sel], p0=p0, bounds=bounds, maxfev=5000)
    except (RuntimeError, ValueError) as exc:
        return PeakFit(FitStatus.FIT_FAILED, message=f"half-Gaussian fit did not converge: {exc}")
    _, amp, e0, sigma = (float(v) for v in popt)
    if amp < max(min_snr * noise, min_absorbance):
        return PeakFit(FitStatus.NO_PEAK, message=f"fitted exciton amplitude {amp:.4f} is at noise level")
    return _ok_fit(e0, sigma, amp)


def _exciton_window(e: np.ndarray, ys: np.ndarray, ip: int) -> tuple[np.ndarray, tuple, tuple]:
    """Points of the half-Gaussian fit (low-energy flank up to two points past the maximum at ``ip``), the
    starting values (baseline, amplitude, centre, σ) and the bounds of the fit."""
    e_peak, y_peak = float(e[ip]), float(ys[ip])
    base_guess = float(np.min(ys[: ip + 1]))
    half = base_guess + 0.5 * (y_peak - base_guess)
    below = np.nonzero(ys[: ip + 1] < half)[0]
    hwhm = e_peak - float(e[below[-1]]) if below.size else 0.05
    sigma0 = max(hwhm / math.sqrt(2 * math.log(2)), 1e-3)
    lo_e = e_peak - 3.5 * sigma0
    sel = (e >= lo_e) & (e <= e_peak + 1e-12)
    sel[ip: min(ip + 3, e.size)] = True
    p0 = (base_guess, y_peak - base_guess, e_peak, sigma0)
    bounds = ([-np.inf, 0.0, e_peak - 3 * sigma0, 1e-4], [np.inf, np.inf, e_peak + 2 * sigma0, 1.0])
    return sel, p0, bounds


def _ok_fit(e0: float, sigma: float, amp: float) -> PeakFit:
    """A successful fit from the Gaussian centre (eV), σ (eV) and amplitude."""
    fwhm_ev = FWHM_PER_SIGMA * sigma
    return PeakFit(FitStatus.OK, peak_nm=HC_EV_NM / e0, peak_ev=e0, fwhm_mev=1000.0 * fwhm_ev,
                   fwhm_nm=fwhm_ev_to_nm(e0, fwhm_ev), height=amp)


def fit_pl_peak(
    wavelength_nm: ArrayLike,
    counts: ArrayLike,
    *,
    min_counts: float = 0.0,
    min_snr: float = 8.0,
) -> PeakFit:
    """Fit the photoluminescence band with a Gaussian (energy axis) around its maximum.

    Returns NaN values with status ``no_signal`` when the maximum is not ``min_snr`` × noise above the baseline.

    Raises
    ------
    SchemaValidationError
        When the arrays have different lengths or fewer than 10 finite points.
    """
    e, y = _prepare(wavelength_nm, counts, "PL")
    noise = noise_level(y)
    ys = _smooth(y)
    base_guess = float(np.percentile(ys, 5))
    imax = int(np.argmax(ys))
    amp0 = float(ys[imax]) - base_guess
    if amp0 < max(min_snr * noise, min_counts) or amp0 <= 0:
        return PeakFit(FitStatus.NO_SIGNAL, message=f"PL maximum {amp0:.3g} above baseline is at noise level {noise:.3g}")
    if imax < 2 or imax > e.size - 3:
        return PeakFit(FitStatus.NO_PEAK, message="PL maximum lies at the edge of the detection window")
    half = base_guess + amp0 / 2.0
    left = np.nonzero(ys[:imax] < half)[0]
    right = np.nonzero(ys[imax:] < half)[0]
    e_left = float(e[left[-1]]) if left.size else float(e[0])
    e_right = float(e[imax + right[0]]) if right.size else float(e[-1])
    sigma0 = max((e_right - e_left) / FWHM_PER_SIGMA, 1e-3)
    e_peak = float(e[imax])
    sel = np.abs(e - e_peak) <= 2.5 * sigma0
    if sel.sum() < 5:
        return PeakFit(FitStatus.FIT_FAILED, message=f"only {int(sel.sum())} points across the PL band")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            popt, _ = curve_fit(_gauss, e[sel], y[sel], p0=(base_guess, amp0, e_peak, sigma0),
                                bounds=([-np.inf, 0.0, e_peak - 2 * sigma0, 1e-4],
                                        [np.inf, np.inf, e_peak + 2 * sigma0, 1.0]), maxfev=5000)
    except (RuntimeError, ValueError) as exc:
        return PeakFit(FitStatus.FIT_FAILED, message=f"Gaussian fit did not converge: {exc}")
    _, amp, e0, sigma = (float(v) for v in popt)
    return _ok_fit(e0, sigma, amp)


def analyze(
    absorption: tuple[ArrayLike, ArrayLike] | None = None,
    pl: tuple[ArrayLike, ArrayLike] | None = None,
) -> tuple[dict[str, float], dict[str, str]]:
    """Fit both spectra of a run and return ``(outcomes, statuses)``.

    Outcomes: ``abs_peak_nm``, ``abs_peak_ev``, ``abs_fwhm_mev``, ``abs_fwhm_nm``, ``abs_height``, ``size_nm``
    (sizing curve) and the same ``pl_*`` values; NaN where a fit failed. Statuses map ``absorption``/``pl`` to
    the :class:`FitStatus` value and message.
    """
    outcomes: dict[str, float] = {}
    statuses: dict[str, str] = {}
    if absorption is not None:
        fa = fit_absorption_exciton(*absorption)
        outcomes.update(fa.as_dict("abs"))
        outcomes["size_nm"] = float(size_from_abs_peak(fa.peak_nm)) if fa.ok else math.nan
        statuses["absorption"] = fa.status.value + (f": {fa.message}" if fa.message else "")
    if pl is not None:
        fp = fit_pl_peak(*pl)
        outcomes.update(fp.as_dict("pl"))
        statuses["pl"] = fp.status.value + (f": {fp.message}" if fp.message else "")
    return outcomes, statuses


__all__ = [
    "FWHM_PER_SIGMA",
    "FitStatus",
    "HC_EV_NM",
    "PeakFit",
    "SIZING_RANGE_NM",
    "abs_peak_from_size",
    "analyze",
    "ev_to_nm",
    "fit_absorption_exciton",
    "fit_pl_peak",
    "fwhm_ev_to_nm",
    "fwhm_nm_to_mev",
    "nm_to_ev",
    "noise_level",
    "size_from_abs_peak",
]
