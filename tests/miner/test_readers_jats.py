"""Tests of the JATS XML reader (Springer Nature and other JATS publishers)."""

from pathlib import Path

import pytest

from nanosynth.miner.readers import JatsXmlReader, read_document

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "readers"


@pytest.fixture(scope="module")
def doc():
    return read_document((FIX / "jats_pbs.xml").read_bytes(), "jats_pbs.xml")


def test_detect():
    assert JatsXmlReader().detect((FIX / "jats_pbs.xml").read_bytes())
    assert not JatsXmlReader().detect((FIX / "generic_gold.html").read_bytes())


def test_metadata(doc):
    assert doc.reader == "JatsXmlReader"
    assert doc.doi == "10.1007/s12274-019-2480-6"
    assert doc.title == "Gram-scale synthesis of PbS quantum dots with lead chloride"
    assert doc.journal == "Nano Research" and doc.year == 2019
    assert doc.authors == ["Meitner, Lise", "Bohr, Niels"]


def test_body(doc):
    assert [s.title for s in doc.sections] == ["Abstract", "Introduction", "Experimental", "Synthesis of PbS QDs",
                                               "Results and discussion", "Acknowledgements"]
    synth = next(p for p in doc.body if p.section == "Synthesis of PbS QDs")
    assert synth.text.startswith("PbCl2 (5 mmol) in oleylamine")
    assert synth.section_type == "experimental"
    assert doc.body[1].text == "Near-infrared emitting PbS dots are used in photodetectors."  # xref bibr dropped
    assert "(Fig. 1)" in doc.body[3].text  # figure references kept


def test_floats_and_back_matter(doc):
    assert [c.label for c in doc.captions] == ["Figure 1", "Table 1"]
    assert doc.captions[0].text == "Fig. 1. Absorption spectra. Absorption spectra of PbS QDs grown for 1–10 min."
    assert doc.tables[0].text == "Growth time | Diameter\n1 min | 4.8 nm"
    assert doc.body[-1].section_type == "acknowledgments"
    assert "Hines" not in doc.text
