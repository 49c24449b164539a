"""``python -m nanosynth``: the same command line as ``nanosynth``."""

from nanosynth.cli.main import app

if __name__ == "__main__":
    app(prog_name="nanosynth")
