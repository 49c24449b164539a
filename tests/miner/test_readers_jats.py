"""Tests of the JATS XML reader (Springer Nature and other JATS publishers)."""

import os
from pathlib import Path

import pytest
from _fetch_server import FakeApi, Reply

from nanosynth.miner.readers import JatsXmlReader, read_document
from nanosynth.schema.errors import ReaderError

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


# --- Springer Nature API answers: JATS inside <response><records>, unused external parameter entities ---------

SPRINGER_API = FIX / "springer_api_response.xml"
DTD_URLS = ("http://jats.nlm.nih.gov/archiving/1.2/JATS-archivearticle1.dtd",
            "http://jats.nlm.nih.gov/extensions/bits/2.0/BITS-book2.dtd")


def _api_answer(*system_ids: str) -> bytes:
    """The fixture with the SYSTEM ids of its two parameter entities replaced."""
    text = SPRINGER_API.read_text()
    for url, system_id in zip(DTD_URLS, system_ids, strict=True):
        text = text.replace(url, system_id)
    return text.encode()


def _unread_marker(path: Path) -> Path:
    """Give ``path`` an access time older than its modification time, so that any read updates it (relatime)."""
    path.write_text('<!ENTITY leaked "ENTITY-FILE-WAS-READ">\n')
    os.utime(path, (0, path.stat().st_mtime))
    return path


def test_springer_api_answer_is_read_as_jats():
    doc = read_document(SPRINGER_API.read_bytes(), "springer_api_response.xml")
    assert doc.reader == "JatsXmlReader"
    assert doc.doi == "10.1007/s00000-000-0000-1"
    assert doc.title == "Hot-injection synthesis of InP quantum dots in an invented solvent"
    assert doc.journal == "Journal of Invented Nanoparticles" and doc.year == 2021
    assert doc.authors == ["Curie, Marie"]
    assert [s.title for s in doc.sections] == ["Abstract", "Experimental", "Results"]
    assert doc.body[1].text.startswith("InCl3 (0.45 mmol) and ZnCl2 (2.2 mmol)")
    assert "provided by" not in doc.text and "Nobody" not in doc.text   # wrapper and references are not text
    assert any("%article, %book-part-wrapper" in w and "not loaded" in w for w in doc.warnings)


def test_springer_api_answer_never_opens_the_entity_files(tmp_path):
    """The declared (unused) parameter entities point at a file and at a loopback server: neither is touched."""
    control = _unread_marker(tmp_path / "control.dtd")
    control.read_bytes()
    if control.stat().st_atime == 0:
        pytest.skip("this file system does not record access times")
    entity_file = _unread_marker(tmp_path / "entities.dtd")
    server = FakeApi().start()
    try:
        server.route("/bits.dtd", Reply(200, b'<!ENTITY leaked "SERVER-WAS-ASKED">', "application/xml-dtd"))
        doc = read_document(_api_answer(f"file://{entity_file}", f"{server.url}/bits.dtd"), "answer.xml")
    finally:
        server.stop()
    assert doc.reader == "JatsXmlReader" and doc.title.startswith("Hot-injection synthesis")
    assert entity_file.stat().st_atime == 0, "the external entity file was opened"
    assert server.requests == [], "the external entity URL was requested"


def test_used_parameter_entity_is_still_refused(tmp_path):
    """An external parameter entity that the DOCTYPE references (``%article;``) is refused, never loaded."""
    entity_file = _unread_marker(tmp_path / "entities.dtd")
    text = _api_answer(f"file://{entity_file}", DTD_URLS[1]).decode().replace("]>", "%article;\n]>", 1)
    with pytest.raises(ReaderError, match="external entity 'article'"):
        read_document(text.encode(), "answer.xml")


def test_general_external_entity_in_an_api_answer_is_refused(tmp_path):
    text = SPRINGER_API.read_text().replace(
        "]>", f'<!ENTITY xxe SYSTEM "file://{tmp_path / "secret.txt"}">\n]>', 1)
    with pytest.raises(ReaderError, match="external entity 'xxe'"):
        read_document(text.encode(), "answer.xml")


def test_response_without_an_article_is_refused():
    data = b'<response><records><chapter><p>x</p></chapter></records><front/><article-meta/></response>'
    with pytest.raises(ReaderError):
        JatsXmlReader().parse(data, "answer.xml")
