"""Readers on documents that mirror real publisher markup (fixtures in tests/fixtures/readers/real_like/).

The fixtures reproduce the element/class structure of real ScienceDirect API XML, Springer JATS, RSC, ACS,
Nature and Wiley article pages (namespaces, nesting, floats kept apart from the text, citation markers, inline
sub/superscripts, viewer chrome), with short nanocrystal-synthesis text written for the tests.
"""

from pathlib import Path

import pytest

from nanosynth.miner.readers import (
    AcsHtmlReader,
    ElsevierXmlReader,
    GenericHtmlReader,
    JatsXmlReader,
    RscHtmlReader,
    SpringerNatureHtmlReader,
    WileyHtmlReader,
    detect_reader,
    read_document,
)
from nanosynth.miner.readers.markup import element_text, entity_image_text
from nanosynth.miner.readers.textutil import drop_empty_brackets
from nanosynth.miner.readers.xmlsafe import parse_html
from nanosynth.schema.errors import ReaderError

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "readers" / "real_like"


def _read(name: str):
    return read_document((FIX / name).read_bytes(), name)


def _body(doc) -> list[str]:
    return [p.text for p in doc.body]


def _check_offsets(doc) -> None:
    for p in doc.paragraphs:
        assert doc.text[p.char_start:p.char_end] == p.text


# --------------------------------------------------------------------------------------------- Elsevier
@pytest.fixture(scope="module")
def els():
    return _read("elsevier_ftrr_znse.xml")


def test_elsevier_metadata_from_coredata(els):
    assert els.reader == "ElsevierXmlReader"
    assert els.title == "Zinc selenide nanocrystals from zinc oleate and selenium–octadecene: a heat-up route"
    assert els.doi == "10.1016/j.jcrysgro.2021.126012"
    assert els.journal == "Journal of Crystal Growth" and els.year == 2021
    assert els.authors == ["Franklin, Rosalind", "Meitner, Lise"]
    _check_offsets(els)


def test_elsevier_sections_and_order(els):
    assert [(s.title, s.number, s.level) for s in els.sections] == [
        ("Highlights", None, 1), ("Abstract", None, 1), ("Introduction", "1", 1), ("Experimental", "2", 1),
        ("Materials", "2.1", 2), ("Synthesis of ZnSe nanocrystals", "2.2", 2), ("Results and discussion", "3", 1),
        ("Acknowledgements", None, 1)]
    synth = [p for p in els.body if p.section == "Synthesis of ZnSe nanocrystals"]
    assert synth[0].section_type == "experimental" and synth[0].section_path == (
        "Experimental", "Synthesis of ZnSe nanocrystals")
    # graphical abstract and keywords are not text; metadata blocks (xocs:meta, author group) never leak
    assert "Graphical abstract" not in els.text and "Zinc selenide\n" not in els.text
    assert "Example University" not in els.text and "MURRAY" not in els.text and "Dedicated" not in els.text


def test_elsevier_inline_markup_hsp_and_units(els):
    synth = [p.text for p in els.body if p.section == "Synthesis of ZnSe nanocrystals"]
    assert synth[0] == ("Zn(OA)2 (0.4 mmol), Se (0.2 mmol) and ODE (10 mL) were degassed at 120 °C for 30 min and "
                        "heated under N2 at 20 °C min−1 to 300 °C (Fig. 1).")
    assert synth[1].endswith("the final concentration was 5 × 10−3 M.")
    assert "nm were grown by heating Zn(OA)2 with Se" in els.body[1].text


def test_elsevier_citations_dropped_without_residue(els):
    intro = next(p.text for p in els.body if p.section == "Introduction")
    assert intro == ("Cadmium-free blue emitters are needed for displays. Hot injection gives narrow size "
                     "distributions, but it is hard to scale.")


def test_elsevier_floats_placed_at_their_anchor(els):
    kinds = [(p.kind, p.label) for p in els.paragraphs]
    fig = kinds.index(("caption", "Figure 1"))
    assert els.paragraphs[fig - 1].text.endswith("to 300 °C (Fig. 1).")  # right after the anchoring paragraph
    assert els.paragraphs[fig].text == "Fig. 1. (a) TEM image of 5.2 nm ZnSe nanocrystals grown at 300 °C; (b) size histogram."
    assert els.paragraphs[fig].section == "Synthesis of ZnSe nanocrystals"
    table = els.tables[0]
    assert table.text == "Sample | T (°C) | Size (nm)\nZS1 | 280 | 3.4\nZS2 | 300 | 5.2"  # footnote marker gone
    assert table.section == "Results and discussion"
    assert els.paragraphs[table.order - 1].text == "Table 1. Growth temperature and size of ZnSe nanocrystals."
    # an unanchored float (supplementary data) comes after the main text, before the acknowledgements
    supp = next(p for p in els.captions if p.label == "Supplementary data 1")
    assert supp.order < next(s.order for s in els.sections if s.title == "Acknowledgements")


