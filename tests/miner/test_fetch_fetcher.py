"""DocumentFetcher against a local fake of Crossref, Unpaywall, arXiv, Elsevier and Springer Nature."""

from __future__ import annotations

import json
import logging

import pytest
from _fetch_server import FakeApi, Reply, tiny_pdf

from nanosynth.miner.fetch import DocumentFetcher, FetchConfig, HttpConfig, RetryPolicy, parse_identifier
from nanosynth.schema.errors import FetchError

ELS_KEY = "els-KEY-9f8e7d6c5b4a"
SPR_KEY = "spr-KEY-1a2b3c4d5e6f"

CROSSREF_WORK = {
    "status": "ok",
    "message": {
        "DOI": "10.1021/ja00072a025", "title": ["Synthesis and characterization of nearly monodisperse CdE"],
        "container-title": ["Journal of the American Chemical Society"],
        "published-print": {"date-parts": [[1993, 9]]},
        "author": [{"given": "C. B.", "family": "Murray"}, {"given": "D. J.", "family": "Norris"}],
        "publisher": "American Chemical Society", "type": "journal-article",
        "link": [{"URL": "https://pubs.acs.org/doi/pdf/10.1021/ja00072a025", "content-type": "application/pdf",
                  "intended-application": "text-mining"}],
    },
}

ATOM = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <entry><id>http://arxiv.org/abs/2101.00001v1</id>
    <published>2021-01-01T00:00:00Z</published>
    <title>Machine learning   for InP quantum dots</title>
    <author><name>A. Author</name></author><author><name>B. Author</name></author>
  </entry>
</feed>"""

ELSEVIER_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<full-text-retrieval-response xmlns="http://www.elsevier.com/xml/svapi/article/dtd">
<coredata><dc:title xmlns:dc="http://purl.org/dc/elements/1.1/">PbS quantum dots</dc:title></coredata>
<originalText><xocs:doc xmlns:xocs="http://www.elsevier.com/xml/xocs/dtd"><body>PbO (0.45 g) in oleic acid ...</body>
</xocs:doc></originalText></full-text-retrieval-response>"""

