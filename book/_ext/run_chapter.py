"""Execute one chapter alone, as the book build would, for fast feedback while writing it.

    make chapter CHAPTER=book/labs/lab-1-numpy-mlp.md    (fetches MNIST first, like make book)
    .venv/bin/python book/_ext/run_chapter.py book/labs/lab-1-numpy-mlp.md [OUT.ipynb]

Runs as the build runs it: a fresh kernel, the chapter's folder as working directory, the same
900 s cell timeout and the same BLAS/OpenMP thread pinning (book/_ext/kernel_threads.py; an
explicit setting wins). Writes the executed notebook under the build folder (default:
``$BOOK_BUILD_DIR/_build/chapters/<chapter>.ipynb``, never next to the chapter: Sphinx would see two
documents with one name) and exits non-zero when a cell raises or writes to stderr: either fails
the strict build. Not a Sphinx extension; it lives here with the rest of the book machinery.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import jupytext
import nbformat

# this folder is on sys.path when run as a script
from chapter_execution import execute
from kernel_threads import THREAD_VARIABLES

REPO_ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2 or not argv[0].endswith(".md"):
        print("usage: run_chapter.py book/<path>.md [OUT.ipynb]", file=sys.stderr)
        return 2
    chapter = Path(argv[0])
    if len(argv) == 2:
        out = Path(argv[1])
    else:
        build_dir = Path(os.environ.get("BOOK_BUILD_DIR") or REPO_ROOT)
        relative = chapter.resolve().relative_to(REPO_ROOT) if chapter.resolve().is_relative_to(REPO_ROOT) else chapter.name
        out = build_dir / "_build" / "chapters" / Path(relative).with_suffix(".ipynb")
    out.parent.mkdir(parents=True, exist_ok=True)
    for variable in THREAD_VARIABLES:  # the kernel inherits them, as the build's kernels do
        os.environ.setdefault(variable, "1")
    result = execute(jupytext.read(chapter), cwd=chapter.parent, kind="chapter", label=str(chapter))
    nbformat.write(result.notebook, out)
    if not result.ok:
        print(f"{chapter}: a cell raised (partial notebook: {out})\n{result.error}", file=sys.stderr)
        return 1
    print(f"{chapter}: executed in {result.seconds:.1f} s -> {out}")
    noisy = [
        (index, output.get("text", ""))
        for index, cell in enumerate(result.notebook.cells)
        for output in cell.get("outputs", [])
        if output.get("name") == "stderr"
    ]
    for index, text in noisy:
        print(f"cell {index} wrote to stderr (the strict build fails on this):\n{text}", file=sys.stderr)
    return 1 if noisy else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
