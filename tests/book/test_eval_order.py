"""Every number the prose quotes is computed above it, so JupyterLab can show it.

The prose quotes a computed value with ``{eval}`name``` (or an f-string formatting ``name``).
On the page the build pastes the glued value wherever it is; in JupyterLab (``make lab``, Binder)
the MyST renderer evaluates the role in the learner's kernel when "Run All" reaches its markdown
cell, so the cell that glues ``name`` must come *before* that markdown cell, or the learner sees an
error where the page shows a number. Read from the build's executed notebooks: a glue shows there as
an output naming the value (``scrapbook`` metadata), whichever way its name was computed.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from chapter_execution import toc_chapters

REPO_ROOT = Path(__file__).resolve().parents[2]
EVAL_NAME = re.compile(r'\{eval\}`(?:f"\{)?([A-Za-z_]\w*)')
EXAMPLE = re.compile(r"``.+?``")  # `` {eval}`x` `` in double backticks: quoted as an example, not a role


def quoted_too_early(notebook) -> list[str]:
    """``"cell N: name"`` for each ``{eval}`` whose value is glued only below its markdown cell."""
    glued, early = set(), []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            glued |= {output.metadata["scrapbook"]["name"] for output in cell.get("outputs", [])
                      if "scrapbook" in output.get("metadata", {})}
        elif cell.cell_type == "markdown":
            prose = EXAMPLE.sub("", cell.source)
            early += [f"markdown cell {index}: {name}" for name in EVAL_NAME.findall(prose) if name not in glued]
    return early


def test_a_name_glued_below_its_prose_is_found():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("Accuracy {eval}`f\"{acc:.2%}\"`, see `` {eval}`example` ``."),
        nbformat.v4.new_code_cell("glue('acc', 0.9)", outputs=[nbformat.v4.new_output(
            "display_data", data={"application/papermill.record/text/plain": "0.9"},
            metadata={"scrapbook": {"name": "acc"}})]),
        nbformat.v4.new_markdown_cell("Again {eval}`acc`."),
    ])
    assert quoted_too_early(notebook) == ["markdown cell 0: acc"]


@pytest.mark.slow
@pytest.mark.parametrize("docname", toc_chapters(REPO_ROOT))
def test_prose_quotes_only_values_computed_above_it(built_site, docname):
    executed = built_site.parent / "jupyter_execute" / f"{docname}.ipynb"
    assert quoted_too_early(nbformat.read(executed, as_version=4)) == []
