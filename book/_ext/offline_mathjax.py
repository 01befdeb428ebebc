"""Maths typeset when the book is built, by MathJax itself: pages carry finished SVG, no script.

The browser used to download MathJax (1.1 MB of script, on most pages) and typeset every formula
after the page had loaded: the page jumped as formulas took their size, and a phone spent more
than a second on it (Lighthouse mobile 35-79). Now Sphinx's HTML math renderer is this one: each
formula goes to MathJax's own Node.js build (the npm package pinned in ``package.json``, which
``make book`` installs through ``make node``), through ``mathjax_svg.js`` in this folder, and the
page gets what MathJax would have drawn in the browser: an SVG (glyph shapes written once per
page) with a MathML copy for screen readers. Formulas scale with the text, follow the dark theme
(``currentColor``) and cost no script.

A formula MathJax cannot parse, or a macro it does not know, is a build warning (so the strict
build fails) naming the page and the formula. A missing package stops the build with what to run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

logger = logging.getLogger(__name__)

# node_modules of the repository this extension belongs to (book/_ext/ -> the repository root).
PACKAGE = Path(__file__).resolve().parents[2] / "node_modules" / "mathjax"
RENDERER = Path(__file__).with_name("mathjax_svg.js")
STYLESHEET = "mathjax-svg.css"


class MathJax:
    """One Node.js process for the whole build, answering one formula at a time."""

    def __init__(self) -> None:
        node = shutil.which("node")
        if node is None or not (PACKAGE / "es5" / "node-main.js").is_file():
            raise ExtensionError(
                f"offline_mathjax: {'node is not installed' if node is None else f'{PACKAGE} is missing'}. "
                "The build typesets maths with the pinned npm package mathjax: install Node.js and run "
                "`npm ci` (or `make node`) in the repository root, then build again."
            )
        self._stderr = tempfile.TemporaryFile(mode="w+")
        self._process = subprocess.Popen(
            [node, str(RENDERER), str(PACKAGE / "es5")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, text=True, encoding="utf-8",
        )  # fmt: skip

    def ask(self, **request) -> dict:
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            self._stderr.seek(0)
            raise ExtensionError(f"offline_mathjax: MathJax (node {RENDERER.name}) stopped:\n{self._stderr.read()}")
        return json.loads(line)

    def close(self) -> None:
        self._process.stdin.close()
        self._process.wait(timeout=30)
        self._stderr.close()


def _mathjax(app: Sphinx) -> MathJax:
    if getattr(app, "_book_mathjax", None) is None:
        app._book_mathjax = MathJax()
    return app._book_mathjax


def _typeset(translator, node: nodes.Element, tex: str, display: bool) -> str:
    answer = _mathjax(translator.builder.app).ask(tex=tex, display=display)
    if answer["error"]:
        logger.warning("MathJax cannot typeset %r: %s", tex, answer["error"], location=node)
    return answer["html"]


def visit_math(self, node: nodes.math) -> None:
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate nohighlight"))
    self.body.append(_typeset(self, node, node.astext(), display=False) + "</span>")
    raise nodes.SkipNode


def visit_displaymath(self, node: nodes.math_block) -> None:
    """As ``sphinx.ext.mathjax`` writes a displayed formula, typeset instead of left as TeX."""
    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight"))
    if node["nowrap"]:
        tex = node.astext()
    else:
        if node["number"]:
            self.body.append(f'<span class="eqno">({get_node_equation_number(self, node)})')
            self.add_permalink_ref(node, _("Link to this equation"))
            self.body.append("</span>")
        parts = [part for part in node.astext().split("\n\n") if part.strip()]
        parts = [rf"\begin{{split}}{part}\end{{split}}" if r"\\" in part else part for part in parts]
        tex = r"\\".join(parts)
        if len(parts) > 1:
            tex = rf"\begin{{align}}\begin{{aligned}}{tex}\end{{aligned}}\end{{align}}"
    self.body.append(_typeset(self, node, tex, display=True) + "</div>\n")
    raise nodes.SkipNode


def add_glyphs(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Put the glyph shapes this page's formulas use at the top of its body (none: nothing)."""
    if getattr(app, "_book_mathjax", None) is None or "body" not in context:
        return
    glyphs = app._book_mathjax.ask(defs=True)["html"]
    if "<path" in glyphs:
        context["body"] = glyphs + context["body"]


def write_stylesheet(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    css = _mathjax(app).ask(css=True)["css"]
    (Path(app.outdir) / "_static" / STYLESHEET).write_text(css, encoding="utf-8")
    app._book_mathjax.close()
    app._book_mathjax = None


def use_this_renderer(app: Sphinx, config) -> None:
    config.html_math_renderer = "mathjax_svg"


def setup(app: Sphinx) -> dict:
    app.add_html_math_renderer("mathjax_svg", (visit_math, None), (visit_displaymath, None))
    app.connect("config-inited", use_this_renderer)
    app.add_css_file(STYLESHEET)
    app.add_js_file("scrollable-maths.js", defer="defer")  # book/_static: wide formulas on phones
    app.connect("html-page-context", add_glyphs)
    app.connect("build-finished", write_stylesheet)
    return {"version": "2.0", "parallel_read_safe": True, "parallel_write_safe": False}
