"""Figures (matplotlib): parity plots, importance bars, transfer curves. Each writes a PNG and returns its path.

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


def parity_plot(y, pred, path: Path | str, *, lower=None, upper=None, title: str = "", unit: str = "") -> Path:
    """Predicted vs measured with the identity line (and interval bars when given)."""
    plt = _plt()
    y, pred = np.asarray(y, float), np.asarray(pred, float)
    fig, ax = plt.subplots(figsize=(4.5, 4.5), dpi=120)
    if lower is not None and upper is not None:
        ax.errorbar(y, pred, yerr=[pred - np.asarray(lower), np.asarray(upper) - pred], fmt="none",
                    ecolor="0.8", elinewidth=0.5, zorder=1)
    ax.scatter(y, pred, s=6, alpha=0.6, zorder=2)
    lo, hi = float(np.nanmin([y.min(), pred.min()])), float(np.nanmax([y.max(), pred.max()]))
    ax.plot([lo, hi], [lo, hi], "k--", lw=1)
    mae = float(np.abs(pred - y).mean())
    ax.set_xlabel(f"measured {unit}".strip())
    ax.set_ylabel(f"predicted {unit}".strip())
    ax.set_title(f"{title}  MAE={mae:.3g} {unit}".strip(), fontsize=9)
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
