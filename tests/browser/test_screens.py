"""Every page reads well on every screen: 1280 and 390 px wide, light and dark, in headless Chromium.

One test per page and width. It loads the page once (light), checks it, then switches the system
colour scheme to dark in place (the theme follows the system setting, as a reader's browser does;
``test_a_scheme_switched_in_place_looks_as_a_fresh_load`` proves the switched page is styled and laid
out exactly as a fresh dark load) and checks it again. Each screen (``1280-light``, ``1280-dark``,
``390-light``, ``390-dark``) is looked at for these kinds of trouble (``FINDING_KINDS``), and a
screenshot of it is kept in ``_build/screenshots/screens/`` for a person to look at
(``<page>--<screen>.jpg``, its findings beside it in ``<page>--<screen>.json``): the whole page when
the screen has a problem (or with ``FULL_SCREENSHOTS=1``), else its first screenful:

- ``too-wide``: an element wider than the viewport (the page scrolls sideways), outside the boxes
  that scroll on their own (code, formulas, tables).
- ``output-wraps`` / ``output-too-long``: a printed cell output whose lines do not fit its box. At
  any width a line must never re-wrap mid-column; at 1280 px it must fit without a scroll bar
  (at 390 px a long line may scroll inside its own box).
- ``code-too-long``: a visible code line that needs a scroll bar at 1280 px.
- ``table-word-broken``: a word split over two lines inside a table cell (a cell narrower than its
  longest word).
- ``figure-text-small``: a figure whose smallest text is shown under ``SMALLEST_TEXT_PX`` CSS
  pixels. The figure PNG says how tall its smallest text is (the ``scratchnn:smallest-text-px``
  chunk that ``scratchnn.plots`` writes; ``book/_ext/lean_pages.py`` copies it into the <img> as
  ``data-smallest-text-px``); a figure without it is measured with ``ASSUMED_TEXT_PX``.
- ``axe``: an accessibility violation that axe-core finds (the theme's own included: the book
  overrides what the theme gets wrong).
- ``backslash``: a stray TeX escape (``\\_``, ``\\%``, ``\\alpha`` ...) in rendered maths or prose,
  outside code; and a formula MathJax could not parse.

Both loads of a page (1280 and 390 px) also fail on a console or script error, a file the page asks
for and the site lacks, or a request to the internet. At 1280 px light, the page is also checked as
a reader gets it (``reader_problems``): figures loaded lazily, every image loaded and with alt text,
figures drawn at about twice the width they are shown at, maths typeset, no traceback, error or
warning in any cell output, a meta description, a "Before this page" plan box with a time, the
repository button, and on a chapter the Binder and Colab buttons and a download that carries the
page's outputs.

Nothing is excused: every finding on every page fails the test, and the failure names the page and
the screen.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path

import pytest
import yaml

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = {1280: {"width": 1280, "height": 900}, 390: {"width": 390, "height": 844}}
SCHEMES = ("light", "dark")  # in this order: a page loads light, then switches in place
FINDING_KINDS = ("too-wide", "output-wraps", "output-too-long", "code-too-long", "table-word-broken",
                 "figure-text-small", "backslash", "axe")  # fmt: skip
SMALLEST_TEXT_PX = 9
# book.mplstyle's smallest size (10 pt tick labels) in a retina PNG drawn at 2 x 100 dpi.
ASSUMED_TEXT_PX = 10 * 200 / 72
# A figure's PNG is drawn at twice the width it is shown at (sharp on a 2x screen): allow the
# slack of matplotlib's tight bounding box, and catch figures drawn far too wide or too narrow.
FIGURE_PIXEL_RATIO = (1.6, 2.4)

REPO_ROOT = Path(__file__).resolve().parents[2]
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

AXE_RUN = """
async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.flatMap(v => v.nodes.map(n => ({kind: "axe", where: n.target.join(" "),
      what: `${v.id} (${v.impact}): ${v.help}`})));
}
"""

PROBE = """
([smallestText, assumedText]) => {
  const found = [];
  const add = (kind, where, what) => found.push({kind, where, what});
  const vw = document.documentElement.clientWidth;
  const wide = window.innerWidth >= 1000;
  const article = document.querySelector("main article") || document.querySelector("main");
  const label = e => {
    const id = e.closest("[id]");
    const section = e.closest("section[id]");
    return e.tagName.toLowerCase() + (e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\\s+/).join(".") : "")
      + (section ? " in #" + section.id : id ? " in #" + id.id : "");
  };
  const scrolls = e => ["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(e).overflowX);

  // too-wide: the page scrolls sideways; name the outermost culprits.
  const overflow = document.documentElement.scrollWidth - vw;
  if (overflow > 0) {
    const culprits = [...document.querySelectorAll(".bd-main *, header *")].filter(e => {
      const r = e.getBoundingClientRect();
      if (r.width === 0 || r.right <= vw + 1) return false;
      for (let p = e.parentElement; p && p !== document.body; p = p.parentElement)
        if (scrolls(p)) return false;
      return true;
    });
    const outer = culprits.filter(e => !culprits.includes(e.parentElement)).slice(0, 5);
    add("too-wide", outer.map(label).join("; ") || "document", `the page scrolls sideways by ${overflow} px`);
  }

  // Printed outputs: does each line fit the box?
  for (const pre of article.querySelectorAll(".cell_output pre")) {
    const style = getComputedStyle(pre);
    const saved = pre.style.whiteSpace;
    pre.style.whiteSpace = "pre";
    const needed = pre.scrollWidth;
    pre.style.whiteSpace = saved;
    const box = pre.clientWidth;
    if (needed <= box + 1) continue;
    const longest = Math.max(...pre.textContent.split("\\n").map(l => l.length));
    const wraps = !["pre", "nowrap"].includes(style.whiteSpace);
    if (wraps) add("output-wraps", label(pre), `lines up to ${longest} characters re-wrap in a ${box} px box`);
    else if (wide) add("output-too-long", label(pre), `lines up to ${longest} characters need ${needed} px, the box has ${box}`);
  }

  // Code lines at desktop width: no scroll bar.
  if (wide) {
    for (const pre of article.querySelectorAll("div.highlight pre")) {
      if (pre.closest(".cell_output")) continue;
      if (pre.scrollWidth > pre.clientWidth + 1) {
        const longest = Math.max(...pre.textContent.split("\\n").map(l => l.length));
        add("code-too-long", label(pre), `a ${longest}-character line needs ${pre.scrollWidth} px, the box has ${pre.clientWidth}`);
      }
    }
  }

  // Words split over two lines inside a table cell.
  for (const cell of article.querySelectorAll("td, th")) {
    if (getComputedStyle(cell).display === "none") continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT, {
      acceptNode: n => n.parentElement.closest("mjx-container, script, style") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
    const broken = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      // A word may break after a hyphen or a dash: check the pieces between them.
      for (const m of node.textContent.matchAll(/[^\\s\\-–—\\/]+[\\-–—\\/]?/g)) {
        if (m[0].length < 2) continue;
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
    if (broken.length)
      add("table-word-broken", label(cell.closest("table")), `"${broken.slice(0, 4).join('", "')}" broken in a ${Math.round(cell.getBoundingClientRect().width)} px cell`);
  }

  // Figures: the smallest text as shown.
  for (const img of article.querySelectorAll("img")) {
    if (!img.naturalWidth || !img.clientWidth) continue;
    const src = img.getAttribute("src").split("/").pop();
    const chunk = img.dataset.smallestTextPx;
    const isFigure = chunk !== undefined || img.closest(".cell_output");
    if (!isFigure) continue;
    const textPx = chunk !== undefined ? parseFloat(chunk) : assumedText;
    const shown = textPx * img.clientWidth / img.naturalWidth;
    if (shown < smallestText)
      add("figure-text-small", src, `smallest text ${shown.toFixed(1)} px` + (chunk === undefined ? " (estimated: no scratchnn:smallest-text-px)" : ""));
  }

  // Stray TeX escapes: in the maths as rendered (MathJax's MathML) and in prose outside code.
  for (const mml of article.querySelectorAll("mjx-assistive-mml, mjx-container math")) {
    for (const t of mml.querySelectorAll("mtext, mi, mo, mn, ms")) {
      if (t.textContent.includes("\\\\")) add("backslash", label(mml.closest("mjx-container").parentElement), `maths shows "${t.textContent}"`);
    }
  }
  for (const error of article.querySelectorAll("mjx-merror, [data-mjx-error], merror"))
    add("backslash", label(error.closest("mjx-container") || error), `MathJax error: ${error.getAttribute("data-mjx-error") || error.textContent}`);
  const prose = document.createTreeWalker(article, NodeFilter.SHOW_TEXT, {
    acceptNode: n => n.parentElement.closest("pre, code, kbd, samp, mjx-container, .math, script, style, .highlight")
      ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
  for (let node = prose.nextNode(); node; node = prose.nextNode()) {
    for (const m of node.textContent.matchAll(/\\\\[A-Za-z_%&#${}]+/g))
      add("backslash", label(node.parentElement), `prose shows "${m[0]}"`);
  }
  return found;
}
"""




# The theme follows the system setting: on a change it sets data-theme (at load it also marks its
# dropdown menus dark; done here too), and its colours fade in over CSS transitions, held off here
# so the checks (axe's contrast above all) see the colours at rest at once.
NO_TRANSITIONS = "*, *::before, *::after { transition: none !important; }"
DROPDOWNS_IN = """scheme => document.querySelectorAll(".dropdown-menu").forEach(
    menu => menu.classList.toggle("dropdown-menu-dark", scheme === "dark"))"""


def show_scheme(page, scheme: str) -> None:
    """Switch the system colour scheme of a loaded page in place; return when it shows it."""
    hold = page.add_style_tag(content=NO_TRANSITIONS)
    page.emulate_media(color_scheme=scheme)
    page.wait_for_function("scheme => document.documentElement.dataset.theme === scheme", arg=scheme,
                           timeout=10_000)  # fmt: skip
    page.evaluate(DROPDOWNS_IN, scheme)
    hold.evaluate("style => { document.body.offsetHeight; style.remove(); }")  # styled without, then back


def is_notebook_page(docname: str) -> bool:
    """Chapters with a kernelspec are executed notebooks (and get launch/download buttons)."""
    return "kernelspec:" in (REPO_ROOT / f"{docname}.md").read_text()


def lazy_problems(page) -> list[str]:
    """Before the page is settled: every image of the article waits until it is scrolled to."""
    lazy = page.evaluate("() => [...document.querySelectorAll('article.bd-article img')].map(i => i.loading)")
    return [] if set(lazy) <= {"lazy"} else ["images that load with the page instead of when scrolled to"]


def log_problems(log) -> list[str]:
    checks = [
        (log.page_errors, "script errors"),
        (log.console_errors, "console errors"),
        (log.failed_requests, "local files that failed to load"),
        (log.missing_files, "files the page asks the site for and the site lacks"),
        (log.blocked_requests, "the page requests files from the internet (ship them with the site)"),
    ]
    return [f"{what}: {found}" for found, what in checks if found]


def reader_problems(page, docname: str, built_site: Path) -> list[str]:
    """What a reader of a settled page needs, beyond how it fits the screen (module docstring)."""
    problems = []
    description = page.evaluate("() => document.querySelector('meta[name=description]')?.content || ''")
    if len(description) < 40:
        problems.append(f"no meta description: {description!r}")

    ratios = page.evaluate(
        "() => [...document.querySelectorAll('main .cell_output img, main figure img')]"
        ".filter(i => i.clientWidth > 0)"
        ".map(i => [i.getAttribute('src'), i.naturalWidth, i.clientWidth])"
    )
    low, high = FIGURE_PIXEL_RATIO
    off = [f"{src}: {natural} px shown at {shown} px" for src, natural, shown in ratios
           if not low <= natural / shown <= high]  # fmt: skip
    if off:
        problems.append(f"figures not drawn at {low}-{high}x the width they are shown at: {off}")

    plans = page.evaluate("() => [...document.querySelectorAll('main .admonition.page-plan')].map(p => p.innerText)")
    if not (len(plans) == 1 and re.search(r"\b\d+(–\d+)? ?(minutes|min|hours?|h)\b", plans[0])):
        problems.append(f"no plan box ('Before this page · about N minutes', class page-plan) with a time: {plans}")

    broken = page.evaluate(
        "() => [...document.images].filter(i => !(i.naturalWidth > 0)).map(i => i.getAttribute('src'))"
    )
    if broken:
        problems.append(f"images that did not load: {broken}")
    without_alt = page.evaluate(
        "() => [...document.querySelectorAll('main img')].filter(i => !i.hasAttribute('alt'))"
        ".map(i => i.getAttribute('src'))"
    )
    if without_alt:
        problems.append(f"images without alt text: {without_alt}")

    untypeset = page.evaluate(
        "() => [...document.querySelectorAll('main .math')].filter(m => !m.querySelector('mjx-container'))"
        ".map(m => m.textContent.slice(0, 60))"
    )
    if untypeset:
        problems.append(f"math that MathJax did not typeset: {untypeset}")

    outputs = page.evaluate("() => [...document.querySelectorAll('.cell_output')].map(o => o.innerText)")
    bad = [match.group(0) for text in outputs for match in [BAD_OUTPUT.search(text)] if match]
    if bad:
        problems.append(f"cell outputs with a traceback, error or warning: {bad}")

    links = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)")
    if REPOSITORY not in links:
        problems.append(f"no repository button ({REPOSITORY})")
    if not is_notebook_page(docname):
        return problems
    binder = f"https://mybinder.org/v2/gh/{ORG_REPO}/{BRANCH}?urlpath=lab/tree/{docname}.md"
    colab = f"https://colab.research.google.com/github/{ORG_REPO}/blob/{COLAB_BRANCH}/{docname}.ipynb"
    problems += [f"no {name} launch button ({link})" for name, link in [("Binder", binder), ("Colab", colab)]
                 if link not in links]  # fmt: skip
    if not (built_site / "_notebooks" / f"{docname}.ipynb").is_file():
        problems.append("the notebook the Colab button opens is not published")

    download = page.evaluate(
        "() => [...document.querySelectorAll('a.dropdown-item')]"
        ".filter(a => a.textContent.trim() === '.ipynb').map(a => a.href)"
    )
    if len(download) != 1:
        return problems + [f"not one .ipynb download button: {download}"]
    response = page.request.get(download[0])
    if not response.ok:
        return problems + [f"{download[0]}: HTTP {response.status}"]
    code_cells = [c for c in json.loads(response.body())["cells"] if c["cell_type"] == "code"]
    if not all("outputs" in c for c in code_cells):
        problems.append("the download has code cells without an outputs field")
    # The download carries the outputs the page shows (a page whose only cell is silent setup has none).
    shown_outputs = page.evaluate("() => document.querySelectorAll('main .cell_output').length")
    downloaded_outputs = sum(len(c.get("outputs", [])) for c in code_cells)
    if (downloaded_outputs > 0) != (shown_outputs > 0):
        problems.append(f"the page shows {shown_outputs} cell outputs, the download carries {downloaded_outputs}")
    return problems


@pytest.fixture(scope="session")
def screens_dir(screenshot_dir: Path) -> Path:
    folder = screenshot_dir / "screens"
    folder.mkdir(exist_ok=True)
    return folder


# The screenshots are for people (nothing asserts on them): the first screenful of every screen, and
# the whole page where the screen has a problem. A full-page capture of a long page costs 0.5-6 s
# (the screenful, 0.03-0.1 s), so every screen's whole page only on request: FULL_SCREENSHOTS=1.
FULL_SCREENSHOTS = os.environ.get("FULL_SCREENSHOTS") == "1"


@pytest.mark.parametrize("width", list(WIDTHS))
def test_page_reads_well(docname, width, open_page, settle_page, axe_url: str, screens_dir: Path, built_site: Path):
    page, log = open_page(f"{docname}.html", viewport=WIDTHS[width], color_scheme=SCHEMES[0])
    problems = [f"{width}: {p}" for p in lazy_problems(page)] if width == 1280 else []
    settle_page(page)
    page.add_script_tag(url=axe_url)
    for scheme in SCHEMES:
        screen = f"{width}-{scheme}"
        show_scheme(page, scheme)
        found = page.evaluate(PROBE, [SMALLEST_TEXT_PX, ASSUMED_TEXT_PX]) + page.evaluate(AXE_RUN)
        seen = [f"{screen}: {f['kind']}: {f['where']}: {f['what']}" for f in found]
        if screen == "1280-light":
            seen += [f"{screen}: {p}" for p in reader_problems(page, docname, built_site)]
        shot = screens_dir / f"{docname.replace('/', '--')}--{screen}"
        whole = FULL_SCREENSHOTS or bool(seen or log_problems(log))
        page.screenshot(path=f"{shot}.jpg", full_page=whole, quality=70)
        shot.with_suffix(".json").write_text(
            json.dumps({"page": docname, "screen": screen, "screenshot": "full page" if whole else "first screenful",
                        "findings": found}, indent=1))  # fmt: skip
        problems += seen
    problems += [f"{width}: {p}" for p in log_problems(log)]
    assert problems == [], f"{docname}:\n" + "\n".join(f"  at {problem}" for problem in problems)


# How a page looks, element by element: what the checks above read (colours, visibility, boxes) of
# every element drawn (not inside a closed <details> or display: none, which the checks skip).
STYLE_PRINT = """
() => [...document.querySelectorAll("body *")].filter(e => e.checkVisibility()).map(e => {
  const s = getComputedStyle(e), r = e.getBoundingClientRect();
  return [e.tagName, e.className, s.color, s.backgroundColor, s.borderTopColor, s.outlineColor, s.fill, s.display,
          s.visibility, s.opacity, s.filter, Math.round(r.x), Math.round(r.y), Math.round(r.width),
          Math.round(r.height)].join(" ");
})
"""


@pytest.mark.parametrize("where", ["home 390", "book/labs/lab-1-numpy-mlp 1280"])
def test_a_scheme_switched_in_place_looks_as_a_fresh_load(where, toc_pages, open_page, settle_page):
    """The checks above switch a loaded page to dark; a reader's browser loads it dark. Same page."""
    docname, width = where.split()
    docname = toc_pages[0] if docname == "home" else docname
    looks = {}
    for way, first in [("fresh", "dark"), ("switched", "light")]:
        page, _ = open_page(f"{docname}.html", viewport=WIDTHS[int(width)], color_scheme=first)
        settle_page(page)
        show_scheme(page, "dark")
        looks[way] = page.evaluate(STYLE_PRINT)
    only = [f"{way} only: {e}" for way, other in [("fresh", "switched"), ("switched", "fresh")]
            for e in looks[way] if e not in looks[other]]  # fmt: skip
    assert len(looks["fresh"]) == len(looks["switched"]) > 100, f"{docname} at {width}: elements drawn:\n" + "\n".join(only[:10])
    differ = [(a, b) for a, b in zip(looks["fresh"], looks["switched"]) if a != b]
    assert differ == [], f"{docname} at {width}: a fresh dark load and a switched page differ:\n" + "\n".join(
        f"fresh    {a}\nswitched {b}" for a, b in differ[:10])
