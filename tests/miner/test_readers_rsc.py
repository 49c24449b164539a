"""Tests of the RSC HTML reader."""

from pathlib import Path

import pytest

from nanosynth.miner.readers import RscHtmlReader, read_document

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "readers"


@pytest.fixture(scope="module")
def doc():
    return read_document((FIX / "rsc_cspbbr3.html").read_bytes(), "rsc_cspbbr3.html")


def test_detect_only_rsc():
    assert RscHtmlReader().detect((FIX / "rsc_cspbbr3.html").read_bytes())
    assert not RscHtmlReader().detect((FIX / "acs_inp.html").read_bytes())


def test_metadata(doc):
    assert doc.reader == "RscHtmlReader"
    assert doc.doi == "10.1039/c8nr01234a"
    assert doc.title == "Room-temperature synthesis of CsPbBr3 nanocrystals"
    assert doc.journal == "Nanoscale" and doc.year == 2018
    assert doc.authors == ["Hodgkin, Dorothy", "Noether, Emmy"]


def test_body(doc):
    assert [(s.number, s.title) for s in doc.sections] == [
        (None, "Abstract"), ("1", "Introduction"), ("2", "Experimental"), ("2.1", "Synthesis"),
        ("3", "Results and discussion")]
    assert doc.body[1].text == "Lead halide perovskite nanocrystals have near-unity quantum yields."  # no "1"
    synth = next(p for p in doc.body if p.section == "Synthesis")
    assert synth.text.startswith("PbBr2 (0.4 mmol) and CsBr (0.4 mmol)") and synth.section_type == "experimental"
    assert "RSC Publishing" not in doc.text


def test_figures_tables_references(doc):
    assert [(c.label, c.text) for c in doc.captions] == [
        ("Figure 1", "Fig. 1 TEM image of cubic CsPbBr3 nanocrystals."), ("Table 1", "Table 1 Emission data")]
    assert [t.text for t in doc.tables] == ["Sample | PL (nm)\n1 | 512"]  # the figure's layout table is not a table
    assert "Protesescu" not in doc.text
