"""Execute one chapter alone, as the book build would, for fast feedback while writing it.

    make chapter CHAPTER=book/labs/lab-1-numpy-mlp.md
    .venv/bin/python book/_ext/run_chapter.py book/labs/lab-1-numpy-mlp.md [OUT.ipynb]

Runs in a fresh kernel with the chapter's folder as working directory, writes the executed notebook
(default: /tmp/<chapter>.ipynb, never next to the chapter: Sphinx would see two documents with one
name), and exits non-zero when a cell raises or writes to stderr: either fails the strict build.
Not a Sphinx extension; it lives here with the rest of the book machinery.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2 or not argv[0].endswith(".md"):
        print("usage: run_chapter.py book/<path>.md [OUT.ipynb]", file=sys.stderr)
        return 2
    chapter = Path(argv[0])
    out = Path(argv[1]) if len(argv) == 2 else Path("/tmp") / f"{chapter.stem}.ipynb"
    notebook = jupytext.read(chapter)
    client = NotebookClient(
        notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(chapter.parent)}}
    )
    started = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as error:
        nbformat.write(notebook, out)
        print(f"{chapter}: a cell raised (partial notebook: {out})\n{error}", file=sys.stderr)
        return 1
    nbformat.write(notebook, out)
    print(f"{chapter}: executed in {time.perf_counter() - started:.1f} s -> {out}")
    noisy = [
        (index, output.get("text", ""))
        for index, cell in enumerate(notebook.cells)
        for output in cell.get("outputs", [])
        if output.get("name") == "stderr"
    ]
    for index, text in noisy:
        print(f"cell {index} wrote to stderr (the strict build fails on this):\n{text}", file=sys.stderr)
    return 1 if noisy else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
