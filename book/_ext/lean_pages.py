"""Lighter pages: the theme's unused scripts left out, and images loaded when they come into view.

- ``templates/layout.html`` (this folder, added to ``templates_path``) drops ``fontawesome.js``
  (1.5 MB; the theme's CSS draws its icons with the Font Awesome web font) and, except on the
  search page, the search index scripts, and keeps the home page's title from repeating the
  book's name. The template says why each one can go.
- Every ``<img>`` in a page's body gets ``loading="lazy"`` and ``decoding="async"``: a figure far
  down a lab is fetched when the reader scrolls near it, not with the page.
- MathJax (1.1 MB) only on pages that show math. Sphinx also loads it on a page whose toctree
  includes pages with math, which here is the home page (its toctree holds the whole book).
- A PNG that a notebook cell drew gets a width of half its pixels: ``scratchnn.plots`` draws
  figures in the "retina" format, twice as many pixels as the figure's width on screen. Without
  the width, the browser stretched every figure to the full text column, whatever its size.
"""

from __future__ import annotations

import re
from pathlib import Path

import imagesize
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config

TEMPLATES = Path(__file__).parent / "templates"
IMG_TAG = re.compile(r"<img (?![^>]*\bloading=)")


def add_templates(app: Sphinx, config: Config) -> None:
    config.templates_path = [str(TEMPLATES), *config.templates_path]


def _in_cell_output(node: nodes.Node) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, nodes.container) and parent.get("nb_element") == "cell_code_output":
            return True
        parent = parent.parent
    return False


def retina_widths(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for image in doctree.findall(nodes.image):
        uri = image.get("uri", "")
        if "width" in image or not uri.endswith(".png") or not _in_cell_output(image):
            continue
        pixels_wide, _ = imagesize.get(str(Path(app.srcdir) / uri))
        if pixels_wide > 1:
            image["width"] = f"{pixels_wide // 2}px"


def lazy_images(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if "body" in context:
        context["body"] = IMG_TAG.sub('<img loading="lazy" decoding="async" ', context["body"])


def mathjax_only_with_math(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if app.env.get_domain("math").data["has_equations"].get(pagename):
        return
    scripts = context.get("script_files")
    if scripts is None:
        return
    # The MathJax file itself, and the inline `window.MathJax = {...}` configuration before it.
    scripts[:] = [
        script
        for script in scripts
        if not (script.filename or "").endswith(app.config.mathjax_path)
        and not (script.attributes.get("body") or "").startswith("window.MathJax")
    ]


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", add_templates)
    app.connect("doctree-resolved", retina_widths)
    app.connect("html-page-context", lazy_images)
    # After sphinx.ext.mathjax (priority 500) has added its scripts to the page.
    app.connect("html-page-context", mathjax_only_with_math, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
