"""Serve MathJax from the site itself, so formulas render offline (a downloaded site, a classroom).

The MathJax build is the npm package pinned in ``package.json`` (``npm ci``, which ``make book``
runs through ``make node``). After an HTML build, this copies the parts of its ``es5`` folder that
``tex-mml-chtml.js`` loads (TeX extensions it autoloads, the CommonHTML fonts, the menu's
accessibility and speech modules) to ``_static/mathjax/`` in the site; ``_config.yml`` points
``mathjax_path`` at ``mathjax/tex-mml-chtml.js`` there. Nothing is committed: the copy is made
on every build from ``node_modules``. A missing package stops the build with what to run.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

# node_modules of the repository this extension belongs to (book/_ext/ -> the repository root).
PACKAGE = Path(__file__).resolve().parents[2] / "node_modules" / "mathjax"
ENTRY = "tex-mml-chtml.js"
# What tex-mml-chtml.js fetches at run time, relative to es5/.
RUNTIME_PARTS = ["a11y", "input/tex/extensions", "output/chtml/fonts/woff-v2", "sre", "ui"]
TARGET = Path("_static") / "mathjax"


def check_package(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    entry = PACKAGE / "es5" / ENTRY
    if not entry.is_file():
        raise ExtensionError(
            f"offline_mathjax: {entry} is missing. The site serves MathJax from the pinned npm "
            "package: run `npm ci` (or `make node`) in the repository root, then build again."
        )


def copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    source = PACKAGE / "es5"
    target = Path(app.outdir) / TARGET
    version = json.loads((PACKAGE / "package.json").read_text())["version"]
    stamp = target / "VERSION"
    if stamp.is_file() and stamp.read_text() == version:
        return  # this version is already in the site
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copy2(source / ENTRY, target / ENTRY)
    shutil.copy2(PACKAGE / "LICENSE", target / "LICENSE")
    for part in RUNTIME_PARTS:
        shutil.copytree(source / part, target / part)
    stamp.write_text(version)


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", check_package)
    app.connect("build-finished", copy_mathjax)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
