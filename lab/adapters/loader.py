"""Load a reactor adapter from an import path (``package.module:ClassName``) with keyword options."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from nanosynth.lab.adapters.base import ReactorAdapter
from nanosynth.schema.errors import ConfigError

#: Short names for the adapters shipped with nanosynth.
BUILTIN_ADAPTERS = {
    "simulated": "nanosynth.lab.adapters.simulated:SimulatedReactor",
    "file-exchange": "nanosynth.lab.adapters.file_exchange:FileExchangeAdapter",
    "sila2": "nanosynth.lab.sila.client:SiLA2ReactorAdapter",
    "cspbbr3-flow": "nanosynth.lab.adapters.flow_perovskite:CsPbBr3FlowReactor",
}


def parse_option_value(text: str) -> Any:
    """Turn a CLI option value into a Python value: JSON when it parses (numbers, bools, lists, objects), else text."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, ValueError):
        return text


def parse_options(pairs: Iterable[str]) -> dict[str, Any]:
    """Parse ``key=value`` strings (``--adapter-option`` on the CLI) into keyword options.

    Raises
    ------
    ConfigError
        When an item has no ``=``.
    """
    out: dict[str, Any] = {}
    for item in pairs:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"adapter option {item!r} must look like key=value (e.g. seed=3)")
        out[key.strip().replace("-", "_")] = parse_option_value(value.strip())
    return out


def resolve_adapter_class(spec: str) -> type[ReactorAdapter]:
    """Import the adapter class named by ``spec`` (``package.module:ClassName`` or a built-in short name).

    Raises
    ------
    ConfigError
        When the module or class cannot be imported or is not a :class:`ReactorAdapter`.
    """
    path = BUILTIN_ADAPTERS.get(spec, spec)
    module_name, sep, class_name = path.partition(":")
    if not sep or not module_name or not class_name:
        raise ConfigError(
            f"adapter {spec!r} must be 'package.module:ClassName' or one of {sorted(BUILTIN_ADAPTERS)}"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"cannot import adapter module {module_name!r}: {exc}. Is it installed/on PYTHONPATH?") from exc
    cls = getattr(module, class_name, None)
    if cls is None:
        raise ConfigError(f"module {module_name!r} has no class {class_name!r}")
    if not (isinstance(cls, type) and issubclass(cls, ReactorAdapter)):
        raise ConfigError(f"{path} is not a subclass of lab.adapters.base.ReactorAdapter")
    return cls


def load_adapter(spec: str, options: Mapping[str, Any] | None = None) -> ReactorAdapter:
    """Instantiate the adapter named by ``spec`` with keyword ``options`` (not yet connected).

    Raises
    ------
    ConfigError
        When the class cannot be resolved or rejects the options.
    """
    cls = resolve_adapter_class(spec)
    try:
        return cls(**dict(options or {}))
    except TypeError as exc:
        raise ConfigError(f"adapter {spec!r} rejected options {dict(options or {})}: {exc}") from exc


def adapter_path(adapter: ReactorAdapter) -> str:
    """The import path of an adapter instance (stored on the Campaign row so that it can be resumed)."""
    cls = type(adapter)
    return f"{cls.__module__}:{cls.__qualname__}"
