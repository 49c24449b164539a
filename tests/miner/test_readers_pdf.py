"""Tests of the PDF reader on generated PDFs (two-column layout, bad input, long documents)."""

from __future__ import annotations

import importlib.util
import resource
import shutil
import subprocess
import time
import tracemalloc
from pathlib import Path

import pytest

from nanosynth.miner.readers import GenericPdfReader, read_document
from nanosynth.schema.errors import ReaderError

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "readers"


def _load_factory():
    spec = importlib.util.spec_from_file_location("make_pdfs_readers", FIX / "make_pdfs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mp = _load_factory()


@pytest.fixture(scope="module")
def two_column():
    data = (FIX / "two_column.pdf").read_bytes()
    return read_document(data, "two_column.pdf")


def test_committed_fixture_matches_generator():
    """The committed PDF is what make_pdfs.py produces (deterministic output)."""
    assert (FIX / "two_column.pdf").read_bytes() == mp.two_column_paper()


def test_metadata(two_column):
    assert two_column.reader == "GenericPdfReader"
    assert two_column.source_format == "pdf"
    assert two_column.title == "Size-Tunable CdSe Nanocrystals by Hot Injection in 1-Octadecene"
    assert two_column.doi == "10.1234/jns.2021.0042"
    assert two_column.year == 2021
    assert two_column.page_count == 2
    assert two_column.key == "doi:10.1234/jns.2021.0042"


def test_reading_order_across_columns(two_column):
    texts = [p.text for p in two_column.paragraphs]
    i_synth = next(i for i, t in enumerate(texts) if t.startswith("In a typical synthesis"))
    i_quench = next(i for i, t in enumerate(texts) if t.startswith("After 5 min the reaction was quenched"))
    i_char = next(i for i, t in enumerate(texts) if t.startswith("Absorption spectra were recorded"))
    i_results = next(i for i, t in enumerate(texts) if t.startswith("The first excitonic absorption peak"))
    i_concl = next(i for i, t in enumerate(texts) if t.startswith("Hot injection in 1-octadecene gives"))
    # left column (synthesis) before the right column (quench, characterization, results, conclusions)
    assert i_synth < i_quench < i_char < i_results < i_concl
    # the left-column paragraph is complete and not interleaved with right-column text
    synth = texts[i_synth]
    assert synth.endswith("the temperature was set to 250 °C for growth.")
    assert "quenched" not in synth and "spectrometer" not in synth


def test_headers_footers_page_numbers_removed(two_column):
    text = two_column.text
    assert "J. Nanocryst. Synth." not in text
    assert "Nanosynth Society" not in text
    assert not any(p.text.strip() in {"345", "346"} for p in two_column.paragraphs)


def test_hyphenation_repaired_and_real_hyphens_kept(two_column):
    text = two_column.text
    assert "hot-injection synthesis introduced" in text
    assert "syn-thesis" not in text and "syn- thesis" not in text
    assert "nanocrystals over a wide range" in text
    assert "temperature was set" in text
    assert "solvent 1-octadecene and report" in text  # "1-" at a line end keeps its hyphen


def test_captions_kept_apart(two_column):
    captions = two_column.captions
    assert [c.label for c in captions] == ["Figure 1", "Figure 2"]
    assert captions[0].text == "Figure 1. Absorption spectra of CdSe aliquots taken 1, 3 and 10 min after injection."
    assert all("Figure" not in p.text for p in two_column.body)


def test_references_cut(two_column):
    assert "Murray, C. B." not in two_column.text
    assert "REFERENCES" not in two_column.text and "Chem. Mater. 2003" not in two_column.text


def test_sections_detected(two_column):
    titles = [(s.number, s.title, s.level) for s in two_column.sections]
    assert titles == [
        (None, "Abstract", 1), ("1", "Introduction", 1), ("2", "Experimental Section", 1),
        ("2.1", "Synthesis of CdSe Nanocrystals", 2), ("2.2", "Characterization", 2),
        ("3", "Results and Discussion", 1), ("4", "Conclusions", 1),
    ]
    synth = next(p for p in two_column.body if p.text.startswith("In a typical synthesis"))
    assert synth.section == "Synthesis of CdSe Nanocrystals" and synth.section_type == "experimental"
    assert synth.page == 1
    abstract = next(p for p in two_column.body if p.section == "Abstract")
    assert abstract.text.startswith("We describe a reproducible")


def test_single_column_paragraphs_by_spacing():
    doc = read_document((FIX / "single_column.pdf").read_bytes(), "single_column.pdf")
    assert doc.title == "PbS Quantum Dots from Lead Oleate"
    assert [h.text for h in doc.headings] == ["Experimental Section", "Results"]
    assert [p.text[:20] for p in doc.body] == ["Lead oxide (0.45 g) ", "The reaction was que", "The first exciton pe"]


def test_page_cap():
    doc = read_document(mp.many_pages_pdf(5), "five.pdf", max_pages=2)
    assert doc.page_count == 2
    assert any("first 2 of 5 pages" in w for w in doc.warnings)
    assert all("Page 3 paragraph" not in p.text for p in doc.paragraphs)


# ------------------------------------------------------------------------------------------------ bad input
def test_zero_byte_pdf():
    with pytest.raises(ReaderError, match="empty"):
        read_document(b"", "paper.pdf")
    with pytest.raises(ReaderError, match="empty"):
        GenericPdfReader().parse(b"", "paper.pdf")


def test_encrypted_pdf_needs_password():
    data = mp.encrypted_pdf(user_password="secret")
    with pytest.raises(ReaderError, match="encrypted.*password") as refused:
        read_document(data, "locked.pdf")
    assert "qpdf --decrypt" in str(refused.value) and "read_document" not in str(refused.value)
    doc = read_document(data, "locked.pdf", password="secret")
    assert "hot injection of TOP-Se" in doc.text


def test_owner_only_encryption_is_readable():
    doc = read_document(mp.encrypted_pdf(user_password=""), "restricted.pdf")
    assert "CdSe nanocrystals were synthesized" in doc.text


def test_scanned_pdf_says_so():
    with pytest.raises(ReaderError, match=r"no text layer.*scanned.*OCR"):
        read_document(mp.scanned_pdf(), "scan.pdf")


def test_truncated_pdf():
    data = (FIX / "two_column.pdf").read_bytes()
    with pytest.raises(ReaderError, match="truncated") as refused:
        read_document(data[: len(data) // 2], "cut.pdf")
    # recorded by ingestion for a curator: a step they can take, not a library argument
    assert "allow_truncated" not in str(refused.value) and "download it again" in str(refused.value)
    assert "mutool clean in.pdf repaired.pdf" in str(refused.value)
    with pytest.raises(ReaderError):
        read_document(data[: len(data) // 2], "cut.pdf", allow_truncated=True)


@pytest.mark.skipif(shutil.which("mutool") is None, reason="mutool (Debian package mupdf-tools) is not installed")
def test_the_repair_the_truncation_error_advises_works(tmp_path):
    cut = tmp_path / "in.pdf"
    cut.write_bytes((FIX / "two_column.pdf").read_bytes()[:(FIX / "two_column.pdf").stat().st_size * 8 // 10])
    subprocess.run(["mutool", "clean", str(cut), str(tmp_path / "repaired.pdf")], check=True, capture_output=True)
    assert "nanocrystals" in read_document((tmp_path / "repaired.pdf").read_bytes(), "repaired.pdf").text


def test_corrupt_pdf():
    with pytest.raises(ReaderError, match="corrupt"):
        read_document(b"%PDF-1.4\n" + bytes(range(256)) * 20 + b"\n%%EOF\n", "bad.pdf")
    with pytest.raises(ReaderError):
        read_document(b"%PDF-1.7\n%%EOF\n", "tiny.pdf")


def test_ten_page_paper_is_fast():
    data = mp.two_column_paper(pages_of_filler=12)
    start = time.process_time()  # CPU time: wall time depends on other jobs on shared CI machines
    doc = read_document(data, "ten.pdf")
    elapsed = time.process_time() - start
    assert doc.page_count == 10
    assert doc.sections[-1].title == "Conclusions"
    assert elapsed < 2.0


@pytest.mark.slow
def test_500_page_pdf_bounded_memory():
    """Pages are closed as they are read: the process's peak RSS grows by far less than the parsed layout of
    500 pages would need (pdfplumber keeps ~1 kB per character object when pages are not closed)."""
    data = mp.many_pages_pdf(500)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
    start = time.perf_counter()
    doc = read_document(data, "long.pdf")
    elapsed = time.perf_counter() - start
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert doc.page_count == 500
    assert doc.body[-1].text.startswith("Page 500 paragraph 5")
    assert not any(p.text.strip().isdigit() for p in doc.paragraphs)  # page numbers removed
    assert grown_mb < 150, f"peak RSS grew by {grown_mb:.0f} MB"
    assert elapsed < 240


def test_page_memory_is_released_while_reading():
    """tracemalloc on a 25-page document: peak stays far below what 25 unreleased pages hold (~45 MB)."""
    data = mp.many_pages_pdf(25)
    tracemalloc.start()
    try:
        doc = read_document(data, "sixty.pdf")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert doc.page_count == 25
    assert peak < 15 * 1024 * 1024, f"peak traced memory {peak / 1e6:.1f} MB"


def test_flate_bomb_is_refused_not_inflated():
    """200 MB of zeros in a ~200 KB FlateDecode stream: refused once the stream passes the limit (16 MB here);
    memory stays near the limit instead of growing to twice the inflated stream."""
    from nanosynth.miner.readers.pdf_limits import stream_limit

    data = mp.flate_bomb_pdf(200)
    assert len(data) < 400_000
    tracemalloc.start()
    try:
        with stream_limit(16 * 1024 * 1024), pytest.raises(ReaderError, match="decompression bomb") as info:
            read_document(data, "bomb.pdf")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "16 MB" in str(info.value) and "pdf_stream_mb" in str(info.value)
    assert peak < 40 * 1024 * 1024, f"peak traced memory {peak / 1e6:.1f} MB"


def test_stream_limit_leaves_normal_pdfs_and_other_contexts_alone(two_column):
    from nanosynth.miner.readers.pdf_limits import bounded_inflate, current_limit, stream_limit

    with stream_limit(16 * 1024 * 1024):
        assert read_document(mp.many_pages_pdf(2), "two.pdf").page_count == 2
        assert current_limit() == 16 * 1024 * 1024
    assert current_limit() is None
    import zlib

    assert bounded_inflate(zlib.compress(b"abc" * 1000), 3000) == b"abc" * 1000
    with pytest.raises(zlib.error):
        bounded_inflate(zlib.compress(b"abc" * 1000)[:-6], 3000)
