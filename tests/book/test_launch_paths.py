"""Every chapter runs wherever a learner runs it: Colab, the notebook download, the .md in JupyterLab,
and its claims hold at a second BLAS thread count.

The three paths run the same code but for a few cells, so each chapter's code runs **once**, in a
plain learner environment (tests/book/conftest.py: the package's runtime dependencies and ipykernel,
no myst-nb, no jupyter-book), in a fresh kernel, and what differs is proven statically
(``test_launch_paths_share_their_code_cells``):

- The Colab notebook (``_notebooks/<page>.ipynb``) after its setup cell and the download
  (``_sources/<page>.ipynb``) hold the same code cells, and none of them mentions ``google.colab``.
- JupyterLab runs every cell of the chapter's .md as jupytext reads it: the build's bookkeeping
  (``remove-cell``) cells and the exercises' solutions too, where the learner's notebooks have an
  attempt (stubs) and a self-check, the solution shut in markdown.
- The run (:func:`learner_notebook`) is the .md's code cells with each solution preceded by the
  learner notebook's attempt and self-check: dropping the attempts and self-checks leaves exactly
  the .md's code cells; dropping the solutions and the bookkeeping cells leaves exactly the
  download's. So the stubs run and the self-check reports "not written yet" without stopping
  anything, then the solution runs and its own checks hold. In the download the stubs stay: a
  visible cell after an attempt that uses a name the stubs define (Lab 1's "your MyReLU once it
  passes its check") runs twice, with the stubs swapped back in and then with the solution. A
  solution must not bind again a name that an earlier visible cell bound and a later one uses
  (:func:`names_solutions_rebind`): the download would have the earlier value there. (A solution
  that changed such an object in place would go unseen; today's solutions build their own.)

Where and how it runs:

- Colab setup: each distinct setup cell runs once, in a venv that holds only ipykernel and exactly
  the distributions its extras require, with ``google.colab`` importable; it must clone the
  repository (git is pointed at a snapshot of this checkout), install the package from the clone and
  move into the chapter's folder.
- The chapter's run: in the venv its chapter's setup cell installed the package into (only the
  extras that cell names: stricter than JupyterLab's full install), in an empty folder that is also
  ``$HOME`` (nothing of the repository around it, as for a download; code that looks for the
  repository, as lab prep's version check does, takes its other branch in the build, which runs each
  chapter in its folder with every extra, and there only myst-nb is more than JupyterLab has), with
  **two** BLAS/OpenMP threads (the build uses one, book/_ext/kernel_threads.py; an end-of-run probe
  checks with threadpoolctl that two were used). OpenBLAS then sums a product it splits between the
  threads (m·k·n ≥ 524,288; smaller ones sum as at one thread) in another order, as another CPU's
  kernel does, so a claim that held only by the luck of one summation order fails here: the
  labs and study pages check their claims in their ``remove-cell`` cells (``assert``, or
  ``scratchnn.book.claim``, which warns on stderr), and for the topics the probe returns every value
  ``scratchnn.book.glue`` recorded, on which ``test_pages_topics.CLAIMS`` are checked.

Each run must end without an error, write nothing to stderr, and show as many images as the built
page shows figures. The runs go one at a time with the cores to themselves (a two-thread OpenBLAS
kernel next to a busy one slows several times over; on four cores, two at a time). The time of each
run is in ``<build>/_build/launch_paths.json``. The same checks run on the tiny book in seconds.
"""

from __future__ import annotations

import ast
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

import exercise_cells
import executed_notebooks
import notebook_markdown
from chapter_execution import execute_many, toc_chapters, workers

REPO_ROOT = Path(__file__).resolve().parents[2]
CLONE = re.compile(r'"--branch", "(?P<branch>[^"]+)", "(?P<url>[^"]+)"')
EXTRAS = re.compile(r'\+ "\[(?P<extras>[^\]]*)\]"')
PATHS = ("colab", "download", "lab")
THREADS = 2  # the build's kernels use 1 (book/_ext/kernel_threads.py): the second thread count
REMOVE_CELL = "remove-cell"
# The learner notebook's own code cells (book/_ext/executed_notebooks.py tags them so), and the run's
# tag for a solution's code cells.
LEARNER_ONLY = ("attempt", "self-check")
SOLUTION = "solution-code"
# A visible cell that uses a stubbed name runs twice; the run swaps the stubs in and out around it.
STUBS_AGAIN, SOLUTIONS_AGAIN = "stubs-again", "solutions-again"
# What each path runs: the run's code cells but these.
NOT_IN = {
    "download": (SOLUTION, REMOVE_CELL, STUBS_AGAIN, SOLUTIONS_AGAIN, "solution-state"),
    "lab": (*LEARNER_ONLY, STUBS_AGAIN, SOLUTIONS_AGAIN, "stub-state"),
}
STUBS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)  # what an attempt defines (exercise_cells)
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


