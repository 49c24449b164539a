"""``python -m nanosynth`` runs the same CLI as ``nanosynth``; ``--version`` prints the version."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from nanosynth import __version__
from nanosynth.cli.main import app

REPO = Path(__file__).resolve().parents[2]


def _python_m(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "nanosynth", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_version_option():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"nanosynth {__version__}"


def test_python_dash_m(tmp_path):
    version = _python_m("--version", cwd=tmp_path)
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"nanosynth {__version__}"
    helped = _python_m("db", "--help", cwd=tmp_path)
    assert helped.returncode == 0 and "upgrade" in helped.stdout and "Usage: nanosynth db" in helped.stdout
    assert list(tmp_path.iterdir()) == []  # neither command touched a database
