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
