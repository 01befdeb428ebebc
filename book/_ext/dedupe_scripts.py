"""Drop duplicate <script> tags from every page.

sphinx-thebe 0.3.1 adds an inline script (``const THEBE_JS_URL = ...``) with
``app.add_js_file(None, body=...)`` while Sphinx 7.4 reads documents. Sphinx records it twice, once
with the file name ``None`` and once with ``''``, so every page declared the constant twice and the
browser reported "SyntaxError: Identifier 'THEBE_JS_URL' has already been declared" (caught by
tests/browser). Two scripts with the same file name (``None`` and ``''`` alike), priority and
attributes are the same script: keep the first.
"""

from __future__ import annotations

from sphinx.application import Sphinx


def _key(script) -> tuple:
    return (script.filename or "", script.priority, tuple(sorted(script.attributes.items())))


def dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen = set()
    unique = []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    # In place: this is the builder's own list, which it resets before every page.
    scripts[:] = unique


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", dedupe_scripts)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
