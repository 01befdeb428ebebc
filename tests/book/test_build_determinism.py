"""A clean execution of a real chapter glues the numbers the build's execution glued (chapters seed everything).

The build's own execution is one of the two: the test reads the executed notebook the build wrote
(``<build>/_build/jupyter_execute``), executes the chapter once more in a fresh kernel as the build
does (one BLAS thread, book/_ext/chapter_execution.py) and compares. Timings legitimately differ
from run to run: by convention (README.md, "Conventions for chapter authors") their glue names end
in ``_seconds`` or ``_time_s`` and are not compared.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest

from chapter_execution import execute
from kernel_threads import THREAD_VARIABLES

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
# Real chapters that are fast (seconds) yet train a network: seeding mistakes show up here.
CHAPTERS = ["book/study/eli5.md"]
TIMING_SUFFIXES = ("_seconds", "_time_s")
GLUE_PREFIX = "application/papermill.record/"


def glued_text(notebook) -> dict[str, str]:
    """``glue name -> text`` of an executed notebook."""
    glued = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is None:
                continue
            data = output.get("data", {})
            glued[name] = data.get(GLUE_PREFIX + "text/plain", data.get("text/plain"))
    return glued


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_clean_execution_glues_the_numbers_the_build_glued(chapter, full_book_build, book_build_dir, monkeypatch):
    executed = book_build_dir / "_build" / "jupyter_execute" / Path(chapter).with_suffix(".ipynb")
    first = glued_text(nbformat.read(executed, as_version=4))
    for variable in THREAD_VARIABLES:  # as the build's kernels (book/_ext/kernel_threads.py)
        monkeypatch.setenv(variable, "1")
    result = execute(
        jupytext.read(REPO_ROOT / chapter), cwd=REPO_ROOT / Path(chapter).parent, kind="determinism", label=chapter
    )
    assert result.ok, result.traceback
    second = glued_text(result.notebook)
    compared = sorted(name for name in first if not name.endswith(TIMING_SUFFIXES))
    assert compared, f"{chapter} glues no numbers to compare"
    assert sorted(first) == sorted(second)
    differing = {name: (first[name], second[name]) for name in compared if first[name] != second[name]}
    assert differing == {}, "glued values that changed between two clean runs (build, again)"
