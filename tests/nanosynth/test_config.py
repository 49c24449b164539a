import pytest

from nanosynth.config import load_settings
from nanosynth.schema.errors import ConfigError


def test_precedence_file_env_override(tmp_path, monkeypatch):
    cfg = tmp_path / "n.toml"
    cfg.write_text('[nanosynth]\ndatabase_url = "sqlite:///from-file.db"\nlog_level = "INFO"\n')
    monkeypatch.delenv("NANOSYNTH_DATABASE_URL", raising=False)
    assert load_settings(cfg).database_url == "sqlite:///from-file.db"
    monkeypatch.setenv("NANOSYNTH_DATABASE_URL", "sqlite:///from-env.db")
    assert load_settings(cfg).database_url == "sqlite:///from-env.db"
    assert load_settings(cfg, database_url="sqlite:///cli.db").database_url == "sqlite:///cli.db"
    assert load_settings(cfg).log_level == "INFO"


def test_default_database_in_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NANOSYNTH_DATABASE_URL", raising=False)
    monkeypatch.delenv("NANOSYNTH_CONFIG", raising=False)
    assert load_settings().database_url == f"sqlite:///{tmp_path / 'nanosynth.db'}"


def test_bad_config_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("this is = = not toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(bad)


def test_api_keys_not_in_repr(monkeypatch):
    monkeypatch.setenv("NANOSYNTH_ELSEVIER_API_KEY", "sekret-123")
    settings = load_settings()
    assert settings.elsevier_api_key == "sekret-123" and "sekret-123" not in repr(settings)
