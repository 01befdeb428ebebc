"""Notebooks with outputs for every chapter: the page's .ipynb download and a Colab-ready copy.

Both read like the page (book/_ext/notebook_markdown.py): ``remove-cell`` cells (build plumbing)
are dropped, the prose's glue roles carry the computed values, ``{literalinclude}`` the included
code, admonitions, exercises and solutions are plain markdown, cross-references link to the
published site, and a figure's caption (``mystnb.figure.caption``) is a markdown cell under it. A
lab's gated solution becomes the learner's attempt (stubs), the self-check and the solution shut in
a ``<details>`` block that "run all" never executes (book/_ext/exercise_cells.py). Cell ids derive
from the cells' content, so a rebuild that changes one page does not rewrite every notebook.

1. Downloads. sphinx-book-theme offers ``_sources/<page>.ipynb`` (copied from myst-nb's
   ``<build>/jupyter_execute/<page>.ipynb``) as the page's notebook download. myst-nb 1.4.0 writes
   that file with outputs only when the chapter actually executed in this build; when the outputs
   came from the execution cache it writes the notebook *without* them (it saves its input
   notebook, not the merged one). On ``build-finished`` we merge the cached outputs back, then
   write the readable notebook as the download.

2. Colab. Colab opens notebooks from a GitHub path and needs ``.ipynb``; the chapters are MyST
   markdown, and generated ``.ipynb`` must not be committed next to them (Sphinx would see two
   documents with one name). So each readable notebook is also written to
   ``<html>/_notebooks/<page>.ipynb`` with one extra first cell (book/_ext/colab_setup.py) that, only
   on Colab, clones the repository, installs the package with the extras the chapter imports and
   moves into the chapter's folder; and the theme's Colab button (which would link ``<page>.md`` on
   the source branch, a file Colab cannot open) is re-pointed at
   ``<colab_url>/github/<org>/<repo>/blob/<colab_branch>/<page>.ipynb``. The deploy workflow
   (``.github/workflows/book.yml``) pushes ``_build/html/_notebooks`` to that branch (default
   ``notebooks``), so the links resolve once the site is deployed.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import nbformat
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util import docname_join

sys.path.insert(0, str(Path(__file__).parent))  # the helper modules next to this extension
import colab_setup  # noqa: E402
import exercise_cells  # noqa: E402
import notebook_markdown  # noqa: E402

logger = logging.getLogger(__name__)

NOTEBOOKS_DIR = "_notebooks"
REMOVE_CELL = "remove-cell"


def _theme_options(app: Sphinx) -> dict:
    return app.config.html_theme_options or {}


def _github_org_repo(repository_url: str) -> tuple[str, str] | None:
    if "github.com/" not in repository_url:
        return None
    org, repo = repository_url.rstrip("/").split("github.com/")[-1].split("/")[:2]
    return org, repo.removesuffix(".git")


def site_url(app: Sphinx) -> str:
    """The published site's root URL, ending in ``/`` (config ``book_site_url``, else GitHub Pages)."""
    if app.config.book_site_url:
        return app.config.book_site_url.rstrip("/") + "/"
    org_repo = _github_org_repo(_theme_options(app).get("repository_url", ""))
    if org_repo is None:
        return ""
    org, repo = org_repo
    return f"https://{org}.github.io/{repo}/"


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


def _markdown_cells(source: str, metadata: dict, context) -> list[nbformat.NotebookNode]:
    """The converted markdown cell (none when nothing is left of it)."""
    text, attachments = notebook_markdown.notebook_markdown(source, context)
    if not text.strip():
        return []
    cell = nbformat.v4.new_markdown_cell(text, metadata=dict(metadata))
    if attachments:
        cell.attachments = attachments
    return [cell]


def _figure_caption(cell, context) -> list[nbformat.NotebookNode]:
    caption = cell.metadata.get("mystnb", {}).get("figure", {}).get("caption")
    if cell.cell_type != "code" or not caption:
        return []
    text, _ = notebook_markdown.notebook_markdown(caption.strip(), context)
    return [nbformat.v4.new_markdown_cell(f"*Figure: {text}*", metadata={"tags": ["figure-caption"]})]


def learner_code_cells(solution_code: list[str]) -> list[nbformat.NotebookNode]:
    """What the learner's notebook runs in place of a gated solution whose code cells are
    ``solution_code``: the attempt, and the self-check when the solution has checks (exercise_cells)."""
    cells = [nbformat.v4.new_code_cell(exercise_cells.attempt_source(solution_code), metadata={"tags": ["attempt"]})]
    if check := exercise_cells.self_check_source(solution_code):
        cells.append(nbformat.v4.new_code_cell(check, metadata={"tags": ["self-check"]}))
    return cells


