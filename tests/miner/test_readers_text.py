"""Tests of the plain-text and Markdown readers."""

from pathlib import Path

import pytest

from nanosynth.miner.readers import MarkdownTextReader, PlainTextReader, read_document
from nanosynth.schema.errors import ReaderError

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "readers"


def test_plain_text():
    doc = read_document((FIX / "plain_znse.txt").read_bytes(), "plain_znse.txt")
    assert doc.reader == "PlainTextReader" and doc.source_format == "text"
    assert doc.title == "Blue-emitting ZnSe nanocrystals from zinc stearate"
    assert doc.doi == "10.9999/znse.2015.001" and doc.year == 2015
    assert [(s.number, s.title) for s in doc.sections] == [("1", "Introduction"), ("2", "Experimental"),
                                                           ("3", "Results")]
    assert "Their synthesis in 1-octadecene" in doc.body[0].text
    assert doc.body[1].text.startswith("Zinc stearate (1 mmol) and 1-octadecene (10 mL) were heated")
    assert [c.label for c in doc.captions] == ["Figure 1"]
    assert "Hines" not in doc.text


def test_text_one_paragraph_per_line():
    data = b"CdSe was made at 250 C for 5 min in ODE.\nThe product was washed with ethanol.\nIt emitted at 560 nm.\n"
    doc = PlainTextReader().parse(data)
    assert len(doc.body) == 3


def test_markdown():
    doc = read_document((FIX / "notes_cuins2.md").read_bytes(), "notes_cuins2.md")
    assert doc.reader == "MarkdownTextReader"
    assert doc.title == "CuInS2 quantum dots by heat-up" and doc.doi == "10.8888/cuins2.2017.42"
    assert doc.journal == "Lab Notebook Journal" and doc.year == 2017
    assert [s.title for s in doc.sections] == ["Experimental", "Results"]
    assert doc.body[0].text.startswith("CuI (0.1 mmol), In(OAc)3 (0.1 mmol) and 1-dodecanethiol (5 mL) were heated")
    assert doc.body[1].text == "The PL peak shifted from 610 to 650 nm with a quantum yield of 8%."
    assert doc.tables[0].text == "Time (min) | PL (nm)\n5 | 610\n10 | 650"
    assert doc.captions[0].label == "Figure 1"
    assert "Zhong" not in doc.text


def test_markdown_detected_by_content_without_extension():
    data = b"# Title\n\n## Methods\n\nCdO was heated.\n\n## Results\n\nIt worked.\n"
    assert MarkdownTextReader().detect(data, None)
    assert read_document(data).reader == "MarkdownTextReader"


def test_non_utf8_text_is_a_clear_error():
    data = "Synthese bei 250 °C in Ölsäure.\n\nZweiter Absatz.".encode("latin-1")
    with pytest.raises(ReaderError, match=r"not valid UTF-8 \(byte 0xb0 at offset 17\).*iconv") as refused:
        read_document(data, "legacy.txt")
    assert "read_document" not in str(refused.value) and "encoding=" not in str(refused.value)   # no library args
    doc = read_document(data, "legacy.txt", encoding="latin-1")
    assert doc.body[0].text == "Synthese bei 250 °C in Ölsäure."


def test_utf16_with_bom_is_read():
    doc = read_document("CdSe at 250 °C.\n\nSecond.".encode("utf-16"), "u16.txt")
    assert [p.text for p in doc.body] == ["CdSe at 250 °C.", "Second."]
