"""Every page of the built book in headless Chromium, as a reader would see it.

One test per page (from _toc.yml): no console or script errors, no missing file, every image
loaded, math typeset (when the book is built), no traceback, error or warning in any cell
output, the launch and download buttons point at the repository (one place: _config.yml), a
"Before this page" plan box, a meta description, figures drawn at about twice the width they are
shown at and loaded lazily, no sideways scrolling at 390 px, and a full-page screenshot at 1280 px
in _build/screenshots/ (test_screens.py checks every page at 1280 and 390 px, light and dark, axe-core
included).
Plus: the search page finds BatchNorm, and the dark-mode switch works.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
PHONE = {"width": 390, "height": 844}
# A figure's PNG is drawn at twice the width it is shown at (sharp on a 2x screen): allow the
# slack of matplotlib's tight bounding box, and catch figures drawn far too wide or too narrow.
FIGURE_PIXEL_RATIO = (1.6, 2.4)


pytestmark = [pytest.mark.browser, pytest.mark.slow]

CONFIG = yaml.safe_load((REPO_ROOT / "_config.yml").read_text())
# In GitHub Actions the build names the workflow's repository and branch (book/_ext/repository_address.py)
_ADDRESS = importlib.util.spec_from_file_location("repository_address", REPO_ROOT / "book/_ext/repository_address.py")
_address = importlib.util.module_from_spec(_ADDRESS)
_ADDRESS.loader.exec_module(_address)
REPOSITORY, BRANCH = _address.github_actions_repository(dict(os.environ)) or (
    CONFIG["repository"]["url"].rstrip("/"), CONFIG["repository"]["branch"]
)
ORG_REPO = REPOSITORY.split("github.com/")[1]
COLAB_BRANCH = CONFIG["sphinx"]["config"]["colab_branch"]
# Words that must not appear in any cell output (a failed or noisy execution).
BAD_OUTPUT = re.compile(r"Traceback|\b\w*Error\b|\b\w*Warning\b")

def is_notebook_page(docname: str) -> bool:
    """Chapters with a kernelspec are executed notebooks (and get launch/download buttons)."""
    return "kernelspec:" in (REPO_ROOT / f"{docname}.md").read_text()


def test_page(docname, open_page, settle_page, built_site: Path, screenshot_dir: Path):
    page, log = open_page(f"{docname}.html")
    lazy = page.evaluate("() => [...document.querySelectorAll('article.bd-article img')].map(i => i.loading)")
    assert set(lazy) <= {"lazy"}, "images that load with the page instead of when scrolled to"
    settle_page(page)
    shot = screenshot_dir / docname.replace("/", "--")
    page.screenshot(path=f"{shot}.png", full_page=True)

    assert log.page_errors == [], "script errors"
    assert log.console_errors == [], "console errors"
    assert log.failed_requests == [], "local files that failed to load"
    assert log.missing_files == [], "files the page asks the site for and the site lacks"
    assert log.blocked_requests == [], "the page requests files from the internet (ship them with the site)"

    description = page.evaluate(
        "() => document.querySelector('meta[name=description]')?.content || ''"
    )
    assert len(description) >= 40, "no meta description"

    ratios = page.evaluate(
        "() => [...document.querySelectorAll('main .cell_output img, main figure img')]"
        ".filter(i => i.clientWidth > 0)"
        ".map(i => [i.getAttribute('src'), i.naturalWidth, i.clientWidth])"
    )
    low, high = FIGURE_PIXEL_RATIO
    off = [f"{src}: {natural} px shown at {shown} px" for src, natural, shown in ratios
           if not low <= natural / shown <= high]  # fmt: skip
    assert off == [], f"figures not drawn at {low}-{high}x the width they are shown at"

    page.set_viewport_size(PHONE)
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        page.screenshot(path=f"{shot}--390.png", full_page=True)
    wide = page.evaluate(
        """() => [...document.querySelectorAll('main *')].filter(e => {
             const r = e.getBoundingClientRect();
             return r.right > document.documentElement.clientWidth + 1 && r.width > 0 &&
                    !e.closest('pre, .highlight, .table-wrapper, .pst-scrollable-table-container, mjx-container');
           }).slice(0, 5).map(e => e.tagName + '.' + e.className)"""
    )
    assert overflow <= 0, f"the page scrolls sideways at 390 px by {overflow} px; widest: {wide}"

    plans = page.evaluate("() => [...document.querySelectorAll('main .admonition.page-plan')].map(p => p.innerText)")
    assert len(plans) == 1 and re.search(r"\b\d+(–\d+)? ?(minutes|min|hours?|h)\b", plans[0]), (
        f"no plan box ('Before this page · about N minutes', class page-plan) with a time: {plans}"
    )

    broken = page.evaluate(
        "() => [...document.images].filter(i => !(i.naturalWidth > 0)).map(i => i.getAttribute('src'))"
    )
    assert broken == [], "images that did not load"
    without_alt = page.evaluate(
        "() => [...document.querySelectorAll('main img')].filter(i => !i.hasAttribute('alt'))"
        ".map(i => i.getAttribute('src'))"
    )
    assert without_alt == [], "images without alt text"

    untypeset = page.evaluate(
        "() => [...document.querySelectorAll('main .math')].filter(m => !m.querySelector('mjx-container'))"
        ".map(m => m.textContent.slice(0, 60))"
    )
    assert untypeset == [], "math that MathJax did not typeset"

    outputs = page.evaluate(
        "() => [...document.querySelectorAll('.cell_output')].map(o => o.innerText)"
    )
    bad = [match.group(0) for text in outputs for match in [BAD_OUTPUT.search(text)] if match]
    assert bad == [], "cell outputs with a traceback, error or warning"

    links = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)")
    assert REPOSITORY in links, "repository button"
    if is_notebook_page(docname):
        binder = f"https://mybinder.org/v2/gh/{ORG_REPO}/{BRANCH}?urlpath=lab/tree/{docname}.md"
        colab = f"https://colab.research.google.com/github/{ORG_REPO}/blob/{COLAB_BRANCH}/{docname}.ipynb"
        assert binder in links, "Binder launch button"
        assert colab in links, "Colab launch button"
        colab_notebook = built_site / "_notebooks" / f"{docname}.ipynb"
        assert colab_notebook.is_file(), "the notebook the Colab button opens is not published"

        download = page.evaluate(
            "() => [...document.querySelectorAll('a.dropdown-item')]"
            ".filter(a => a.textContent.trim() === '.ipynb').map(a => a.href)"
        )
        assert len(download) == 1, "the .ipynb download button"
        response = page.request.get(download[0])
        assert response.ok, f"{download[0]}: HTTP {response.status}"
        notebook = json.loads(response.body())
        code_cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
        assert all("outputs" in c for c in code_cells)
        # The download carries the outputs the page shows (a page whose only cell is silent setup has none).
        shown_outputs = page.evaluate("() => document.querySelectorAll('main .cell_output').length")
        downloaded_outputs = sum(len(c["outputs"]) for c in code_cells)
        assert (downloaded_outputs > 0) == (shown_outputs > 0), (
            f"the page shows {shown_outputs} cell outputs, the download carries {downloaded_outputs}"
        )


def test_dark_mode_switch(open_page, toc_pages):
    page, log = open_page(f"{toc_pages[0]}.html")
    assert page.evaluate("() => document.documentElement.dataset.theme") == "light"
    switch = page.locator("button.theme-switch-button").first
    for _ in range(3):  # the switch cycles through light, dark and auto
        switch.click()
        if page.evaluate("() => document.documentElement.dataset.theme") == "dark":
            break
    assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") != "rgb(255, 255, 255)"
    assert log.page_errors == [] and log.console_errors == []


def test_search_finds_batchnorm(open_page, toc_pages):
    mentioning = [d for d in toc_pages if "BatchNorm" in (REPO_ROOT / f"{d}.md").read_text()]
    assert mentioning, "no chapter mentions BatchNorm (the normalization chapters should)"
    page, log = open_page("search.html?q=BatchNorm")
    page.wait_for_selector("#search-results ul.search li", timeout=30_000)
    found = page.evaluate(
        "() => [...document.querySelectorAll('#search-results ul.search li a')].map(a => a.getAttribute('href'))"
    )
    found_pages = {href.split(".html")[0] for href in found}
    assert set(mentioning) & found_pages, f"search results {found} miss every page mentioning BatchNorm"
    assert log.page_errors == [] and log.console_errors == []


def test_maths_is_typeset_when_the_book_is_built(built_site: Path):
    """Formulas arrive as MathJax's SVG with a MathML copy for screen readers; no page loads MathJax."""
    page_source = (built_site / "book" / "topics" / "01-perceptron-to-mlp.html").read_text()
    assert '<mjx-container class="MathJax" jax="SVG"' in page_source
    assert '<svg id="MJX-SVG-global-cache"' in page_source, "the glyphs the formulas use"
    assert "<mjx-assistive-mml" in page_source, "the MathML copy for screen readers"
    loading = [str(path.relative_to(built_site)) for path in built_site.rglob("*.html")
               if re.search(r"<script[^>]*mathjax", path.read_text(), re.IGNORECASE)]  # fmt: skip
    assert loading == [], "pages that still load MathJax in the browser"
