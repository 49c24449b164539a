"""Commands of the nanosynth CLI (models_cmds)."""

from nanosynth.cli.apps import app, db_app, lab_app, miner_app, models_app  # noqa: F401
