"""Tests of the generic HTML reader."""

from pathlib import Path

import pytest

from nanosynth.miner.readers import GenericHtmlReader, read_document
from nanosynth.schema.errors import ReaderError

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "readers"


@pytest.fixture(scope="module")
def doc():
    return read_document((FIX / "generic_gold.html").read_bytes(), "generic_gold.html")


def test_generic_reader_chosen_and_metadata(doc):
    assert doc.reader == "GenericHtmlReader"
    assert doc.title == "Seed-mediated growth of gold nanorods"
    assert doc.doi == "10.5555/goldrods.2012.7" and doc.year == 2012
    assert doc.journal == "Open Nanoscience Letters"


def test_body_captions_references(doc):
    assert [s.title for s in doc.sections] == ["Methods", "Results"]
    assert doc.body[0].text.startswith("Seeds were prepared by adding ice-cold NaBH4 (0.6 mL, 10 mM) to HAuCl4")
    assert [c.text for c in doc.captions] == ["Figure 1. TEM of gold nanorods with aspect ratio 3.5."]
    assert "Home" not in doc.text and "Open Nanoscience" not in doc.text
    assert "Nikoobakht" not in doc.text


def test_html_with_no_body():
    with pytest.raises(ReaderError, match="no body"):
        read_document(b"<html><head><title>Paywall</title></head></html>", "x.html")
    with pytest.raises(ReaderError, match="no body|no paragraph"):
        read_document(b"<!DOCTYPE html><html><body>  <script>var a=1;</script> </body></html>", "x.html")


def test_declared_charset_is_honoured():
    data = ('<html><head><meta charset="iso-8859-1"></head><body><p>Growth at 250 °C in Ölsäure.</p>'
            '</body></html>').encode("latin-1")
    doc = read_document(data, "legacy.html")
    assert doc.body[0].text == "Growth at 250 °C in Ölsäure."


def test_div_text_and_lists_become_paragraphs():
    data = b"<html><body><div>First block of text.<div>Nested block.</div>Tail text.</div><ul><li>Step one.</li>" \
           b"<li>Step two.</li></ul></body></html>"
    doc = GenericHtmlReader().parse(data)
    assert [p.text for p in doc.body] == ["First block of text.", "Nested block.", "Tail text.", "Step one.",
                                          "Step two."]
