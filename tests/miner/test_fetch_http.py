"""HttpClient against a local server: success, 404, 429/Retry-After, 500, slow, malformed JSON, PDF, cache,
per-host rate limit, and API keys that never reach a log record, an error message or the cache."""

from __future__ import annotations

import json
import logging
import time
from email.utils import formatdate

import pytest
from _fetch_server import FakeApi, Reply, tiny_pdf

from nanosynth.miner.fetch.http import HttpClient, HttpConfig, NotFoundError, RetryPolicy, parse_retry_after
from nanosynth.miner.fetch.redact import redact, strip_secret_params
from nanosynth.schema.errors import FetchError

SECRET = "sk-TEST-0123456789abcdef"


@pytest.fixture()
def api():
    server = FakeApi().start()
    yield server
    server.stop()


def client(tmp_path=None, **overrides) -> HttpClient:
    retry = RetryPolicy(max_attempts=overrides.pop("max_attempts", 3), backoff_base_s=0.01, backoff_max_s=0.05,
                        max_retry_after_s=overrides.pop("max_retry_after_s", 5))
    config = HttpConfig(connect_timeout_s=2, read_timeout_s=overrides.pop("read_timeout_s", 2),
                        min_interval_s=overrides.pop("min_interval_s", 0.0), retry=retry,
                        cache_dir=(tmp_path / "cache") if tmp_path is not None else None, **overrides)
    return HttpClient(config, secrets=[SECRET])


def test_success_json_is_parsed_and_cached(api, tmp_path):
    api.route("/works/10.1/ok", Reply(200, json.dumps({"message": {"DOI": "10.1/ok"}}).encode()))
    with client(tmp_path) as http:
        first = http.get_json(f"{api.url}/works/10.1/ok")
        second = http.get(f"{api.url}/works/10.1/ok", accept="application/json")
    assert first == {"message": {"DOI": "10.1/ok"}}
    assert second.from_cache and json.loads(second.content) == first
    assert api.hits["/works/10.1/ok"] == 1


def test_404_raises_not_found_without_retrying(api):
    with client() as http, pytest.raises(NotFoundError, match="404"):
        http.get(f"{api.url}/works/10.1/missing")
    assert api.hits["/works/10.1/missing"] == 1


def test_429_honours_retry_after_then_succeeds(api):
    api.route("/busy", lambda n, info: Reply(429, b"slow down", "text/plain", {"Retry-After": "1"}) if n == 1
              else Reply(200, b'{"ok": true}'))
    start = time.monotonic()
    with client() as http:
        assert http.get_json(f"{api.url}/busy") == {"ok": True}
    elapsed = time.monotonic() - start
    assert api.hits["/busy"] == 2
    assert elapsed >= 0.95, "the client must wait the Retry-After seconds"
    gap = api.requests[1]["time"] - api.requests[0]["time"]
    assert gap >= 0.95


def test_429_with_http_date_retry_after(api):
    api.route("/busy-date", lambda n, info: Reply(429, b"", "text/plain",
                                                  {"Retry-After": formatdate(time.time() + 1, usegmt=True)})
              if n == 1 else Reply(200, b"{}"))
    with client() as http:
        assert http.get_json(f"{api.url}/busy-date") == {}
    assert api.hits["/busy-date"] == 2


def test_429_asking_too_long_a_wait_fails_fast(api):
    api.route("/very-busy", Reply(429, b"", "text/plain", {"Retry-After": "3600"}))
    start = time.monotonic()
    with client() as http, pytest.raises(FetchError, match="try again later"):
        http.get(f"{api.url}/very-busy")
    assert time.monotonic() - start < 1.0
    assert api.hits["/very-busy"] == 1


def test_500_is_retried_with_backoff_then_fails(api):
    api.route("/broken", Reply(500, b"internal error", "text/plain"))
    with client(max_attempts=3) as http, pytest.raises(FetchError, match="after 3 attempts: HTTP 500"):
        http.get(f"{api.url}/broken")
    assert api.hits["/broken"] == 3


def test_500_then_success(api):
    api.route("/flaky", lambda n, info: Reply(500, b"oops", "text/plain") if n < 3 else Reply(200, b'[1, 2]'))
    with client(max_attempts=4) as http:
        assert http.get_json(f"{api.url}/flaky") == [1, 2]
    assert api.hits["/flaky"] == 3


def test_slow_server_times_out_after_retries(api):
    api.route("/slow", Reply(200, b"{}", delay_s=1.5))
    start = time.monotonic()
    with client(read_timeout_s=0.3, max_attempts=2) as http, pytest.raises(FetchError, match="timed out"):
        http.get(f"{api.url}/slow")
    assert time.monotonic() - start < 1.5
    assert api.hits["/slow"] == 2


