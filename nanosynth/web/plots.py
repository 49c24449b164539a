"""Plotly figures of the explorer, built on the server from the filtered recipes (HTML fragments, no plotly.js:
the page loads the installed package's copy once)."""

from __future__ import annotations

import pandas as pd

#: At most this many ligands get their own colour; the rest are "other".
TOP_LIGANDS = 8


def _main_ligand(ligands: pd.Series) -> pd.Series:
    """The first ligand name of each recipe (``"oleic acid (1 mmol); TOP"`` → ``oleic acid``), "none" if absent."""
    first = ligands.fillna("").astype(str).str.split(";").str[0].str.replace(r"\s*\(.*$", "", regex=True).str.strip()
    first = first.where(first != "", "none")
    top = first.value_counts().index[:TOP_LIGANDS]
    return first.where(first.isin(top), "other")


def _html(fig, div_id: str) -> str:
    fig.update_layout(margin={"l": 60, "r": 20, "t": 40, "b": 50}, height=380, template="plotly_white")
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                       config={"displaylogo": False, "responsive": True})


def _empty(title: str, div_id: str, why: str) -> str:
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.update_layout(title=title, annotations=[{"text": why, "showarrow": False, "xref": "paper", "yref": "paper",
                                                 "x": 0.5, "y": 0.5}])
    return _html(fig, div_id)


def size_vs_temperature(wide: pd.DataFrame) -> str:
    """Size (nm) vs growth temperature (°C), one colour per main ligand."""
    import plotly.express as px

    title = "size vs growth temperature, by ligand"
    cols = {"size_nm", "growth_temperature_c"}
    data = wide.dropna(subset=list(cols)) if cols <= set(wide.columns) else wide.iloc[0:0]
    if data.empty:
        return _empty(title, "plot-size", "no recipe of this filter has both a size and a growth temperature")
    data = data.assign(ligand=_main_ligand(data.get("ligands", pd.Series(index=data.index, dtype=object))))
    fig = px.scatter(data, x="growth_temperature_c", y="size_nm", color="ligand", hover_data=["recipe_id",
                     "target_composition", "source"], title=f"{title} ({len(data)} recipes)",
                     labels={"growth_temperature_c": "growth temperature (°C)", "size_nm": "size (nm)"})
    return _html(fig, "plot-size")


def peak_vs_time(wide: pd.DataFrame) -> str:
    """Absorption peak (nm) vs growth time (s, log axis), coloured by growth temperature."""
    import plotly.express as px

    title = "absorption peak vs growth time"
    cols = {"abs_peak_nm", "growth_time_s"}
    data = wide.dropna(subset=list(cols)) if cols <= set(wide.columns) else wide.iloc[0:0]
    data = data[data["growth_time_s"] > 0] if not data.empty else data
    if data.empty:
        return _empty(title, "plot-peak", "no recipe of this filter has both an absorption peak and a growth time")
    fig = px.scatter(data, x="growth_time_s", y="abs_peak_nm", color="growth_temperature_c", log_x=True,
                     hover_data=["recipe_id", "target_composition", "source"], title=f"{title} ({len(data)} recipes)",
                     labels={"growth_time_s": "growth time (s)", "abs_peak_nm": "absorption peak (nm)",
                             "growth_temperature_c": "T (°C)"})
    return _html(fig, "plot-peak")


def predicted(experiment: dict, prop: str) -> tuple[float | None, float | None]:
    """(mean, std) the planner predicted for ``prop`` before the experiment ran (None when it did not)."""
    outcomes = (experiment.get("predicted") or {}).get("outcomes") or {}
    value = outcomes.get(prop)
    if isinstance(value, dict):
        return value.get("mean"), value.get("std")
    return (float(value), None) if isinstance(value, int | float) else (None, None)


def campaign_trajectory(experiments: list[dict], target: dict) -> str:
    """Measured (and predicted) target property per experiment against the target and its tolerance band."""
    import plotly.graph_objects as go

    targets = target.get("targets") or {}
    if not targets:
        return _empty("campaign trajectory", "plot-campaign", "this campaign has no numeric target")
    prop, goal = next(iter(targets.items()))
    tol = float(target.get("tolerance") or 0)
    seq = [e["seq"] for e in experiments]
    fig = go.Figure()
    fig.add_hrect(y0=goal - tol, y1=goal + tol, fillcolor="green", opacity=0.12, line_width=0)
    fig.add_hline(y=goal, line_dash="dash", line_color="green", annotation_text=f"target {prop} = {goal:g}")
    pred = [predicted(e, prop) for e in experiments]
    fig.add_scatter(x=seq, y=[m for m, _ in pred], error_y={"array": [s or 0 for _, s in pred]}, mode="markers",
                    name="predicted (± 1 sd)", marker={"symbol": "x", "color": "grey"})
    fig.add_scatter(x=seq, y=[((e.get("result") or {}).get("outcomes") or {}).get(prop) for e in experiments],
                    mode="lines+markers", name="measured")
    fig.update_layout(title=f"{prop}: measured per experiment vs target ± {tol:g}", xaxis_title="experiment",
                      yaxis_title=prop)
    return _html(fig, "plot-campaign")
