"""Fixtures shared by the whole suite: the repository layout and the full-book build.

``built_site`` builds the FULL book once per test session, strictly (``-W -n --keep-going``), and
returns the ``Path`` of its ``html`` folder. Any test that needs the rendered site (page checks,
browser checks) asks for it; the build is shared, so it runs once.

Where it builds: ``--path-output $BOOK_BUILD_DIR`` (default: the repository root, so the site lands
in ``_build/html`` like ``make book``). Point it elsewhere while iterating, e.g.
``BOOK_BUILD_DIR=/tmp/build-me .venv/bin/pytest tests/browser``. The build is incremental: chapters
whose code (and the package) did not change come from the execution cache.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# The book's machinery (book/_ext) is importable by the tests: one notebook executor for all.
sys.path.insert(0, str(REPO_ROOT / "book" / "_ext"))
import chapter_execution  # noqa: E402
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
STRICT_FLAGS = ("-W", "-n", "--keep-going")
BUILT_STAMP = ".full-book-built"  # in <build>/_build: the epoch second the last full build passed
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def _build_dir() -> Path:
    return Path(os.environ.get("BOOK_BUILD_DIR") or REPO_ROOT).resolve()


def pytest_configure(config) -> None:
    """Every chapter execution of the session (the builds' and the tests') goes to one log."""
    if not os.environ.get(chapter_execution.LOG_VARIABLE):
        log = _build_dir() / "_build" / "chapter_executions.jsonl"
        log.parent.mkdir(parents=True, exist_ok=True)
        os.environ[chapter_execution.LOG_VARIABLE] = str(log)
    config._chapter_executions_since = time.time()


# Fixtures that build (or read) the full book: the tests that ask for one share one build per session.
FULL_BOOK_FIXTURES = {"full_book_build", "built_site"}


def pytest_collection_modifyitems(config, items) -> None:
    """Mark the tests that need the full book ``full_book``: ``make test`` runs the others on every
    core first (``pytest -n auto -m "not full_book"``: unit tests, tiny books, static checks), then
    these in one process, so the book is built once and the two-thread runs have the cores alone,
    and last the browser checks of the site that build made, on every core (``CHECK_SITE``)."""
    for item in items:
        if FULL_BOOK_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.full_book)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """The cost of the suite, visible: chapter executions and their kernel time, by kind."""
    since = getattr(config, "_chapter_executions_since", None)
    if since is None:
        return
    entries = chapter_execution.read_log(Path(os.environ[chapter_execution.LOG_VARIABLE]), since)
    terminalreporter.write_sep("=", "chapter executions")
    terminalreporter.write_line(chapter_execution.summary(entries))


@dataclass(frozen=True)
class BuildResult:
    """One ``jupyter-book build``: its exit code and combined output (also saved to ``log_path``)."""

    returncode: int
    output: str
    log_path: Path
    html: Path
    seconds: float

    def sphinx_warnings(self) -> list[str]:
        """Sphinx warning lines (``path: WARNING: ...``), not the kernel's own log lines."""
        return [
            line
            for line in self.output.splitlines()
            if "WARNING:" in line and "[IPKernelApp]" not in line
        ]

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.output.splitlines()[-lines:])


def run_jupyter_book(
    source: Path, path_output: Path, *, env: dict[str, str] | None = None, timeout: float = 3600
) -> BuildResult:
    """Build the book in ``source`` strictly into ``path_output/_build/html``; never raises on failure.

    The output is kept without terminal colour codes (tracebacks from the kernel carry them).
    """
    path_output.mkdir(parents=True, exist_ok=True)
    log_path = path_output / "_build" / "build.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    completed = subprocess.run(
        [str(JUPYTER_BOOK), "build", str(source), *STRICT_FLAGS, "--path-output", str(path_output)],
        cwd=source,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )
    output = ANSI_ESCAPE.sub("", completed.stdout)
    log_path.write_text(output)
    return BuildResult(
        returncode=completed.returncode,
        output=output,
        log_path=log_path,
        html=path_output / "_build" / "html",
        seconds=time.perf_counter() - started,
    )


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def book_builder():
    """``run_jupyter_book(source, path_output, env=..., timeout=...) -> BuildResult`` for tests that build other books."""
    return run_jupyter_book


@pytest.fixture(scope="session")
def book_build_dir() -> Path:
    """The ``--path-output`` of the full-book build: ``$BOOK_BUILD_DIR`` or the repository root."""
    return _build_dir()


@pytest.fixture(scope="session")
def full_book_build(book_build_dir: Path) -> BuildResult:
    """The full book, built once per session with ``-W -n --keep-going``; fails loudly if the build fails."""
    result = run_jupyter_book(REPO_ROOT, book_build_dir)
    if result.returncode != 0:
        pytest.fail(
            f"the full book build failed (exit {result.returncode}); full log: {result.log_path}\n"
            f"--- last lines ---\n{result.tail()}",
            pytrace=False,
        )
    # when it was built: `make test` checks the site in parallel afterwards only if it was built in this run
    (book_build_dir / "_build" / BUILT_STAMP).write_text(f"{int(time.time())}\n")
    return result


@pytest.fixture(scope="session")
def built_site(full_book_build: BuildResult) -> Path:
    """The ``html`` folder of the full book, built once per session (see module docstring)."""
    return full_book_build.html