def _learner_exercise(solution: list, context) -> list[nbformat.NotebookNode]:
    """A gated solution's cells (``("markdown", MyST)`` / ``("code", source)``) as the learner's
    attempt, the self-check and the solution shut in a ``<details>`` block (exercise_cells)."""
    cells = learner_code_cells([text for kind, text in solution if kind == "code"])
    parts, attachments = [], {}
    for kind, text in solution:
        if kind == "markdown":
            text, found = notebook_markdown.notebook_markdown(text, context)
            attachments.update(found)
        parts.append((kind, text))
    closed = nbformat.v4.new_markdown_cell(exercise_cells.solution_markdown(parts), metadata={"tags": ["solution"]})
    if attachments:
        closed.attachments = attachments
    return [*cells, closed]


def _check_solution_names(cells: list[tuple[str, str]]) -> None:
    used = exercise_cells.names_only_solutions_define(cells)
    if used:
        names = sorted(set().union(*used.values()))
        raise notebook_markdown.ConversionError(
            f"a visible cell uses {', '.join(names)}, which only a solution defines: in the learner's "
            "notebook the solution does not run, so that cell would fail (define it in a visible cell)"
        )


def gated_solutions(cells: Iterable[nbformat.NotebookNode]) -> Iterator[tuple]:
    """``cells`` in page order with each gated solution gathered: ``("cell", cell)`` outside a
    solution (a markdown cell as ``("text", cell, text)``, once per text between markers) and, at
    each ``{solution-end}``, ``("solution", parts)``, parts being ``("code", cell)`` and
    ``("markdown", MyST)``."""
    solution = None  # while inside a gated solution: its parts
    for cell in cells:
        if cell.cell_type == "code" and solution is not None:
            solution.append(("code", cell))
        elif cell.cell_type != "markdown":
            yield "cell", cell
        else:
            for kind, text in notebook_markdown.split_at_solution_markers(cell.source):
                if kind == "solution-start":
                    solution = []
                elif kind == "solution-end" and solution is not None:
                    yield "solution", solution
                    solution = None
                elif solution is not None:
                    solution.append(("markdown", text))
                elif kind == "text":
                    yield "text", cell, text
    if solution is not None:
        raise notebook_markdown.ConversionError("a {solution-start} without its {solution-end}")


def readable_notebook(executed: nbformat.NotebookNode, context) -> nbformat.NotebookNode:
    """The notebook a learner gets: what the page shows, in cells Jupyter and Colab render.

    ``context`` is a :class:`notebook_markdown.PageContext`; its glue values come from ``executed``
    (removed cells included: that is where the chapters glue). A gated solution becomes the
    learner's attempt, the self-check and the closed solution (book/_ext/exercise_cells.py).
    """
    context.glue = notebook_markdown.glue_values(executed)
    notebook = nbformat.from_dict(executed)
    cells = []
    code_order = []  # ("visible" | "solution", source) of every code cell, for the name check
    shown = (cell for cell in notebook.cells if REMOVE_CELL not in cell.metadata.get("tags", []))
    for kind, *found in gated_solutions(shown):
        if kind == "solution":
            solution = [(part, item.source if part == "code" else item) for part, item in found[0]]
            code_order += [("solution", text) for part, text in solution if part == "code"]
            exercise = _learner_exercise(solution, context)
            cells += exercise
            code_order += [("visible", c.source) for c in exercise if c.cell_type == "code"]
        elif kind == "text":
            cell, text = found
            cells += _markdown_cells(text, cell.metadata, context)
        elif found[0].cell_type == "code":
            cells += [found[0], *_figure_caption(found[0], context)]
            code_order.append(("visible", found[0].source))
        else:
            cells.append(found[0])
    _check_solution_names(code_order)
    notebook.cells = cells
    for build_only in ("jupytext", "source_map"):  # the build's bookkeeping, not the learner's
        notebook.metadata.pop(build_only, None)
    return with_stable_ids(notebook)