def test_elsevier_lists_formulas_and_bibliography(els):
    materials = next(p.text for p in els.body if p.section == "Materials")
    assert materials == ("The following chemicals were used as received: (i) zinc acetate (99.99%, Sigma-Aldrich); "
                         "(ii) selenium powder (99.99%) and 1-octadecene (ODE, 90%).")
    assert els.body[0].text == ("Zinc oleate and Se–ODE give ZnSe without injection. Size is set by the heating "
                                "rate.")  # highlight bullets dropped, items kept apart
    results = next(p.text for p in els.body if p.section == "Results and discussion")
    assert "The size follows D=kt1/3 for growth limited by diffusion." in results and "(1)" not in results
    assert "Synthesis and characterization of CdE" not in els.text and "References" not in els.text


def test_elsevier_keep_references_option():
    doc = read_document((FIX / "elsevier_ftrr_znse.xml").read_bytes(), "x.xml", keep_references=True)
    assert "Synthesis and characterization of CdE nanocrystallites" in doc.text


# --------------------------------------------------------------------------------------------- Springer JATS
@pytest.fixture(scope="module")
def jats():
    return _read("springer_jats_inp.xml")


def test_springer_jats_with_public_doctype(jats):
    assert jats.reader == "JatsXmlReader" and not jats.warnings
    assert jats.doi == "10.1007/s11051-022-05501-9" and jats.year == 2022
    assert jats.journal == "Journal of Nanoparticle Research"
    assert jats.authors == ["Hopper, Grace", "Ramanujan, Srinivasa"]
    assert [(s.title, s.level) for s in jats.sections] == [
        ("Abstract", 1), ("Introduction", 1), ("Experimental", 1), ("Synthesis of InP cores", 2),
        ("ZnS shelling", 2), ("Results and discussion", 1), ("Conclusion", 1), ("Supplementary Information", 1),
        ("Acknowledgements", 1)]
    _check_offsets(jats)


def test_springer_jats_citations_and_tex_math(jats):
    intro = next(p.text for p in jats.body if p.section == "Introduction")
    assert intro == ("Indium phosphide is the main cadmium-free alternative for visible emitters. Aminophosphines "
                     "are cheaper and safer than P(TMS)3.")
    synth = next(p.text for p in jats.body if p.section == "Synthesis of InP cores")
    assert synth.startswith("InCl3 (0.45 mmol) and ZnCl2 (2.2 mmol) were stirred in oleylamine (5 mL) at 120 °C")
    assert "The ratio nP/nIn=1 gave the narrowest peaks." in synth
    assert "documentclass" not in jats.text and "mathrm" not in jats.text


def test_springer_jats_floats_and_back_matter(jats):
    assert [c.text for c in jats.captions] == [
        "Fig. 1. Absorption and PL spectra of InP/ZnS QDs with emission from 520 to 630 nm",
        "Table 1. Optical properties of InP/ZnS QDs"]
    assert jats.tables[0].text.splitlines()[1] == "G1 | 528 | 62"
    assert "rhodamine" not in jats.text  # table footnote
    assert "Publisher's note" not in jats.text and "Reiss P" not in jats.text and "Graphical abstract" not in jats.text
    assert _body(jats)[-1] == "We thank the microscopy facility for TEM time."


# --------------------------------------------------------------------------------------------- RSC
@pytest.fixture(scope="module")
def rsc():
    return _read("rsc_cdse_platelets.html")


def test_rsc_metadata_and_page_furniture(rsc):
    assert rsc.reader == "RscHtmlReader"
    assert (rsc.title, rsc.doi, rsc.journal, rsc.year) == (
        "Cadmium selenide nanoplatelets from cadmium acetate and myristate", "10.1039/d0nr01234b", "Nanoscale", 2020)
    assert rsc.sections[0].title == "Abstract"  # the <h1> title with its † footnote link is no section
    for junk in ("View Article Online", "Received 12th", "First published", "E-mail", "Ada Lovelace", "Ithurria",
                 "Electronic supplementary information"):
        assert junk not in rsc.text
    _check_offsets(rsc)


