"""The explorer's pages, exports and JSON API under one filter (HTTP, no browser)."""

from __future__ import annotations

import io
import re

import pandas as pd
from explorer_data import DOI, MINED_TEMPERATURE


def test_search_filters_facets_and_plots(client):
    http, ids = client
    page = http.get("/", params={"composition": "CdSe"})
    assert page.status_code == 200
    html = page.text
    assert f'href="/recipes/{ids["mined"]}"' in html and f'href="/recipes/{ids["curated"]}"' in html
    assert f'href="/recipes/{ids["simulated"]}"' not in html and f'href="/recipes/{ids["pbs"]}"' not in html
    assert re.search(r"include simulated \(digital twin\)\s*<span class=\"count\">1</span>", html)
    assert 'id="plot-size"' in html and 'id="plot-peak"' in html
    srcs = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert srcs and all(s.startswith("/") for s in srcs), srcs  # nothing from the network
    assert "cdn" not in html.lower()
    with_sim = http.get("/", params={"composition": "CdSe", "include": "simulated"}).text
    assert f'href="/recipes/{ids["simulated"]}"' in with_sim
    sized = http.get("/", params={"size_min": "4", "size_max": "5", "source": "literature"}).text
    assert f'href="/recipes/{ids["curated"]}"' in sized and f'href="/recipes/{ids["mined"]}"' not in sized
    assert http.get("/assets/plotly.min.js").status_code == 200


def test_recipe_page_links_every_value_to_its_evidence(client):
    http, ids = client
    html = http.get(f"/recipes/{ids['mined']}").text
    assert f'href="https://doi.org/{DOI}"' in html
    assert f"<mark>{MINED_TEMPERATURE}</mark>" in html and "test-miner@1" in html
    assert "the dots grew at <mark>" in html
    side = html[html.index('id="side-by-side"'):]
    assert "growth_temperature_c" in side and "262" in side and "260" in side and "not mined" in side
    curated = http.get(f"/recipes/{ids['curated']}").text
    assert "dataset xmpl-curated, row 1" in curated
    assert http.get("/recipes/999999").status_code == 404


def test_exports_and_api_follow_the_filter(client):
    http, ids = client
    params = {"composition": "CdSe", "source": "literature"}
    csv = pd.read_csv(io.StringIO(http.get("/export.csv", params=params).text))
    parquet = pd.read_parquet(io.BytesIO(http.get("/export.parquet", params=params).content))
    assert set(csv["recipe_id"]) == set(parquet["recipe_id"]) == {ids["mined"], ids["curated"]}
    api = http.get("/api/recipes", params=params).json()
    assert api["count"] == 2 and {r["recipe_id"] for r in api["recipes"]} == {ids["mined"], ids["curated"]}
    one = http.get(f"/api/recipes/{ids['mined']}").json()
    temp = next(v for v in one["values"] if v["field"] == "step 0 grow: temperature_c")
    assert temp["sentence"][temp["span_start"]:temp["span_end"]] == MINED_TEMPERATURE
    assert any(r["field"] == "size_nm" and r["agree"] for r in one["side_by_side"])
    facets = http.get("/api/facets").json()
    assert facets["source"] == {"curated": 2, "mined": 1, "lab": 0, "simulated": 1}
    assert facets["target_composition"] == {"CdSe": 2, "PbS": 1}
    bad = http.get("/api/recipes", params={"source": "mind"})
    assert bad.status_code == 400 and "unknown source" in bad.json()["error"]
    assert http.get("/export.xlsx").status_code == 400
    assert http.get("/api/agreement").json()["papers"] == 1


def test_campaign_pages(client):
    http, ids = client
    listing = http.get("/campaigns").text
    assert f'href="/campaigns/{ids["campaign"]}"' in listing
    page = http.get(f"/campaigns/{ids['campaign']}").text
    assert 'id="plot-campaign"' in page and "target abs_peak_nm = 550" in page and "549" in page
    data = http.get(f"/api/campaigns/{ids['campaign']}").json()
    assert [e["result"]["outcomes"]["abs_peak_nm"] for e in data["experiments"]] == [540.0, 549.0]
    assert http.get("/campaigns/999").status_code == 404
