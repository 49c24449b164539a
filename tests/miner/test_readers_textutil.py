"""Tests of the shared text helpers: hyphenation repair, captions, headings, references, DOI/year."""

import pytest

from nanosynth.schema.doi import find_doi
from nanosynth.miner.readers.textutil import (
    Dehyphenator,
    caption_label,
    clean_inline,
    find_year,
    is_references_heading,
    join_lines,
    looks_like_heading,
    split_heading_number,
)


@pytest.mark.parametrize(("lines", "expected"), [
    (["the syn-", "thesis of CdSe"], "the synthesis of CdSe"),
    (["in 1-", "octadecene at 300 °C"], "in 1-octadecene at 300 °C"),
    (["an X-", "ray pattern"], "an X-ray pattern"),
    (["TOP-", "Se was injected"], "TOP-Se was injected"),
    (["the nano-", "crystals grew"], "the nanocrystals grew"),
    (["hot-", "injection (see hot-injection above)"], "hot-injection (see hot-injection above)"),
    (["a size-", "dependent shift; the size was dependent on time"],
     "a size-dependent shift; the size was dependent on time"),
    (["see Table 1 -", "note"], "see Table 1 - note"),
])
def test_dehyphenation(lines, expected):
    assert join_lines(lines) == expected


def test_dehyphenator_prefers_forms_seen_in_document():
    dh = Dehyphenator(["The photoluminescence was bright."])
    assert dh.join("strong photo-", "luminescence") == "strong photoluminescence"
    dh = Dehyphenator(["a well-known route"])
    assert dh.join("is well-", "known") == "is well-known"


@pytest.mark.parametrize(("text", "label"), [
    ("Figure 1. TEM images", "Figure 1"), ("Fig. 2: Spectra", "Figure 2"), ("FIG. 3 | XRD", "Figure 3"),
    ("Table 1. Conditions", "Table 1"), ("Scheme 2. Route", "Scheme 2"), ("Figure S4. Extra", "Figure S4"),
    ("Figure 1 shows the TEM images.", None), ("Table 1 lists conditions.", None), ("In Figure 1.", None),
])
def test_caption_label(text, label):
    assert caption_label(text) == label


@pytest.mark.parametrize(("text", "expected"), [
    ("Experimental Section", True), ("2. Results and Discussion", True), ("2.1. Synthesis of CdSe", True),
    ("RESULTS AND DISCUSSION", True), ("III. METHODS", True),
    ("The solution was heated to 250 °C.", False), ("1. Add 5 mL of ODE.", False), ("5 mL", False),
])
def test_looks_like_heading(text, expected):
    assert looks_like_heading(text) is expected


def test_split_heading_number():
    assert split_heading_number("2.1. Synthesis of CdSe") == ("2.1", "Synthesis of CdSe")
    assert split_heading_number("IV. Conclusions") == ("IV", "Conclusions")
    assert split_heading_number("Experimental") == (None, "Experimental")
    assert split_heading_number("1-Octadecene purification") == (None, "1-Octadecene purification")


@pytest.mark.parametrize("text", ["References", "REFERENCES AND NOTES", "Notes and references", "Literature Cited",
                                  "Bibliography", "5. References"])
def test_references_headings(text):
    assert is_references_heading(text)
    assert not is_references_heading("References to prior work show that")


def test_clean_inline_and_metadata_helpers():
    assert clean_inline("e\ufb03cient  \u00adx\u00a0y ﬁ ,") == "efficient x y fi,"
    assert find_doi("see https://doi.org/10.1021/ACS.NanoLett.5b01234).") == "10.1021/acs.nanolett.5b01234"
    assert find_year("Received 2019; accepted 2020; published 2020") == 2020
