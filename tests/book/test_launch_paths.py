"""Every chapter runs wherever a learner runs it: Colab, the notebook download, the .md in JupyterLab.

The Colab notebook (``_notebooks/<page>.ipynb``) after its setup cell and the download
(``_sources/<page>.ipynb``) hold the same code cells: ``test_launch_paths_share_their_code_cells``
proves it statically. The chapter's .md holds other code: JupyterLab runs every cell of it, the
build's bookkeeping (``remove-cell``) cells and the exercises' solutions too, where the generated
notebooks have an attempt stub and the solution closed in markdown. So the code runs once per
distinct (code, environment), in the plain learner environment (tests/book/conftest.py: the
package's runtime dependencies and ipykernel, no myst-nb, no jupyter-book), each run in a fresh kernel:

- empty folder (the download): in an empty folder that is also ``$HOME``, the package installed:
  nothing of the repository around it;
- chapter folder (JupyterLab): the chapter's .md read by jupytext, every cell, as JupyterLab runs
  the file, in the chapter's folder of a snapshot of this checkout, the package installed;
- Colab: the setup cell runs in a venv that holds only ipykernel and exactly the distributions its
  extras require, with ``google.colab`` importable; it must clone the repository (git is pointed
  at a snapshot of this checkout), install the package from the clone and move into the chapter's
  folder. Then the whole Colab notebook runs in that venv (its code is not the JupyterLab run's).

Each run must end without an error, write nothing to stderr, and show as many images as the built
page shows figures. The runs go one per core; the time of each is in
``<build>/_build/launch_paths.json``. The same checks run on the tiny book in seconds.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import jupytext
import nbformat
import pytest
from bs4 import BeautifulSoup

from chapter_execution import execute_many, toc_chapters

REPO_ROOT = Path(__file__).resolve().parents[2]
CLONE = re.compile(r'"--branch", "(?P<branch>[^"]+)", "(?P<url>[^"]+)"')
EXTRAS = re.compile(r'\+ "\[(?P<extras>[^\]]*)\]"')
PATHS = ("colab", "download", "lab")
# Runs after the Colab setup cell: where it left the kernel.
PROBE = """\
import json as _json, os as _os
print(_json.dumps({"cwd": _os.getcwd()}))"""


def page_figures(html_root: Path, docname: str) -> int:
    """Figures on the built page: ``<figure>`` elements that hold an image."""
    soup = BeautifulSoup((html_root / f"{docname}.html").read_text(encoding="utf-8"), "html.parser")
    return sum(1 for figure in soup.select("figure") if figure.find("img"))


def code_cells(notebook) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def code_differences(html_root: Path, docname: str) -> list[str]:
    """How the Colab notebook's and the download's code cells differ (empty: the same, the setup cell aside)."""
    colab = nbformat.read(html_root / "_notebooks" / f"{docname}.ipynb", as_version=4)
    download = nbformat.read(html_root / "_sources" / f"{docname}.ipynb", as_version=4)
    found = []
    if not colab.cells or "colab-setup" not in colab.cells[0].metadata.get("tags", []):
        found.append("the Colab notebook does not start with its setup cell")
    shared = code_cells(download)
    if code_cells(colab)[1:] != shared:
        found.append("the Colab notebook's code cells (after the setup cell) differ from the download's")
    return found


def _workdir(work: Path, docname: str, name: str) -> Path:
    folder = work / f"{docname}-{name}".replace("/", "_")
    (folder / "empty").mkdir(parents=True)
    return folder


def run_download(env, html_root: Path, docname: str, work: Path):
    """The download (and the code every path shares): an empty folder, the package installed."""
    empty = _workdir(work, docname, "download") / "empty"
    notebook = nbformat.read(html_root / "_sources" / f"{docname}.ipynb", as_version=4)
    return env.run(notebook, venv=env.installed, cwd=empty, home=empty, label=f"{docname} [download]")


def run_lab(env, book_root: Path, docname: str, work: Path):
    """JupyterLab: the .md in the chapter's folder of the repository snapshot, the package installed."""
    empty = _workdir(work, docname, "lab") / "empty"
    notebook = jupytext.read(book_root / f"{docname}.md")  # every cell, as JupyterLab runs the file
    chapter_dir = env.repository / Path(docname).parent
    return env.run(notebook, venv=env.installed, cwd=chapter_dir, home=empty, label=f"{docname} [lab]")


