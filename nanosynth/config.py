"""One settings object: defaults < TOML file < ``NANOSYNTH_*`` environment variables < CLI options.

The CLI loads it once and passes values down; library code never reads the environment itself.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from nanosynth.ingest.limits import DocumentLimits
from nanosynth.lab.adapters.base import LimitEntry, coerce_limit_entries
from nanosynth.schema.errors import ConfigError, NanosynthError, unknown_value

DEFAULT_DB_FILE = "nanosynth.db"


class LabSettings(BaseModel):
    """The ``[lab]`` table of ``nanosynth.toml``.

    Attributes
    ----------
    safety_limits:
        Safety limits applied to every campaign (on top of ``--limit``), e.g. ``[lab.safety_limits]
        temperature_c = [150, 280]`` or ``safety_limits = ["temperature_c=150:280 degC"]``. The shape is checked
        here; names and units are checked against the reactor before anything is dispatched.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    safety_limits: tuple[LimitEntry, ...] = ()

    @field_validator("safety_limits", mode="before")
    @classmethod
    def _limits(cls, value: Any) -> tuple[LimitEntry, ...]:
        try:
            return tuple(coerce_limit_entries(value))
        except NanosynthError as exc:
            raise ConfigError(f"[lab] safety_limits: {exc}") from exc


class Settings(BaseSettings):
    """nanosynth settings.

    Attributes
    ----------
    database_url:
        SQLAlchemy URL. Default: SQLite file ``nanosynth.db`` in the working directory. Set
        ``NANOSYNTH_DATABASE_URL=postgresql+psycopg://user:pass@host/db`` for PostgreSQL.
    data_dir:
        Folder with the shared curated datasets (used by the demo).
    artifacts_dir:
        Folder where trained models are written by default.
    cache_dir:
        On-disk cache for fetched documents.
    lab:
        Lab settings (``[lab]`` table): safety limits of every campaign.
    ingest:
        Per-document limits of ingestion jobs (``[ingest]`` table, or ``NANOSYNTH_INGEST__TIME_LIMIT_S=60``):
        see :class:`nanosynth.ingest.limits.DocumentLimits`.
    """

    model_config = SettingsConfigDict(env_prefix="NANOSYNTH_", env_nested_delimiter="__", extra="ignore",
                                      frozen=True)

    database_url: str = Field(default_factory=lambda: f"sqlite:///{Path.cwd() / DEFAULT_DB_FILE}")
    data_dir: Path = Path("../shared/data")
    artifacts_dir: Path = Path("artifacts")
    cache_dir: Path = Path(".nanosynth-cache")
    log_level: str = "WARNING"
    elsevier_api_key: str | None = Field(default=None, repr=False)
    springer_api_key: str | None = Field(default=None, repr=False)
    unpaywall_email: str | None = None
    lab: LabSettings = Field(default_factory=LabSettings)
    ingest: DocumentLimits = Field(default_factory=DocumentLimits)


def check_keys(values: Mapping[str, Any], valid: Iterable[str], where: str) -> None:
    """Refuse keys of a config table that are not settings, suggesting the nearest valid name.

    Raises
    ------
    ConfigError
        On the first unknown key.
    """
    valid = set(valid)
    for key in values:
        if key not in valid:
            raise ConfigError(f"{unknown_value('setting', key, valid)} (in {where})")


def _file_values(path: Path) -> dict[str, Any]:
    """The settings in a TOML file: the ``[nanosynth]`` table merged with other top-level keys, all checked."""
    try:
        with open(path, "rb") as fh:
            loaded = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} does not exist: create it or unset NANOSYNTH_CONFIG") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    values = {k: v for k, v in loaded.items() if k != "nanosynth"}
    table = loaded.get("nanosynth", {})
    if not isinstance(table, dict):
        raise ConfigError(f"config file {path}: 'nanosynth' must be a table ([nanosynth])")
    twice = sorted(set(values) & set(table))
    if twice:
        raise ConfigError(f"config file {path} sets {twice} both inside and outside [nanosynth]: keep one")
    values.update(table)
    check_keys(values, Settings.model_fields, f"config file {path}")
    for name, model in (("lab", LabSettings), ("ingest", DocumentLimits)):
        if isinstance(values.get(name), dict):
            check_keys(values[name], model.model_fields, f"the [{name}] table of {path}")
    return values


def load_settings(config_file: Path | None = None, **overrides) -> Settings:
    """Build settings from an optional TOML file (``[nanosynth]`` table or top level), env and overrides.

    The file defaults to ``$NANOSYNTH_CONFIG`` or ``./nanosynth.toml`` when present.

    Raises
    ------
    ConfigError
        When the file cannot be parsed or a value is invalid.
    """
    path = config_path(config_file)
    file_values = _file_values(path) if path is not None else {}
    env_set = _env_names()
    values = {k: v for k, v in file_values.items() if k not in env_set}
    for key in env_set:  # NANOSYNTH_INGEST__TIME_LIMIT_S overrides that one key of the file's [ingest] table
        table, _, sub = key.partition("__")
        if sub and isinstance(values.get(table), dict):
            values[table] = {k: v for k, v in values[table].items() if k != sub}
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**values)
    except ValidationError as exc:
        secret = {name for name, field in Settings.model_fields.items() if field.repr is False}
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                             + ("" if e["loc"] and e["loc"][0] in secret else f" (got {e.get('input')!r})")
                             for e in exc.errors())
        raise ConfigError(f"invalid settings{f' in {path}' if path else ''}: {problems}; fix the value in the "
                          "file, the NANOSYNTH_* environment variable or the option") from exc


def config_path(config_file: Path | None = None) -> Path | None:
    """The settings file in effect: ``config_file``, else ``$NANOSYNTH_CONFIG``, else ``./nanosynth.toml`` if any."""
    path = config_file or (Path(os.environ["NANOSYNTH_CONFIG"]) if os.environ.get("NANOSYNTH_CONFIG") else None)
    if path is None and Path("nanosynth.toml").is_file():
        path = Path("nanosynth.toml")
    return path


def _env_names() -> set[str]:
    """Setting names given by ``NANOSYNTH_*`` environment variables (lower case, prefix removed)."""
    return {k.lower().removeprefix("nanosynth_") for k in os.environ if k.upper().startswith("NANOSYNTH_")}


def describe_settings(config_file: Path | None = None, **overrides) -> list[dict[str, Any]]:
    """Every setting with its value and where the value comes from, for ``nanosynth config show``.

    Sources: ``option --name`` (command line), ``environment NANOSYNTH_NAME``, ``file PATH`` or ``default``.
    Secrets are masked: API keys show as ``***`` and a database password as ``***``.

    Raises
    ------
    ConfigError
        When the settings cannot be loaded (the same checks as every command).
    """
    from nanosynth.db.engine import redact

    settings = load_settings(config_file, **overrides)
    path = config_path(config_file)
    in_file, in_env = (_file_values(path) if path else {}), _env_names()
    rows = []
    for name, field in Settings.model_fields.items():
        if overrides.get(name) is not None:
            source = f"option --{name.replace('_', '-')}"
        elif name in in_env:
            source = f"environment NANOSYNTH_{name.upper()}"
        elif name in in_file:
            source = f"file {path}"
        else:
            source = "default"
        value = getattr(settings, name)
        if field.repr is False and value is not None:
            value = "***"
        elif isinstance(value, BaseModel):
            value = value.model_dump(mode="json")
        elif not isinstance(value, (int, float, bool)) and value is not None:
            value = redact(str(value), str(value)) if name == "database_url" else str(value)
        rows.append({"name": name, "value": value, "source": source})
    return rows
