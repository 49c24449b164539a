"""API keys go only to the host they belong to: a redirect to another origin (host, port or scheme) drops the
Elsevier ``X-ELS-APIKey`` header and the Springer Nature ``api_key`` parameter (issue 15, point 5)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from _fetch_server import FakeApi, Reply
from test_fetch_fetcher import ELS_KEY, ELSEVIER_XML, SPR_KEY, SPRINGER_XML, make_fetcher

from nanosynth.miner.fetch.http import MAX_REDIRECTS, HttpClient, HttpConfig, RetryPolicy
from nanosynth.schema.errors import FetchError


@pytest.fixture()
def api():
    server = FakeApi().start()
    yield server
    server.stop()


@pytest.fixture()
def other():
    """A second server: another origin (same address, another port) that must never see a key."""
    server = FakeApi().start()
    yield server
    server.stop()


def _carries(request: dict, secret: str) -> bool:
    return any(secret in str(v) for v in request["headers"].values()) or any(
        secret in v for values in request["query"].values() for v in values)


def test_elsevier_key_header_is_not_sent_to_another_host(api, other, tmp_path):
    doi = "10.1016/j.redirect.1"
    api.route(f"/content/article/doi/{doi}", Reply(302, b"", "text/plain",
                                                   {"Location": f"{other.url}/mirror/{doi}"}))
    other.route(f"/mirror/{doi}", Reply(200, ELSEVIER_XML, "text/xml"))
    with make_fetcher(api, tmp_path, elsevier_api_key=ELS_KEY) as fetcher:
        doc = fetcher.fetch(doi)
    assert doc.via == "elsevier" and b"originalText" in doc.content  # the redirect is still followed
    first = [r for r in api.requests if r["path"].startswith("/content/")][0]
    assert first["headers"]["X-ELS-APIKey"] == ELS_KEY
    assert other.requests and not any(_carries(r, ELS_KEY) for r in other.requests)


def test_elsevier_key_is_not_sent_to_localhost_alias(api, tmp_path):
    """Same server, another host name: a different host for the key's purposes."""
    doi = "10.1016/j.redirect.2"
    alias = api.url.replace("127.0.0.1", "localhost")
    api.route(f"/content/article/doi/{doi}", Reply(301, b"", "text/plain", {"Location": f"{alias}/mirror"}))
    api.route("/mirror", Reply(200, ELSEVIER_XML, "text/xml"))
    with make_fetcher(api, tmp_path, elsevier_api_key=ELS_KEY) as fetcher:
        fetcher.fetch(doi)
    mirror = [r for r in api.requests if r["path"] == "/mirror"]
    assert mirror and not any(_carries(r, ELS_KEY) for r in mirror)


def test_springer_key_parameter_is_not_sent_to_another_host(api, other, tmp_path):
    def forward(n, info):  # a server that forwards the whole query string, key included
        query = urlencode({k: v[0] for k, v in info["query"].items()})
        return Reply(307, b"", "text/plain", {"Location": f"{other.url}/jats-mirror?{query}"})

    api.route("/openaccess/jats", forward)
    other.route("/jats-mirror", Reply(200, SPRINGER_XML, "application/xml"))
    with make_fetcher(api, tmp_path, springer_api_key=SPR_KEY) as fetcher:
        doc = fetcher.fetch("10.1007/s11051-020-9")
    assert doc.via == "springer" and b"<article" in doc.content
    sent = [r for r in other.requests if r["path"] == "/jats-mirror"]
    assert sent and sent[0]["query"]["q"] == ["doi:10.1007/s11051-020-9"]  # other parameters are kept
    assert not any(_carries(r, SPR_KEY) for r in other.requests)


def _client() -> HttpClient:
    config = HttpConfig(connect_timeout_s=2, read_timeout_s=2, min_interval_s=0.0,
                        retry=RetryPolicy(max_attempts=1))
    return HttpClient(config, secrets=[ELS_KEY])


def test_same_host_redirect_keeps_the_key(api):
    api.route("/old", Reply(302, b"", "text/plain", {"Location": "/new"}))
    api.route("/new", Reply(200, b'{"ok": true}'))
    with _client() as http:
        assert http.get_json(f"{api.url}/old", headers={"X-ELS-APIKey": ELS_KEY}) == {"ok": True}
    assert [r["headers"].get("X-ELS-APIKey") for r in api.requests] == [ELS_KEY, ELS_KEY]


def test_key_stays_dropped_when_redirected_back(api, other):
    api.route("/start", Reply(302, b"", "text/plain", {"Location": f"{other.url}/bounce"}))
    other.route("/bounce", Reply(302, b"", "text/plain", {"Location": f"{api.url}/end"}))
    api.route("/end", Reply(200, b'{"ok": true}'))
    with _client() as http:
        assert http.get_json(f"{api.url}/start", headers={"X-ELS-APIKey": ELS_KEY}) == {"ok": True}
    assert not any(_carries(r, ELS_KEY) for r in other.requests)
    assert [r for r in api.requests if r["path"] == "/end"][0]["headers"].get("X-ELS-APIKey") is None


def test_redirect_loop_is_an_error(api):
    api.route("/loop", Reply(302, b"", "text/plain", {"Location": "/loop"}))
    with _client() as http, pytest.raises(FetchError, match="redirect"):
        http.get(f"{api.url}/loop")
    assert api.hits["/loop"] == MAX_REDIRECTS + 1


def test_malformed_redirect_is_a_fetch_error(api):
    api.route("/bad", Reply(302, b"", "text/plain", {"Location": "http://127.0.0.1:notaport/x"}))
    with _client() as http, pytest.raises(FetchError, match="malformed URL"):
        http.get(f"{api.url}/bad")
