"""The site as a whole in headless Chromium: the dark-mode switch works, the search page finds
BatchNorm, and the maths arrives typeset. Every page on its own is checked by test_screens.py (one
load per page and width: what it shows at 1280 and 390 px, light and dark, axe-core included, and
what a reader needs of it at 1280 px).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


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