def with_stable_ids(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Cell ids derived from each cell's type and source (the n-th repeat gets ``-n``): a rebuild
    that changes one cell changes one id, and the published notebooks do not churn."""
    seen: dict[str, int] = {}
    for cell in notebook.cells:
        digest = hashlib.sha256(f"{cell.cell_type}\0{cell.source}".encode()).hexdigest()[:16]
        seen[digest] = seen.get(digest, 0) + 1
        cell.id = digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"
    return notebook


def colab_notebook(readable: nbformat.NotebookNode, setup_source: str) -> nbformat.NotebookNode:
    """``readable`` with the Colab setup cell first."""
    notebook = nbformat.from_dict(readable)
    setup = nbformat.v4.new_code_cell(setup_source, metadata={"tags": [colab_setup.SETUP_CELL_TAG]})
    notebook.cells.insert(0, setup)
    return with_stable_ids(notebook)


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


def _bibliography_url(app: Sphinx) -> str | None:
    for docname in sorted(app.env.found_docs):
        if "{bibliography}" in Path(app.env.doc2path(docname)).read_text(errors="ignore"):
            return f"{site_url(app)}{docname}.html"
    return None


def page_context(app: Sphinx, docname: str) -> notebook_markdown.PageContext:
    """How one page's MyST becomes notebook markdown: links into the published site."""
    env = app.env
    root = site_url(app)
    labels = env.domaindata["std"]["labels"]
    anonymous = env.domaindata["std"]["anonlabels"]

    def resolve_label(label: str):
        if label in labels:
            target_doc, anchor, title = labels[label]
        elif label in anonymous:
            target_doc, anchor = anonymous[label]
            title = label
        else:
            return None
        return f"{root}{target_doc}.html#{anchor}", title

    def resolve_doc(target: str):
        target_doc = docname_join(docname, target.removesuffix(".md"))
        if target_doc not in env.titles:
            return None
        return f"{root}{target_doc}.html", env.titles[target_doc].astext()

    return notebook_markdown.PageContext(
        source_dir=Path(env.doc2path(docname)).parent,
        substitutions={k: str(v) for k, v in (app.config.myst_substitutions or {}).items()},
        resolve_label=resolve_label,
        resolve_doc=resolve_doc,
        bibliography_url=_bibliography_url(app),
    )


def setup_cell_for(app: Sphinx, docname: str, readable: nbformat.NotebookNode) -> str:
    options = _theme_options(app)
    srcdir = Path(app.srcdir)
    package_dir = app.config.colab_package_subdirectory
    package_src = srcdir / package_dir / "src" / app.config.colab_package_name
    code = [cell.source for cell in readable.cells if cell.cell_type == "code"]
    return colab_setup.setup_cell_source(
        url=options.get("repository_url", ""),
        branch=options.get("repository_branch", "main"),
        package_dir=package_dir,
        extras=colab_setup.required_extras(code, package_src, srcdir / package_dir / "pyproject.toml"),
        # the chapter's folder relative to the repository root (the build's source folder)
        chapter_dir=str(Path(app.env.doc2path(docname)).parent.relative_to(srcdir)),
    )


def write_executed_notebooks(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    executed_root = outdir.parent / "jupyter_execute"
    cache = _execution_cache(app)
    written = 0
    for docname in sorted(app.env.found_docs):
        executed_path = executed_root / f"{docname}.ipynb"
        if not executed_path.is_file():
            continue
        notebook = with_cached_outputs(nbformat.read(executed_path, as_version=4), cache)
        nbformat.write(notebook, executed_path)
        try:
            readable = readable_notebook(notebook, page_context(app, docname))
            setup_source = setup_cell_for(app, docname, readable)
        except (notebook_markdown.ConversionError, ValueError, OSError) as error:
            logger.warning(f"[executed_notebooks] {docname}: {error}", location=docname)
            continue
        download = outdir / "_sources" / f"{docname}.ipynb"
        if download.is_file():  # the theme offers it on this page
            nbformat.write(readable, download)
        colab_path = outdir / NOTEBOOKS_DIR / f"{docname}.ipynb"
        colab_path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(colab_notebook(readable, setup_source), colab_path)
        written += 1
    logger.info(
        f"[executed_notebooks] {written} readable notebooks with outputs: _sources/ (downloads) and "
        f"{NOTEBOOKS_DIR}/ (Colab)"
    )


def setup(app: Sphinx) -> dict:
    app.add_config_value("colab_branch", "notebooks", "html", [str])
    app.add_config_value("colab_package_name", "scratchnn", "html", [str])
    app.add_config_value("colab_package_subdirectory", "code", "html", [str])
    # The published site (links in the notebooks point there); empty: <org>.github.io/<repo>/.
    app.add_config_value("book_site_url", "", "html", [str])
    # After sphinx-book-theme's add_launch_buttons (priority 501) has built the button list.
    app.connect("html-page-context", repoint_colab_button, priority=502)
    app.connect("build-finished", write_executed_notebooks)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