def check_colab_setup(env, setup: str, chapter_dir: Path, work: Path) -> tuple:
    """Run a Colab setup cell in a venv with only its extras: ``(venv, problems)``."""
    clone = CLONE.search(setup)
    work.mkdir(parents=True)
    empty = work / "empty"
    empty.mkdir()
    venv = env.colab_venv(work / "venv", setup_cell_extras(setup))
    check = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(setup), nbformat.v4.new_code_cell(PROBE)])
    run = env.run(
        check, venv=venv, cwd=empty, home=empty, colab=True, clone_url=clone["url"],
        label=f"{chapter_dir} [colab setup]", kind="colab-setup",
    )
    found = [f"setup cell: {problem}" for problem in problems(run, expected_images=0)]
    printed = "".join(out.get("text", "") for out in run.notebook.cells[-1].get("outputs", []) if out.get("name") == "stdout")
    if not printed.strip():
        return venv, found or ["setup cell: the probe after it printed nothing"]
    state = json.loads(printed)
    if Path(state["cwd"]).resolve() != (empty / clone_name(clone["url"]) / chapter_dir).resolve():
        found.append(f"setup cell: moved to {state['cwd']}, not the chapter's folder in the clone")
    return venv, found


def run_colab(env, html_root: Path, docname: str, work: Path, setup_check) -> tuple:
    """Colab: ``(run, problems of the setup cell)``: the whole notebook in the setup cell's venv."""
    venv, found = setup_check
    notebook = nbformat.read(html_root / "_notebooks" / f"{docname}.ipynb", as_version=4)
    empty = _workdir(work, docname, "colab") / "empty"
    clone = CLONE.search(notebook.cells[0].source)
    run = env.run(notebook, venv=venv, cwd=empty, home=empty, colab=True, clone_url=clone["url"], label=f"{docname} [colab]")
    return run, found