def code_cells(notebook, leave_out: tuple[str, ...] = ()) -> list[str]:
    """The sources of ``notebook``'s code cells, but those tagged with one of ``leave_out``."""
    return [
        cell.source for cell in notebook.cells
        if cell.cell_type == "code" and not set(leave_out) & set(cell.metadata.get("tags", []))
    ]


def _tagged(cell, tag: str):
    cell = nbformat.from_dict(cell)
    cell.metadata["tags"] = [*cell.metadata.get("tags", []), tag]
    return cell


def learner_notebook(book_root: Path, docname: str) -> nbformat.NotebookNode:
    """One run for every path: the chapter's .md as jupytext reads it (what JupyterLab runs), each
    gated solution preceded by the learner notebook's attempt and self-check (what the download and
    Colab run in its place); code cells only (markdown never runs). A visible cell that uses a name
    an attempt stubbed runs twice (:func:`_in_both_states`)."""
    notebook = jupytext.read(book_root / f"{docname}.md")
    cells = []
    for kind, *found in executed_notebooks.gated_solutions(notebook.cells):
        if kind == "solution":
            solution = [cell for part, cell in found[0] if part == "code"]
            cells += executed_notebooks.learner_code_cells([cell.source for cell in solution])
            cells += [_tagged(cell, SOLUTION) for cell in solution]
        elif kind == "cell" and found[0].cell_type == "code":
            cells.append(found[0])
    notebook.cells = _in_both_states(cells)
    return notebook


def _in_both_states(cells: list) -> list:
    """Each visible cell after an attempt (its self-check aside) that uses a name the attempt's stubs
    define, run first as the download runs it, the stubs in place (tag ``stub-state``), then as
    JupyterLab does, the solution's definitions back (tag ``solution-state``); what it binds keeps the
    second run's values, the page's. (Lab 1's "your MyReLU, once it passes its check" is one.)"""
    stubs: dict[str, str] = {}  # stubbed name -> the attempt that stubs it
    out = []
    for cell in cells:
        tags = cell.metadata.get("tags", [])
        bound = exercise_cells.bound_names(cell.source)
        if "attempt" in tags:
            stubs |= {node.name: cell.source for node in ast.parse(cell.source).body if isinstance(node, STUBS)}
        elif not {"self-check", SOLUTION, REMOVE_CELL} & set(tags):
            used = sorted(exercise_cells.used_names(cell.source) & (stubs.keys() - bound))
            if used:
                attempts = list(dict.fromkeys(stubs[name] for name in used))
                swapped = sorted(name for name, attempt in stubs.items() if attempt in attempts)
                save = f"_solutions = {{name: globals()[name] for name in {swapped!r}}}"
                attempts = "\n\n".join(attempts)
                out += [
                    nbformat.v4.new_code_cell(f"{save}\n{attempts}", metadata={"tags": [STUBS_AGAIN]}),
                    _tagged(cell, "stub-state"),
                    nbformat.v4.new_code_cell("globals().update(_solutions)", metadata={"tags": [SOLUTIONS_AGAIN]}),
                    _tagged(cell, "solution-state"),
                ]
                continue
            for name in bound:  # a visible cell that redefines a stubbed name
                stubs.pop(name, None)
        out.append(cell)
    return out


def names_solutions_rebind(notebook) -> dict[str, set[str]]:
    """``source -> names``: a visible cell after a solution that uses a name an earlier visible cell
    bound and the solution bound again. The download has the earlier value there, the run the
    solution's (a stubbed name is run both ways instead, :func:`_in_both_states`)."""
    visible: set[str] = set()
    rebound: set[str] = set()
    found = {}
    for cell in notebook.cells:
        tags = set(cell.metadata.get("tags", []))
        bound = exercise_cells.bound_names(cell.source)
        if SOLUTION in tags:
            rebound |= bound & visible
        elif not tags & {REMOVE_CELL, "attempt", "self-check", "stub-state", "solution-state", STUBS_AGAIN, SOLUTIONS_AGAIN}:
            if used := exercise_cells.used_names(cell.source) & (rebound - bound):
                found[cell.source] = used
            rebound -= bound
            visible |= bound
        elif "attempt" in tags:
            visible |= bound
    return found


