"""The study guide's roadmap table, in the order of ``_toc.yml``.

The book has ONE reading order: ``_toc.yml``. The sidebar and the Previous/Next buttons follow it
(Sphinx), and so does the roadmap, which this directive renders from it. The directive's body only
adds what the table of contents cannot hold, per page: what to do there and how many minutes it
takes (YAML, keyed by the page's path under ``book/``)::

    ```{roadmap}
    study/prerequisites: [run the self-checks, 30]
    topics/01-perceptron-to-mlp: [read, run the cells, 30]
    ```

Rows come out in table-of-contents order under their part's caption, whatever the order of the
body. The build fails if the body names a page that is not in ``_toc.yml`` or if a page sits
between the first and the last roadmap page in ``_toc.yml`` without a row (a page in the reader's
path that the roadmap would not mention). Below the table, one sentence adds up the time of the
labs, the topics and the other pages.

The reader's path ends at the learner's last page: the Previous/Next buttons never cross between
the learner's pages and the maintainers' part (the ``_toc.yml`` part captioned
``MAINTAINERS_CAPTION``), so Next on the last reference page does not land on the build status.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

TOC_FILE = "_toc.yml"
BOOK_FOLDER = "book/"
MAINTAINERS_CAPTION = "Instructors and maintainers"


def toc_order(toc_path: Path) -> list[tuple[str, str]]:
    """``[(docname, part caption), ...]`` for every page of ``_toc.yml``, in reading order."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    order = [(toc["root"], "")]

    def walk(entries, caption):
        for entry in entries:
            if "file" in entry:
                order.append((entry["file"], caption))
            walk(entry.get("sections", []), caption)

    for part in toc.get("parts", [{"chapters": toc.get("chapters", [])}]):
        walk(part.get("chapters", []), part.get("caption", ""))
    return order


def duration(minutes: int) -> str:
    if minutes == 0:
        return "—"
    return f"{minutes / 60:g}\u00a0h" if minutes >= 60 else f"{minutes}\u00a0min"


def hours(minutes: int) -> str:
    return f"{minutes / 60:.1f}".removesuffix(".0")


def kind_of(page: str) -> str:
    return "lab" if page.startswith("labs/") else "topic" if page.startswith("topics/") else "other"


class RoadmapDirective(SphinxDirective):
    has_content = True

    def run(self) -> list[nodes.Node]:
        toc_path = Path(self.env.app.confdir) / TOC_FILE
        self.env.note_dependency(str(toc_path))
        try:
            rows = yaml.safe_load("\n".join(self.content)) or {}
            tasks = {page: (str(task), int(minutes)) for page, (task, minutes) in rows.items()}
        except (yaml.YAMLError, TypeError, ValueError, AttributeError) as error:
            raise self.error(
                f"roadmap: expected lines 'page: [what to do, minutes]', got {self.content!r} ({error})"
            ) from error

        order = [(doc.removeprefix(BOOK_FOLDER), caption) for doc, caption in toc_order(toc_path)]
        positions = {page: index for index, (page, _) in enumerate(order)}
        unknown = sorted(set(tasks) - set(positions))
        if unknown:
            raise self.error(f"roadmap: {unknown} not in {TOC_FILE} (pages are paths under book/)")
        listed = sorted(positions[page] for page in tasks)
        if not listed:
            raise self.error("roadmap: no pages listed")
        missing = [page for page, _ in order[listed[0] : listed[-1] + 1] if page not in tasks]
        if missing:
            raise self.error(
                f"roadmap: {missing} lie between roadmap pages in {TOC_FILE} but have no row; "
                "give them one or move them out of the reader's path"
            )

        lines = ["| Part | Page | What to do | Time |", "|---|---|---|---|"]
        previous_part = None
        minutes_by_kind = {"lab": 0, "topic": 0, "other": 0}
        for page, caption in order[listed[0] : listed[-1] + 1]:
            task, minutes = tasks[page]
            minutes_by_kind[kind_of(page)] += minutes
            part = f"**{caption}**" if caption != previous_part else ""
            previous_part = caption
            lines.append(f"| {part} | {{doc}}`/{BOOK_FOLDER}{page}` | {task} | {duration(minutes)} |")
        total = sum(minutes_by_kind.values())
        lines += [
            "",
            f"**Time budget.** The labs take {hours(minutes_by_kind['lab'])} h by the module's own "
            f"estimate, the topics about {hours(minutes_by_kind['topic'])} h and the other pages "
            f"about {hours(minutes_by_kind['other'])} h: {hours(total)} h in all.",
        ]
        container = nodes.container(classes=["roadmap"])
        self.state.nested_parse(StringList(lines, source=self.env.docname), self.content_offset, container)
        return [container]


def keep_reading_chain_on_learner_pages(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Drop a Previous/Next link that would cross between the learner's pages and the maintainers' part."""
    if doctree is None:
        return
    maintainers = {doc for doc, caption in toc_order(Path(app.confdir) / TOC_FILE) if caption == MAINTAINERS_CAPTION}
    _, previous, following = app.env.collect_relations().get(pagename, (None, None, None))
    for key, target in (("prev", previous), ("next", following)):
        if target is not None and (target in maintainers) != (pagename in maintainers):
            context[key] = None


def setup(app: Sphinx) -> dict:
    app.add_directive("roadmap", RoadmapDirective)
    app.connect("html-page-context", keep_reading_chain_on_learner_pages)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
