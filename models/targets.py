"""Prediction targets: which outcome, which spectrum, in which space the model learns, how errors are reported.

Peak positions are stored in nm but learned and scored as energies (meV, E = 1239.84 eV·nm / λ): error in meV is
what spectroscopists compare. FWHM targets are stored in meV already.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from nanosynth.schema.enums import Spectrum, spectral_name
from nanosynth.schema.errors import ModelError

HC_MEV_NM = 1239841.98  # meV·nm


@dataclass(frozen=True)
class TargetSpec:
    """One learnable target.

    Attributes
    ----------
    name: CLI name.
    prop: ``Outcome.property`` it reads.
    kind: ``regression`` or ``classification``.
    spectra: spectra it covers (FWHM only; ``()`` = not spectral).
    energy: learn in meV from a wavelength in nm.
    unit: unit of reported errors (``meV``, ``nm``, ``%`` or ``""``).
    cascade: peak target whose prediction feeds this one (per spectrum).
    log: learn log(value) (positive, multiplicative errors such as sizes); reported back in the unit.
    inputs: measured outcomes used as inputs (``shape_given_size``: Gu et al.'s shape model takes the measured
        size); a recipe without them is predicted with the input missing.
    """

    name: str
    prop: str
    kind: str
    spectra: tuple[str, ...] = ()
    energy: bool = False
    unit: str = ""
    cascade: bool = False
    log: bool = False
    inputs: tuple[str, ...] = ()


TARGETS: dict[str, TargetSpec] = {
    "size_nm": TargetSpec("size_nm", "size_nm", "regression", unit="nm", log=True),
    "size_dist_pct": TargetSpec("size_dist_pct", "size_dist_pct", "regression", unit="%"),
    "shape": TargetSpec("shape", "shape", "classification"),
    "shape_given_size": TargetSpec("shape_given_size", "shape", "classification", inputs=("size_nm",)),
    "abs_peak_nm": TargetSpec("abs_peak_nm", "abs_peak_nm", "regression", energy=True, unit="meV"),
    "pl_peak_nm": TargetSpec("pl_peak_nm", "pl_peak_nm", "regression", energy=True, unit="meV"),
    "fwhm_mev": TargetSpec("fwhm_mev", "fwhm_mev", "regression", spectra=("absorption", "pl"), unit="meV",
                           cascade=True),
    **{spectral_name("fwhm_mev", s): TargetSpec(spectral_name("fwhm_mev", s), "fwhm_mev", "regression",
                                                spectra=(s.value,), unit="meV", cascade=True) for s in Spectrum},
}
ALIASES = {"abs_peak": "abs_peak_nm", "pl_peak": "pl_peak_nm", "fwhm": "fwhm_mev", "size": "size_nm",
           "diameter": "size_nm", "abs_peak_mev": "abs_peak_nm", "pl_peak_mev": "pl_peak_nm",
           # earlier spellings of the per-spectrum FWHM targets, kept for scripts
           "fwhm_mev_pl": "pl_fwhm_mev", "fwhm_mev_abs": "abs_fwhm_mev"}
#: Peak target feeding the FWHM cascade, per spectrum.
PEAK_OF_SPECTRUM = {"absorption": "abs_peak_nm", "pl": "pl_peak_nm"}


def get_target(name: str) -> TargetSpec:
    """The :class:`TargetSpec` of ``name`` (aliases accepted); :class:`ModelError` listing the choices."""
    key = ALIASES.get(name, name)
    if key not in TARGETS:
        raise ModelError(f"unknown target {name!r}: use one of {', '.join(TARGETS)}")
    return TARGETS[key]


def nm_to_mev(nm) -> np.ndarray:
    return HC_MEV_NM / np.asarray(nm, dtype=float)


def mev_to_nm(mev) -> np.ndarray:
    return HC_MEV_NM / np.asarray(mev, dtype=float)


def target_samples(frames, spec: TargetSpec, max_value: float | None = None) -> pd.DataFrame:
    """Training samples of ``spec`` in the frames: columns ``recipe_id``, ``spectrum``, ``y`` (model space).

    Regression targets take the first numeric outcome per (recipe, spectrum); energies are converted to meV;
    ``max_value`` (in stored units, e.g. 20 nm) drops larger values. Shape takes the outcome's ``value_text``.
    """
    outs = frames.outcomes
    cols = ["recipe_id", "spectrum", "y"]
    if not len(outs):
        return pd.DataFrame(columns=cols)
    sel = outs[outs["property"] == spec.prop]
    if spec.spectra:
        sel = sel[sel["spectrum"].isin(spec.spectra)]
    if spec.kind == "classification":
        sel = sel[sel["value_text"].notna()]
        y = sel["value_text"].astype(str)
    else:
        sel = sel[pd.to_numeric(sel["value"], errors="coerce").notna()]
        y = pd.to_numeric(sel["value"]).astype(float)
        if max_value is not None:
            keep = y <= max_value
            sel, y = sel[keep], y[keep]
        if spec.energy:
            y = pd.Series(nm_to_mev(y.to_numpy()), index=y.index)
    spectrum = sel["spectrum"].where(sel["spectrum"].notna(), None) if spec.spectra else pd.Series(None, index=sel.index)
    out = pd.DataFrame({"recipe_id": sel["recipe_id"].to_numpy(), "spectrum": spectrum.to_numpy(), "y": y.to_numpy()})
    out = out.drop_duplicates(["recipe_id", "spectrum"], keep="first").reset_index(drop=True)
    return out


def measured_inputs(frames, spec: TargetSpec, recipe_ids) -> pd.DataFrame:
    """Columns ``measured_<property>`` of ``spec.inputs`` for ``recipe_ids`` (first numeric value, else NaN)."""
    out = pd.DataFrame(index=pd.Index(recipe_ids))
    outs = frames.outcomes
    for prop in spec.inputs:
        sel = outs[outs["property"] == prop] if len(outs) else outs
        values = pd.to_numeric(sel["value"], errors="coerce") if len(sel) else pd.Series(dtype=float)
        first = pd.Series(values.to_numpy(), index=sel["recipe_id"].to_numpy()).dropna() if len(sel) else values
        first = first[~first.index.duplicated()]
        out[f"measured_{prop}"] = first.reindex(out.index).to_numpy(dtype=float)
    return out.reset_index(drop=True)
