"""Headless Chromium over the built site (the session's ``built_site``), served on 127.0.0.1.

The browser runs offline and hermetic: requests to anything but the local server are recorded and
fail (the browser's only proxy is a closed local port; the local server is reached directly). The
site serves everything itself, MathJax included (``book/_ext/offline_mathjax.py`` copies the pinned
npm package into the site). axe-core (pinned in ``package.json``) is served beside it and added to
each page for the accessibility checks.

Missing Chromium or axe-core FAILS the tests, naming what is missing: ``make test`` installs both
(``apt-get install -y chromium`` when root; ``npm ci``).
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Every request but the local server's goes to this proxy, a port nothing listens on: it fails at once.
# (Not page.route: a routed page gets no HTTP cache and every request makes a round trip through Python.)
NO_INTERNET = {"server": "http://127.0.0.1:9", "bypass": "127.0.0.1"}
REPO_ROOT = Path(__file__).resolve().parents[2]


def read_toc_pages() -> list[str]:
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


def pytest_generate_tests(metafunc):
    """A test that takes ``docname`` runs once per page of the book."""
    if "docname" in metafunc.fixturenames:
        metafunc.parametrize("docname", read_toc_pages())


def pytest_collection_modifyitems(config, items) -> None:
    """Longest first: the tests of a page (all its screens) take about as long as its HTML is big, so
    the biggest pages' tests run first and the short ones last, where they fill in for the worker that
    finishes first (pytest-xdist hands out the tests in this order). The HTML is ``CHECK_SITE``'s;
    without it (the site is built in the session) the page's source stands in."""
    here = Path(__file__).parent
    site = Path(os.environ["CHECK_SITE"]) if os.environ.get("CHECK_SITE") else None

    def size(item) -> int:
        docname = getattr(item, "callspec", None) and item.callspec.params.get("docname")
        if not docname:
            return 0
        page = site / f"{docname}.html" if site else REPO_ROOT / f"{docname}.md"
        return page.stat().st_size if page.exists() else 0

    slots = [i for i, item in enumerate(items) if here in item.path.parents]
    ordered = sorted((items[i] for i in slots), key=size, reverse=True)  # stable: ties keep their order
    for i, item in zip(slots, ordered):
        items[i] = item


@pytest.fixture(scope="session")
def built_site(request) -> Path:
    """The site under test: the full book built once per session (tests/conftest.py), or, with
    ``CHECK_SITE=<path of an html folder>``, a site built before (nothing is built; e.g. another
    branch's site, to compare what the checks find)."""
    if os.environ.get("CHECK_SITE"):
        return Path(os.environ["CHECK_SITE"]).resolve()
    return request.getfixturevalue("full_book_build").html


@pytest.fixture(scope="session")
def toc_pages() -> list[str]:
    return read_toc_pages()


AXE_SCRIPT = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
# axe-core served beside the site: the browser caches it and compiles it once, where a script
# injected by its text is sent and compiled again on every page.
AXE_ADDRESS = "/_tests/axe.min.js"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def translate_path(self, path):
        return str(AXE_SCRIPT) if urlparse(path).path == AXE_ADDRESS else super().translate_path(path)


@pytest.fixture(scope="session")
def site_url(built_site: Path):
    """Serve the built site on a free local port for the whole session."""
    handler = functools.partial(QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def axe_url(site_url: str) -> str:
    """Where a page of the site loads axe-core from (``page.add_script_tag(url=axe_url)``)."""
    return site_url + AXE_ADDRESS


@pytest.fixture(scope="session")
def screenshot_dir(book_build_dir: Path) -> Path:
    folder = book_build_dir / "_build" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class PageLog:
    """What went wrong while a page was open."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    missing_files: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory, repo_root: Path):
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is missing: no executable at {CHROMIUM}. Install it (Debian: "
            "`apt-get install -y chromium`; `make test` does this when run as root) or set "
            "CHROMIUM_PATH.",
            pytrace=False,
        )
    if not AXE_SCRIPT.exists():
        pytest.fail(
            f"axe-core is missing: {AXE_SCRIPT} does not exist. Run `npm ci` (needs node and npm; "
            "`make test` does this).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            proxy=NO_INTERNET,
            viewport={"width": 1280, "height": 900},
        )
        yield context
        context.close()


# Every lazy image loaded, the web fonts, and MathJax done if the page runs it in the browser.
SETTLE_PAGE = """
async () => {
  for (const img of document.images) img.loading = "eager";
  await Promise.all([...document.images].map(img => img.complete ? null :
      new Promise(done => { img.addEventListener("load", done); img.addEventListener("error", done); })));
  await document.fonts.ready;
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
}
"""


@pytest.fixture
def settle_page():
    """``settle_page(page)``: load every image now (lazy ones too) and wait for them and the maths."""
    return lambda page: page.evaluate(SETTLE_PAGE)


STORAGE_CLEARED = "try { localStorage.clear(); sessionStorage.clear(); } catch { /* about:blank has none */ }"


@pytest.fixture
def open_page(browser_context, site_url: str):
    """``open_page(path, viewport=None, color_scheme=None, settle=False) -> (page, PageLog)``: load a
    page of the site and record every problem. ``viewport`` ({"width", "height"}) and
    ``color_scheme`` ("light"/"dark": the site follows the system setting) apply before it loads;
    ``settle`` waits for every image (lazy ones included) and the maths."""
    opened = []
    log = PageLog()

    def _open(path: str, *, viewport: dict | None = None, color_scheme: str | None = None, settle: bool = False):
        page = browser_context.new_page()
        opened.append(page)
        if viewport:
            page.set_viewport_size(viewport)
        if color_scheme:
            page.emulate_media(color_scheme=color_scheme)
        # A first visit: nothing an earlier test's page stored (the theme switch's choice, which would
        # override the system setting; the search page's terms, which the next page would highlight).
        page.add_init_script(STORAGE_CLEARED)
        page.on("console", lambda msg: msg.type == "error" and log.console_errors.append(msg.text))
        page.on("pageerror", lambda error: log.page_errors.append(str(error)))
        page.on(
            "request",
            lambda request: urlparse(request.url).scheme in ("http", "https")
            and not request.url.startswith(site_url)
            and log.blocked_requests.append(request.url),
        )
        page.on(
            "requestfailed",
            lambda request: urlparse(request.url).hostname == "127.0.0.1"
            and log.failed_requests.append(f"{request.url}: {request.failure}"),
        )
        page.on(
            "response",
            lambda response: response.url.startswith(site_url)
            and response.status >= 400
            and log.missing_files.append(f"{response.url}: HTTP {response.status}"),
        )
        response = page.goto(f"{site_url}/{path}", wait_until="load")
        assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
        # Loaded: the pages request nothing after their load event but what they draw (the web fonts,
        # and images, which `settle` waits for): awaited, not a fixed wait (networkidle is 500 ms).
        page.evaluate("() => document.fonts.ready.then(() => null)")
        if settle:
            page.evaluate(SETTLE_PAGE)
        return page, log

    yield _open
    for page in opened:
        page.close()
