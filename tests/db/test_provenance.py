"""Every value of a recipe with its evidence: sentence, span within it, extractor, confidence; curated rows."""

from __future__ import annotations

import pytest
from explorer_data import DOI, MINED_TEMPERATURE

from nanosynth.db.engine import make_engine, session_scope
from nanosynth.db.provenance import provenance_frame, recipe_card, recipe_provenance, sentence_span
from nanosynth.db.queries import RecipeFilter
from nanosynth.schema.errors import DatabaseError


def test_sentence_span_finds_the_sentence_of_a_value():
    text = "First one. The dots grew at 260 °C for 5 min. Last one."
    start = text.index("260 °C")
    s, e = sentence_span(text, start, start + 6)
    assert text[s:e] == "The dots grew at 260 °C for 5 min."


def test_mined_values_point_at_their_sentence_and_span(explorer_db):
    url, ids = explorer_db
    engine = make_engine(url)
    with session_scope(engine) as s:
        frame = recipe_provenance(s, ids["mined"])
    engine.dispose()
    temp = frame[frame["field"] == "step 0 grow: temperature_c"].iloc[0]
    assert temp["value"] == 260.0 and temp["unit"] == "°C" and temp["doi"] == DOI
    assert temp["sentence"] == "Se in TOP was injected and the dots grew at 260 °C for 5 min."
    assert temp["sentence"][temp["span_start"]:temp["span_end"]] == MINED_TEMPERATURE == temp["span_text"]
    assert temp["extractor"] == "test-miner@1" and temp["confidence"] == pytest.approx(0.8)
    assert temp["section"] == "Experimental"
    size = frame[frame["field"] == "size_nm"].iloc[0]
    assert size["sentence"] == "The CdSe dots are 3.9 nm across." and size["unit"] == "nm"
    assert set(frame["kind"]) == {"chemical", "step", "outcome"}


def test_curated_values_name_their_dataset_row(explorer_db):
    url, ids = explorer_db
    engine = make_engine(url)
    with session_scope(engine) as s:
        frame = provenance_frame(s, RecipeFilter(source="curated", composition="CdSe"))
        card = recipe_card(s, ids["curated"])
        with pytest.raises(DatabaseError, match="does not exist"):
            recipe_card(s, 999999)
    engine.dispose()
    assert set(frame["recipe_id"]) == {ids["curated"]}
    assert (frame["curated_dataset"] == "xmpl-curated").all() and (frame["row_number"] == 1).all()
    assert frame["sentence"].isna().all()
    assert card["recipe"]["source"] == "curated" and card["recipe"]["doi"] == DOI
    assert {v["field"] for v in card["values"]} >= {"size_nm", "step 1 grow: temperature_c", "abs_peak_nm"}
