"""Query helpers: long frames, wide frame, filters, frames from unsaved records."""

from __future__ import annotations

import pytest

from nanosynth.db.engine import session_scope
from nanosynth.db.importers import import_file, parse_file
from nanosynth.db.queries import RecipeFilter, frames_from_records, recipe_frames, recipes_long, recipes_wide


@pytest.fixture()
def loaded(engine, gu_file, lit_file, hte_files):
    for fmt, path in (("gu2024", gu_file), ("cdse-literature", lit_file), ("cdse-hte", hte_files[0]),
                      ("cdse-hte", hte_files[1])):
        with session_scope(engine) as s:
            import_file(s, fmt, path)
    return engine


def test_all_cdse_with_size_or_absorption_in_one_frame(loaded):
    with session_scope(loaded) as s:
        wide = recipes_wide(s, composition="CdSe")
    has = wide[["size_nm", "abs_peak_nm"]].notna().any(axis=1)
    assert set(wide[has]["dataset"]) == {"gu2024", "cdse-literature", "cdse-hte"}
    row = wide[wide["source_key"] == "cdse-hte:expt17:t21"].iloc[0]
    assert row["abs_peak_nm"] == pytest.approx(419.594) and row["pl_peak_nm"] == pytest.approx(444.389)
    assert row["pl_fwhm_mev"] == pytest.approx(162.0) and row["growth_temperature_c"] == pytest.approx(210)
    assert "oleic acid" in row["ligands"]


def test_filters(loaded):
    with session_scope(loaded) as s:
        assert set(recipes_wide(s, chemical="lead(II) oxide")["target_composition"]) == {"PbSe"}
        assert len(recipes_wide(s, chemical="OA", role="ligand")) >= 2
        assert len(recipes_wide(s, RecipeFilter(chemical="CdO", role="precursor"))) == 1
        ranged = recipes_wide(s, RecipeFilter(property_ranges={"size_nm": (3.0, 3.5)}))
        assert set(ranged["source_key"]) == {"gu2024:2", "cdse-literature:1"}
        assert set(recipes_wide(s, RecipeFilter(method="heat_up"))["source_key"]) == {"gu2024:2"}
        assert set(recipes_wide(s, RecipeFilter(method="unknown"))["source_key"]) == {"gu2024:3"}
        assert recipes_wide(s, dataset="nope").empty


def test_long_frame_has_one_row_per_value(loaded):
    with session_scope(loaded) as s:
        long = recipes_long(s, dataset="cdse-literature")
    outcome = long[(long["kind"] == "outcome") & (long["name"] == "abs_peak_nm")]
    assert sorted(outcome["value"]) == [474.0, 566.0]
    assert {"chemical", "step", "outcome"} == set(long["kind"])


def test_frames_from_records_match_database_frames(loaded, lit_file):
    with session_scope(loaded) as s:
        db_frames = recipe_frames(s, dataset="cdse-literature")
    mem = frames_from_records(parse_file("cdse-literature", lit_file).records)
    cols = ["name", "role", "amount_mmol", "amount_g"]
    assert db_frames.chemicals[cols].reset_index(drop=True).equals(mem.chemicals[cols].reset_index(drop=True))
    assert list(db_frames.outcomes.columns) == list(mem.outcomes.columns)
    assert mem.steps["temperature_k"].tolist() == db_frames.steps["temperature_k"].tolist()


def test_every_recipe_says_its_source_and_simulated_ones_are_left_out_by_default(explorer_db):
    from nanosynth.db.engine import make_engine
    from nanosynth.schema.errors import NanosynthError

    url, ids = explorer_db
    engine = make_engine(url)
    with session_scope(engine) as s:
        default = recipes_wide(s)
        everything = recipes_wide(s, RecipeFilter(include=("simulated",)))
        literature = recipes_wide(s, RecipeFilter(source="literature"))
        simulated = recipes_wide(s, RecipeFilter(source="simulated"))
        by_dataset = recipes_wide(s, RecipeFilter(dataset=[f"lab-campaign-{ids['campaign']}"]))
        with pytest.raises(NanosynthError, match="unknown source 'mind'.*mined"):
            recipes_wide(s, RecipeFilter(source="mind"))
        with pytest.raises(NanosynthError, match="only 'simulated'"):
            recipes_wide(s, RecipeFilter(include=("lab",)))
    engine.dispose()
    assert ids["simulated"] not in set(default["recipe_id"])
    assert dict(zip(everything["recipe_id"], everything["source"])) == {
        ids["mined"]: "mined", ids["curated"]: "curated", ids["pbs"]: "curated", ids["simulated"]: "simulated"}
    assert set(literature["source"]) == {"mined", "curated"} and len(literature) == 3
    assert list(simulated["recipe_id"]) == [ids["simulated"]] == list(by_dataset["recipe_id"])


def test_filter_refuses_unknown_values_reversed_ranges_and_bad_limits():
    import pytest

    from nanosynth.db.queries import RecipeFilter
    from nanosynth.schema.errors import QueryError

    for kwargs, message in (({"source_kind": "paper"}, "valid: campaign, curated_dataset, lab, literature"),
                            ({"method": "heatup"}, "did you mean 'heat_up'"),
                            ({"role": "ligands"}, "did you mean 'ligand'"),
                            ({"has_property": ["PLQY"]}, "did you mean 'plqy'"),
                            ({"property_ranges": {"size_nm": (5.0, 2.0)}}, "reversed"),
                            ({"limit": -5}, "positive")):
        with pytest.raises(QueryError, match=message):
            RecipeFilter(**kwargs)
    assert RecipeFilter(role="precursor", property_ranges={"size_nm": (2.0, None)}).limit is None


def test_long_frame_names_outcomes_without_nan_and_with_units(loaded):
    from nanosynth.db.engine import session_scope

    with session_scope(loaded) as s:
        long = recipes_long(s, dataset="cdse-literature")
    outcomes = long[long["kind"] == "outcome"]
    assert not outcomes["name"].str.contains("nan").any()
    sizes = outcomes[outcomes["name"] == "size_nm"]
    assert len(sizes) and set(sizes["unit"]) == {"nm"}
