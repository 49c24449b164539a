"""Entry point of the ``nanosynth`` command: the root app and its command groups.

Each group lives in its own module which adds commands to the group objects defined in
:mod:`nanosynth.cli.apps`; importing those modules here registers them.
"""

from __future__ import annotations

from nanosynth.cli import apps
from nanosynth.cli import (  # noqa: F401  (imported for their command registrations)
    config_cmds,
    db_cmds,
    demo_cmds,
    extract_cmds,
    ingest_cmds,
    lab_cmds,
    miner_classify_cmds,
    miner_ner_cmds,
    models_cmds,
    serve_cmds,
)

app = apps.app
