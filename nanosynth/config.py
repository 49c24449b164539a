"""One settings object: defaults < TOML file < ``NANOSYNTH_*`` environment variables < CLI options.

The CLI loads it once and passes values down; library code never reads the environment itself.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from nanosynth.schema.errors import ConfigError

DEFAULT_DB_FILE = "nanosynth.db"


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
    """

    model_config = SettingsConfigDict(env_prefix="NANOSYNTH_", extra="ignore", frozen=True)

    database_url: str = Field(default_factory=lambda: f"sqlite:///{Path.cwd() / DEFAULT_DB_FILE}")
    data_dir: Path = Path("../shared/data")
    artifacts_dir: Path = Path("artifacts")
    cache_dir: Path = Path(".nanosynth-cache")
    log_level: str = "WARNING"
    elsevier_api_key: str | None = Field(default=None, repr=False)
    springer_api_key: str | None = Field(default=None, repr=False)
    unpaywall_email: str | None = None


def load_settings(config_file: Path | None = None, **overrides) -> Settings:
    """Build settings from an optional TOML file (``[nanosynth]`` table or top level), env and overrides.

    The file defaults to ``$NANOSYNTH_CONFIG`` or ``./nanosynth.toml`` when present.

    Raises
    ------
    ConfigError
        When the file cannot be parsed or a value is invalid.
    """
    path = config_file or (Path(os.environ["NANOSYNTH_CONFIG"]) if os.environ.get("NANOSYNTH_CONFIG") else None)
    if path is None and Path("nanosynth.toml").is_file():
        path = Path("nanosynth.toml")
    file_values: dict = {}
    if path is not None:
        try:
            with open(path, "rb") as fh:
                loaded = tomllib.load(fh)
        except FileNotFoundError as exc:
            raise ConfigError(f"config file {path} does not exist: create it or unset NANOSYNTH_CONFIG") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
        file_values = loaded.get("nanosynth", loaded)
    env_set = {k.lower().removeprefix("nanosynth_") for k in os.environ if k.startswith("NANOSYNTH_")}
    values = {k: v for k, v in file_values.items() if k not in env_set}
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise ConfigError(f"invalid settings: {exc}") from exc