def clone_name(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")


def run_all(env, html_root: Path, book_root: Path, docnames: list[str], work: Path) -> dict:
    """``(docname, path) -> (LearnerRun, problems of the path's own setup)``; each environment runs once."""
    first = execute_many(
        [lambda d=d: run_download(env, html_root, d, work) for d in docnames]
        + [lambda d=d: run_lab(env, book_root, d, work) for d in docnames]
    )
    download, lab = first[: len(docnames)], first[len(docnames):]
    # Setup cells differ only in their extras and folder: each distinct one runs once.
    setups = {docname: nbformat.read(html_root / "_notebooks" / f"{docname}.ipynb", as_version=4).cells[0].source for docname in docnames}
    distinct = {setup: Path(docname).parent for docname, setup in reversed(setups.items())}
    checked = dict(zip(distinct, execute_many(
        [lambda s=s, d=d, i=i: check_colab_setup(env, s, d, work / f"colab-setup-{i}") for i, (s, d) in enumerate(distinct.items())]
    )))
    colab = execute_many(
        [lambda d=d: run_colab(env, html_root, d, work, checked[setups[d]]) for d in docnames]
    )
    runs = {}
    for docname, download_run, lab_run, colab_run in zip(docnames, download, lab, colab):
        runs[(docname, "download")] = (download_run, [])
        runs[(docname, "lab")] = (lab_run, [])
        runs[(docname, "colab")] = colab_run
    return runs


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
    """``"<docname> [<path>]" -> problems`` for every path."""
    return {
        f"{docname} [{path}]": runs[(docname, path)][1] + problems(runs[(docname, path)][0], page_figures(html_root, docname))
        for docname in docnames
        for path in PATHS
    }


@pytest.mark.slow
def test_tiny_book_chapters_run_on_every_launch_path(tiny_book_built, learner_environment, tmp_path):
    tiny_book, result = tiny_book_built
    assert result.returncode == 0, result.tail()
    html_root = tiny_book.root / "_build" / "html"
    git_repository(tiny_book.root)
    env = learner_environment(
        tmp_path / "learner", checkout=tiny_book.root, package_dir=tiny_book.root / "tinypkg", branch="main",
        data_dir=None,
    )
    docnames = toc_chapters(tiny_book.root)
    assert docnames == ["chapters/alpha", "chapters/beta"]
    assert {docname: code_differences(html_root, docname) for docname in docnames} == {
        docname: [] for docname in docnames
    }
    runs = run_all(env, html_root, tiny_book.root, docnames, tmp_path / "runs")
    report = check_runs(runs, html_root, docnames)
    assert {name: found for name, found in report.items() if found} == {}
    assert page_figures(html_root, "chapters/beta") == 1  # the check above compared something
    colab, _ = runs[("chapters/beta", "colab")]
    assert "tinypkg" in colab.loaded and "matplotlib" in colab.loaded

    # A setup cell whose extras miss what the chapter imports: the Colab notebook runs, and fails.
    broken_root = tmp_path / "broken-site"
    broken = broken_root / "_notebooks" / "chapters" / "beta.ipynb"
    broken.parent.mkdir(parents=True)
    text = (html_root / "_notebooks" / "chapters" / "beta.ipynb").read_text()
    broken.write_text(text.replace(' + \\"[plots]\\"', ""))
    setup = nbformat.read(broken, as_version=4).cells[0].source
    assert "[plots]" not in setup
    setup_check = check_colab_setup(env, setup, Path("chapters"), tmp_path / "broken-setup")
    run, found = run_colab(env, broken_root, "chapters/beta", tmp_path / "broken", setup_check)
    assert found == [] and "ModuleNotFoundError" in (run.error or ""), run.error


def git_repository(root: Path) -> None:
    """The tiny book as a git repository (its snapshot is what the Colab setup cell clones)."""
    (root / ".gitignore").write_text("_build/\nexec.log\n")
    subprocess.run(["git", "init", "--quiet", str(root)], check=True)


def _data_dir() -> str | None:
    from scratchnn.data import cache_path

    path = cache_path()
    return str(path.parent) if path.is_file() else None


@pytest.mark.slow
@pytest.mark.parametrize("docname", toc_chapters(REPO_ROOT))
def test_launch_paths_share_their_code_cells(built_site, docname):
    """Colab (after its setup cell) and the download hold the same code."""
    assert code_differences(built_site, docname) == []


@pytest.fixture(scope="session")
def learner_runs(built_site, book_build_dir, learner_environment, tmp_path_factory):
    """Every executed chapter of the full book on every launch path, once per environment (once per session)."""
    root = tmp_path_factory.mktemp("learner")
    colab_setup = nbformat.read(next((built_site / "_notebooks").rglob("*.ipynb")), as_version=4).cells[0].source
    env = learner_environment(
        root, checkout=REPO_ROOT, package_dir=REPO_ROOT / "code", branch=CLONE.search(colab_setup)["branch"],
        data_dir=_data_dir(),
    )
    docnames = toc_chapters(REPO_ROOT)
    started = time.perf_counter()
    runs = run_all(env, built_site, REPO_ROOT, docnames, root / "runs")
    timing = {
        "environment_seconds": round(env.build_seconds, 1),
        "runs_seconds": round(time.perf_counter() - started, 1),
        "runs": {f"{docname} [{path}]": round(run.seconds, 1) for (docname, path), (run, _) in runs.items()},
    }
    (book_build_dir / "_build" / "launch_paths.json").write_text(json.dumps(timing, indent=2))
    return check_runs(runs, built_site, docnames)


@pytest.mark.slow
@pytest.mark.parametrize("docname", toc_chapters(REPO_ROOT))
@pytest.mark.parametrize("path", PATHS)
def test_chapter_runs_on_every_launch_path(learner_runs, docname, path):
    found = learner_runs[f"{docname} [{path}]"]
    assert found == [], f"{docname} on the {path} path:\n" + "\n".join(found)
