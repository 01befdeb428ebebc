"""A tiny book (tests/book/fixtures/tinybook) to test the build machinery in seconds.

The fixture copies it to a temporary folder, points its ``local_extensions`` at the real
``book/_ext`` (so the extensions under test are the ones the book uses), and gives the test a
``TinyBook`` that builds it, edits it, and reports which chapters executed: each chapter appends
its name to the file named by ``$TINYBOOK_EXEC_LOG`` when (and only when) its cells run.
Its package, ``tinypkg``, stands in for ``scratchnn``: reachable through ``PYTHONPATH`` and
hashed into the execution-cache key through ``package_cache_sources``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Callable

import nbformat
import pytest

from kernel_threads import THREAD_VARIABLES

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "tinybook"
GLUED_TEXT = re.compile(r'package answers <span class="pasted-text">([^<]*)</span>')


@dataclass
class TinyBook:
    root: Path
    run_build: Callable

    @property
    def exec_log(self) -> Path:
        return self.root / "exec.log"

    @property
    def package_init(self) -> Path:
        return self.root / "tinypkg" / "src" / "tinypkg" / "__init__.py"

    def chapter(self, name: str) -> Path:
        return self.root / "chapters" / f"{name}.md"

    def build(self):
        """Build strictly; afterwards ``executed()`` lists the chapters that ran in this build."""
        self.exec_log.write_text("")
        return self.run_build(
            self.root,
            self.root,
            env={
                "TINYBOOK_EXEC_LOG": str(self.exec_log),
                "PYTHONPATH": str(self.root / "tinypkg" / "src"),
                # the tiny book names its _config.yml repository even when the suite runs in GitHub
                # Actions (book/_ext/repository_address.py would take the workflow's)
                "GITHUB_ACTIONS": "",
            },
            timeout=600,
        )

    def executed(self) -> list[str]:
        return sorted(self.exec_log.read_text().split())

    def glued_answer(self, chapter: str) -> str:
        """The number the chapter's prose shows (glued from ``tinypkg.answer()``)."""
        html = (self.root / "_build" / "html" / "chapters" / f"{chapter}.html").read_text()
        match = GLUED_TEXT.search(html)
        assert match, f"no glued answer in {chapter}.html"
        return match.group(1)

    def replace(self, path: Path, old: str, new: str) -> None:
        text = path.read_text()
        assert old in text, f"{old!r} not in {path}"
        path.write_text(text.replace(old, new, 1))

    def append(self, path: Path, text: str) -> None:
        path.write_text(path.read_text() + text)


def _copy_tiny_book(folder: Path, repo_root: Path, book_builder) -> TinyBook:
    root = folder / "tinybook"
    shutil.copytree(FIXTURE, root)
    config = root / "_config.yml"
    config.write_text(config.read_text().replace("__BOOK_EXT__", str(repo_root / "book" / "_ext")))
    return TinyBook(root, book_builder)


@pytest.fixture
def tiny_book(tmp_path: Path, repo_root: Path, book_builder) -> TinyBook:
    """A fresh copy of the tiny book, not built yet: the test may edit and build it."""
    return _copy_tiny_book(tmp_path, repo_root, book_builder)


@pytest.fixture(scope="session")
def tiny_book_built(tmp_path_factory, repo_root: Path, book_builder):
    """``(TinyBook, BuildResult)``: the tiny book built once per session, for tests that only read it."""
    book = _copy_tiny_book(tmp_path_factory.mktemp("tinybook-built"), repo_root, book_builder)
    return book, book.build()


# --- Running chapters as a learner does (tests/book/test_launch_paths.py) -----------------------
#
# A learner's kernel has the package and its runtime dependencies, never the build's tools. The
# "plain" environment is a virtual environment that sees only those: the distributions that
# ipykernel, pip, setuptools and the package (with every extra) need, linked from this test venv (no
# download, so the test runs offline; seconds), and no myst-nb or jupyter-book. Each Colab setup
# gets its own venv with only the distributions its setup cell's extras name, so the cell must install
# the package and pick the right extras; the chapter then runs in that venv.