def test_malformed_json_is_an_error_and_not_cached(api, tmp_path):
    api.route("/bad-json", Reply(200, b'{"message": {"DOI": "10.1/x"', "application/json"))
    with client(tmp_path) as http:
        for _ in range(2):
            with pytest.raises(FetchError, match="malformed JSON"):
                http.get_json(f"{api.url}/bad-json")
    assert api.hits["/bad-json"] == 2, "a malformed body must not be cached (nor retried within one call)"


def test_pdf_download_keeps_bytes_and_type(api, tmp_path):
    pdf = tiny_pdf()
    api.route("/paper.pdf", Reply(200, pdf, "application/pdf"))
    with client(tmp_path) as http:
        resp = http.get(f"{api.url}/paper.pdf", accept="application/pdf")
        again = http.get(f"{api.url}/paper.pdf", accept="application/pdf")
    assert resp.content == pdf and resp.content.startswith(b"%PDF")
    assert resp.media_type == "application/pdf"
    assert again.from_cache and again.content == pdf
    assert api.hits["/paper.pdf"] == 1


def test_per_host_rate_limit_spaces_requests(api):
    api.route("/r", Reply(200, b"{}"))
    with client(min_interval_s=0.25) as http:
        for _ in range(3):
            http.get(f"{api.url}/r", use_cache=False)
    times = [r["time"] for r in api.requests]
    assert all(b - a >= 0.22 for a, b in zip(times, times[1:])), times


def test_api_key_never_logged_nor_in_errors_or_cache(api, tmp_path, caplog):
    api.route("/openaccess/jats", lambda n, info: Reply(500, b"err", "text/plain") if n == 1
              else Reply(200, b"<response><records/></response>", "application/xml"))
    api.route("/content/article/doi/10.1016/x", Reply(403, b"forbidden", "text/plain"))
    caplog.set_level(logging.DEBUG)
    with client(tmp_path, max_attempts=2) as http:
        resp = http.get(f"{api.url}/openaccess/jats", params={"q": "doi:10.1007/x", "api_key": SECRET})
        with pytest.raises(FetchError) as err:
            http.get(f"{api.url}/content/article/doi/10.1016/x", headers={"X-ELS-APIKey": SECRET})
        with pytest.raises(FetchError) as err2:
            http.get(f"http://127.0.0.1:1/openaccess/jats", params={"api_key": SECRET}, use_cache=False)
    # the key was really sent
    assert api.requests[0]["query"]["api_key"] == [SECRET]
    assert api.requests[-1]["headers"]["X-ELS-APIKey"] == SECRET
    messages = [r.getMessage() for r in caplog.records]
    assert any("openaccess/jats" in m for m in messages), "the request should be logged (redacted)"
    assert not any(SECRET in m for m in messages)
    assert SECRET not in str(err.value) and "API key" in str(err.value)
    assert SECRET not in str(err2.value) and err2.value.__cause__ is None
    assert SECRET not in resp.url
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes()


def test_redaction_helpers():
    url = f"https://api.example.org/q?q=doi:10.1/x&api_key={SECRET}&start=1"
    assert SECRET not in redact(url)
    assert "api_key=***" in redact(url)
    assert "api_key" not in strip_secret_params(url) and "start=1" in strip_secret_params(url)
    assert redact(f"key is {SECRET}", [SECRET]) == "key is ***"


def test_parse_retry_after():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert 9 <= parse_retry_after(formatdate(time.time() + 10, usegmt=True)) <= 11


def test_a_trickling_server_is_cut_off_at_the_download_deadline(api):
    api.route("/trickle", Reply(200, b'{"k": "' + b"x" * 60 + b'"}', trickle_s=0.05))  # ~3.5 s, bytes every 50 ms
    start = time.monotonic()
    with client(read_timeout_s=1, max_attempts=3, total_timeout_s=0.8) as http, \
            pytest.raises(FetchError, match="deadline"):
        http.get(f"{api.url}/trickle")
    assert time.monotonic() - start < 2.0  # socket timeouts alone would wait for the whole body
    assert api.hits["/trickle"] == 1  # a missed deadline is not retried


def test_retries_stop_at_the_download_deadline(api):
    api.route("/down", Reply(503, b"{}"))
    start = time.monotonic()
    with client(max_attempts=50, total_timeout_s=0.5) as http, pytest.raises(FetchError, match="deadline"):
        http.get(f"{api.url}/down")
    assert time.monotonic() - start < 1.5
