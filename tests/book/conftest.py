"""A tiny book (tests/book/fixtures/tinybook) to test the build machinery in seconds.

The fixture copies it to a temporary folder, points its ``local_extensions`` at the real
``book/_ext`` (so the extensions under test are the ones the book uses), and gives the test a
``TinyBook`` that builds it, edits it, and reports which chapters executed: each chapter appends
its name to the file named by ``$TINYBOOK_EXEC_LOG`` when (and only when) its cells run.
Its package, ``tinypkg``, stands in for ``scratchnn``: reachable through ``PYTHONPATH`` and
hashed into the execution-cache key through ``package_cache_sources``.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "tinybook"
GLUED_TEXT = re.compile(r'package answers <span class="pasted-text">([^<]*)</span>')


@dataclass
class TinyBook:
    root: Path
    run_build: Callable

    @property
    def exec_log(self) -> Path:
        return self.root / "exec.log"

    @property
    def package_init(self) -> Path:
        return self.root / "tinypkg" / "src" / "tinypkg" / "__init__.py"

    def chapter(self, name: str) -> Path:
        return self.root / "chapters" / f"{name}.md"

    def build(self):
        """Build strictly; afterwards ``executed()`` lists the chapters that ran in this build."""
        self.exec_log.write_text("")
        return self.run_build(
            self.root,
            self.root,
            env={
                "TINYBOOK_EXEC_LOG": str(self.exec_log),
                "PYTHONPATH": str(self.root / "tinypkg" / "src"),
            },
            timeout=600,
        )

    def executed(self) -> list[str]:
        return sorted(self.exec_log.read_text().split())

    def glued_answer(self, chapter: str) -> str:
        """The number the chapter's prose shows (glued from ``tinypkg.answer()``)."""
        html = (self.root / "_build" / "html" / "chapters" / f"{chapter}.html").read_text()
        match = GLUED_TEXT.search(html)
        assert match, f"no glued answer in {chapter}.html"
        return match.group(1)

    def replace(self, path: Path, old: str, new: str) -> None:
        text = path.read_text()
        assert old in text, f"{old!r} not in {path}"
        path.write_text(text.replace(old, new, 1))

    def append(self, path: Path, text: str) -> None:
        path.write_text(path.read_text() + text)


@pytest.fixture
def tiny_book(tmp_path: Path, repo_root: Path, book_builder) -> TinyBook:
    root = tmp_path / "tinybook"
    shutil.copytree(FIXTURE, root)
    config = root / "_config.yml"
    config.write_text(config.read_text().replace("__BOOK_EXT__", str(repo_root / "book" / "_ext")))
    return TinyBook(root, book_builder)
