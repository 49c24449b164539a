"""The one DOI normalizer: every DOI stored, compared or fetched goes through :func:`normalize_doi`."""

from __future__ import annotations

import re

DOI_PATTERN = re.compile(r"10\.\d{4,9}/[^\s\"<>]+")
_TRAILING = ".,;:)]}'"


def find_doi(value: str | None) -> str | None:
    """The first DOI in ``value`` in canonical form, or None when there is none.

    ``"https://doi.org/10.1021/JA0123."`` → ``"10.1021/ja0123"``.
    """
    if not value:
        return None
    match = DOI_PATTERN.search(str(value))
    return match.group(0).rstrip(_TRAILING).lower() if match else None


def normalize_doi(value: str) -> str:
    """Canonical form of a DOI given bare, as a doi.org URL or with a ``doi:`` prefix, in any case.

    Raises
    ------
    ValueError
        When ``value`` holds no DOI (callers wrap it in their own error with what to do next).
    """
    doi = find_doi(value)
    if doi is None:
        raise ValueError(f"{value!r} is not a DOI: give it as 10.xxxx/suffix (optionally with https://doi.org/)")
    return doi


__all__ = ["DOI_PATTERN", "find_doi", "normalize_doi"]
