"""The ``nanosynth`` command line (typer + rich). Progress bars and tables live only here."""
