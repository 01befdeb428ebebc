"""Markup that assistive technology reads correctly, and a description of every page.

Each fix replaces markup that an extension writes and axe-core flags (tests/browser runs axe on
every page):

- myst-nb's hide-cell toggles: ``<summary aria-label="Toggle hidden content">`` whose visible text
  is "Show code cell output" (label-content-name-mismatch: a voice-control user says what they
  see), with ``<p>`` elements inside ``<summary>`` (not allowed there). Written here without the
  aria-label and with ``<span>``; ``_static/custom.css`` gives the spans the paragraphs' layout.
- sphinx-exercise gives every exercise and solution body the same id (``exercise-content``,
  ``solution-content``): numbered here so each id is unique on its page.
- docutils marks bibliography entries ``role="doc-biblioentry"``, deprecated in ARIA 1.3, inside a
  ``role="list"`` that then has no list items (aria-required-children): entries become
  ``role="listitem"``.
- ``<meta name="description">`` for every page: its first paragraph of prose of 120 characters or
  more (not a box, table or cell output), cut at a word near 160 characters. Search engines and link previews show it.
"""

from __future__ import annotations

import html
import re

from docutils import nodes
from myst_nb.sphinx_ import HideCodeCellNode
from sphinx.application import Sphinx

DUPLICATED_IDS = ("exercise-content", "solution-content")
DESCRIPTION_LENGTH = 160
# Shorter paragraphs are captions or metadata lines ("Week 5 · 12-15 hours"), not a summary.
SHORTEST_SUMMARY = 120


def visit_hide_cell(self, node: HideCodeCellNode) -> None:
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n<summary>\n')
    self.body.append(f'<span class="collapsed admonition-title">{html.escape(node["prompt_show"])}</span>\n')
    self.body.append(f'<span class="expanded admonition-title">{html.escape(node["prompt_hide"])}</span>\n')
    self.body.append("</summary>\n")


def depart_hide_cell(self, node: HideCodeCellNode) -> None:
    self.body.append("</details>\n")


def number_repeated_ids(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    counts = dict.fromkeys(DUPLICATED_IDS, 0)
    for node in doctree.findall(nodes.Element):
        for index, node_id in enumerate(node["ids"]):
            if node_id in counts:
                counts[node_id] += 1
                node["ids"][index] = f"{node_id}-{counts[node_id]}"


def _is_prose(paragraph: nodes.paragraph) -> bool:
    parent = paragraph.parent
    while parent is not None:
        if isinstance(parent, (nodes.Admonition, nodes.table, nodes.figure, nodes.topic, nodes.sidebar)):
            return False
        if isinstance(parent, nodes.container) and parent.get("nb_element"):
            return False  # a notebook cell's output
        parent = parent.parent
    return True


def description_of(doctree: nodes.document) -> str | None:
    for paragraph in doctree.findall(nodes.paragraph):
        if not _is_prose(paragraph):
            continue
        text = re.sub(r"\s+", " ", paragraph.astext()).strip()
        if len(text) < SHORTEST_SUMMARY:
            continue
        if len(text) > DESCRIPTION_LENGTH:
            text = text[:DESCRIPTION_LENGTH].rsplit(" ", 1)[0].rstrip(",;:") + "…"
        return text
    return None


def page_markup(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if doctree is not None:
        description = description_of(doctree)
        if description:
            context["metatags"] = (
                context.get("metatags", "") + f'\n<meta name="description" content="{html.escape(description)}" />'
            )
    if "body" in context:
        context["body"] = context["body"].replace(' role="doc-biblioentry"', ' role="listitem"')


def setup(app: Sphinx) -> dict:
    app.add_node(HideCodeCellNode, override=True, html=(visit_hide_cell, depart_hide_cell))
    app.connect("doctree-resolved", number_repeated_ids)
    app.connect("html-page-context", page_markup)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
