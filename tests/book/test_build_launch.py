"""Launching chapters: notebook downloads, Colab notebooks and links, Binder environment, one repo name."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest
import yaml

PLACEHOLDER = "your-org/nn-fundamentals-book"
COLAB = "https://colab.research.google.com/github/your-org/nn-fundamentals-book/blob/notebooks"
BINDER = "https://mybinder.org/v2/gh/your-org/nn-fundamentals-book/main?urlpath=lab/tree"


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


@pytest.fixture
def built_tiny_book(tiny_book_built):
    """The tiny book built once per session (tests that use it only read it)."""
    book, result = tiny_book_built
    assert result.returncode == 0, result.tail()
    return book


@pytest.mark.slow
def test_chapter_pages_link_binder_colab_and_a_notebook_download(built_tiny_book):
    html_root = built_tiny_book.root / "_build" / "html"
    for chapter in ("alpha", "beta"):
        links = hrefs((html_root / "chapters" / f"{chapter}.html").read_text())
        assert f"{BINDER}/chapters/{chapter}.md" in links
        assert f"{COLAB}/chapters/{chapter}.ipynb" in links
        download = f"../_sources/chapters/{chapter}.ipynb"
        assert download in links
        notebook = nbformat.read(html_root / "chapters" / download, as_version=4)
        outputs = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]
        assert outputs, f"downloadable {chapter}.ipynb has no outputs"


def load_ext(repo_root: Path, name: str):
    sys.path.insert(0, str(repo_root / "book" / "_ext"))
    try:
        return __import__(name)
    finally:
        sys.path.remove(str(repo_root / "book" / "_ext"))


@pytest.mark.slow
def test_colab_notebooks_are_published_readable_with_outputs_and_a_setup_cell(built_tiny_book):
    html_root = built_tiny_book.root / "_build" / "html"
    for chapter, extras in (("alpha", ""), ("beta", ' + "[plots]"')):
        notebook = nbformat.read(html_root / "_notebooks" / "chapters" / f"{chapter}.ipynb", as_version=4)
        nbformat.validate(notebook)
        setup, *chapter_cells = notebook.cells
        assert setup.metadata["tags"] == ["colab-setup"]
        assert '"--branch", "main", "https://github.com/your-org/nn-fundamentals-book"' in setup.source
        assert f'package = str(repository / "tinypkg"){extras}\n' in setup.source
        assert 'os.chdir(repository / "chapters")' in setup.source
        download = nbformat.read(html_root / "_sources" / "chapters" / f"{chapter}.ipynb", as_version=4)
        assert [c.source for c in chapter_cells] == [c.source for c in download.cells]
        assert [c.get("outputs") for c in chapter_cells] == [c.get("outputs") for c in download.cells]
        assert "jupytext" not in notebook.metadata
        text = "\n".join(cell.source for cell in chapter_cells)
        assert "myst_nb" not in text and "glue(" not in text and "TINYBOOK_EXEC_LOG" not in text
        assert "{" + "glue" not in text and "```{" not in text and ":::" not in text

    alpha = nbformat.read(html_root / "_sources" / "chapters" / "alpha.ipynb", as_version=4)
    prose = "\n".join(cell.source for cell in alpha.cells if cell.cell_type == "markdown")
    assert "The package answers 41; with one decimal, 41.0." in prose
    assert "```python\ndef answer() -> int:\n    return ANSWER\n```" in prose
    assert "> **Before this page · about 1 minute**" in prose
    assert "[Chapter beta](https://your-org.github.io/nn-fundamentals-book/chapters/beta.html)" in prose
    beta = nbformat.read(html_root / "_sources" / "chapters" / "beta.ipynb", as_version=4)
    [figure_index] = [i for i, c in enumerate(beta.cells) if "mystnb" in c.metadata]
    assert "image/png" in beta.cells[figure_index].outputs[0]["data"]
    assert beta.cells[figure_index].metadata["mystnb"]["image"]["alt"].startswith("One bar")
    assert beta.cells[figure_index + 1].source == "*Figure: The answer, 41, as a bar.*"


def run_setup_cell(source: str, *, on_colab: bool, monkeypatch, home: Path) -> list:
    """Execute the Colab setup cell; return the commands it would run and the folder it moves to."""
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, check: calls.append(cmd))
    monkeypatch.setattr("os.chdir", lambda path: calls.append(["chdir", str(path)]))
    monkeypatch.setenv("HOME", str(home))
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(compile(source, "colab-setup", "exec"), {})
    return calls


def test_colab_setup_cell_clones_installs_and_moves_on_colab_only(monkeypatch, repo_root, tmp_path):
    colab_setup = load_ext(repo_root, "colab_setup")
    source = colab_setup.setup_cell_source(
        url="https://github.com/o/r", branch="dev", package_dir="code", extras=["plots", "train"],
        chapter_dir="book/labs",
    )
    assert run_setup_cell(source, on_colab=False, monkeypatch=monkeypatch, home=tmp_path) == []
    clone, install, chdir = run_setup_cell(source, on_colab=True, monkeypatch=monkeypatch, home=tmp_path)
    assert clone[:7] == ["git", "clone", "--quiet", "--depth", "1", "--branch", "dev"]
    assert clone[7:] == ["https://github.com/o/r", str(tmp_path / "r")]
    assert install[1:] == [
        "-m", "pip", "install", "--quiet", "--root-user-action=ignore", f"{tmp_path / 'r' / 'code'}[plots,train]",
    ]
    assert chdir == ["chdir", str(tmp_path / "r" / "book" / "labs")]
    (tmp_path / "r").mkdir()  # run again (or after a restart): the clone is reused
    assert [call[:2] for call in run_setup_cell(source, on_colab=True, monkeypatch=monkeypatch, home=tmp_path)] == [
        [sys.executable, "-m"], ["chdir", str(tmp_path / "r" / "book" / "labs")],
    ]


def pins(path: Path) -> dict[str, str]:
    """``name -> version`` of the ``name==version`` lines, names normalised as pip does."""
    result = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)", line.strip())
        if match:
            result[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return result


def test_binder_environment_matches_the_pins(repo_root):
    binder = repo_root / "binder"
    binder_pins = pins(binder / "requirements.txt")
    project_pins = {**pins(repo_root / "requirements.txt"), **pins(repo_root / "requirements-lab.txt")}
    mismatched = {
        name: (version, project_pins.get(name))
        for name, version in binder_pins.items()
        if project_pins.get(name) != version
    }
    assert mismatched == {}, "binder/requirements.txt disagrees with the project pins (binder, project)"
    for needed in ("torch", "numpy", "matplotlib", "ipykernel", "jupytext", "jupyterlab-myst"):
        assert needed in binder_pins
    # The chapters' bookkeeping cells need only scratchnn (scratchnn.book), not the book's build tools.
    assert not {"myst-nb", "jupyter-book", "sphinx"} & set(binder_pins)
    requirements = (binder / "requirements.txt").read_text()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in requirements
    assert (binder / "runtime.txt").read_text().strip() == "python-3.11"

    post_build = binder / "postBuild"
    assert post_build.stat().st_mode & 0o111, "binder/postBuild must be executable"
    assert "pip install --no-cache-dir --no-deps -e ./code" in post_build.read_text()
    viewers = json.loads((binder / "overrides.json").read_text())[
        "@jupyterlab/docmanager-extension:plugin"
    ]["defaultViewers"]
    assert viewers == {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}


def test_repository_name_lives_in_one_place(repo_root):
    """Whatever repository.url says (the placeholder, or the address an instructor put there), it is
    written once, in _config.yml, and everything else derives from it."""
    config_text = (repo_root / "_config.yml").read_text()
    config = yaml.safe_load(config_text)
    url = config["repository"]["url"]
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url), url
    assert config["repository"]["path_to_book"] == ""
    assert config["parse"]["myst_substitutions"]["repository_url"] == url
    owner_name = url.removeprefix("https://github.com/")
    assert config_text.count(owner_name) == 1

    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=repo_root, capture_output=True, text=True, check=True,
    ).stdout.split()
    allowed = {
        "_config.yml",  # the place
        "README.md",  # says where the place is (and names the placeholder)
        "tests/book/fixtures/tinybook/_config.yml",  # the test book's own copy
        "tests/book/test_build_launch.py",  # these tests
        "tests/book/test_notebook_markdown.py",
        "tests/browser/test_pages.py",  # checks the rendered links
    }
    elsewhere = [
        name
        for name in listed
        if name not in allowed
        and (repo_root / name).is_file()
        and owner_name in (repo_root / name).read_text(errors="ignore")
    ]
    assert elsewhere == [], f"{owner_name} is written outside _config.yml; use {{{{ repository_url }}}} in chapters"


def test_github_actions_name_the_repository_and_branch(repo_root):
    repository_address = load_ext(repo_root, "repository_address")
    found = repository_address.github_actions_repository
    assert found({"GITHUB_REPOSITORY": "fork/book"}) is None  # not in Actions: _config.yml holds
    actions = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "fork/book", "GITHUB_REF_NAME": "dev"}
    assert found(actions) == ("https://github.com/fork/book", "dev")
    assert found({**actions, "GITHUB_HEAD_REF": "feature"}) == ("https://github.com/fork/book", "feature")


@pytest.mark.slow
def test_a_build_in_github_actions_links_the_workflow_repository(tiny_book):
    result = tiny_book.run_build(
        tiny_book.root, tiny_book.root, timeout=600,
        env={
            "TINYBOOK_EXEC_LOG": str(tiny_book.exec_log), "PYTHONPATH": str(tiny_book.root / "tinypkg" / "src"),
            "GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "fork/book", "GITHUB_REF_NAME": "dev",
        },
    )
    assert result.returncode == 0, result.tail()
    html_root = tiny_book.root / "_build" / "html"
    links = hrefs((html_root / "chapters" / "alpha.html").read_text())
    assert "https://mybinder.org/v2/gh/fork/book/dev?urlpath=lab/tree/chapters/alpha.md" in links
    assert "https://colab.research.google.com/github/fork/book/blob/notebooks/chapters/alpha.ipynb" in links
    setup = nbformat.read(html_root / "_notebooks" / "chapters" / "alpha.ipynb", as_version=4).cells[0].source
    assert '"--branch", "dev", "https://github.com/fork/book"' in setup
    assert PLACEHOLDER not in "".join(p.read_text() for p in html_root.rglob("*.html"))


def machine_paths(repo_root: Path) -> list[str]:
    """Absolute paths of this machine that a built page must not show: the checkout, the venv."""
    return sorted({str(repo_root), str(Path(sys.prefix)), str(Path(sys.prefix).resolve())})


@pytest.mark.slow
def test_no_built_page_or_notebook_shows_a_path_of_the_building_machine(built_site, repo_root):
    paths = machine_paths(repo_root)
    files = [*built_site.rglob("*.html"), *built_site.glob("_sources/**/*.ipynb"), *built_site.glob("_notebooks/**/*.ipynb")]
    assert files
    leaking = {
        str(file.relative_to(built_site)): [path for path in paths if path in file.read_text(errors="ignore")]
        for file in files
    }
    assert {name: found for name, found in leaking.items() if found} == {}


@pytest.mark.slow
def test_pages_declare_each_inline_script_once(built_tiny_book):
    """sphinx-thebe's inline config script used to appear twice (book/_ext/dedupe_scripts.py)."""
    html = (built_tiny_book.root / "_build" / "html" / "chapters" / "alpha.html").read_text()
    assert html.count("const THEBE_JS_URL") == 1
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert len(scripts) == len(set(scripts))


