"""The explorer's filter: query parameters ↔ :class:`~nanosynth.db.queries.RecipeFilter`.

Every page and the JSON API take the same parameters, so a link, an export and an API call of the current
filter are the same query string.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from nanosynth.db.queries import RecipeFilter
from nanosynth.schema.errors import NanosynthError

#: Range parameters → (outcome property, bound).
RANGES = {"size_min": ("size_nm", 0), "size_max": ("size_nm", 1), "peak_min": ("abs_peak_nm", 0),
          "peak_max": ("abs_peak_nm", 1)}
_TEXT = ("composition", "method", "shape", "chemical")


@dataclass(frozen=True)
class WebFilter:
    """The filter parameters of a request (empty values dropped)."""

    text: dict[str, str] = field(default_factory=dict)
    ranges: dict[str, float] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    include_simulated: bool = False

    @classmethod
    def from_params(cls, params: Mapping[str, str] | object) -> WebFilter:
        """Parse query parameters (a Starlette ``QueryParams`` or a plain mapping).

        Raises
        ------
        NanosynthError
            When a range bound is not a number.
        """
        get_list = getattr(params, "getlist", lambda key: [params[key]] if key in params else [])
        text = {k: str(params[k]).strip() for k in _TEXT if k in params and str(params[k]).strip()}
        ranges = {}
        for key in RANGES:
            raw = str(params.get(key, "") if hasattr(params, "get") else "").strip()
            if raw:
                try:
                    ranges[key] = float(raw)
                except ValueError as exc:
                    raise NanosynthError(f"{key}={raw!r} is not a number") from exc
        sources = tuple(s for s in get_list("source") if s)
        include = "simulated" in get_list("include")
        return cls(text=text, ranges=ranges, sources=sources, include_simulated=include)

    def recipe_filter(self, limit: int | None = None) -> RecipeFilter:
        """The database filter of these parameters."""
        bounds: dict[str, list[float | None]] = {}
        for key, value in self.ranges.items():
            prop, side = RANGES[key]
            bounds.setdefault(prop, [None, None])[side] = value
        return RecipeFilter(composition=self.text.get("composition"), method=self.text.get("method"),
                            shape=self.text.get("shape"), chemical=self.text.get("chemical"),
                            source=list(self.sources) or None,
                            include=("simulated",) if self.include_simulated else (),
                            property_ranges={k: (lo, hi) for k, (lo, hi) in bounds.items()}, limit=limit)

    def query_string(self, **extra: str) -> str:
        """The query string of this filter (plus ``extra`` parameters), for links and exports."""
        pairs = [*self.text.items(), *((k, f"{v:g}") for k, v in self.ranges.items())]
        pairs += [("source", s) for s in self.sources]
        if self.include_simulated:
            pairs.append(("include", "simulated"))
        pairs += list(extra.items())
        return urlencode(pairs)
