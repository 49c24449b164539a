"""Unpaywall: where the open-access copy of a DOI lives (``GET /v2/{doi}?email=...``)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from nanosynth.miner.fetch.http import HttpClient
from nanosynth.schema.errors import ConfigError, FetchError

DEFAULT_UNPAYWALL_URL = "https://api.unpaywall.org"


@dataclass(frozen=True)
class OpenAccessLocation:
    """One open-access copy: a PDF URL and/or a landing/HTML URL."""

    url_for_pdf: str | None
    url: str | None
    host_type: str | None
    version: str | None
    license: str | None


class UnpaywallClient:
    """Find open-access copies of a DOI.

    Parameters
    ----------
    http:
        The shared HTTP client.
    email:
        Contact e-mail, required by Unpaywall (``NANOSYNTH_UNPAYWALL_EMAIL``).
    base_url:
        API root.
    """

    def __init__(self, http: HttpClient, email: str | None, base_url: str = DEFAULT_UNPAYWALL_URL):
        self.http = http
        self.email = email
        self.base_url = base_url.rstrip("/")

    def locations(self, doi: str) -> list[OpenAccessLocation]:
        """Open-access locations of ``doi``, best first (empty when the work is closed access).

        Raises
        ------
        ConfigError
            When no contact e-mail is configured.
        miner.fetch.http.NotFoundError
            When Unpaywall does not know the DOI.
        FetchError
            On transport errors or a malformed answer.
        """
        if not self.email:
            raise ConfigError("Unpaywall needs a contact e-mail: set NANOSYNTH_UNPAYWALL_EMAIL or unpaywall_email")
        data = self.http.get_json(f"{self.base_url}/v2/{quote(doi, safe='/')}", params={"email": self.email})
        if not isinstance(data, dict):
            raise FetchError(f"Unpaywall answer for {doi} is not a JSON object")
        found: list[OpenAccessLocation] = []
        seen: set[tuple] = set()
        candidates = [data.get("best_oa_location")] + list(data.get("oa_locations") or [])
        for loc in candidates:
            if not isinstance(loc, dict):
                continue
            item = OpenAccessLocation(url_for_pdf=loc.get("url_for_pdf"), url=loc.get("url"),
                                      host_type=loc.get("host_type"), version=loc.get("version"),
                                      license=loc.get("license"))
            sig = (item.url_for_pdf, item.url)
            if sig not in seen and (item.url_for_pdf or item.url):
                seen.add(sig)
                found.append(item)
        return found
