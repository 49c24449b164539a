"""Tests of reader selection and of the bad-input cases that are not specific to one format."""

from pathlib import Path

import pytest

from nanosynth.miner.readers import READER_PRIORITY, detect_reader, read_document, read_path
from nanosynth.miner.readers.base import Reader
from nanosynth.schema.errors import ReaderError

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "readers"

CASES = [
    ("two_column.pdf", "GenericPdfReader"), ("elsevier_cdse.xml", "ElsevierXmlReader"),
    ("jats_pbs.xml", "JatsXmlReader"), ("acs_inp.html", "AcsHtmlReader"), ("rsc_cspbbr3.html", "RscHtmlReader"),
    ("generic_gold.html", "GenericHtmlReader"), ("notes_cuins2.md", "MarkdownTextReader"),
    ("plain_znse.txt", "PlainTextReader"),
]


@pytest.mark.parametrize(("name", "reader"), CASES)
def test_every_fixture_is_read_by_its_reader(name, reader):
    doc = read_path(FIX / name)
    assert doc.reader == reader
    assert doc.filename == name and len(doc.content_sha256) == 64
    assert doc.body and not doc.warnings
    for p in doc.paragraphs:
        assert doc.text[p.char_start:p.char_end] == p.text
    paper, _ = doc.to_records()
    assert paper.key.startswith("doi:") and paper.paragraphs


def test_priority_is_explicit_and_specific_first():
    names = [cls.__name__ for cls in READER_PRIORITY]
    assert names.index("AcsHtmlReader") < names.index("GenericHtmlReader")
    assert names.index("ElsevierXmlReader") < names.index("GenericHtmlReader")
    assert names[-1] == "PlainTextReader"
    assert all(issubclass(cls, Reader) for cls in READER_PRIORITY)


@pytest.mark.parametrize("data", [b"", b"   \n\t  \n"])
def test_empty_file(data):
    with pytest.raises(ReaderError, match="empty|only whitespace"):
        read_document(data, "empty.txt")


def test_wrong_extension_content_wins():
    html = (FIX / "generic_gold.html").read_bytes()
    doc = read_document(html, "paper.pdf")
    assert doc.reader == "GenericHtmlReader"
    assert any("extension says PDF" in w for w in doc.warnings)
    pdf = (FIX / "two_column.pdf").read_bytes()
    assert read_document(pdf, "paper.html").reader == "GenericPdfReader"
    assert read_document((FIX / "jats_pbs.xml").read_bytes(), "paper.txt").reader == "JatsXmlReader"


def test_unrecognised_binary_is_a_clear_error():
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    with pytest.raises(ReaderError, match="unrecognised format for figure.pdf"):
        read_document(png, "figure.pdf")
    with pytest.raises(ReaderError, match="unrecognised"):
        detect_reader(b"\x00\x01\x02\x03" * 100)


def test_malformed_xml():
    data = (FIX / "jats_pbs.xml").read_bytes()[:1500]
    with pytest.raises(ReaderError, match=r"malformed JATS XML.*line \d+"):
        read_document(data, "cut.xml")
    with pytest.raises(ReaderError, match="malformed Elsevier XML"):
        read_document(b'<?xml version="1.0"?><doc xmlns:ce="http://www.elsevier.com/xml/common/dtd"><ce:para>x'
                      b"</doc>", "bad.xml")


@pytest.mark.parametrize(("data", "name", "xml_error"), [
    (b"<article><body><p>unclosed", "unclosed.xml", "Premature end of data"),   # was read as plain text
    (b"<article><body><p>unclosed", "unclosed.txt", "Premature end of data"),   # content decides, not the name
    (b"<root><a>x</b></root>", "mismatch.xml", "Opening and ending tag mismatch"),
    (b"<doc><p>unclosed</doc>", "fragment.xml", "Opening and ending tag mismatch"),  # not the lenient HTML reader
    (b'<?xml version="1.0"?><r><p>x</r>', "declared.dat", "Opening and ending tag mismatch"),
])
def test_markup_that_is_not_well_formed_xml_is_a_reader_error(data, name, xml_error):
    with pytest.raises(ReaderError, match=rf"malformed XML in {name}: {xml_error}.*line 1"):
        read_document(data, name)


def test_well_formed_but_unsupported_xml_names_its_root():
    with pytest.raises(ReaderError, match="well-formed XML with root element <catalogue>.*not a supported"):
        read_document(b"<catalogue><entry>CdSe</entry></catalogue>", "list.xml")


@pytest.mark.parametrize("data", [
    b"<5 nm particles formed when a < b.\n\nThe yield was >90 %.",
    b"Particles <5 nm and <i>x</i> markup inside text.",
    b"  \n<= 10 nm: all particles.\n\nSecond paragraph here.",
])
def test_plain_text_with_angle_brackets_still_reads(data):
    doc = read_document(data, "notes.txt")
    assert doc.reader == "PlainTextReader" and doc.body


def test_html_fragments_and_xhtml_still_read_leniently():
    assert read_document(b"<div><p>CdSe dots were made.</div>", "page.html").reader == "GenericHtmlReader"
    xhtml = b'<?xml version="1.0"?><html><body><p>CdSe dots were made.</body></html>'
    assert read_document(xhtml, "page.xhtml").reader == "GenericHtmlReader"


def test_missing_file():
    with pytest.raises(ReaderError, match="cannot open"):
        read_path(FIX / "does-not-exist.pdf")


def test_unexpected_reader_failure_becomes_reader_error():
    class Broken(Reader):
        source_format = "text"

        def detect(self, data, filename=None):
            return True

        def parse(self, data, filename=None):
            raise KeyError("boom")

    with pytest.raises(ReaderError, match="Broken failed on x.txt"):
        read_document(b"hello", "x.txt", readers=[Broken()])


def test_non_bytes_input():
    with pytest.raises(ReaderError, match="needs bytes"):
        detect_reader("a string")  # type: ignore[arg-type]
