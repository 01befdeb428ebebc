"""Lighthouse benchmark of the built site: performance score and page weight, mobile and desktop.

A benchmark that prints figures (like ``python -m scratchnn bench``), not a test: the scores depend
on the machine and its load. Run ``make lighthouse`` (builds nothing: run ``make book`` first), or

    .venv/bin/python tests/browser/lighthouse_bench.py [--site _build/html] [--pages intro ...]

It serves the site on 127.0.0.1 (text gzip-compressed, as GitHub Pages serves it; ``--plain``
for uncompressed), runs the pinned Lighthouse (``package.json``, ``npm ci``) with the
Debian Chromium once per page and form factor (mobile: Lighthouse's default simulated slow 4G and
4x CPU slowdown; desktop: ``--preset=desktop``), one run at a time, and prints one table. Scores
move with the machine's load (total blocking time most): ``--runs 3`` reports the median run.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import io
import statistics
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


# What GitHub Pages sends gzip-compressed (text); images and fonts go as they are.
COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/xml")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


class GzipHandler(QuietHandler):
    """Text files gzip-compressed for a client that accepts it, as GitHub Pages serves the site."""

    def send_head(self):
        path = Path(self.translate_path(self.path))
        content_type = self.guess_type(str(path))
        if (not path.is_file() or "gzip" not in self.headers.get("Accept-Encoding", "")
                or not content_type.startswith(COMPRESSED_TYPES)):  # fmt: skip
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", self.date_time_string(int(path.stat().st_mtime)))
        self.end_headers()
        return io.BytesIO(body)


def serve(site: Path, compress: bool = True) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(GzipHandler if compress else QuietHandler, directory=str(site))
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
    parser.add_argument("--form-factors", nargs="+", default=["mobile", "desktop"], choices=["mobile", "desktop"])
    parser.add_argument("--plain", action="store_true",
                        help="serve every file uncompressed (default: text gzip-compressed, as GitHub Pages does)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    for needed, how in [(LIGHTHOUSE, "run `npm ci` (make node)"), (CHROMIUM, "install chromium"),
                        (args.site / "index.html", "run `make book`")]:  # fmt: skip
        if not needed.exists():
            print(f"error: {needed} is missing; {how}", file=sys.stderr)
            return 2
    server, base = serve(args.site, compress=not args.plain)
    rows = {}
    try:
        with tempfile.TemporaryDirectory(prefix="lighthouse-") as workdir:
            for page in args.pages:
                for form_factor in args.form_factors:
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