def code_outputs(path: Path) -> list:
    notebook = nbformat.read(path, as_version=4)
    return [cell.outputs for cell in notebook.cells if cell.cell_type == "code"]


@pytest.mark.slow
def test_downloads_keep_their_outputs_when_they_come_from_the_cache(tiny_book):
    """myst-nb saves a cache-hit notebook without outputs; executed_notebooks merges them back."""
    built_tiny_book = tiny_book
    assert built_tiny_book.build().returncode == 0
    html_root = built_tiny_book.root / "_build" / "html"
    fresh = code_outputs(html_root / "_sources" / "chapters" / "alpha.ipynb")
    built_tiny_book.replace(built_tiny_book.chapter("alpha"), "The package answers", "It answers")

    result = built_tiny_book.build()
    assert result.returncode == 0, result.tail()
    assert built_tiny_book.executed() == []  # alpha was re-read, its outputs came from the cache
    assert code_outputs(html_root / "_sources" / "chapters" / "alpha.ipynb") == fresh
    colab = nbformat.read(html_root / "_notebooks" / "chapters" / "alpha.ipynb", as_version=4)
    assert [c.outputs for c in colab.cells[1:] if c.cell_type == "code"] == fresh
    assert "It answers 41;" in "".join(c.source for c in colab.cells)  # glue values read from the cache