def code_differences(html_root: Path, book_root: Path, docname: str) -> list[str]:
    """How the launch paths' code differs from the one run (empty: only as the module docstring says)."""
    colab = nbformat.read(html_root / "_notebooks" / f"{docname}.ipynb", as_version=4)
    download = nbformat.read(html_root / "_sources" / f"{docname}.ipynb", as_version=4)
    run = learner_notebook(book_root, docname)
    found = []
    if not colab.cells or "colab-setup" not in colab.cells[0].metadata.get("tags", []):
        found.append("the Colab notebook does not start with its setup cell")
    shared = code_cells(download)
    if code_cells(colab)[1:] != shared:
        found.append("the Colab notebook's code cells (after the setup cell) differ from the download's")
    found += [f"a code cell after the setup cell mentions google.colab: {source[:200]!r}"
              for source in code_cells(colab)[1:] if COLAB_MODULE.search(source)]
    if code_cells(run, leave_out=NOT_IN["download"]) != shared:
        found.append("the run without the solutions and the bookkeeping cells is not the download's code")
    if code_cells(run, leave_out=NOT_IN["lab"]) != code_cells(jupytext.read(book_root / f"{docname}.md")):
        found.append("the run without the attempts and self-checks is not the .md's code")
    found += [f"a visible cell uses {', '.join(sorted(names))}, which a solution above binds again: the "
              f"download has the earlier value there (give the solution its own name): {source[:200]!r}"
              for source, names in names_solutions_rebind(run).items()]
    return found


