"""JupyterLab and Binder: chapters open and save unchanged (also after their {eval} numbers were shown);
the lab install pins what it installs."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import jupytext
import pytest
from jupytext.config import load_jupytext_config

REPO_ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted(
    path for path in (REPO_ROOT / "book").rglob("*.md") if path.read_text().startswith("---\njupytext:")
)


# What JupyterLab writes into a notebook's metadata once its kernel has started (ipykernel's spec),
# in this order: a chapter whose header says anything else is rewritten by the first save.
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def saved_by_jupyterlab(path: Path) -> str:
    """The text jupytext's contents manager writes when a chapter is opened, run and saved unchanged."""
    config = load_jupytext_config(str(path.parent))
    assert config is not None, "jupytext.toml is not found from the chapters' folders"
    fmt = {"extension": ".md", "format_name": "myst"}
    config.set_default_format_options(fmt)
    notebook = jupytext.reads(path.read_text(), fmt=fmt)
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    return jupytext.writes(notebook, fmt=fmt, config=config)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: str(path.relative_to(REPO_ROOT)))
def test_opening_and_saving_a_chapter_leaves_it_unchanged(chapter):
    original = chapter.read_text()
    saved = saved_by_jupyterlab(chapter)
    diff = "\n".join(list(difflib.unified_diff(original.splitlines(), saved.splitlines(), lineterm="", n=1))[:40])
    assert saved == original, (
        f"saving {chapter.name} from JupyterLab would rewrite it (write it as jupytext does):\n{diff}"
    )


def pinned_lines(path: Path) -> list[str]:
    return [
        line.strip() for line in path.read_text().splitlines() if line.strip() and not line.strip().startswith(("#", "-"))
    ]


def test_the_lab_install_pins_everything_it_installs():
    lines = pinned_lines(REPO_ROOT / "requirements-lab.txt")
    unpinned = [line for line in lines if not re.fullmatch(r"[A-Za-z0-9_.\-]+==[^\s;#]+", line)]
    assert unpinned == []
    names = {re.sub(r"[-_.]+", "-", line.split("==")[0]).lower() for line in lines}
    # tqdm draws notebook progress bars with ipywidgets; its two front-end packages come with it
    assert {"ipywidgets", "widgetsnbextension", "jupyterlab-widgets", "jupyterlab", "jupytext"} <= names
    assert "-c requirements.txt" in (REPO_ROOT / "requirements-lab.txt").read_text().splitlines()


def test_saving_a_chapter_after_its_numbers_were_evaluated_leaves_it_unchanged():
    """jupyterlab-myst stores what each {eval} role showed in the markdown cell's metadata
    (user_expressions): the learner's numbers, which saving must not write into the chapter."""
    chapter = next(path for path in CHAPTERS if "{eval}`" in path.read_text())
    config = load_jupytext_config(str(chapter.parent))
    fmt = {"extension": ".md", "format_name": "myst"}
    config.set_default_format_options(fmt)
    notebook = jupytext.reads(chapter.read_text(), fmt=fmt)
    evaluated = [cell for cell in notebook.cells if cell.cell_type == "markdown" and "{eval}`" in cell.source]
    for cell in evaluated:
        cell.metadata["user_expressions"] = [
            {"expression": "t2_seconds", "result": {"status": "ok", "data": {"text/plain": "12.5"}, "metadata": {}}}
        ]
    assert evaluated
    assert jupytext.writes(notebook, fmt=fmt, config=config) == chapter.read_text()
