"""Notebooks with outputs for every chapter: the page's .ipynb download and a Colab-ready copy.

1. Downloads. sphinx-book-theme offers ``_sources/<page>.ipynb`` (copied from myst-nb's
   ``<build>/jupyter_execute/<page>.ipynb``) as the page's notebook download. myst-nb 1.4.0 writes
   that file with outputs only when the chapter actually executed in this build; when the outputs
   came from the execution cache it writes the notebook *without* them (it saves its input
   notebook, not the merged one). On ``build-finished`` we merge the cached outputs back into both
   files, so the download always carries the outputs shown on the page.

2. Colab. Colab opens notebooks from a GitHub path and needs ``.ipynb``; the chapters are MyST
   markdown, and generated ``.ipynb`` must not be committed next to them (Sphinx would see two
   documents with one name). So each executed notebook is also written to
   ``<html>/_notebooks/<page>.ipynb`` with one extra first cell that, only when running on Colab,
   pip-installs the book's package from the repository; and the theme's Colab button (which would
   link ``<page>.md`` on the source branch, a file Colab cannot open) is re-pointed at
   ``<colab_url>/github/<org>/<repo>/blob/<colab_branch>/<page>.ipynb``. The deploy workflow
   (``.github/workflows/book.yml``) pushes ``_build/html/_notebooks`` to that branch (default
   ``notebooks``), so the links resolve once the site is deployed.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

NOTEBOOKS_DIR = "_notebooks"
SETUP_CELL_TAG = "colab-setup"

SETUP_CELL = """\
# On Google Colab only: install this book's package first (Binder and `make lab` already have it).
import subprocess
import sys

if "google.colab" in sys.modules:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", {requirement!r}],
        check=True,
    )"""


def _theme_options(app: Sphinx) -> dict:
    return app.config.html_theme_options or {}


def _github_org_repo(repository_url: str) -> tuple[str, str] | None:
    if "github.com/" not in repository_url:
        return None
    org, repo = repository_url.rstrip("/").split("github.com/")[-1].split("/")[:2]
    return org, repo.removesuffix(".git")


def pip_requirement(app: Sphinx) -> str:
    """The pip requirement that installs the package on Colab (config ``colab_pip_requirement``)."""
    if app.config.colab_pip_requirement:
        return app.config.colab_pip_requirement
    options = _theme_options(app)
    url = options.get("repository_url", "").rstrip("/")
    branch = options.get("repository_branch", "main")
    return (
        f"{app.config.colab_package_name} @ git+{url}@{branch}"
        f"#subdirectory={app.config.colab_package_subdirectory}"
    )


def colab_url_for(app: Sphinx, pagename: str) -> str | None:
    options = _theme_options(app)
    colab_url = options.get("launch_buttons", {}).get("colab_url", "").rstrip("/")
    org_repo = _github_org_repo(options.get("repository_url", ""))
    if not colab_url or org_repo is None:
        return None
    org, repo = org_repo
    return f"{colab_url}/github/{org}/{repo}/blob/{app.config.colab_branch}/{pagename}.ipynb"


def repoint_colab_button(app, pagename, templatename, context, doctree) -> None:
    url = colab_url_for(app, pagename)
    if url is None:
        return
    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        for button in group.get("buttons", []):
            if button.get("text") == "Colab":
                button["url"] = url


def colab_notebook(executed: nbformat.NotebookNode, requirement: str) -> nbformat.NotebookNode:
    """A copy of ``executed`` with the Colab install cell first and the jupytext pairing dropped."""
    notebook = nbformat.from_dict(executed)
    setup = nbformat.v4.new_code_cell(
        SETUP_CELL.format(requirement=requirement), metadata={"tags": [SETUP_CELL_TAG]}
    )
    notebook.cells.insert(0, setup)
    notebook.metadata.pop("jupytext", None)
    return notebook


def with_cached_outputs(notebook: nbformat.NotebookNode, cache) -> nbformat.NotebookNode:
    """``notebook`` with the outputs of its execution-cache record (unchanged if it has none)."""
    if cache is None:
        return notebook
    try:
        _, merged = cache.merge_match_into_notebook(notebook)
    except KeyError:
        return notebook
    return merged


def _execution_cache(app: Sphinx):
    config = app.env.mystnb_config
    if config.execution_mode != "cache" or not config.execution_cache_path:
        return None
    from jupyter_cache import get_cache

    return get_cache(config.execution_cache_path)


def write_executed_notebooks(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    executed_root = outdir.parent / "jupyter_execute"
    cache = _execution_cache(app)
    requirement = pip_requirement(app)
    written = 0
    for docname in sorted(app.env.found_docs):
        executed_path = executed_root / f"{docname}.ipynb"
        if not executed_path.is_file():
            continue
        notebook = with_cached_outputs(nbformat.read(executed_path, as_version=4), cache)
        nbformat.write(notebook, executed_path)
        download = outdir / "_sources" / f"{docname}.ipynb"
        if download.is_file():  # the theme offers it on this page
            nbformat.write(notebook, download)
        colab_path = outdir / NOTEBOOKS_DIR / f"{docname}.ipynb"
        colab_path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(colab_notebook(notebook, requirement), colab_path)
        written += 1
    logger.info(
        f"[executed_notebooks] {written} notebooks with outputs: _sources/ (downloads) and "
        f"{NOTEBOOKS_DIR}/ (Colab)"
    )


def setup(app: Sphinx) -> dict:
    app.add_config_value("colab_branch", "notebooks", "html", [str])
    app.add_config_value("colab_package_name", "scratchnn", "html", [str])
    app.add_config_value("colab_package_subdirectory", "code", "html", [str])
    app.add_config_value("colab_pip_requirement", "", "html", [str])
    # After sphinx-book-theme's add_launch_buttons (priority 501) has built the button list.
    app.connect("html-page-context", repoint_colab_button, priority=502)
    app.connect("build-finished", write_executed_notebooks)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