def test_rsc_orphan_spans_entity_images_and_citations(rsc):
    assert _body(rsc)[1] == ("Two-dimensional CdSe nanoplatelets show extremely narrow emission lines. Their "
                             "thickness is controlled at the atomic scale.")
    synth = next(p.text for p in rsc.body if p.section == "Synthesis of 4 ML CdSe nanoplatelets")
    # char_2009.gif thin-space images read as spaces; no words glued together
    assert synth.startswith("Cd(myr)2 (170 mg) and ODE (15 mL) were degassed at 100 °C.")
    assert "Cd(OAc)2·2H2O (80 mg) was added (Fig. 1)." in synth
    purification = next(p for p in rsc.body if p.section == "Purification")
    assert purification.text.endswith("the concentration was 2 × 10−4 M.")
    assert purification.section_path == ("Experimental", "Synthesis of 4 ML CdSe nanoplatelets", "Purification")


def test_rsc_captions_tables_and_references_cut(rsc):
    assert [(c.label, c.text) for c in rsc.captions] == [
        ("Figure 1", "Fig. 1 TEM images of 4 ML CdSe nanoplatelets (a) before and (b) after acetate addition."),
        ("Table 1", "Table 1 Optical data of CdSe nanoplatelets")]
    assert rsc.tables[0].text == "Thickness | λhh (nm)a\n3 ML | 462\n4 ML | 512\na In hexane."
    assert [s.title for s in rsc.sections][-2:] == ["Conflicts of interest", "Acknowledgements"]


# --------------------------------------------------------------------------------------------- ACS
@pytest.fixture(scope="module")
def acs():
    return _read("acs_cdse_cds.html")


def test_acs_metadata_from_dublin_core(acs):
    assert acs.reader == "AcsHtmlReader"
    assert acs.doi == "10.1021/acs.chemmater.0c04321"  # not the publisher-id listed first
    assert acs.journal == "Chemistry of Materials"  # dc.Source holds a URL, the journal is in the page header
    assert acs.year == 2021 and acs.title == "Thick-Shell CdSe/CdS Quantum Dots by Continuous Injection"
    assert acs.authors == ["Marie Curie", "Pierre Curie"]
    _check_offsets(acs)


def test_acs_sections_paragraphs_and_citations(acs):
    assert [(s.title, s.level) for s in acs.sections] == [
        ("Abstract", 1), ("Introduction", 1), ("Experimental Section", 1), ("Synthesis of CdSe Cores", 2),
        ("Shell Growth", 2), ("Results and Discussion", 1), ("Supporting Information", 1), ("Acknowledgments", 1)]
    assert _body(acs)[1] == ("Thick CdS shells suppress blinking and Auger recombination. Slow precursor addition "
                             "prevents secondary nucleation.")
    shell = next(p for p in acs.body if p.section == "Shell Growth")
    assert shell.text.endswith("Cd(OA)2 (0.2 M) with octanethiol in ODE was added at 3 mL h–1.")
    assert shell.section_type == "experimental"
    assert acs.body[0].text.startswith("Giant-shell CdSe/CdS quantum dots with 16 CdS monolayers")


def test_acs_figures_tables_and_chrome(acs):
    assert [c.text for c in acs.captions] == [
        "Figure 1. TEM images of (a) CdSe cores and (b) CdSe/CdS dots after 16 monolayers.",
        "Table 1. Optical Properties of CdSe/CdS QDs"]
    assert acs.tables[0].text == "Sample | PL (nm) | PLQY (%)\ncore | 610 | 35\n16 ML | 640 | 90"
    for junk in ("KEYWORDS", "Log In", "PowerPoint", "Chen, Y.", "Cited by", "American Chemical Society"):
        assert junk not in acs.text


def test_acs_journal_from_title_suffix():
    data = (b'<html><head><meta name="dc.Identifier" scheme="doi" content="10.1021/acs.nanolett.9b01234">'
            b"<title>Seeded Growth of Gold Nanostars | Nano Letters</title></head><body><div class='article_content'>"
            b"<div class='NLM_p'>HAuCl<sub>4</sub> (0.25 mM) was reduced by ascorbic acid.</div></div></body></html>")
    doc = read_document(data, "nanostars.html")
    assert doc.reader == "AcsHtmlReader" and doc.journal == "Nano Letters"
    assert _body(doc) == ["HAuCl4 (0.25 mM) was reduced by ascorbic acid."]


