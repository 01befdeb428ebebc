"""Every page of the built book in headless Chromium, as a reader would see it.

One test per page (from _toc.yml): no console or script errors, every image loaded, math typeset,
no traceback, error or warning in any cell output, the launch and download buttons point at the
repository (one place: _config.yml), and a full-page screenshot in _build/screenshots/.
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


def toc_pages() -> list[str]:
    """Every page of the book, as docnames (``book/labs/lab-1-numpy-mlp``), in _toc.yml order."""
    toc = yaml.safe_load((REPO_ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc.get("parts", [{"chapters": toc.get("chapters", [])}]):
        walk(part.get("chapters", []))
    return pages


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
PAGES = toc_pages()
# Words that must not appear in any cell output (a failed or noisy execution).
BAD_OUTPUT = re.compile(r"Traceback|\b\w*Error\b|\b\w*Warning\b")

WAIT_FOR_IMAGES_AND_MATH = """
async () => {
  for (const img of document.images) img.loading = "eager";
  await Promise.all([...document.images].map(img => img.complete ? null :
      new Promise(done => { img.addEventListener("load", done); img.addEventListener("error", done); })));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
}
"""


def is_notebook_page(docname: str) -> bool:
    """Chapters with a kernelspec are executed notebooks (and get launch/download buttons)."""
    return "kernelspec:" in (REPO_ROOT / f"{docname}.md").read_text()


@pytest.mark.parametrize("docname", PAGES)
def test_page(docname, open_page, built_site: Path, screenshot_dir: Path):
    page, log = open_page(f"{docname}.html")
    page.evaluate(WAIT_FOR_IMAGES_AND_MATH)
    page.screenshot(path=str(screenshot_dir / f"{docname.replace('/', '--')}.png"), full_page=True)

    assert log.page_errors == [], "script errors"
    assert log.console_errors == [], "console errors"
    assert log.failed_requests == [], "local files that failed to load"
    assert log.blocked_requests == [], "the page requests files from the internet (ship them with the site)"

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
        assert (not code_cells) or any(c["outputs"] for c in code_cells), "the download has no outputs"


def test_dark_mode_switch(open_page):
    page, log = open_page(f"{PAGES[0]}.html")
    assert page.evaluate("() => document.documentElement.dataset.theme") == "light"
    switch = page.locator("button.theme-switch-button").first
    for _ in range(3):  # the switch cycles through light, dark and auto
        switch.click()
        if page.evaluate("() => document.documentElement.dataset.theme") == "dark":
            break
    assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") != "rgb(255, 255, 255)"
    assert log.page_errors == [] and log.console_errors == []


def test_search_finds_batchnorm(open_page):
    mentioning = [d for d in PAGES if "BatchNorm" in (REPO_ROOT / f"{d}.md").read_text()]
    assert mentioning, "no chapter mentions BatchNorm (the normalization chapters should)"
    page, log = open_page("search.html?q=BatchNorm")
    page.wait_for_selector("#search-results ul.search li", timeout=30_000)
    found = page.evaluate(
        "() => [...document.querySelectorAll('#search-results ul.search li a')].map(a => a.getAttribute('href'))"
    )
    found_pages = {href.split(".html")[0] for href in found}
    assert set(mentioning) & found_pages, f"search results {found} miss every page mentioning BatchNorm"
    assert log.page_errors == [] and log.console_errors == []


def test_mathjax_copy_matches_the_site(repo_root: Path, mathjax_prefix: str):
    """The local MathJax the tests serve is the version the site loads from the CDN."""
    version = json.loads((repo_root / "node_modules" / "mathjax" / "package.json").read_text())["version"]
    assert f"/mathjax@{version}/" in mathjax_prefix