KERNEL_NAME = "learner"
KERNEL_TOOLS = ("ipykernel", "pip", "setuptools")  # a kernel, and what installs the package
# Runs after the last cell, then is removed: the distributions the kernel imported, the BLAS thread
# count NumPy's BLAS really used (threadpoolctl, loaded from this test venv by its path: the learner's
# venv need not have it), and every value ``scratchnn.book.glue`` recorded, as IPython shows it
# (the text myst-nb's glue stores in the build's notebook).
END_PROBE = """\
import importlib.metadata as _metadata, importlib.util as _util, json as _json, sys as _sys
_tops = {_name.split(".")[0] for _name in list(_sys.modules)}
_found = {_d for _top, _ds in _metadata.packages_distributions().items() if _top in _tops for _d in _ds}
import numpy as _numpy
_spec = _util.spec_from_file_location("_threadpoolctl", THREADPOOLCTL)
_threadpoolctl = _sys.modules["_threadpoolctl"] = _util.module_from_spec(_spec)  # its dataclasses look it up
_spec.loader.exec_module(_threadpoolctl)
_blas = [_pool["num_threads"] for _pool in _threadpoolctl.threadpool_info() if _pool["user_api"] == "blas"]
_format = get_ipython().display_formatter.format
_glued = getattr(_sys.modules.get("scratchnn.book"), "glued", {})
print(_json.dumps({"loaded": sorted(_found), "blas_threads": max(_blas, default=None),
                   "glued": {_name: _format(_value)[0]["text/plain"] for _name, _value in _glued.items()}}))"""


def requirement_closure(names: list[str]) -> set[str]:
    """Normalised names of the installed distributions ``names`` and everything they require."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    closure: set[str] = set()
    pending = list(names)
    while pending:
        name = canonicalize_name(pending.pop())
        if name in closure:
            continue
        closure.add(name)
        try:
            requires = distribution(name).requires or []
        except PackageNotFoundError:
            continue
        for requirement in map(Requirement, requires):
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return closure


def package_requirements(pyproject: Path, extras: list[str] | None = None) -> list[str]:
    """Requirement names of a package: its dependencies and the ``extras`` (None: all extras)."""
    from packaging.requirements import Requirement

    project = tomllib.loads(pyproject.read_text())["project"]
    optional = project.get("optional-dependencies", {})
    chosen = optional if extras is None else {extra: optional[extra] for extra in extras}
    lines = project.get("dependencies", []) + [line for group in chosen.values() for line in group]
    return [Requirement(line).name for line in lines]


def _site_packages(venv: Path) -> Path:
    return venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"


def link_distributions(names: set[str], site_packages: Path) -> None:
    """Symlink the installed files of ``names`` (their top-level folders and modules) into ``site_packages``."""
    for name in sorted(names):
        try:
            files = distribution(name).files or []
        except PackageNotFoundError:
            raise RuntimeError(f"{name} is needed by the learner environment but not installed here")
        for top in {file.parts[0] for file in files if file.parts[0] not in ("..", "__pycache__")}:
            source = Path(distribution(name).locate_file(top))
            target = site_packages / top
            if source.exists() and not target.exists():
                target.symlink_to(source)


def new_venv(path: Path) -> Path:
    """A venv without pip at ``path``."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    return path


@dataclass
class LearnerRun:
    """One notebook executed in a learner's kernel."""

    notebook: nbformat.NotebookNode
    error: str | None
    loaded: list[str]  # distributions the kernel had imported at the end
    seconds: float
    blas_threads: int | None = None  # the threads NumPy's BLAS used (None: the run did not get to the end)
    glued: dict[str, str] = field(default_factory=dict)  # scratchnn.book.glue's values, as IPython shows them

    def code_outputs(self):
        return [out for cell in self.notebook.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]

    def errors(self) -> list[str]:
        return [f"{out.get('ename')}: {out.get('evalue')}" for out in self.code_outputs() if out.output_type == "error"]

    def stderr(self) -> list[str]:
        return [out.get("text", "") for out in self.code_outputs() if out.get("name") == "stderr"]

    def images(self) -> int:
        return sum(
            1 for out in self.code_outputs() if {"image/png", "image/svg+xml", "image/jpeg"} & set(out.get("data", {}))
        )