# --------------------------------------------------------------------------------------------- Nature
@pytest.fixture(scope="module")
def nat():
    return _read("nature_cspbbr3.html")


def test_nature_metadata_and_sections(nat):
    assert nat.reader == "SpringerNatureHtmlReader"
    assert (nat.doi, nat.journal, nat.year) == ("10.1038/s41467-021-23456-7", "Nature Communications", 2021)
    assert nat.title == "Kinetic control of CsPbBr3 nanocube size by amine chain length"
    assert [(s.title, s.level) for s in nat.sections] == [
        ("Abstract", 1), ("Introduction", 1), ("Results", 1), ("Effect of the amine chain length", 2),
        ("Methods", 1), ("Synthesis of CsPbBr3 nanocubes", 2), ("Data availability", 1)]
    _check_offsets(nat)


def test_nature_text_citations_and_captions(nat):
    assert _body(nat)[1] == ("Lead halide perovskite nanocrystals combine narrow emission with near-unity quantum "
                             "yield. Their size is usually set by the reaction temperature.")
    methods = next(p for p in nat.body if p.section == "Synthesis of CsPbBr3 nanocubes")
    assert methods.text.startswith("PbBr2 (0.188 mmol), ODE (5 mL), oleic acid (0.5 mL) and octylamine (0.5 mL)")
    assert methods.section_type == "experimental"
    assert [(c.label, c.text) for c in nat.captions] == [
        ("Figure 1", "Fig. 1: TEM of CsPbBr3 nanocubes. a Octylamine, b dodecylamine, c oleylamine. Scale bars, "
                     "20 nm."),
        ("Table 1", "Table 1 Edge length and emission of CsPbBr3 nanocubes")]
    for junk in ("Full size", "Accesses", "Protesescu", "We thank the DFG", "Creative Commons", "Log in",
                 "Emmy Noether"):
        assert junk not in nat.text


# --------------------------------------------------------------------------------------------- Wiley
@pytest.fixture(scope="module")
def wiley():
    return _read("wiley_cuins2.html")


def test_wiley_metadata_and_sections(wiley):
    assert wiley.reader == "WileyHtmlReader"
    assert (wiley.doi, wiley.journal, wiley.year) == ("10.1002/adma.202004567", "Advanced Materials", 2020)
    assert [(s.title, s.number) for s in wiley.sections] == [
        ("Abstract", None), ("Introduction", "1"), ("Results and Discussion", "2"), ("Experimental Section", "3"),
        ("Conflict of Interest", None), ("Supporting Information", None), ("Acknowledgements", None)]
    _check_offsets(wiley)


def test_wiley_text_citations_figures_tables(wiley):
    assert _body(wiley)[0].endswith("cation exchange of Cu2–xS templates.")
    assert _body(wiley)[1] == ("Heavy-metal-free emitters are sought for lighting. Cation exchange decouples the "
                               "anion sublattice from the composition.")
    synth = [p.text for p in wiley.body if p.section == "Experimental Section"]
    assert synth[1].startswith("Synthesis of CuInS2/ZnS Nanocrystals: Cu2–xS templates (0.1 mmol Cu) in ODE (5 mL)")
    assert [(c.label, c.text) for c in wiley.captions] == [
        ("Figure 1", "Figure 1 TEM images of Cu2–xS templates (a) and CuInS2 nanocrystals after exchange (b)."),
        ("Table 1", "Table 1. Composition and emission of CuInS2/ZnS nanocrystals")]
    assert wiley.tables[0].text == "In/Cu | PL (nm) | PLQY (%)\n0.8 | 680 | 80"
    for junk in ("Open in figure viewer", "PowerPoint", "Aldakov", "Citing Literature", "integrating sphere",
                 "Login", "First published"):
        assert junk not in wiley.text


# --------------------------------------------------------------------------------------------- detection
@pytest.mark.parametrize("name, reader", [
    ("elsevier_ftrr_znse.xml", ElsevierXmlReader), ("springer_jats_inp.xml", JatsXmlReader),
    ("rsc_cdse_platelets.html", RscHtmlReader), ("acs_cdse_cds.html", AcsHtmlReader),
    ("nature_cspbbr3.html", SpringerNatureHtmlReader), ("wiley_cuins2.html", WileyHtmlReader)])
