"""Every chapter runs wherever a learner runs it: Colab, the notebook download, the .md in JupyterLab.

For each executed chapter of the built book, three runs in the plain learner environment
(tests/book/conftest.py: the package's runtime dependencies and ipykernel, no myst-nb, no
jupyter-book), each in a fresh kernel:

- Colab: ``_notebooks/<page>.ipynb`` with ``google.colab`` importable, in an empty folder that is
  also ``$HOME``, in a venv that has ipykernel and exactly the distributions the setup cell's extras
  require, but not the package. The setup cell must clone the repository (git is pointed at a
  snapshot of this checkout), install the package from the clone and move into the chapter's
  folder; a chapter that imports something its extras do not provide fails.
- Download: ``_sources/<page>.ipynb`` in an empty folder, the package installed.
- Lab: the chapter's .md read by jupytext, every cell run as JupyterLab runs it (the removed
  bookkeeping cells too, without myst-nb: scratchnn.book), in the chapter's folder of the snapshot,
  the package installed.

Each run must end without an error, write nothing to stderr, and show as many images as the built
page shows figures. The runs go two at a time; the time of each is in
``<build>/_build/launch_paths.json``. The same checks run on the tiny book in seconds.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup


REPO_ROOT = Path(__file__).resolve().parents[2]
CLONE = re.compile(r'"--branch", "(?P<branch>[^"]+)", "(?P<url>[^"]+)"')
EXTRAS = re.compile(r'\+ "\[(?P<extras>[^\]]*)\]"')
PATHS = ("colab", "download", "lab")


def executed_chapters(book_root: Path) -> list[str]:
    """Docnames of the pages in ``_toc.yml`` that are notebooks (a ``kernelspec`` in their header)."""
    toc = yaml.safe_load((book_root / "_toc.yml").read_text())
    names = []

    def walk(entry):
        if isinstance(entry, dict):
            for key in ("root", "file"):
                if key in entry:
                    names.append(entry[key])
            for value in entry.values():
                if isinstance(value, list):
                    for item in value:
                        walk(item)

    walk(toc)
    return [name for name in names if "\nkernelspec:" in (book_root / f"{name}.md").read_text()]


def page_figures(html_root: Path, docname: str) -> int:
    """Figures on the built page: ``<figure>`` elements that hold an image."""
    soup = BeautifulSoup((html_root / f"{docname}.html").read_text(encoding="utf-8"), "html.parser")
    return sum(1 for figure in soup.select("figure") if figure.find("img"))


def run_path(env, html_root: Path, book_root: Path, docname: str, path: str, work: Path):
    """One chapter on one launch path, in ``work`` (a new folder): a ``LearnerRun``."""
    work.mkdir(parents=True)
    empty = work / "empty"
    empty.mkdir()
    if path == "colab":
        notebook = nbformat.read(html_root / "_notebooks" / f"{docname}.ipynb", as_version=4)
        clone = CLONE.search(notebook.cells[0].source)
        venv = env.colab_venv(work / "venv", setup_cell_extras(notebook.cells[0].source))
        return env.run(notebook, venv=venv, cwd=empty, home=empty, colab=True, clone_url=clone["url"])
    if path == "download":
        notebook = nbformat.read(html_root / "_sources" / f"{docname}.ipynb", as_version=4)
        return env.run(notebook, venv=env.installed, cwd=empty, home=empty)
    chapter_dir = env.repository / Path(docname).parent
    notebook = jupytext.read(book_root / f"{docname}.md")  # all cells, as JupyterLab runs them
    return env.run(notebook, venv=env.installed, cwd=chapter_dir, home=empty)


def run_all(env, html_root: Path, book_root: Path, docnames: list[str], work: Path) -> dict:
    jobs = [(docname, path) for docname in docnames for path in PATHS]
    with ThreadPoolExecutor(max_workers=2) as pool:  # CI has 2 cores; each kernel uses one thread
        futures = {
            job: pool.submit(run_path, env, html_root, book_root, job[0], job[1], work / f"{job[0]}-{job[1]}".replace("/", "_"))
            for job in jobs
        }
        return {job: future.result() for job, future in futures.items()}


def problems(run, expected_images: int) -> list[str]:
    """What is wrong with one run (empty: nothing)."""
    found = []
    if run.error:
        found.append(f"a cell failed:\n{run.error}")
    found += [f"error output: {error}" for error in run.errors()]
    found += [f"stderr: {text.strip()[:500]}" for text in run.stderr()]
    if run.images() != expected_images:
        found.append(f"{run.images()} image outputs, the built page shows {expected_images} figures")
    return found


def setup_cell_extras(source: str) -> list[str]:
    match = EXTRAS.search(source)
    return [extra for extra in match["extras"].split(",") if extra] if match else []


def check_runs(runs: dict, html_root: Path, docnames: list[str]) -> dict[str, list[str]]:
    """``"<docname> [<path>]" -> problems`` for every run."""
    return {
        f"{docname} [{path}]": problems(runs[(docname, path)], page_figures(html_root, docname))
        for docname in docnames
        for path in PATHS
    }


@pytest.mark.slow
def test_tiny_book_chapters_run_on_every_launch_path(tiny_book, learner_environment, tmp_path):
    result = tiny_book.build()
    assert result.returncode == 0, result.tail()
    html_root = tiny_book.root / "_build" / "html"
    git_repository(tiny_book.root)
    env = learner_environment(
        tmp_path / "learner", checkout=tiny_book.root, package_dir=tiny_book.root / "tinypkg", branch="main",
        data_dir=None,
    )
    docnames = executed_chapters(tiny_book.root)
    assert docnames == ["chapters/alpha", "chapters/beta"]
    runs = run_all(env, html_root, tiny_book.root, docnames, tmp_path / "runs")
    report = check_runs(runs, html_root, docnames)
    assert {name: found for name, found in report.items() if found} == {}
    assert page_figures(html_root, "chapters/beta") == 1  # the check above compared something
    colab = runs[("chapters/beta", "colab")]
    assert "tinypkg" in colab.loaded and "matplotlib" in colab.loaded


def git_repository(root: Path) -> None:
    """The tiny book as a git repository (its snapshot is what the Colab setup cell clones)."""
    (root / ".gitignore").write_text("_build/\nexec.log\n")
    subprocess.run(["git", "init", "--quiet", str(root)], check=True)


def _data_dir() -> str | None:
    from scratchnn.data import cache_path

    path = cache_path()
    return str(path.parent) if path.is_file() else None


@pytest.fixture(scope="session")
def learner_runs(built_site, book_build_dir, learner_environment, tmp_path_factory):
    """Every executed chapter of the full book, run on every launch path (once per session)."""
    root = tmp_path_factory.mktemp("learner")
    colab_setup = nbformat.read(next((built_site / "_notebooks").rglob("*.ipynb")), as_version=4).cells[0].source
    env = learner_environment(
        root, checkout=REPO_ROOT, package_dir=REPO_ROOT / "code", branch=CLONE.search(colab_setup)["branch"],
        data_dir=_data_dir(),
    )
    docnames = executed_chapters(REPO_ROOT)
    started = time.perf_counter()
    runs = run_all(env, built_site, REPO_ROOT, docnames, root / "runs")
    timing = {
        "environment_seconds": round(env.build_seconds, 1),
        "runs_seconds": round(time.perf_counter() - started, 1),
        "runs": {f"{docname} [{path}]": round(run.seconds, 1) for (docname, path), run in runs.items()},
    }
    (book_build_dir / "_build" / "launch_paths.json").write_text(json.dumps(timing, indent=2))
    return check_runs(runs, built_site, docnames)


@pytest.mark.slow
@pytest.mark.parametrize("docname", executed_chapters(REPO_ROOT))
@pytest.mark.parametrize("path", PATHS)
def test_chapter_runs_on_every_launch_path(learner_runs, docname, path):
    found = learner_runs[f"{docname} [{path}]"]
    assert found == [], f"{docname} on the {path} path:\n" + "\n".join(found)