def run_chapter(env, book_root: Path, docname: str, work: Path, venv: Path):
    """The one run of a chapter: in ``venv`` (where its setup cell installed the package), in an empty
    folder, at two BLAS threads."""
    empty = work / docname.replace("/", "_") / "empty"
    empty.mkdir(parents=True)
    notebook = learner_notebook(book_root, docname)
    return env.run(notebook, venv=venv, cwd=empty, home=empty, threads=THREADS, label=docname)


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
    found = [f"setup cell: {problem}" for problem in problems(run, expected_images=0, threads=1)]
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
    """``(docname, path) -> (LearnerRun, problems of the path's own setup)``; each chapter runs once."""
    # Setup cells differ only in their extras and folder: each distinct one runs once.
    setups = {docname: nbformat.read(html_root / "_notebooks" / f"{docname}.ipynb", as_version=4).cells[0].source for docname in docnames}
    distinct = {setup: Path(docname).parent for docname, setup in reversed(setups.items())}
    checked = dict(zip(distinct, execute_many(
        [lambda s=s, d=d, i=i: check_colab_setup(env, s, d, work / f"colab-setup-{i}") for i, (s, d) in enumerate(distinct.items())]
    )))
    # one two-thread kernel per two cores (on two cores: one at a time)
    chapters = execute_many(
        [lambda d=d: run_chapter(env, book_root, d, work, checked[setups[d]][0]) for d in docnames],
        max_workers=max(1, workers() // THREADS),
    )
    runs = {}
    for docname, run in zip(docnames, chapters):
        for path in PATHS:
            runs[(docname, path)] = (run, checked[setups[docname]][1] if path == "colab" else [])
    return runs


def problems(run, expected_images: int, threads: int = THREADS) -> list[str]:
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
        return [f"a claim of the page does not hold at {THREADS} BLAS threads: {line} ({type(failed).__name__} {failed})"]
    return []


def setup_cell_extras(source: str) -> list[str]:
    match = EXTRAS.search(source)
    return [extra for extra in match["extras"].split(",") if extra] if match else []


def check_runs(runs: dict, html_root: Path, docnames: list[str]) -> dict[str, list[str]]:
    """``"<docname> [<path>]" -> problems`` for every path."""
    report = {}
    for docname in docnames:
        figures = page_figures(html_root, docname)
        for path in PATHS:  # one run for all three: its problems are each path's
            run, found = runs[(docname, path)]
            report[f"{docname} [{path}]"] = found + problems(run, figures) + claim_problems(run, docname)
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
    assert {docname: code_differences(html_root, tiny_book.root, docname) for docname in docnames} == {
        docname: [] for docname in docnames
    }
    runs = run_all(env, html_root, tiny_book.root, docnames, tmp_path / "runs")
    report = check_runs(runs, html_root, docnames)
    assert {name: found for name, found in report.items() if found} == {}
    assert page_figures(html_root, "chapters/beta") == 1  # the check above compared something
    colab, _ = runs[("chapters/beta", "colab")]
    assert "tinypkg" in colab.loaded and "matplotlib" in colab.loaded
    assert [runs[(docname, "lab")][0].blas_threads for docname in docnames] == [THREADS] * 2
    assert "glue(\"alpha_answer\"" in runs[("chapters/alpha", "lab")][0].notebook.cells[2].source  # .md cells ran

    # A setup cell whose extras miss what the chapter imports: the Colab code runs in its venv, and fails.
    setup = nbformat.read(html_root / "_notebooks" / "chapters" / "beta.ipynb", as_version=4).cells[0].source
    assert '+ "[plots]"' in setup
    venv, found = check_colab_setup(env, setup.replace(' + "[plots]"', ""), Path("chapters"), tmp_path / "broken-setup")
    run = run_chapter(env, tiny_book.root, "chapters/beta", tmp_path / "broken", venv)
    assert found == [] and "ModuleNotFoundError" in (run.error or ""), run.error

    # Code after the setup cell that asks for Colab would make the two paths differ: refused statically.
    site = tmp_path / "colab-site"
    for folder in ("_notebooks", "_sources"):
        notebook = nbformat.read(html_root / folder / "chapters" / "alpha.ipynb", as_version=4)
        notebook.cells.append(nbformat.v4.new_code_cell("from google.colab import files"))
        (site / folder / "chapters").mkdir(parents=True)
        nbformat.write(notebook, site / folder / "chapters" / "alpha.ipynb")
    assert [problem.split(":")[0] for problem in code_differences(site, tiny_book.root, "chapters/alpha")] == [
        "a code cell after the setup cell mentions google.colab",
        "the run without the solutions and the bookkeeping cells is not the download's code",
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
    """Colab (after its setup cell) and the download hold the same code; the one run holds both it and the .md's."""
    assert code_differences(built_site, REPO_ROOT, docname) == []


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


CHAPTER_WITH_AN_EXERCISE = """\
---
jupytext:
  text_representation: {extension: .md, format_name: myst}
kernelspec: {display_name: Python 3, language: python, name: python3}
---

# An exercise

```{code-cell} ipython3
import math
```

```{exercise}
:label: ex-double
Write `double(x)`.
```

```{solution-start} ex-double
:class: dropdown
```

```{code-cell} ipython3
def double(x):
    return 2 * x


assert check_double(double).passed
```

```{solution-end}
```

```{code-cell} ipython3
:tags: [remove-cell]
assert double(2) == 4
```

```{code-cell} ipython3
print(math.pi)
```
"""


def test_the_run_holds_the_attempt_the_self_check_and_then_the_solution(tmp_path):
    (tmp_path / "chapter.md").write_text(CHAPTER_WITH_AN_EXERCISE)
    run = learner_notebook(tmp_path, "chapter")
    assert [(cell.metadata.get("tags", []), cell.source.splitlines()[-1]) for cell in run.cells] == [
        ([], "import math"),
        (["attempt"], '    raise NotImplementedError("double: not written yet (see the exercise above)")'),
        (["self-check"], "result = check_double(double)"),
        (["solution-code"], "assert check_double(double).passed"),
        (["remove-cell"], "assert double(2) == 4"),  # a bookkeeping cell may use the solution
        ([], "print(math.pi)"),
    ]
    assert code_cells(run, leave_out=NOT_IN["lab"]) == code_cells(jupytext.read(tmp_path / "chapter.md"))


def test_a_visible_cell_that_uses_a_stubbed_name_runs_with_the_stub_and_with_the_solution(tmp_path):
    (tmp_path / "chapter.md").write_text(CHAPTER_WITH_AN_EXERCISE.replace("print(math.pi)", "print(double(math.pi))"))
    run = learner_notebook(tmp_path, "chapter")
    assert [(cell.metadata.get("tags", []), cell.source.splitlines()[0]) for cell in run.cells[-4:]] == [
        ([STUBS_AGAIN], "_solutions = {name: globals()[name] for name in ['double']}"),
        (["stub-state"], "print(double(math.pi))"),
        ([SOLUTIONS_AGAIN], "globals().update(_solutions)"),
        (["solution-state"], "print(double(math.pi))"),
    ]
    assert "def double(x):\n    raise NotImplementedError" in run.cells[-4].source
    assert code_cells(run, leave_out=NOT_IN["lab"]) == code_cells(jupytext.read(tmp_path / "chapter.md"))
    assert code_cells(run, leave_out=NOT_IN["download"])[-1] == "print(double(math.pi))"
    redefined = CHAPTER_WITH_AN_EXERCISE.replace("print(math.pi)", "def double(x):\n    return x + x\n\nprint(double(1))")
    (tmp_path / "chapter.md").write_text(redefined)
    assert [cell.metadata.get("tags", []) for cell in learner_notebook(tmp_path, "chapter").cells][-1] == []


def test_a_visible_cell_that_uses_a_name_a_solution_binds_again_is_found(tmp_path):
    chapter = CHAPTER_WITH_AN_EXERCISE.replace("import math", "import math\nscale = 3")
    chapter = chapter.replace("def double(x):\n    return 2 * x", "scale = 2\n\n\ndef double(x):\n    return scale * x")
    (tmp_path / "chapter.md").write_text(chapter.replace("print(math.pi)", "print(scale * math.pi)"))
    assert names_solutions_rebind(learner_notebook(tmp_path, "chapter")) == {"print(scale * math.pi)": {"scale"}}
    (tmp_path / "chapter.md").write_text(chapter)
    assert names_solutions_rebind(learner_notebook(tmp_path, "chapter")) == {}