def test_detect_picks_the_publisher_reader(name, reader):
    assert type(detect_reader((FIX / name).read_bytes(), name)) is reader


def test_publisher_readers_do_not_claim_plain_pages():
    data = b"<html><body><article><h2>Methods</h2><p>CdO was heated.</p></article></body></html>"
    assert type(detect_reader(data, "x.html")) is GenericHtmlReader
    wiley_attr_order = (b'<html><head><meta content="10.1111/jace.12345" name="citation_doi"></head>'
                        b"<body><p>x</p></body></html>")
    assert type(detect_reader(wiley_attr_order, "x.html")) is WileyHtmlReader


def test_real_doctype_with_external_entity_is_still_refused():
    data = (FIX / "springer_jats_inp.xml").read_bytes().replace(
        b'"http://jats.nlm.nih.gov/archiving/1.2/JATS-archivearticle1-mathml3.dtd">',
        b'"x.dtd" [<!ENTITY leak SYSTEM "file:///etc/passwd">]>')
    with pytest.raises(ReaderError, match="external entity 'leak'"):
        read_document(data, "evil.xml")


def test_elsevier_metadata_only_record_is_a_clear_error():
    data = (b'<full-text-retrieval-response xmlns="http://www.elsevier.com/xml/svapi/article/dtd" '
            b'xmlns:prism="http://prismstandard.org/namespaces/basic/2.0/"><coredata><prism:doi>10.1016/j.x.2020.1'
            b"</prism:doi></coredata></full-text-retrieval-response>")
    with pytest.raises(ReaderError, match="FULL view"):
        read_document(data, "meta.xml")


# --------------------------------------------------------------------------------------------- helpers
def test_marker_removal_keeps_words_apart_and_brackets_clean():
    root = parse_html(b'<html><body><p id="x">CdSe dots<sup><a href="#ref1">1</a></sup>were grown (<a href="#cit2">'
                      b"2</a>; <a href='#cit3'>3</a>) at 240 &#176;C [<a href='#bib4'>4</a>&#8211;<a href='#bib6'>6"
                      b"</a>].</p></body></html>")
    from nanosynth.miner.readers.markup import default_citation_marker
    text = element_text(root.xpath("//p")[0], default_citation_marker)
    assert text == "CdSe dots were grown at 240 °C."


def test_drop_empty_brackets_keeps_chemistry():
    assert drop_empty_brackets("the (−)-sparteine complex") == "the (−)-sparteine complex"
    assert drop_empty_brackets("route [, ] and (; ) here [–].") == "route and here."
    assert drop_empty_brackets("Cd(OA)2 (0.2 M)") == "Cd(OA)2 (0.2 M)"


def test_rsc_entity_image_characters():
    root = parse_html(b'<html><body><img src="http://www.rsc.org/images/entities/char_2009.gif">'
                      b'<img src="https://www.rsc.org/images/entities/i_char_03b1.gif">'
                      b'<img src="http://www.rsc.org/images/entities/char_e001.gif">'
                      b'<img src="/images/logo.gif"></body></html>')
    imgs = root.xpath("//img")
    assert [entity_image_text(i) for i in imgs] == ["\u2009", "α", "=", None]


def test_elsevier_rawtext_fallback_splits_paragraphs():
    data = ('<full-text-retrieval-response xmlns="http://www.elsevier.com/xml/svapi/article/dtd" '
            'xmlns:xocs="http://www.elsevier.com/xml/xocs/dtd"><coredata/><originalText><xocs:doc>'
            '<xocs:rawtext>PbS quantum dots were made from PbO and (TMS)2S.   The dots were washed with '
            'acetone.</xocs:rawtext></xocs:doc></originalText></full-text-retrieval-response>').encode()
    doc = read_document(data, "raw.xml")
    assert _body(doc) == ["PbS quantum dots were made from PbO and (TMS)2S.", "The dots were washed with acetone."]
    assert any("rawtext" in w for w in doc.warnings)


def test_jats_keep_references_option():
    doc = read_document((FIX / "springer_jats_inp.xml").read_bytes(), "x.xml", keep_references=True)
    assert doc.sections[-1].title == "References"
    assert doc.paragraphs[-1].text.startswith("1. Reiss P, Carrière M, Lincheneau C (2016) Synthesis of semiconductor")
