"""Tests of the Elsevier XML reader."""

from pathlib import Path

import pytest

from nanosynth.miner.readers import ElsevierXmlReader, read_document

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "readers"


@pytest.fixture(scope="module")
def doc():
    return read_document((FIX / "elsevier_cdse.xml").read_bytes(), "elsevier_cdse.xml")


def test_detect():
    data = (FIX / "elsevier_cdse.xml").read_bytes()
    assert ElsevierXmlReader().detect(data, "x.xml")
    assert not ElsevierXmlReader().detect((FIX / "jats_pbs.xml").read_bytes(), "x.xml")


def test_metadata(doc):
    assert doc.reader == "ElsevierXmlReader" and doc.source_format == "publisher_xml"
    assert doc.doi == "10.1016/j.jcrysgro.2020.125501"
    assert doc.title.startswith("Heat-up synthesis of zinc-blende CdSe")
    assert doc.journal == "Journal of Crystal Growth" and doc.year == 2020
    assert doc.authors == ["Curie, Marie", "Pauling, Linus"]


def test_sections_paragraphs_and_inline_markup(doc):
    assert [(s.number, s.title) for s in doc.sections] == [
        (None, "Abstract"), ("1", "Introduction"), ("2", "Experimental"), ("2.1", "Synthesis of CdSe nanocrystals"),
        ("3", "Results and discussion")]
    synth = doc.body[2]
    assert synth.section_path == ("Experimental", "Synthesis of CdSe nanocrystals")
    assert "under N2, where" in synth.text and "min−1 to 240 °C" in synth.text
    assert "TEM image" not in synth.text  # the figure inside <ce:display> is not part of the paragraph
    assert "[1,2]" not in doc.body[1].text  # bibliography cross-refs dropped


def test_captions_tables_and_references(doc):
    assert [(c.label, c.text) for c in doc.captions] == [
        ("Figure 1", "Fig. 1. TEM image of 4.5 nm zinc-blende CdSe nanocrystals."),
        ("Table 1", "Table 1. Growth conditions and sizes.")]
    assert doc.tables[0].text == "Time (min) | Size (nm)\n5 | 3.1"
    assert "Murray" not in doc.text
    assert doc.body[-1].text == "The first absorption peak red-shifted from 540 to 610 nm during growth."
