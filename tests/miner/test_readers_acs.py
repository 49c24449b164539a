"""Tests of the ACS HTML reader."""

from pathlib import Path

import pytest

from nanosynth.miner.readers import AcsHtmlReader, read_document

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "readers"


@pytest.fixture(scope="module")
def doc():
    return read_document((FIX / "acs_inp.html").read_bytes(), "acs_inp.html")


def test_detect_only_acs():
    assert AcsHtmlReader().detect((FIX / "acs_inp.html").read_bytes())
    assert not AcsHtmlReader().detect((FIX / "rsc_cspbbr3.html").read_bytes())
    assert not AcsHtmlReader().detect((FIX / "generic_gold.html").read_bytes())


def test_metadata(doc):
    assert doc.reader == "AcsHtmlReader" and doc.source_format == "html"
    assert doc.doi == "10.1021/acs.chemmater.5b04223"
    assert doc.title == "Aminophosphine Synthesis of InP Quantum Dots"
    assert doc.journal == "Chemistry of Materials" and doc.year == 2016


def test_body_sections_and_runin_heading(doc):
    assert [s.title for s in doc.sections] == ["Abstract", "Introduction", "Experimental Section",
                                               "Synthesis of InP QDs", "Results and Discussion"]
    synth = next(p for p in doc.body if p.section == "Synthesis of InP QDs")
    assert synth.text.startswith("InCl3 (0.45 mmol) and ZnCl2 (2.2 mmol)")
    assert synth.section_path == ("Experimental Section", "Synthesis of InP QDs")
    assert doc.body[1].text == "Cadmium-free quantum dots are needed for displays. InP is the leading candidate."
    assert "ACS Publications" not in doc.text and "Copyright" not in doc.text  # navigation/footer dropped


def test_captions_tables_references(doc):
    assert [c.label for c in doc.captions] == ["Figure 1", "Table 1"]
    assert doc.captions[0].text == "Figure 1. PL spectra of InP QDs emitting from 530 to 620 nm."
    assert doc.tables[0].text == "Sample | PL (nm)\nA | 530"
    assert "Reiss" not in doc.text
