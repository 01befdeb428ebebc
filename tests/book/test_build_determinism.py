"""Two clean executions of a real chapter glue identical numbers (chapters seed everything).

Timings legitimately differ from run to run: by convention (README.md, "Conventions for chapter
authors") their glue names end in ``_seconds`` or ``_time_s`` and are not compared.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
# Real chapters that are fast (seconds) yet train a network: seeding mistakes show up here.
CHAPTERS = ["book/study/eli5.md"]
TIMING_SUFFIXES = ("_seconds", "_time_s")
GLUE_PREFIX = "application/papermill.record/"


def glued_text(chapter: Path) -> dict[str, str]:
    """Execute ``chapter`` in a fresh kernel, as the book build does; return ``glue name -> text``."""
    notebook = jupytext.read(chapter)
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(chapter.parent)}}
    ).execute()
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
def test_two_clean_executions_glue_identical_numbers(chapter):
    first = glued_text(REPO_ROOT / chapter)
    second = glued_text(REPO_ROOT / chapter)
    compared = sorted(name for name in first if not name.endswith(TIMING_SUFFIXES))
    assert compared, f"{chapter} glues no numbers to compare"
    assert sorted(first) == sorted(second)
    differing = {name: (first[name], second[name]) for name in compared if first[name] != second[name]}
    assert differing == {}, "glued values that changed between two clean runs (first, second)"
