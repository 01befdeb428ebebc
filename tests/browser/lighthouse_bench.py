"""Lighthouse benchmark of the built site: performance score and page weight, mobile and desktop.

A benchmark that prints figures (like ``python -m scratchnn bench``), not a test: the scores depend
on the machine and its load. Run ``make lighthouse`` (builds nothing: run ``make book`` first), or

    .venv/bin/python tests/browser/lighthouse_bench.py [--site _build/html] [--pages intro ...]

It serves the site on 127.0.0.1, runs the pinned Lighthouse (``package.json``, ``npm ci``) with the
Debian Chromium once per page and form factor (mobile: Lighthouse's default simulated slow 4G and
4x CPU slowdown; desktop: ``--preset=desktop``), one run at a time, and prints one table. Scores
move with the machine's load (total blocking time most): ``--runs 3`` reports the median run.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LIGHTHOUSE = REPO_ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
# The six pages the site audit (issue 16) reports on.
DEFAULT_PAGES = [
    "book/intro",
    "book/labs/lab-1-numpy-mlp",
    "book/topics/05-normalization",
    "book/study/quick-reference",
    "book/labs/lab-6-gpu-acceleration",
    "book/study/milestones",
]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def audit(url: str, form_factor: str, workdir: Path, blocked: list[str] = ()) -> dict:
    """One Lighthouse run; returns performance score, total bytes and the main timings."""
    report = workdir / "report.json"
    profile = tempfile.mkdtemp(prefix="lighthouse-profile-", dir=workdir)
    command = [
        str(LIGHTHOUSE), url,
        f"--chrome-path={CHROMIUM}",
        f"--chrome-flags=--headless=new --no-sandbox --disable-gpu --user-data-dir={profile}",
        "--only-categories=performance",
        "--output=json", f"--output-path={report}", "--quiet",
    ]  # fmt: skip
    if form_factor == "desktop":
        command.append("--preset=desktop")
    command += [f"--blocked-url-patterns={pattern}" for pattern in blocked]
    subprocess.run(command, check=True, stdin=subprocess.DEVNULL)
    result = json.loads(report.read_text())
    audits = result["audits"]
    return {
        "score": round(result["categories"]["performance"]["score"] * 100),
        "kib": audits["total-byte-weight"]["numericValue"] / 1024,
        "fcp_s": audits["first-contentful-paint"]["numericValue"] / 1000,
        "lcp_s": audits["largest-contentful-paint"]["numericValue"] / 1000,
        "tbt_ms": audits["total-blocking-time"]["numericValue"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=REPO_ROOT / "_build" / "html", help="the built site")
    parser.add_argument("--pages", nargs="+", default=DEFAULT_PAGES, help="docnames to audit")
    parser.add_argument("--runs", type=int, default=1, help="runs per page and form factor; the median is shown")
    parser.add_argument("--block", nargs="+", default=[], metavar="PATTERN",
                        help="URL patterns to block, e.g. '*mathjax*' to compare with a site whose MathJax "
                             "came from a CDN (unreachable offline)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    for needed, how in [(LIGHTHOUSE, "run `npm ci` (make node)"), (CHROMIUM, "install chromium"),
                        (args.site / "index.html", "run `make book`")]:  # fmt: skip
        if not needed.exists():
            print(f"error: {needed} is missing; {how}", file=sys.stderr)
            return 2
    server, base = serve(args.site)
    rows = {}
    try:
        with tempfile.TemporaryDirectory(prefix="lighthouse-") as workdir:
            for page in args.pages:
                for form_factor in ("mobile", "desktop"):
                    runs = [audit(f"{base}/{page}.html", form_factor, Path(workdir), args.block) for _ in range(args.runs)]
                    median_score = statistics.median_low(run["score"] for run in runs)
                    rows[f"{page} {form_factor}"] = next(run for run in runs if run["score"] == median_score)
    finally:
        server.shutdown()
    print(f"{'page':48} {'form':8} {'perf':>4} {'KiB':>7} {'FCP s':>6} {'LCP s':>6} {'TBT ms':>7}")
    for key, row in rows.items():
        page, form_factor = key.rsplit(" ", 1)
        print(f"{page:48} {form_factor:8} {row['score']:4d} {row['kib']:7.0f} {row['fcp_s']:6.1f} "
              f"{row['lcp_s']:6.1f} {row['tbt_ms']:7.0f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
