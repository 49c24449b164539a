"""Registry of paragraph-classifier stages by name (``"paragraph_classifier.tfidf.v1"`` ...).

Stages register themselves with :func:`register_stage` when their module is imported; model directories
record the stage name in ``manifest.json`` so :func:`nanosynth.miner.classify.load_classifier` can rebuild the right class.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from nanosynth.schema.errors import ConfigError

T = TypeVar("T", bound=type)

_STAGES: dict[str, type] = {}
_BACKENDS: dict[str, str] = {}


def register_stage(name: str, *, backend: str) -> Callable[[T], T]:
    """Class decorator registering a classifier stage under ``name`` and a short ``backend`` alias.

    Parameters
    ----------
    name:
        Versioned stage name stored in manifests, e.g. ``"paragraph_classifier.tfidf.v1"``.
    backend:
        Short name used on the command line (``"tfidf"``, ``"minilm"``).
    """

    def decorate(cls: T) -> T:
        if name in _STAGES and _STAGES[name] is not cls:
            raise ConfigError(f"classifier stage {name!r} is registered twice; give the new class another name")
        _STAGES[name] = cls
        _BACKENDS[backend] = name
        cls.stage_name = name  # type: ignore[attr-defined]
        cls.backend = backend  # type: ignore[attr-defined]
        return cls

    return decorate


def _import_builtin_stages() -> None:
    # Imported here (not at module import) so that importing the registry stays cheap.
    import nanosynth.miner.classify.minilm  # noqa: F401
    import nanosynth.miner.classify.tfidf  # noqa: F401


def get_stage(name_or_backend: str) -> type:
    """The stage class registered under a stage name or a backend alias.

    Raises
    ------
    ConfigError
        When nothing is registered under that name.
    """
    _import_builtin_stages()
    name = _BACKENDS.get(name_or_backend, name_or_backend)
    try:
        return _STAGES[name]
    except KeyError as exc:
        raise ConfigError(f"unknown paragraph-classifier backend {name_or_backend!r}; "
                          f"choose one of {', '.join(sorted(available_backends()))}") from exc


def available_backends() -> dict[str, str]:
    """Backend alias → stage name for every registered stage."""
    _import_builtin_stages()
    return dict(_BACKENDS)


__all__ = ["available_backends", "get_stage", "register_stage"]