@dataclass
class LearnerEnvironment:
    """The plain environment and a repository snapshot."""

    root: Path
    base: Path  # runtime dependencies + ipykernel, pip, setuptools; no package, no build tools
    repository: Path  # a git repository of the checkout's current files (what Colab clones)
    fake_colab: Path  # a folder holding a `google.colab` module
    package_dir: Path  # the package's folder (pyproject.toml), as the setup cell installs it
    environ: dict[str, str]
    build_seconds: float

    def colab_venv(self, path: Path, extras: list[str]) -> Path:
        """A venv that holds only the kernel and what ``pip install <package>[extras]`` needs, but not
        the package: what the Colab setup cell installs must be enough, and an import of anything
        else fails (an optional import is skipped, as on a machine without it)."""
        venv = new_venv(path)
        pyproject = self.package_dir / "pyproject.toml"
        link_distributions(requirement_closure([*KERNEL_TOOLS, *package_requirements(pyproject, extras)]), _site_packages(venv))
        return venv

    def kernel_env(self, home: Path, *, colab: bool, clone_url: str | None = None, threads: int = 1) -> dict[str, str]:
        env = {**self.environ, "HOME": str(home), **{variable: str(threads) for variable in THREAD_VARIABLES}}
        if colab:
            env["PYTHONPATH"] = str(self.fake_colab)
            if clone_url:
                # the setup cell clones the repository's address; git fetches the snapshot instead
                env.update(
                    GIT_CONFIG_COUNT="1",
                    GIT_CONFIG_KEY_0=f"url.file://{self.repository}.insteadOf",
                    GIT_CONFIG_VALUE_0=clone_url,
                )
        return env

    def run(
        self, notebook, *, venv: Path, cwd: Path, home: Path, colab: bool = False, clone_url: str | None = None,
        threads: int = 1, timeout: int = 900, label: str = "", kind: str = "learner",
    ) -> LearnerRun:
        """Execute a copy of ``notebook`` in ``venv``'s Python, in ``cwd``, with ``threads`` BLAS/OpenMP
        threads; never raises on cell errors."""
        import threadpoolctl
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import KernelManager

        from chapter_execution import execute

        specs = venv / "share" / "jupyter" / "kernels"
        spec = specs / KERNEL_NAME
        spec.mkdir(parents=True, exist_ok=True)
        argv = [str(venv / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        if colab:
            argv.append("--IPKernelApp.exec_lines=['import google.colab']")
        spec.joinpath("kernel.json").write_text(json.dumps({
            "argv": argv, "display_name": "learner", "language": "python",
            "env": self.kernel_env(home, colab=colab, clone_url=clone_url, threads=threads),
        }))
        notebook = nbformat.from_dict(notebook)
        notebook.cells.append(nbformat.v4.new_code_cell(END_PROBE.replace("THREADPOOLCTL", repr(threadpoolctl.__file__))))
        manager = KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(specs)]))
        result = execute(notebook, cwd=cwd, km=manager, timeout=timeout, kind=kind, label=label or str(cwd))
        error = None if result.ok else (result.traceback or str(result.error))[-3000:]
        probe = notebook.cells.pop()
        printed = "".join(out.get("text", "") for out in probe.get("outputs", []) if out.get("name") == "stdout")
        if not printed.strip():  # an earlier cell failed: the probe did not run
            return LearnerRun(notebook, error, [], result.seconds)
        state = json.loads(printed)
        return LearnerRun(notebook, error, state["loaded"], result.seconds, state["blas_threads"], state["glued"])


def _snapshot_repository(checkout: Path, target: Path, branch: str) -> None:
    """A git repository at ``target`` whose ``branch`` holds the checkout's current files."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=checkout, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = checkout / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    git = ["git", "-c", "user.name=learner test", "-c", "user.email=learner@localhost", "-C", str(target)]
    subprocess.run([*git, "init", "--quiet", "--initial-branch", branch], check=True)
    subprocess.run([*git, "add", "--all"], check=True)
    subprocess.run([*git, "commit", "--quiet", "--message", "snapshot"], check=True)


def build_learner_environment(
    root: Path, *, checkout: Path, package_dir: Path, branch: str, data_dir: str | None
) -> LearnerEnvironment:
    started = time.perf_counter()
    needed = requirement_closure([*KERNEL_TOOLS, *package_requirements(package_dir / "pyproject.toml")])
    forbidden = needed & {"myst-nb", "jupyter-book", "myst-parser", "sphinx", "jupytext"}
    assert not forbidden, f"the learner environment would contain build tools: {forbidden}"
    base = new_venv(root / "base")
    link_distributions(needed, _site_packages(base))

    fake_colab = root / "fake-colab" / "google" / "colab"
    fake_colab.mkdir(parents=True)
    (fake_colab.parent / "__init__.py").write_text("")
    (fake_colab / "__init__.py").write_text('"""Stands in for Colab\'s module: its presence means "on Colab"."""\n')

    environ = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        # offline: pip finds every requirement already installed or fails; the package builds with
        # the setuptools at hand (PIP_NO_BUILD_ISOLATION=0 means "no build isolation")
        "PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_CACHE_DIR": "1",
        # one matplotlib font cache for all runs, built below (its first build logs to stderr)
        "MPLCONFIGDIR": str(root / "matplotlib"),
    }
    if data_dir:
        environ["SCRATCHNN_DATA"] = data_dir  # the verified MNIST cache: no download in a test
    subprocess.run([str(base / "bin" / "python"), "-c", "import matplotlib.font_manager"],
                   env={**environ, "HOME": str(root)}, check=True, capture_output=True)

    repository = root / "repository"
    _snapshot_repository(checkout, repository, branch)
    return LearnerEnvironment(
        root, base, repository, root / "fake-colab", package_dir, environ,
        time.perf_counter() - started,
    )


@pytest.fixture(scope="session")
def learner_environment():
    """``build_learner_environment(root, checkout=, package_dir=, branch=, data_dir=)`` (see above)."""
    return build_learner_environment
