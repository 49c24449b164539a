"""Figures (matplotlib): parity plots, condition sweeps, coverage vs distance, importance bars, transfer curves.
Each writes a PNG and returns its path.

Figures are built with :class:`matplotlib.figure.Figure`, not pyplot: the library never switches the global
backend (a notebook keeps showing its own figures inline) and never shows or keeps a figure.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


class _Figures:
    """The part of pyplot the plot functions use, on stand-alone figures (no pyplot state, no backend switch)."""

    @property
    def cm(self):
        import matplotlib.cm

        return matplotlib.cm

    @staticmethod
    def subplots(*args, figsize=None, dpi=None, **kwargs):
        from matplotlib.figure import Figure

        fig = Figure(figsize=figsize, dpi=dpi)
        return fig, fig.subplots(*args, **kwargs)

    @staticmethod
    def close(fig) -> None:
        """Nothing to release: the figure is not registered with pyplot."""


def figures() -> _Figures:
    """``subplots``/``close``/``cm`` like pyplot's, for figures that are saved, never shown."""
    return _Figures()


_plt = figures


def _axis_range(*arrays, floor: float | None = None) -> tuple[float, float]:
    """Limits that frame the data (5 % margin), never below a physical ``floor``."""
    values = np.concatenate([np.asarray(a, float).ravel() for a in arrays])
    values = values[np.isfinite(values)]
    lo, hi = float(values.min()), float(values.max())
    pad = 0.05 * (hi - lo or abs(hi) or 1.0)
    lo, hi = lo - pad, hi + pad
    return (max(lo, floor) if floor is not None else lo), hi


def parity_plot(y, pred, path: Path | str, *, lower=None, upper=None, title: str = "", unit: str = "",
                quantity: str = "value", floor: float | None = 0.0) -> Path:
    """Predicted vs measured with the identity line and interval bars, at the data's scale.

    The axes frame the measured and predicted values, not the intervals: a bar that runs past the frame is
    clipped at it (and at the physical ``floor``, e.g. 0 nm) and the title says how many were clipped, so one
    very wide interval cannot squash the cloud of points into a corner.
    """
    plt = _plt()
    y, pred = np.asarray(y, float), np.asarray(pred, float)
    lo, hi = _axis_range(y, pred, floor=floor)
    fig, ax = plt.subplots(figsize=(4.5, 4.5), dpi=120)
    clipped = 0
    if lower is not None and upper is not None:
        low, up = np.asarray(lower, float), np.asarray(upper, float)
        clipped = int(((low < lo) | (up > hi)).sum())
        low, up = np.clip(low, lo, hi), np.clip(up, lo, hi)
        ax.errorbar(y, pred, yerr=[np.clip(pred - low, 0, None), np.clip(up - pred, 0, None)], fmt="none",
                    ecolor="0.75", elinewidth=0.5, zorder=1, label="90 % interval")
    ax.scatter(y, pred, s=6, alpha=0.6, zorder=2)
    ax.plot([lo, hi], [lo, hi], "k--", lw=1)
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    mae = float(np.abs(pred - y).mean())
    ax.set_xlabel(f"measured {quantity} ({unit})" if unit else f"measured {quantity}")
    ax.set_ylabel(f"predicted {quantity} ({unit})" if unit else f"predicted {quantity}")
    note = f"\n{clipped} interval(s) clipped at the axes" if clipped else ""
    ax.set_title(f"{title}  MAE={mae:.3g} {unit}".strip() + note, fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)


def sweep_plot(sweep: pd.DataFrame, path: Path | str, *, x: str, training_levels=(), xlabel: str = "",
               ylabel: str = "", title: str = "") -> Path:
    """Prediction with its interval band along one condition, the training levels of that condition marked.

    ``sweep`` has the column ``x`` and ``mean``, ``lower``, ``upper`` (e.g. :func:`predict_conditions` output).
    """
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    ax.fill_between(sweep[x], sweep["lower"], sweep["upper"], color="C0", alpha=0.2, label="90 % interval")
    ax.plot(sweep[x], sweep["mean"], color="C0", label="prediction")
    for k, level in enumerate(training_levels):
        ax.axvline(level, color="0.5", ls=":", lw=1, label="training level" if k == 0 else None)
    ax.set_xlabel(xlabel or x)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)


