"""Curated and mined values of the same paper (by DOI): the link and per-field agreement within tolerance."""

from __future__ import annotations

from explorer_data import DOI

from nanosynth.db.agreement import agreement, linked_papers, paper_comparison, within
from nanosynth.db.engine import make_engine, session_scope


def test_tolerances():
    assert within("growth_temperature_c", 260.0, 265.0) and not within("growth_temperature_c", 260.0, 265.5)
    assert within("growth_time_s", 330.0, 300.0) and not within("growth_time_s", 331.0, 300.0)
    assert within("size_nm", 3.9, 4.1) and within("shape", "Sphere", "sphere") and not within("shape", "rod", "cube")


def test_same_doi_links_curated_and_mined_and_agreement_counts_each_field(explorer_db):
    url, ids = explorer_db
    engine = make_engine(url)
    with session_scope(engine) as s:
        papers = linked_papers(s)
        rows = {r["field"]: r for r in paper_comparison(s, papers[0])}
        report = agreement(s)
    engine.dispose()
    assert len(papers) == 1 and report["papers"] == 1 and report["dois"] == [DOI]
    assert rows["growth_temperature_c"]["curated"] == 262.0 and rows["growth_temperature_c"]["mined"] == 260.0
    assert rows["growth_temperature_c"]["agree"] and rows["size_nm"]["agree"]
    assert rows["abs_peak_nm"]["agree"] is False and rows["injection_temperature_c"]["mined"] is None
    assert rows["size_nm"]["curated_recipe_id"] == ids["curated"]
    assert rows["size_nm"]["mined_recipe_ids"] == [ids["mined"]]
    fields = report["fields"]
    assert fields["growth_temperature_c"] == {"compared": 1, "agree": 1, "missing": 0, "rate": 1.0}
    assert fields["abs_peak_nm"]["rate"] == 0.0 and fields["injection_temperature_c"]["missing"] == 1
    assert fields["pl_peak_nm"]["rate"] is None
