"""Lighter pages: the theme's unused scripts left out, figures light and laid out before they load.

- ``templates/layout.html`` (this folder, added to ``templates_path``) drops ``fontawesome.js``
  (1.5 MB; the theme's CSS draws its icons with the Font Awesome web font) and, except on the
  search page, the search index scripts, and keeps the home page's title from repeating the
  book's name. The template says why each one can go. The other templates here fix the theme's
  accessibility slips (each says which).
- Every ``<img>`` in a page's body gets ``loading="lazy"`` and ``decoding="async"``: a figure far
  down a lab is fetched when the reader scrolls near it, not with the page.
- A PNG that a notebook cell drew (in a cell's output or glued into a figure) is published as lossless WebP (the same pixels, about a third of
  the bytes) when that is smaller, with ``width`` and ``height`` attributes of half its pixels:
  ``scratchnn.plots`` draws figures in the "retina" format, twice as many pixels as the figure's
  width on screen. Without the width, the browser stretched every figure to the full text column;
  without the height, the page jumped as each figure arrived. The size of the figure's smallest
  text, which ``scratchnn.plots`` writes into the PNG (``scratchnn:smallest-text-px``), goes into
  the ``<img>`` as ``data-smallest-text-px`` for the browser check (tests/browser/test_screens.py).
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from docutils import nodes
from PIL import Image
from sphinx.application import Sphinx
from sphinx.config import Config

TEMPLATES = Path(__file__).parent / "templates"
IMG_TAG = re.compile(r"<img\b[^>]*>")
IMG_SIZE = re.compile(r'style="width: (?P<width>\d+)px; height: (?P<height>\d+)px;')
IMG_SRC = re.compile(r'src="(?P<src>[^"]+)"')
# The PNG text chunk in which scratchnn.plots records its smallest text, in the PNG's pixels.
FIGURE_TEXT_KEY = "scratchnn:smallest-text-px"


def add_templates(app: Sphinx, config: Config) -> None:
    config.templates_path = [str(TEMPLATES), *config.templates_path]
    if not config.html_sidebars:  # sphinx-book-theme's sidebar, the logo inside a landmark
        config.html_sidebars = {"**": ["book-home.html", "icon-links.html", "search-button-field.html", "sbt-sidebar-nav.html"]}


def lighter_figures(app: Sphinx, doctree: nodes.document) -> None:
    """Before Sphinx collects the page's images: WebP where it is smaller, and the figure's size."""
    figure_text = app.env.book_figure_text.setdefault(app.env.docname, {})
    build_folder = Path(app.outdir).parent  # myst-nb writes what cells draw to its jupyter_execute/
    for image in doctree.findall(nodes.image):
        uri = image.get("uri", "")
        png = Path(app.env.relfn2path(uri, app.env.docname)[1])
        if not uri.endswith(".png") or not png.is_relative_to(build_folder):
            continue
        with Image.open(png) as picture:
            picture.load()
            if "width" not in image:
                image["width"] = f"{picture.width // 2}px"
                image["height"] = f"{picture.height // 2}px"
            smallest_text = picture.text.get(FIGURE_TEXT_KEY)
            webp = png.with_suffix(".webp")
            if not webp.exists() or webp.stat().st_mtime < png.stat().st_mtime:
                picture.save(webp, "WEBP", lossless=True, method=4)
        if webp.stat().st_size < png.stat().st_size:
            uri = uri[: -len(".png")] + ".webp"
            image["uri"] = uri
            image["candidates"] = {"*": uri}
        if smallest_text:
            figure_text[Path(uri).name] = smallest_text


def forget_figures(app: Sphinx, env, docname: str) -> None:
    env.book_figure_text.pop(docname, None)


def merge_figures(app: Sphinx, env, docnames, other) -> None:
    env.book_figure_text.update(other.book_figure_text)


def start_figures(app: Sphinx, env, docnames) -> None:
    if not hasattr(env, "book_figure_text"):
        env.book_figure_text = {}


def image_attributes(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Lazy loading, and the size as attributes (docutils writes it as a style the theme overrides)."""
    if "body" not in context:
        return
    figure_text = app.env.book_figure_text.get(pagename, {})

    def rewrite(match: re.Match) -> str:
        tag = match.group(0)
        extra = "" if "loading=" in tag else ' loading="lazy" decoding="async"'
        size = IMG_SIZE.search(tag)
        if size and "width=" not in tag:
            extra += f' width="{size["width"]}" height="{size["height"]}"'
        source = IMG_SRC.search(tag)
        name = source and posixpath.basename(source["src"])
        if name in figure_text:
            extra += f' data-smallest-text-px="{figure_text[name]}"'
        return "<img" + extra + tag[len("<img"):]

    context["body"] = IMG_TAG.sub(rewrite, context["body"])


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", add_templates)
    app.connect("env-before-read-docs", start_figures)
    app.connect("env-purge-doc", forget_figures)
    app.connect("env-merge-info", merge_figures)
    # Before Sphinx's image collector (priority 500) registers the page's images.
    app.connect("doctree-read", lighter_figures, priority=400)
    app.connect("html-page-context", image_attributes)
    return {"version": "2.0", "parallel_read_safe": True, "parallel_write_safe": True}
