"""Routes of the explorer: pages (Jinja2), exports and the JSON API, all on one filter (:mod:`.filters`)."""

from __future__ import annotations

import io
import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from nanosynth.db.agreement import agreement, paper_comparison
from nanosynth.db.campaigns import get_campaign, list_campaigns, list_experiments
from nanosynth.db.engine import session_scope
from nanosynth.db.provenance import recipe_card, records
from nanosynth.db.queries import recipes_wide, source_counts
from nanosynth.schema.enums import RecipeSource
from nanosynth.schema.errors import DatabaseError, NanosynthError
from nanosynth.web import plots
from nanosynth.web.filters import WebFilter

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
#: Rows of the result table per page.
PAGE_SIZE = 50
#: Columns of the result table (those present).
TABLE_COLUMNS = ["recipe_id", "source", "target_composition", "method", "growth_temperature_c", "growth_time_s",
                 "ligands", "size_nm", "shape", "abs_peak_nm", "pl_peak_nm", "doi"]
#: Facets shown beside the search form: column → how many values at most.
FACETS = {"target_composition": 30, "method": 12, "shape": 12}


def plotly_js() -> Path:
    """The plotly.js bundle shipped inside the installed ``plotly`` package (served at /assets/plotly.min.js)."""
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["fmt"] = _fmt
    return templates


