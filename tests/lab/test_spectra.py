"""Spectra processing: known answers on synthetic spectra, and edge cases (noise, flat, no peak, bad input)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nanosynth.lab import spectra
from nanosynth.lab.adapters.simulated import WAVELENGTHS_NM, render_absorption, render_pl
from nanosynth.schema.errors import SchemaValidationError


@pytest.mark.parametrize("peak_nm,fwhm_ev", [(470.0, 0.12), (530.0, 0.15), (590.0, 0.2)])
def test_half_gaussian_recovers_known_exciton(peak_nm, fwhm_ev):
    a = render_absorption(spectra.HC_EV_NM / peak_nm, fwhm_ev, 0.4, None)
    fit = spectra.fit_absorption_exciton(WAVELENGTHS_NM, a)
    assert fit.ok
    assert fit.peak_nm == pytest.approx(peak_nm, abs=0.2)
    assert fit.fwhm_mev == pytest.approx(1000 * fwhm_ev, abs=1.0)
    assert fit.height == pytest.approx(0.4, rel=0.02)


def test_half_gaussian_with_noise_stays_close():
    rng = np.random.default_rng(3)
    a = render_absorption(spectra.HC_EV_NM / 550.0, 0.15, 0.3, rng, noise=0.003)
    fit = spectra.fit_absorption_exciton(WAVELENGTHS_NM, a)
    assert fit.ok
    assert abs(fit.peak_nm - 550.0) < 1.5
    assert abs(fit.fwhm_mev - 150.0) < 10.0


def test_pl_gaussian_known_answer_and_order_independent():
    e0 = spectra.HC_EV_NM / 560.0
    y = render_pl(e0, 0.13, 1.0e4, None)
    fit = spectra.fit_pl_peak(WAVELENGTHS_NM[::-1], y[::-1])  # descending axis works too
    assert fit.ok
    assert fit.peak_ev == pytest.approx(e0, abs=1e-4)
    assert fit.fwhm_mev == pytest.approx(130.0, abs=0.5)
    assert fit.fwhm_nm == pytest.approx(spectra.fwhm_ev_to_nm(e0, 0.13), rel=1e-3)


def test_flat_and_noise_only_spectra_return_nan_with_status():
    rng = np.random.default_rng(0)
    flat = np.full(WAVELENGTHS_NM.size, 0.05)
    noise = rng.normal(0, 0.002, WAVELENGTHS_NM.size)
    for y in (flat, noise):
        fa = spectra.fit_absorption_exciton(WAVELENGTHS_NM, y)
        assert fa.status is spectra.FitStatus.NO_SIGNAL and math.isnan(fa.peak_nm)
        fp = spectra.fit_pl_peak(WAVELENGTHS_NM, 100 + 50 * y)
        assert fp.status is spectra.FitStatus.NO_SIGNAL and math.isnan(fp.fwhm_mev)


def test_monotonic_absorption_without_exciton_is_no_peak():
    e = spectra.HC_EV_NM / WAVELENGTHS_NM
    y = 0.5 * np.clip(e - 2.0, 0, None) ** 1.5  # bulk-like edge, no excitonic maximum
    fit = spectra.fit_absorption_exciton(WAVELENGTHS_NM, y)
    assert fit.status is spectra.FitStatus.NO_PEAK
    assert math.isnan(fit.peak_nm)


def test_nan_points_are_dropped_and_bad_shapes_raise():
    a = render_absorption(spectra.HC_EV_NM / 520.0, 0.15, 0.3, None)
    a[::17] = np.nan
    assert spectra.fit_absorption_exciton(WAVELENGTHS_NM, a).peak_nm == pytest.approx(520.0, abs=0.3)
    with pytest.raises(SchemaValidationError, match="same length"):
        spectra.fit_absorption_exciton(WAVELENGTHS_NM, a[:-1])
    with pytest.raises(SchemaValidationError, match="at least"):
        spectra.fit_pl_peak([500, 510, 520], [1, 2, 1])


def test_sizing_curve_and_its_inverse():
    # Yu et al. 2003 polynomial at 560 nm
    assert spectra.size_from_abs_peak(560.0) == pytest.approx(3.259, abs=0.002)
    for d in (2.0, 3.0, 4.5, 6.0):
        lam = spectra.abs_peak_from_size(d)
        assert spectra.size_from_abs_peak(lam) == pytest.approx(d, abs=1e-3)
        assert lam == pytest.approx(spectra.abs_peak_from_size_exact(d), abs=0.01)
    assert math.isnan(spectra.abs_peak_from_size(50.0))
    assert math.isnan(spectra.size_from_abs_peak(900.0))


def test_unit_conversions():
    assert spectra.nm_to_ev(620.0) == pytest.approx(1239.84 / 620.0)
    assert spectra.fwhm_nm_to_mev(550.0, 30.0) == pytest.approx(
        1000 * (1239.84 / 535.0 - 1239.84 / 565.0))


def test_analyze_gives_prefixed_outcomes_and_statuses():
    a = render_absorption(spectra.HC_EV_NM / 540.0, 0.15, 0.3, None)
    out, status = spectra.analyze((WAVELENGTHS_NM, a), (WAVELENGTHS_NM, np.zeros_like(a)))
    assert out["abs_peak_nm"] == pytest.approx(540.0, abs=0.2)
    assert out["size_nm"] == pytest.approx(spectra.size_from_abs_peak(out["abs_peak_nm"]))
    assert math.isnan(out["pl_peak_nm"]) and status["pl"].startswith("no_signal")