def coverage_distance_plot(table: pd.DataFrame, path: Path | str, *, nominal: float = 0.9, unit: str = "",
                           title: str = "") -> Path:
    """Coverage (left) and mean interval width (right) of held-out predictions against their distance to the
    training data (:func:`nanosynth.models.evaluation.coverage_by_distance`), nominal coverage marked."""
    plt = _plt()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.8), dpi=120)
    a1.plot(table["distance"], table["coverage"], marker="o")
    a1.axhline(nominal, color="k", ls="--", lw=1, label=f"nominal {nominal:.0%}")
    a1.set_ylim(0, 1.02)
    a1.set_xlabel("distance to nearest training recipe (standardized conditions)")
    a1.set_ylabel("interval coverage")
    a1.legend(fontsize=7)
    a2.plot(table["distance"], table["interval_width"], marker="o", label="interval width")
    a2.plot(table["distance"], table["mae"], marker="s", label="MAE")
    a2.set_xlabel("distance to nearest training recipe (standardized conditions)")
    a2.set_ylabel(f"width / error ({unit})" if unit else "width / error")
    a2.legend(fontsize=7)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)


def importance_plot(per_feature: pd.DataFrame, per_class: pd.DataFrame, path: Path | str, top: int = 20,
                    title: str = "", unit: str = "") -> Path:
    """Two panels: top features by mean |SHAP| (in the target's ``unit``, coloured by class) and the class
    totals."""
    plt = _plt()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 5), dpi=120, gridspec_kw={"width_ratios": [2, 1]})
    top_df = per_feature.head(top).iloc[::-1]
    classes = list(per_class["class"])
    colors = {c: plt.cm.tab10(i) for i, c in enumerate(classes)}
    a1.barh(top_df["feature"], top_df["mean_abs_shap"], color=[colors.get(c, "grey") for c in top_df["class"]])
    a1.set_xlabel(f"mean |SHAP| ({unit})" if unit else "mean |SHAP|")
    a1.tick_params(axis="y", labelsize=7)
    a2.bar(per_class["class"], per_class["share"], color=[colors[c] for c in classes])
    a2.set_ylabel("share of total |SHAP|")
    a2.tick_params(axis="x", rotation=45)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)


def transfer_plot(table: pd.DataFrame, path: Path | str, unit: str = "nm") -> Path:
    """MAE vs number of target-composition recipes added, one line per composition and setting."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    for (comp, setting), part in table.groupby(["composition", "setting"]):
        ax.plot(part["n_added"], part["mae"], marker="o", ls="-" if setting == "transfer" else "--",
                label=f"{comp} ({setting})")
    ax.set_xlabel("recipes of the held-out composition in training")
    ax.set_ylabel(f"MAE ({unit})")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)


def temperature_sweep_plot(model, frames, path: Path | str, temperatures, *, conditions: dict | None = None,
                           ylabel: str = "", title: str = "") -> Path:
    """A microreactor model's prediction and interval along growth temperature (other conditions fixed, default
    10 mM Cd and Se, OA:Cd 10, 120 s), with the training temperatures of ``frames`` marked (:func:`sweep_plot`)."""
    import warnings

    from nanosynth.models.features import base_table
    from nanosynth.models.pipeline import OutOfDomainWarning, predict_conditions

    fixed = {"cd_mm": 10.0, "se_mm": 10.0, "oa_cd_ratio": 10.0, "time_s": 120.0, **(conditions or {})}
    rows = pd.DataFrame({"temperature_c": np.asarray(temperatures, float), **fixed})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OutOfDomainWarning)
        sweep = predict_conditions(model, rows)
    levels = sorted(base_table(frames)["t_growth_c"].dropna().round(1).unique())
    return sweep_plot(sweep, path, x="temperature_c", training_levels=levels, xlabel="growth temperature (°C)",
                      ylabel=ylabel, title=title)
