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


def test_unknown_keys_are_errors_with_the_nearest_name(tmp_path):
    cfg = tmp_path / "n.toml"
    cfg.write_text('[nanosynth]\ndatabase_ur = "sqlite:///x.db"\n')
    with pytest.raises(ConfigError, match="unknown setting 'database_ur'.*did you mean 'database_url'"):
        load_settings(cfg)
    cfg.write_text('[lab]\nsafety_limit = {temperature_c = [150, 200]}\n')
    with pytest.raises(ConfigError, match="did you mean 'safety_limits'"):
        load_settings(cfg)
    cfg.write_text('[nanosynth]\nlog_level = "INFO"\n[lab.safety_limits]\ntemp = "hot"\n')
    with pytest.raises(ConfigError, match=r"\[lab\] safety_limits: .*wrong shape"):
        load_settings(cfg)


def test_lab_limits_are_read_from_the_file_in_every_shape(tmp_path):
    cfg = tmp_path / "n.toml"
    for text in ('[lab.safety_limits]\ntemperature_c = [150, 280]\n',
                 '[nanosynth]\nlog_level = "INFO"\n[lab]\nsafety_limits = ["temperature_c=150:280"]\n',
                 '[nanosynth.lab]\nsafety_limits = ["temperature_c=150:280"]\n',
                 '[[lab.safety_limits]]\nname = "temperature_c"\nmin = 150\nmax = 280\n'):
        cfg.write_text(text)
        (entry,) = load_settings(cfg).lab.safety_limits
        assert (entry.name, entry.min, entry.max) == ("temperature_c", 150.0, 280.0)


def test_ingest_limits_defaults_file_and_env(tmp_path, monkeypatch):
    for name in ("MAX_FILE_MB", "TIME_LIMIT_S", "MAX_ATTEMPTS", "PDF_STREAM_MB"):
        monkeypatch.delenv(f"NANOSYNTH_INGEST__{name}", raising=False)
    cfg = tmp_path / "n.toml"
    cfg.write_text("[ingest]\nmax_file_mb = 5\ntime_limit_s = 30\n")
    limits = load_settings(cfg).ingest
    assert (limits.max_file_mb, limits.time_limit_s, limits.max_attempts, limits.pdf_stream_mb) == (5, 30, 3, 128)
    monkeypatch.setenv("NANOSYNTH_INGEST__TIME_LIMIT_S", "7")
    limits = load_settings(cfg).ingest
    assert (limits.max_file_mb, limits.time_limit_s) == (5, 7)   # env overrides one key, the file keeps the rest
    cfg.write_text("[ingest]\ntime_limit = 30\n")
    with pytest.raises(ConfigError, match="did you mean 'time_limit_s'"):
        load_settings(cfg)
    cfg.write_text("[ingest]\nmax_attempts = 0\n")
    with pytest.raises(ConfigError, match="max_attempts"):
        load_settings(cfg)


def test_reader_default_stream_limit_is_the_settings_default():
    from nanosynth.ingest.limits import DocumentLimits
    from nanosynth.miner.readers.pdf_limits import DEFAULT_STREAM_LIMIT

    assert DocumentLimits().pdf_stream_bytes == DEFAULT_STREAM_LIMIT


def test_invalid_values_are_named_without_showing_secrets(tmp_path):
    cfg = tmp_path / "n.toml"
    cfg.write_text('[nanosynth]\nelsevier_api_key = 123456789\nartifacts_dir = [1]\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(cfg)
    message = str(caught.value)
    assert "elsevier_api_key" in message and "123456789" not in message
    assert "artifacts_dir" in message and "(got [1])" in message and "\n" not in message
