"""A build that should fail fails -- every time, not just the first time (no green after red)."""

import pytest
import yaml

pytestmark = pytest.mark.slow

RAISING_CELL = "\n```{code-cell} ipython3\nraise RuntimeError('planted failure in beta')\n```\n"


def test_tiny_book_builds_cleanly(tiny_book_built):
    _, result = tiny_book_built
    assert result.returncode == 0, result.tail()
    assert result.sphinx_warnings() == []


def test_raising_chapter_fails_the_build_names_it_and_shows_the_traceback_every_time(tiny_book):
    tiny_book.append(tiny_book.chapter("beta"), RAISING_CELL)

    for attempt in ("first build", "second build, nothing changed"):
        result = tiny_book.build()
        assert result.returncode != 0, f"{attempt} passed:\n{result.tail()}"
        assert "chapters/beta.md: WARNING: Executing notebook failed" in result.output, attempt
        assert "Traceback (most recent call last)" in result.output, attempt
        assert "RuntimeError: planted failure in beta" in result.output, attempt


def test_warning_fails_the_build_every_time(tiny_book):
    # Sphinx would not re-read an unchanged page on the second build and so would not repeat
    # its warning; book/_ext/execution_cache.py forgets the environment after warnings.
    tiny_book.append(tiny_book.chapter("alpha"), "\nSee {ref}`no-such-label`.\n")

    for attempt in ("first build", "second build, nothing changed"):
        result = tiny_book.build()
        assert result.returncode != 0, f"{attempt} passed:\n{result.tail()}"
        assert any("undefined label: 'no-such-label'" in w for w in result.sphinx_warnings()), attempt

    # Fixing the page makes the build green again, with the cached outputs (no re-execution).
    tiny_book.replace(tiny_book.chapter("alpha"), "\nSee {ref}`no-such-label`.\n", "\n")
    result = tiny_book.build()
    assert result.returncode == 0, result.tail()
    assert tiny_book.executed() == []


def test_full_book_builds_with_zero_warnings(full_book_build):
    """The real book: `jupyter-book build . -W -n --keep-going` exits 0 and logs no warning."""
    assert full_book_build.returncode == 0
    assert full_book_build.sphinx_warnings() == []


def test_tiny_book_executes_like_the_real_book(repo_root):
    """The strictness and cache tests run on the tiny book: its execution settings must be the book's."""
    real = yaml.safe_load((repo_root / "_config.yml").read_text())
    tiny = yaml.safe_load((repo_root / "tests/book/fixtures/tinybook/_config.yml").read_text())
    ignore = {"timeout"}
    assert {k: v for k, v in tiny["execute"].items() if k not in ignore} == {
        k: v for k, v in real["execute"].items() if k not in ignore
    }
    assert real["execute"]["raise_on_error"] is True and real["execute"]["show_tb"] is True
    assert sorted(tiny["sphinx"]["local_extensions"]) == sorted(real["sphinx"]["local_extensions"])
