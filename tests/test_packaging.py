"""The built wheel installs one package, ``nanosynth``, with the stages inside it and their data files."""

from __future__ import annotations

import shutil
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
GENERIC = ("schema", "db", "models", "lab", "miner")
_SKIP = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
                               "artifacts", "demo-out", "*.db", "notebooks", "benchmarks", "tests")


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory) -> Path:
    """A fresh venv holding only the wheel; the dependencies come from this venv's site-packages via a .pth."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "src"
    shutil.copytree(REPO, source, symlinks=True, ignore=_SKIP)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp / "dist"), str(source)], check=True, capture_output=True)
    wheel = next((tmp / "dist").glob("nanosynth_lab-*.whl"))
    env = tmp / "venv"
    venv.create(env, with_pip=True)  # its own pip: this venv's pip would uninstall our editable install first
    (env / "before.txt").write_text("\n".join(sorted(_top_level(env))), encoding="utf-8")
    subprocess.run([str(env / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    str(wheel)], check=True, capture_output=True)
    (_site_packages(env) / "_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    return env


def _site_packages(env: Path) -> Path:
    return next((env / "lib").glob("python3*/site-packages"))


def _top_level(env: Path) -> set[str]:
    return {p.name for p in _site_packages(env).iterdir()
            if p.is_dir() and not p.name.endswith((".dist-info", "__pycache__"))}


def _python(env: Path, code: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(env / "bin" / "python"), "-c", code], cwd=env, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"})


@pytest.mark.slow
def test_wheel_puts_only_nanosynth_at_the_top_of_site_packages(wheel_venv):
    target = _site_packages(wheel_venv)
    before = set((wheel_venv / "before.txt").read_text(encoding="utf-8").split())
    assert _top_level(wheel_venv) - before == {"nanosynth"}
    for name in GENERIC:
        assert (target / "nanosynth" / name / "__init__.py").is_file()
        assert not (target / "nanosynth" / name).is_symlink()


@pytest.mark.slow
def test_wheel_imports_the_stages_under_nanosynth_only(wheel_venv):
    ok = _python(wheel_venv, "import nanosynth.miner, nanosynth.db, nanosynth.models, nanosynth.lab, "
                             "nanosynth.schema; print(nanosynth.miner.__file__)")
    assert ok.returncode == 0, ok.stderr
    assert str(wheel_venv) in ok.stdout
    assert (wheel_venv / "bin" / "nanosynth").is_file()
    for name in GENERIC:
        result = _python(wheel_venv, f"import {name}")
        assert result.returncode != 0 and "ModuleNotFoundError" in result.stderr, name


@pytest.mark.slow
def test_wheel_ships_models_and_migrations(wheel_venv):
    code = ("from importlib.resources import files\n"
            "from nanosynth.artifacts import verify_manifest\n"
            "root = files('nanosynth')\n"
            "verify_manifest(root / 'miner' / 'classify' / 'default_model')\n"
            "assert any((root / 'db' / 'migrations' / 'versions').iterdir())\n"
            "assert (root / 'web' / 'templates' / 'recipe.html').is_file()\n"
            "assert (root / 'web' / 'static' / 'style.css').is_file()\n"
            "print('ok')")
    result = _python(wheel_venv, code)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
