"""The Makefile's install stamp: nothing changed -> no install; a pin changed -> install again."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(tmp_path):
    if shutil.which("make") is None:
        pytest.fail("make is missing", pytrace=False)
    for name in ("Makefile", "requirements.txt", "requirements-lab.txt", "package-lock.json"):
        shutil.copy(REPO_ROOT / name, tmp_path / name)
    (tmp_path / "code").mkdir()
    shutil.copy(REPO_ROOT / "code" / "pyproject.toml", tmp_path / "code" / "pyproject.toml")
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("")
    return tmp_path


# Variables a developer (or an outer make) may have set that would change what make prints.
OVERRIDES = {"BOOK_BUILD_DIR", "PYTHON", "VENV", "TORCH_INDEX_URL", "MAKEFLAGS", "MAKELEVEL", "MFLAGS"}


def dry_run(project: Path, target: str) -> str:
    env = {name: value for name, value in os.environ.items() if name not in OVERRIDES}
    result = subprocess.run(
        ["make", "-n", target], cwd=project, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def install_stamp(project: Path) -> Path:
    digest = hashlib.sha256(
        (project / "requirements.txt").read_bytes() + (project / "code" / "pyproject.toml").read_bytes()
    ).hexdigest()[:16]
    return project / ".venv" / f".installed-{digest}"


def test_setup_installs_once_per_requirements_hash(project):
    assert "pip --disable-pip-version-check install -r requirements.txt" in dry_run(project, "setup")

    install_stamp(project).touch()  # what a successful install leaves
    assert "pip" not in dry_run(project, "setup")

    with (project / "requirements.txt").open("a") as pins:
        pins.write("tabulate==0.10.0\n")
    assert "install -r requirements.txt" in dry_run(project, "setup")


def test_book_builds_strictly_into_the_build_dir(project):
    install_stamp(project).touch()
    commands = dry_run(project, "book")
    assert "python -m scratchnn data" in commands
    assert f'jupyter-book build . -W -n --keep-going --path-output "{project}"' in commands
    assert f"Book built: {project}/_build/html/index.html" in commands


def run_setup(project: Path, python: Path, **variables: str) -> subprocess.CompletedProcess:
    """``make setup`` with pip replaced by ``echo``: what it would install, and its notes."""
    wrapper = project / ".venv" / "bin" / "python"  # a script, so that `python` keeps its own venv
    wrapper.write_text(f'#!/bin/sh\nexec "{python}" "$@"\n')
    wrapper.chmod(0o755)
    env = {name: value for name, value in os.environ.items() if name not in OVERRIDES}
    overrides = [f"{name}={value}" for name, value in {"PIP": "echo pip", **variables}.items()]
    return subprocess.run(
        ["make", "setup", *overrides], cwd=project, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
        timeout=60,
    )


def test_setup_takes_cpu_torch_from_pytorchs_index_or_falls_back_fast(project, tmp_path):
    bare = tmp_path / "bare"  # a Python without torch
    subprocess.run([shutil.which("python3") or "python3", "-m", "venv", "--without-pip", str(bare)], check=True)
    # an index that does not answer (nothing listens on port 9): a note, then the default index
    result = run_setup(project, bare / "bin" / "python", TORCH_INDEX_URL="http://127.0.0.1:9/whl/cpu")
    assert result.returncode == 0, result.stderr
    assert "note: http://127.0.0.1:9/whl/cpu does not answer" in result.stderr
    assert "--index-url" not in result.stdout and "pip install -r requirements.txt" in result.stdout
    assert "https://download.pytorch.org/whl/cpu" in (project / "Makefile").read_text()  # the default

    install_stamp(project).unlink()
    result = run_setup(project, bare / "bin" / "python", TORCH_INDEX_URL="")
    assert "TORCH_INDEX_URL is empty" in result.stderr


def test_setup_keeps_an_installed_torch(project):
    """The venv running the tests has torch==<the pin> (a CPU build here): nothing to fetch."""
    import sys

    result = run_setup(project, Path(sys.executable), TORCH_INDEX_URL="http://127.0.0.1:9/whl/cpu")
    assert result.returncode == 0, result.stderr
    assert "torch==2.13.0 is installed" in result.stdout and "does not answer" not in result.stderr
