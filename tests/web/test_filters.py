"""Query parameters ↔ database filter: the same string for pages, exports and the API."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from starlette.datastructures import QueryParams

from nanosynth.schema.errors import NanosynthError
from nanosynth.web.filters import WebFilter


def test_parameters_become_a_recipe_filter_and_back():
    qs = "composition=CdSe&method=&size_min=3&size_max=5&peak_min=&source=curated&source=mined&include=simulated"
    wf = WebFilter.from_params(QueryParams(qs))
    flt = wf.recipe_filter()
    assert flt.composition == "CdSe" and flt.method is None and flt.property_ranges == {"size_nm": (3.0, 5.0)}
    assert flt.source == ["curated", "mined"] and flt.include == ("simulated",)
    again = WebFilter.from_params(QueryParams(wf.query_string()))
    assert again == wf
    assert ("page", "2") in parse_qsl(wf.query_string(page="2"))


def test_a_bound_that_is_not_a_number_is_refused():
    with pytest.raises(NanosynthError, match="size_min='big' is not a number"):
        WebFilter.from_params(QueryParams("size_min=big"))
