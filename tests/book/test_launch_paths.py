"""Every chapter runs wherever a learner runs it: Colab, the notebook download, the .md in JupyterLab,
and its claims hold at a second BLAS thread count.

The Colab notebook (``_notebooks/<page>.ipynb``) after its setup cell and the download
(``_sources/<page>.ipynb``) hold the same code cells, and none of them mentions ``google.colab``:
``test_launch_paths_share_their_code_cells`` proves both statically, so the two can only differ by
their environment. The chapter's .md holds other code: JupyterLab runs every cell of it, the build's
bookkeeping (``remove-cell``) cells and the exercises' solutions too, where the generated notebooks
have an attempt stub and the solution closed in markdown. So the code runs once per distinct (code,
environment), in a plain learner environment (tests/book/conftest.py: the package's runtime
dependencies and ipykernel, no myst-nb, no jupyter-book), each run in a fresh kernel:

- Colab setup: each distinct setup cell runs once, in a venv that holds only ipykernel and exactly
  the distributions its extras require, with ``google.colab`` importable; it must clone the
  repository (git is pointed at a snapshot of this checkout), install the package from the clone and
  move into the chapter's folder.
- download, and Colab's code: the download notebook runs in the venv its chapter's setup cell
  installed the package into (only the extras that cell names: stricter than a full install), in an
  empty folder that is also ``$HOME``: nothing of the repository around it, as for a download. The
  Colab path is that checked setup plus this run (the same code, the same venv). What differs on
  Colab, the clone's files around the chapter's folder, is what the JupyterLab run sees.
- JupyterLab, at two BLAS threads: the chapter's .md read by jupytext, every cell, as JupyterLab
  runs the file, in the chapter's folder of a snapshot of this checkout, the package installed with
  every extra, with two BLAS/OpenMP threads (the build uses one, book/_ext/kernel_threads.py; an
  end-of-run probe checks with threadpoolctl that two were used). OpenBLAS then sums in another
  order, as another CPU's kernel does, so a claim that held only by the luck of one summation order
  fails here: the labs and study pages check their claims in their ``remove-cell`` cells (``assert``,
  or ``scratchnn.book.claim``, which warns on stderr), and for the topics the probe returns every
  value ``scratchnn.book.glue`` recorded, on which ``test_pages_topics.CLAIMS`` are checked.

Each run must end without an error, write nothing to stderr, and show as many images as the built
page shows figures. The one-thread runs go one per core; the two-thread runs go one at a time, after
them, with the cores to themselves (a two-thread OpenBLAS kernel next to a busy one slows several
times over). The time of each run is in ``<build>/_build/launch_paths.json``. The same checks run on
the tiny book in seconds.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import time
import traceback
from pathlib import Path

import jupytext
import nbformat
import pytest
from bs4 import BeautifulSoup

from chapter_execution import execute_many, toc_chapters, workers

REPO_ROOT = Path(__file__).resolve().parents[2]
CLONE = re.compile(r'"--branch", "(?P<branch>[^"]+)", "(?P<url>[^"]+)"')
EXTRAS = re.compile(r'\+ "\[(?P<extras>[^\]]*)\]"')
PATHS = ("colab", "download", "lab")
LAB_THREADS = 2  # the build's kernels use 1 (book/_ext/kernel_threads.py): the second thread count
COLAB_MODULE = re.compile(r"\bgoogle\.colab\b|\bfrom google import colab\b")
# Runs after the Colab setup cell: where it left the kernel.
PROBE = """\
import json as _json, os as _os
print(_json.dumps({"cwd": _os.getcwd()}))"""


def _topic_pages():
    """``test_pages_topics`` (the topics' CLAIMS live there); loaded by path under ``--import-mode=importlib``."""
    spec = importlib.util.spec_from_file_location("topic_pages", Path(__file__).with_name("test_pages_topics.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOPIC_PAGES = _topic_pages()


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
    found += [f"a code cell after the setup cell mentions google.colab: {source[:200]!r}"
              for source in code_cells(colab)[1:] if COLAB_MODULE.search(source)]
    return found


def _workdir(work: Path, docname: str, name: str) -> Path:
    folder = work / f"{docname}-{name}".replace("/", "_")
    (folder / "empty").mkdir(parents=True)
    return folder


def run_download(env, html_root: Path, docname: str, work: Path, venv: Path):
    """The download (and Colab's code): an empty folder, ``venv`` (where a setup cell installed the package)."""
    empty = _workdir(work, docname, "download") / "empty"
    notebook = nbformat.read(html_root / "_sources" / f"{docname}.ipynb", as_version=4)
    return env.run(notebook, venv=venv, cwd=empty, home=empty, label=f"{docname} [download]")


def run_lab(env, book_root: Path, docname: str, work: Path):
    """JupyterLab at two BLAS threads: the .md in the chapter's folder of the repository snapshot."""
    empty = _workdir(work, docname, "lab") / "empty"
    notebook = jupytext.read(book_root / f"{docname}.md")  # every cell, as JupyterLab runs the file
    chapter_dir = env.repository / Path(docname).parent
    return env.run(
        notebook, venv=env.installed, cwd=chapter_dir, home=empty, threads=LAB_THREADS, label=f"{docname} [lab]",
        kind="2-threads",  # the log's name for the executions at the second thread count
    )


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


def clone_name(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")


def run_all(env, html_root: Path, book_root: Path, docnames: list[str], work: Path) -> dict:
    """``(docname, path) -> (LearnerRun, problems of the path's own setup)``; each environment runs once."""
    # Setup cells differ only in their extras and folder: each distinct one runs once.
    setups = {docname: nbformat.read(html_root / "_notebooks" / f"{docname}.ipynb", as_version=4).cells[0].source for docname in docnames}
    distinct = {setup: Path(docname).parent for docname, setup in reversed(setups.items())}
    checked = dict(zip(distinct, execute_many(
        [lambda s=s, d=d, i=i: check_colab_setup(env, s, d, work / f"colab-setup-{i}") for i, (s, d) in enumerate(distinct.items())]
    )))
    downloads = execute_many(
        [lambda d=d: run_download(env, html_root, d, work, checked[setups[d]][0]) for d in docnames]
    )
    # one two-thread kernel per two cores (on two cores: one at a time), after the one-thread runs
    labs = execute_many(
        [lambda d=d: run_lab(env, book_root, d, work) for d in docnames], max_workers=max(1, workers() // LAB_THREADS)
    )
    runs = {}
    for docname, download, lab in zip(docnames, downloads, labs):
        runs[(docname, "download")] = (download, [])
        runs[(docname, "colab")] = (download, checked[setups[docname]][1])
        runs[(docname, "lab")] = (lab, [])
    return runs


def problems(run, expected_images: int, threads: int = 1) -> list[str]:
    """What is wrong with one run (empty: nothing)."""
    found = []
    if run.error:
        found.append(f"a cell failed:\n{run.error}")
    found += [f"error output: {error}" for error in run.errors()]
    found += [f"stderr: {text.strip()[:500]}" for text in run.stderr()]
    if run.images() != expected_images:
        found.append(f"{run.images()} image outputs, the built page shows {expected_images} figures")
    if not run.error and run.blas_threads != threads:
        found.append(f"ran with {run.blas_threads} BLAS threads, not {threads}")
    return found


def glued_values(run) -> dict:
    """The values ``scratchnn.book.glue`` recorded in a run, parsed as the topic pages' test parses the build's."""
    return {name: TOPIC_PAGES.parse_glued_text(text) for name, text in run.glued.items()}


def claim_problems(run, docname: str) -> list[str]:
    """A topic's ``CLAIMS`` (test_pages_topics.py) checked on the values the run glued."""
    chapter = Path(docname).name
    if run.error or not docname.startswith(TOPIC_PAGES.TOPICS + "/") or chapter not in TOPIC_PAGES.CLAIMS:
        return []
    try:
        TOPIC_PAGES.CLAIMS[chapter](glued_values(run))
    except (AssertionError, KeyError) as failed:
        line = traceback.extract_tb(failed.__traceback__)[-1].line  # the claim, with its comment
        return [f"a claim of the page does not hold at {LAB_THREADS} BLAS threads: {line} ({type(failed).__name__} {failed})"]
    return []


def setup_cell_extras(source: str) -> list[str]:
    match = EXTRAS.search(source)
    return [extra for extra in match["extras"].split(",") if extra] if match else []


def check_runs(runs: dict, html_root: Path, docnames: list[str]) -> dict[str, list[str]]:
    """``"<docname> [<path>]" -> problems`` for every path."""
    report = {}
    for docname in docnames:
        figures = page_figures(html_root, docname)
        for path in PATHS:
            run, found = runs[(docname, path)]
            threads = LAB_THREADS if path == "lab" else 1
            claims = claim_problems(run, docname) if path == "lab" else []
            report[f"{docname} [{path}]"] = found + problems(run, figures, threads) + claims
    return report


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
    assert [runs[(docname, "lab")][0].blas_threads for docname in docnames] == [LAB_THREADS] * 2

    # A setup cell whose extras miss what the chapter imports: the Colab code runs in its venv, and fails.
    setup = nbformat.read(html_root / "_notebooks" / "chapters" / "beta.ipynb", as_version=4).cells[0].source
    assert '+ "[plots]"' in setup
    venv, found = check_colab_setup(env, setup.replace(' + "[plots]"', ""), Path("chapters"), tmp_path / "broken-setup")
    run = run_download(env, html_root, "chapters/beta", tmp_path / "broken", venv)
    assert found == [] and "ModuleNotFoundError" in (run.error or ""), run.error

    # Code after the setup cell that asks for Colab would make the two paths differ: refused statically.
    site = tmp_path / "colab-site"
    for folder in ("_notebooks", "_sources"):
        notebook = nbformat.read(html_root / folder / "chapters" / "alpha.ipynb", as_version=4)
        notebook.cells.append(nbformat.v4.new_code_cell("from google.colab import files"))
        (site / folder / "chapters").mkdir(parents=True)
        nbformat.write(notebook, site / folder / "chapters" / "alpha.ipynb")
    assert [problem.split(":")[0] for problem in code_differences(site, "chapters/alpha")] == [
        "a code cell after the setup cell mentions google.colab"
    ]


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
        "runs": {f"{docname} [{path}]": round(run.seconds, 1) for (docname, path), (run, _) in runs.items() if path != "colab"},
    }
    (book_build_dir / "_build" / "launch_paths.json").write_text(json.dumps(timing, indent=2))
    return check_runs(runs, built_site, docnames)


@pytest.mark.slow
@pytest.mark.parametrize("docname", toc_chapters(REPO_ROOT))
@pytest.mark.parametrize("path", PATHS)
def test_chapter_runs_on_every_launch_path(learner_runs, docname, path):
    found = learner_runs[f"{docname} [{path}]"]
    assert found == [], f"{docname} on the {path} path:\n" + "\n".join(found)
