"""nanosynth application layer: settings, the CLI and the jobs that wire the stages together."""

import logging

logging.getLogger(__name__).addHandler(logging.NullHandler())

__version__ = "0.1.0"
