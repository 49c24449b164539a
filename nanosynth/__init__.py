"""nanosynth application layer: settings, the CLI and the jobs that wire the stages together.

The Python API is two functions, loaded on first use (importing ``nanosynth`` does no I/O and imports no
database or model code):

- ``nanosynth.open(url=None)`` → :class:`nanosynth.api.Database` (``recipes(...)``, ``provenance(recipe_id)``);
- ``nanosynth.extract(path)`` → the records of ``nanosynth extract --json``.
"""

import logging

logging.getLogger(__name__).addHandler(logging.NullHandler())

__version__ = "0.1.0"
_API = ("open", "extract", "Database")


def __getattr__(name: str):
    if name in _API:
        from nanosynth import api

        return getattr(api, name)
    raise AttributeError(f"module 'nanosynth' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
