"""One reading order: the study guide's roadmap, the sidebar and the Next/Previous buttons agree.

Read from the built HTML (no browser needed): the roadmap table of the study guide, the sidebar
of the study guide, and the chain of "Next" links from the home page to the last page.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, SoupStrainer

pytestmark = pytest.mark.slow

STUDY_GUIDE = "book/study/study-guide"
# The newcomer's path starts with these, in this order, before the first topic.
GET_READY = ["book/study/prerequisites", "book/study/lab-prep", "book/study/quickstart", "book/study/eli5"]
REFERENCE = ["book/study/quick-reference", "book/study/troubleshooting", "book/study/faq"]


def soup(site: Path, docname: str, only: str | None = None) -> BeautifulSoup:
    """The page parsed; ``only="a"``: its links alone (a third of the time, on pages full of maths)."""
    return BeautifulSoup((site / f"{docname}.html").read_text(encoding="utf-8"), "html.parser",
                         parse_only=SoupStrainer(only) if only else None)  # fmt: skip


def docnames(links, page: str) -> list[str]:
    """The docnames that relative ``href``s on ``page`` point at (anchors dropped)."""
    names = []
    for a in links:
        target = a["href"].split("#")[0] or posixpath.basename(page) + ".html"  # "#": this page
        if target.endswith(".html"):
            names.append(posixpath.normpath(posixpath.join(posixpath.dirname(page), target))[: -len(".html")])
    return names


@pytest.fixture(scope="module")
def roadmap(built_site: Path) -> list[str]:
    main = soup(built_site, STUDY_GUIDE).select_one("main")
    table = main.select_one(".roadmap table")
    assert table is not None, "the study guide has no roadmap table"
    return docnames(table.select("tbody a.reference.internal"), STUDY_GUIDE)


@pytest.fixture(scope="module")
def next_chain(built_site: Path, toc_pages) -> list[str]:
    chain = [toc_pages[0]]
    while True:
        link = soup(built_site, chain[-1], only="a").select_one("a.right-next")
        if link is None:
            return chain
        chain += docnames([link], chain[-1])
        assert len(chain) <= len(toc_pages), f"the Next links loop: {chain}"


MAINTAINERS = ["book/status"]  # the last part of _toc.yml: beside the reader's path, not on it


def test_next_buttons_follow_the_table_of_contents(next_chain, toc_pages):
    assert next_chain == [page for page in toc_pages if page not in MAINTAINERS]


def test_sidebar_lists_the_pages_in_the_same_order(built_site: Path, toc_pages):
    sidebar = soup(built_site, STUDY_GUIDE).select("nav.bd-docs-nav a.reference.internal")
    assert docnames(sidebar, STUDY_GUIDE) == toc_pages  # the home page first (home_page_in_navbar)


def test_roadmap_is_a_stretch_of_the_reading_order(roadmap, next_chain):
    assert roadmap, "empty roadmap"
    start = next_chain.index(roadmap[0])
    assert next_chain[start : start + len(roadmap)] == roadmap, (
        "the roadmap's order differs from the sidebar/Next order"
    )


def test_the_path_gets_ready_then_pairs_each_topic_with_its_lab(roadmap):
    first_topic = next(i for i, page in enumerate(roadmap) if "/topics/" in page)
    assert [page for page in roadmap[:first_topic] if page in GET_READY] == GET_READY
    assert not set(REFERENCE) & set(roadmap), "reference pages belong beside the path, not on it"
    position = {page.rsplit("/", 1)[1]: i for i, page in enumerate(roadmap)}
    assert position["03-loss-functions"] < position["lab-1-numpy-mlp"]
    assert position["02-activation-functions"] < position["06-weight-initialization"]
    for topic, lab in [
        ("01-perceptron-to-mlp", "lab-1-numpy-mlp"),
        ("02-activation-functions", "lab-2-activation-study"),
        ("04-regularization", "lab-3-regularization"),
        ("05-normalization", "lab-4-normalization"),
    ]:
        assert position[topic] < position[lab], f"{topic} should come before {lab}"
    labs = sorted(position[p] for p in position if p.startswith("lab-"))
    topics_after_lab_1 = [p for p in position if p.startswith(("02", "04", "05", "06"))]
    assert all(position[t] > labs[0] for t in topics_after_lab_1), "all topics come before any lab"


def test_reading_chain_ends_at_the_learners_last_page(built_site: Path, next_chain, toc_pages):
    assert next_chain[-1] == "book/study/resources"  # Next on Resources does not open the Build status
    assert toc_pages[-len(MAINTAINERS):] == MAINTAINERS  # still in the sidebar, in the maintainers' corner
    for page in MAINTAINERS:
        assert soup(built_site, page, only="a").select_one("a.left-prev, a.right-next") is None
