"""The chapters' claims hold at a second BLAS thread count, not just the book's one thread.

The book executes chapters with one BLAS/OpenMP thread (``book/_ext/kernel_threads.py``). With two
threads OpenBLAS splits matrix products differently, so float32 sums are rounded in another order,
which is what another CPU's kernel does too. A claim that only held by the luck of one summation
order (e.g. "the hidden units are exact copies" in float32) fails here. Each chapter runs in a fresh
kernel with two threads. For the topics, the same ``CLAIMS`` as ``test_pages_topics.py`` check the
glued values; the labs and the study pages that state measured claims check them in their own
``remove-cell`` cells with ``assert`` or ``scratchnn.book.claim`` (which warns, naming the written
sentence, when its premise fails), so executing them at two threads without an error or a warning
is the check.

Slow: it executes those chapters once more (the labs dominate: a few minutes on two cores).
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from chapter_execution import execute, toc_chapters
from kernel_threads import THREAD_VARIABLES

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
THREADS = 2
# Runs last in the kernel: the BLAS thread count the chapter really used.
REPORT_THREADS = (
    "import threadpoolctl\n"
    "print(max(pool['num_threads'] for pool in threadpoolctl.threadpool_info() if pool['user_api'] == 'blas'))"
)


def _pages_module():
    """``test_pages_topics`` (the claims live there); loaded by path under ``--import-mode=importlib``."""
    spec = importlib.util.spec_from_file_location("topic_pages", HERE / "test_pages_topics.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PAGES = _pages_module()
# Chapters outside the topics whose remove-cell asserts (or claim() calls) carry their prose's claims.
ASSERTING_CHAPTERS = [
    f"{docname}.md"
    for docname in toc_chapters(REPO_ROOT)
    if docname.startswith(("book/labs/", "book/study/"))
    and re.search(r"^(assert |claim\()", (REPO_ROOT / f"{docname}.md").read_text(encoding="utf-8"), re.MULTILINE)
]


def _execute_with_two_threads(path: Path, monkeypatch) -> nbformat.NotebookNode:
    """Run the chapter in a fresh kernel with two BLAS threads; fail if it ran with another count."""
    for variable in THREAD_VARIABLES:
        monkeypatch.setenv(variable, str(THREADS))  # the kernel inherits this environment
    notebook = jupytext.read(path)
    notebook.cells.append(nbformat.v4.new_code_cell(REPORT_THREADS))
    result = execute(notebook, cwd=path.parent, kind="2-threads", label=str(path.relative_to(REPO_ROOT)))
    assert result.ok, result.traceback
    threads_used = "".join(output.get("text", "") for output in notebook.cells[-1].outputs).strip()
    assert threads_used == str(THREADS), f"{path.name} ran with {threads_used!r} BLAS threads, not {THREADS}"
    warned = [output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", [])
              if output.get("name") == "stderr"]  # a claim() whose premise failed warns, naming its sentence
    assert not warned, f"{path.name}: a claim failed with two BLAS threads:\n" + "\n".join(warned)
    return notebook


@pytest.mark.skipif((os.cpu_count() or 1) < THREADS, reason=f"needs {THREADS} CPU cores")
@pytest.mark.parametrize("chapter", PAGES.CHAPTERS)
def test_claims_hold_with_two_blas_threads(chapter, monkeypatch):
    notebook = _execute_with_two_threads(REPO_ROOT / PAGES.TOPICS / f"{chapter}.md", monkeypatch)
    PAGES.CLAIMS[chapter](PAGES.glued_values_in(notebook.cells))


def test_some_chapters_outside_the_topics_assert_their_claims():
    assert "book/labs/lab-1-numpy-mlp.md" in ASSERTING_CHAPTERS, ASSERTING_CHAPTERS


@pytest.mark.skipif((os.cpu_count() or 1) < THREADS, reason=f"needs {THREADS} CPU cores")
@pytest.mark.parametrize("chapter", ASSERTING_CHAPTERS)
def test_chapter_asserts_hold_with_two_blas_threads(chapter, monkeypatch):
    _execute_with_two_threads(REPO_ROOT / chapter, monkeypatch)