SPRINGER_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<response><result><total>1</total></result><records>
<article article-type="research-article"><front><article-meta><title-group><article-title>CsPbBr3</article-title>
</title-group></article-meta></front><body><sec><title>Methods</title><p>Cs2CO3 (0.2 g) ...</p></sec></body></article>
</records></response>"""


@pytest.fixture()
def api():
    server = FakeApi().start()
    yield server
    server.stop()


def make_fetcher(api, tmp_path, **kw) -> DocumentFetcher:
    http = HttpConfig(connect_timeout_s=2, read_timeout_s=2, min_interval_s=0.0, cache_dir=tmp_path / "cache",
                      retry=RetryPolicy(max_attempts=2, backoff_base_s=0.01, backoff_max_s=0.02))
    config = FetchConfig(crossref_url=api.url, unpaywall_url=api.url, arxiv_api_url=api.url, arxiv_url=api.url,
                         elsevier_url=api.url, springer_url=api.url, http=http, **kw)
    return DocumentFetcher(config)


def test_crossref_metadata(api, tmp_path):
    api.route("/works/10.1021/ja00072a025", Reply(200, json.dumps(CROSSREF_WORK).encode()))
    with make_fetcher(api, tmp_path, unpaywall_email="curator@lab.org") as fetcher:
        meta = fetcher.metadata("https://doi.org/10.1021/JA00072A025")
    assert meta.doi == "10.1021/ja00072a025"
    assert meta.year == 1993 and meta.journal.startswith("Journal of the American")
    assert meta.authors == ["C. B. Murray", "D. J. Norris"]
    assert meta.fulltext_links[0].intended_application == "text-mining"
    assert "Murray et al." in meta.citation()
    assert api.requests[0]["query"]["mailto"] == ["curator@lab.org"]


def test_unknown_doi_is_a_clear_error(api, tmp_path):
    with make_fetcher(api, tmp_path) as fetcher, pytest.raises(FetchError, match="Crossref does not know"):
        fetcher.metadata("10.9999/nope")


def test_unpaywall_pdf(api, tmp_path):
    pdf = tiny_pdf()
    api.route("/works/10.1021/ja00072a025", Reply(200, json.dumps(CROSSREF_WORK).encode()))
    api.route("/v2/10.1021/ja00072a025", Reply(200, json.dumps({
        "doi": "10.1021/ja00072a025", "is_oa": True,
        "best_oa_location": {"url_for_pdf": f"{api.url}/landing", "url": None, "host_type": "repository"},
        "oa_locations": [{"url_for_pdf": f"{api.url}/files/murray.pdf", "url": None, "host_type": "repository"}],
    }).encode()))
    api.route("/landing", Reply(200, b"<html><body>Sign in</body></html>", "text/html"))
    api.route("/files/murray.pdf", Reply(200, pdf, "application/pdf"))
    with make_fetcher(api, tmp_path, unpaywall_email="curator@lab.org") as fetcher:
        doc = fetcher.fetch("10.1021/ja00072a025")
    assert doc.via == "unpaywall" and doc.kind == "pdf" and doc.content == pdf
    assert doc.metadata.title.startswith("Synthesis and characterization")
    path = doc.save(tmp_path / "docs")
    assert path.name == "10.1021_ja00072a025.pdf" and path.read_bytes() == pdf


def test_closed_access_lists_attempts_and_hints(api, tmp_path):
    api.route("/works/10.1016/j.x.2020.1", Reply(200, json.dumps({"message": {"DOI": "10.1016/j.x.2020.1"}}).encode()))
    api.route("/v2/10.1016/j.x.2020.1", Reply(200, json.dumps({"is_oa": False, "best_oa_location": None,
                                                               "oa_locations": []}).encode()))
    with make_fetcher(api, tmp_path, unpaywall_email="curator@lab.org") as fetcher:
        with pytest.raises(FetchError) as err:
            fetcher.fetch("10.1016/j.x.2020.1")
    msg = str(err.value)
    assert "no open-access copy" in msg and "NANOSYNTH_ELSEVIER_API_KEY" in msg


def test_elsevier_tdm_with_key_in_header_never_logged(api, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    api.route("/works/10.1016/j.jcrysgro.2020.1", Reply(404, b"{}"))
    api.route("/content/article/doi/10.1016/j.jcrysgro.2020.1", Reply(200, ELSEVIER_XML, "text/xml"))
    with make_fetcher(api, tmp_path, elsevier_api_key=ELS_KEY) as fetcher:
        doc = fetcher.fetch("10.1016/j.jcrysgro.2020.1")
        assert ELS_KEY not in repr(fetcher.elsevier) and ELS_KEY not in repr(fetcher.config)
    assert doc.via == "elsevier" and doc.kind == "xml" and b"originalText" in doc.content
    assert doc.metadata is None and any("metadata" in a for a in doc.attempts)
    sent = [r for r in api.requests if r["path"].startswith("/content/")][0]
    assert sent["headers"]["X-ELS-APIKey"] == ELS_KEY
    assert not any(ELS_KEY in r.getMessage() for r in caplog.records)


def test_elsevier_metadata_only_answer_is_rejected(api, tmp_path):
    api.route("/content/article/doi/10.1016/j.meta.1",
              Reply(200, b"<full-text-retrieval-response><coredata/></full-text-retrieval-response>", "text/xml"))
    with make_fetcher(api, tmp_path, elsevier_api_key=ELS_KEY) as fetcher, pytest.raises(FetchError) as err:
        fetcher.fetch("10.1016/j.meta.1")
    assert "not entitled" in str(err.value) and ELS_KEY not in str(err.value)


def test_springer_jats_with_key_in_query_never_logged(api, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    api.route("/works/10.1007/s11051-020-1", Reply(200, json.dumps({"message": {"DOI": "10.1007/s11051-020-1",
                                                                               "title": ["CsPbBr3"]}}).encode()))
    api.route("/openaccess/jats", Reply(200, SPRINGER_XML, "application/xml"))
    with make_fetcher(api, tmp_path, springer_api_key=SPR_KEY) as fetcher:
        doc = fetcher.fetch("doi:10.1007/s11051-020-1")
    assert doc.via == "springer" and doc.kind == "xml"
    assert doc.content.startswith(b"<?xml") and b"<article" in doc.content and b"<response" not in doc.content
    sent = [r for r in api.requests if r["path"] == "/openaccess/jats"][0]
    assert sent["query"]["api_key"] == [SPR_KEY] and sent["query"]["q"] == ["doi:10.1007/s11051-020-1"]
    assert SPR_KEY not in doc.url
    assert not any(SPR_KEY in r.getMessage() for r in caplog.records)
    for path in (tmp_path / "cache").rglob("*.json"):
        assert SPR_KEY not in path.read_text()


def test_arxiv_preprint(api, tmp_path):
    pdf = tiny_pdf()
    api.route("/api/query", Reply(200, ATOM, "application/atom+xml"))
    api.route("/pdf/2101.00001", Reply(200, pdf, "application/pdf"))
    with make_fetcher(api, tmp_path) as fetcher:
        doc = fetcher.fetch("arXiv:2101.00001")
    assert doc.via == "arxiv" and doc.kind == "pdf" and doc.arxiv_id == "2101.00001"
    assert doc.metadata.title == "Machine learning for InP quantum dots" and doc.metadata.year == 2021
    assert doc.doi == "10.48550/arxiv.2101.00001"
    assert api.requests[0]["query"]["id_list"] == ["2101.00001"]


def test_server_errors_are_reported_per_source(api, tmp_path):
    api.route("/works/10.1021/broken", Reply(500, b"down", "text/plain"))
    api.route("/v2/10.1021/broken", Reply(200, b"{not json", "application/json"))
    with make_fetcher(api, tmp_path, unpaywall_email="curator@lab.org") as fetcher, pytest.raises(FetchError) as err:
        fetcher.fetch("10.1021/broken")
    assert "HTTP 500" in str(err.value) and "malformed JSON" in str(err.value)


def test_parse_identifier():
    assert parse_identifier("https://doi.org/10.1021/JA00072A025") == ("10.1021/ja00072a025", None)
    assert parse_identifier("arXiv:2101.00001v2") == ("10.48550/arxiv.2101.00001v2", "2101.00001v2")
    assert parse_identifier("10.48550/arXiv.2101.00001")[1] == "2101.00001"
    with pytest.raises(FetchError, match="neither a DOI"):
        parse_identifier("not an identifier")