def create_app(engine: Engine) -> FastAPI:
    """The explorer on an open database engine (see :func:`nanosynth.web.server.serve`)."""
    app = FastAPI(title="nanosynth explorer", docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json")
    app.state.engine = engine
    app.state.templates = _templates()
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.add_api_route("/assets/plotly.min.js", lambda: FileResponse(plotly_js(), media_type="text/javascript"),
                      include_in_schema=False)
    app.add_exception_handler(NanosynthError, _error)
    for path, endpoint in (("/", search_page), ("/recipes/{recipe_id}", recipe_page), ("/campaigns", campaigns_page),
                           ("/campaigns/{campaign_id}", campaign_page), ("/agreement", agreement_page)):
        app.add_api_route(path, endpoint, response_class=HTMLResponse, include_in_schema=False)
    for path, endpoint in (("/export.{fmt}", export), ("/api/recipes", api_recipes),
                           ("/api/recipes/{recipe_id}", api_recipe), ("/api/facets", api_facets),
                           ("/api/campaigns/{campaign_id}", api_campaign), ("/api/agreement", api_agreement)):
        app.add_api_route(path, endpoint)
    return app


async def _error(request: Request, exc: Exception) -> Response:
    status = 404 if isinstance(exc, DatabaseError) and "does not exist" in str(exc) else 400
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": str(exc)}, status_code=status)
    return request.app.state.templates.TemplateResponse(request, "error.html", {"message": str(exc)},
                                                        status_code=status)


def _wide(request: Request, wf: WebFilter) -> pd.DataFrame:
    with session_scope(request.app.state.engine) as session:
        return recipes_wide(session, wf.recipe_filter())


def _facets(request: Request, wf: WebFilter, wide: pd.DataFrame) -> dict[str, list[tuple[str, int]]]:
    """Values and counts of each facet among the matching recipes; sources counted with every source open."""
    facets = {}
    for col, top in FACETS.items():
        counts = wide[col].dropna().value_counts().head(top) if col in wide.columns else pd.Series(dtype=int)
        facets[col] = [(str(k), int(v)) for k, v in counts.items()]
    with session_scope(request.app.state.engine) as session:
        facets["source"] = list(source_counts(session, wf.recipe_filter()).items())
    return facets


def search_page(request: Request, page: int = 1) -> Response:
    """Search with facets, the result table, plots of the filter, export and API links."""
    wf = WebFilter.from_params(request.query_params)
    wide = _wide(request, wf)
    page = max(1, page)
    rows = wide.iloc[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    columns = [c for c in TABLE_COLUMNS if c in wide.columns]
    context = {"wf": wf, "count": len(wide), "rows": rows[columns].to_dict(orient="records"), "columns": columns,
               "page": page, "pages": max(1, math.ceil(len(wide) / PAGE_SIZE)), "facets": _facets(request, wf, wide),
               "sources": [s.value for s in RecipeSource], "query": wf.query_string(),
               "plots": [plots.size_vs_temperature(wide), plots.peak_vs_time(wide)]}
    return request.app.state.templates.TemplateResponse(request, "search.html", context)


def _card(request: Request, recipe_id: int) -> tuple[dict, list[dict]]:
    with session_scope(request.app.state.engine) as session:
        card = recipe_card(session, recipe_id)
        paper_id = card["recipe"]["paper_id"]
        side = paper_comparison(session, paper_id) if paper_id is not None else []
    return card, side


def recipe_page(request: Request, recipe_id: int) -> Response:
    """A recipe: chemicals, conditions and outcomes, each value with its evidence; curated vs mined if linked."""
    card, side = _card(request, recipe_id)
    groups = {kind: [v for v in card["values"] if v["kind"] == kind] for kind in ("chemical", "step", "outcome")}
    mine = [r for r in side if recipe_id == r["curated_recipe_id"] or recipe_id in r["mined_recipe_ids"]]
    context = {"recipe": card["recipe"], "groups": groups, "side_by_side": mine}
    return request.app.state.templates.TemplateResponse(request, "recipe.html", context)


def _campaign(request: Request, campaign_id: int) -> dict:
    with session_scope(request.app.state.engine) as session:
        camp = get_campaign(session, campaign_id)
        exps = [e.model_dump(mode="json") for e in list_experiments(session, campaign_id)]
        return {"campaign": camp.model_dump(mode="json"), "experiments": exps}


def campaigns_page(request: Request) -> Response:
    """Every campaign with its number of experiments."""
    with session_scope(request.app.state.engine) as session:
        rows = [(c.model_dump(mode="json"), n) for c, n in list_campaigns(session)]
    return request.app.state.templates.TemplateResponse(request, "campaigns.html", {"campaigns": rows})


def campaign_page(request: Request, campaign_id: int) -> Response:
    """A campaign's trajectory against its target, and its experiments."""
    data = _campaign(request, campaign_id)
    target = data["campaign"]["target"]
    prop = next(iter(target.get("targets") or {}), None)
    plot = plots.campaign_trajectory(data["experiments"], target)
    pred = {e["seq"]: plots.predicted(e, prop) for e in data["experiments"]} if prop else {}
    return request.app.state.templates.TemplateResponse(request, "campaign.html",
                                                        {**data, "plot": plot, "prop": prop, "predicted": pred})


def agreement_page(request: Request) -> Response:
    """Per-field agreement of mined with curated values (papers linked by DOI)."""
    with session_scope(request.app.state.engine) as session:
        report = agreement(session)
    return request.app.state.templates.TemplateResponse(request, "agreement.html", {"report": report})


def export(request: Request, fmt: str) -> Response:
    """The current filter's recipes (one row per recipe) as CSV or Parquet."""
    if fmt not in ("csv", "parquet"):
        raise NanosynthError(f"unknown export format {fmt!r}: use /export.csv or /export.parquet")
    wide = _wide(request, WebFilter.from_params(request.query_params))
    buffer = io.BytesIO()
    if fmt == "csv":
        wide.to_csv(buffer, index=False)
    else:
        wide.to_parquet(buffer, index=False)
    media = "text/csv" if fmt == "csv" else "application/vnd.apache.parquet"
    return Response(buffer.getvalue(), media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="nanosynth-recipes.{fmt}"'})


def api_recipes(request: Request, offset: int = 0, limit: int = 100) -> dict:
    """``{"count", "offset", "limit", "recipes": [...]}`` of the current filter (one object per recipe)."""
    wide = _wide(request, WebFilter.from_params(request.query_params))
    part = wide.iloc[max(0, offset): max(0, offset) + max(0, min(limit, 10000))]
    return {"count": len(wide), "offset": offset, "limit": limit, "recipes": records(part)}


def api_recipe(request: Request, recipe_id: int) -> dict:
    """One recipe and every value with its evidence; ``side_by_side`` compares curated and mined values."""
    card, side = _card(request, recipe_id)
    return {**card, "side_by_side": side}


def api_facets(request: Request) -> dict:
    """Facet values and counts of the current filter."""
    wf = WebFilter.from_params(request.query_params)
    return {k: dict(v) for k, v in _facets(request, wf, _wide(request, wf)).items()}


def api_campaign(request: Request, campaign_id: int) -> dict:
    """A campaign and its experiments (parameters, predicted and measured outcomes)."""
    return _campaign(request, campaign_id)


def api_agreement(request: Request) -> dict:
    """The report of ``nanosynth db agreement --json``."""
    with session_scope(request.app.state.engine) as session:
        return agreement(session)
