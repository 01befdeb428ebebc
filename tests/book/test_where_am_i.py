"""The learner always knows where they are: each page's title names its kind and the seed's number.

Topics and labs share the seed's numbers (Topic 1.5.3 and Lab 1.5.3 are different pages), and the
book reads them in its own order (Topic 1.5.1, Topic 1.5.3, Lab 1.5.1, ...), so a bare "1.5.3" would
not say which page it is. Every topic's title reads "Topic 1.5.N · Name", every lab's "Lab 1.5.N ·
Name", and the learning objectives use their own IDs (O1, O2, ...).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

REPO_ROOT = Path(__file__).resolve().parents[2]
KINDS = {"topics": "Topic", "labs": "Lab"}


def first_heading(chapter: Path) -> str:
    """The chapter's H1: the first line that starts with '# ' after the front matter."""
    return next(line[2:] for line in chapter.read_text(encoding="utf-8").splitlines() if line.startswith("# "))


def chapters(folder: str) -> list[Path]:
    return sorted((REPO_ROOT / "book" / folder).glob("*.md"))


@pytest.mark.parametrize("folder", KINDS)
def test_titles_name_the_kind_and_the_seed_number(folder):
    numbers = []
    for chapter in chapters(folder):
        title = first_heading(chapter)
        match = re.fullmatch(rf"{KINDS[folder]} 1\.5\.(\d) · \S.*", title)
        assert match, f"{chapter.name}: title {title!r} should read '{KINDS[folder]} 1.5.N · Name'"
        numbers.append(int(match.group(1)))
    assert numbers == list(range(1, len(numbers) + 1)), numbers  # one page per seed number


def test_objective_ids_do_not_look_like_page_numbers():
    intro = (REPO_ROOT / "book" / "intro.md").read_text(encoding="utf-8")
    table = intro.split("## Learning objectives", 1)[1].split("\n## ", 1)[0]
    ids = re.findall(r"^\| (\S+) \|", table, flags=re.MULTILINE)[1:]  # the header row's "ID" first
    assert ids and all(re.fullmatch(r"O\d", objective) for objective in ids), ids


@pytest.mark.slow
def test_the_sidebar_says_which_kind_of_page_each_entry_is(built_site):
    sidebar = BeautifulSoup((built_site / "book" / "study" / "study-guide.html").read_text(encoding="utf-8"),
                            "html.parser").select("nav.bd-docs-nav a.reference.internal")
    entries = {a["href"]: a.get_text(" ", strip=True) for a in sidebar}
    for folder, kind in KINDS.items():
        for chapter in chapters(folder):
            href = f"../{folder}/{chapter.stem}.html"
            assert entries.get(href, "").startswith(f"{kind} 1.5."), (href, entries.get(href))
