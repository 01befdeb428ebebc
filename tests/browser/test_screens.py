"""Every page reads well on every screen: 1280 and 390 px wide, light and dark, in headless Chromium.

One test per page and screen. Each looks for five kinds of trouble (``FINDING_KINDS``) and keeps a
full-page screenshot of every run in ``_build/screenshots/screens/`` for a person to look at
(``<page>--<screen>.jpg``, its findings beside it in ``<page>--<screen>.json``):

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

Nothing is excused: every finding on every page fails the test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREENS = {
    "1280-light": ({"width": 1280, "height": 900}, "light"),
    "1280-dark": ({"width": 1280, "height": 900}, "dark"),
    "390-light": ({"width": 390, "height": 844}, "light"),
    "390-dark": ({"width": 390, "height": 844}, "dark"),
}
FINDING_KINDS = ("too-wide", "output-wraps", "output-too-long", "code-too-long", "table-word-broken",
                 "figure-text-small", "backslash", "axe")  # fmt: skip
SMALLEST_TEXT_PX = 9
# book.mplstyle's smallest size (10 pt tick labels) in a retina PNG drawn at 2 x 100 dpi.
ASSUMED_TEXT_PX = 10 * 200 / 72

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
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


@pytest.fixture(scope="session")
def screens_dir(screenshot_dir: Path) -> Path:
    folder = screenshot_dir / "screens"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.mark.parametrize("screen", list(SCREENS))
def test_page_reads_well(docname, screen, open_page, screens_dir: Path):
    viewport, scheme = SCREENS[screen]
    shot = screens_dir / f"{docname.replace('/', '--')}--{screen}"
    page, _ = open_page(f"{docname}.html", viewport=viewport, color_scheme=scheme, settle=True)
    assert page.evaluate("() => document.documentElement.dataset.theme") == scheme
    found = page.evaluate(PROBE, [SMALLEST_TEXT_PX, ASSUMED_TEXT_PX])
    page.add_script_tag(path=str(AXE_SCRIPT))
    found += page.evaluate(AXE_RUN)
    page.screenshot(path=f"{shot}.jpg", full_page=True, quality=70)
    shot.with_suffix(".json").write_text(json.dumps({"page": docname, "screen": screen, "findings": found}, indent=1))

    problems = [f"{f['kind']}: {f['where']}: {f['what']}" for f in found]
    assert problems == [], f"{docname} at {screen}:\n" + "\n".join(problems)
