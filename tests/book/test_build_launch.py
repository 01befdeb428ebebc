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
def built_tiny_book(tiny_book):
    result = tiny_book.build()
    assert result.returncode == 0, result.tail()
    return tiny_book


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


@pytest.mark.slow
def test_colab_notebooks_are_published_with_outputs_and_an_install_cell(built_tiny_book):
    html_root = built_tiny_book.root / "_build" / "html"
    notebook_path = html_root / "_notebooks" / "chapters" / "alpha.ipynb"
    notebook = nbformat.read(notebook_path, as_version=4)
    nbformat.validate(notebook)

    setup, *chapter_cells = notebook.cells
    assert setup.metadata["tags"] == ["colab-setup"]
    assert "tinypkg @ git+https://github.com/your-org/nn-fundamentals-book@main#subdirectory=tinypkg" in setup.source
    executed = nbformat.read(html_root / "_sources" / "chapters" / "alpha.ipynb", as_version=4)
    assert [c.source for c in chapter_cells] == [c.source for c in executed.cells]
    assert [c.get("outputs") for c in chapter_cells] == [c.get("outputs") for c in executed.cells]
    assert "jupytext" not in notebook.metadata


def run_setup_cell(source: str, *, on_colab: bool, monkeypatch) -> list[list[str]]:
    """Execute the Colab install cell; return the commands it would run."""
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, check: calls.append(cmd))
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(compile(source, "colab-setup", "exec"), {})
    return calls


def test_colab_install_cell_installs_on_colab_only(monkeypatch, repo_root):
    sys.path.insert(0, str(repo_root / "book" / "_ext"))
    try:
        import executed_notebooks
    finally:
        sys.path.remove(str(repo_root / "book" / "_ext"))
    requirement = "scratchnn @ git+https://github.com/o/r@main#subdirectory=code"
    source = executed_notebooks.SETUP_CELL.format(requirement=requirement)

    assert run_setup_cell(source, on_colab=False, monkeypatch=monkeypatch) == []
    [command] = run_setup_cell(source, on_colab=True, monkeypatch=monkeypatch)
    assert command[1:] == ["-m", "pip", "install", "--quiet", requirement]


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
    for needed in ("torch", "numpy", "matplotlib", "myst-nb", "jupytext", "jupyterlab-myst"):
        assert needed in binder_pins
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
    config = yaml.safe_load((repo_root / "_config.yml").read_text())
    assert config["repository"] == {
        "url": f"https://github.com/{PLACEHOLDER}",
        "path_to_book": "",
        "branch": "main",
    }
    assert config["parse"]["myst_substitutions"]["repository_url"] == config["repository"]["url"]
    assert (repo_root / "_config.yml").read_text().count(PLACEHOLDER) == 1

    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=repo_root, capture_output=True, text=True, check=True,
    ).stdout.split()
    allowed = {
        "_config.yml",  # the place
        "README.md",  # says where the place is
        "tests/book/fixtures/tinybook/_config.yml",  # the test book's own copy
        "tests/book/test_build_launch.py",  # this test
        "tests/browser/test_pages.py",  # checks the rendered links
    }
    elsewhere = [
        name
        for name in listed
        if name not in allowed
        and (repo_root / name).is_file()
        and PLACEHOLDER in (repo_root / name).read_text(errors="ignore")
    ]
    assert elsewhere == [], (
        f"{PLACEHOLDER} is written outside _config.yml; use {{{{ repository_url }}}} in chapters"
    )


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
def test_downloads_keep_their_outputs_when_they_come_from_the_cache(built_tiny_book):
    """myst-nb saves a cache-hit notebook without outputs; executed_notebooks merges them back."""
    html_root = built_tiny_book.root / "_build" / "html"
    fresh = code_outputs(html_root / "_sources" / "chapters" / "alpha.ipynb")
    built_tiny_book.replace(built_tiny_book.chapter("alpha"), "The package answers", "It answers")

    result = built_tiny_book.build()
    assert result.returncode == 0, result.tail()
    assert built_tiny_book.executed() == []  # alpha was re-read, its outputs came from the cache
    assert code_outputs(html_root / "_sources" / "chapters" / "alpha.ipynb") == fresh
    colab = nbformat.read(html_root / "_notebooks" / "chapters" / "alpha.ipynb", as_version=4)
    assert [c.outputs for c in colab.cells[1:] if c.cell_type == "code"] == fresh
