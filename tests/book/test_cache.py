"""The execution cache is keyed on the chapters AND the package (book/_ext/execution_cache.py).

Each case builds the tiny book (tests/book/conftest.py) and reads which chapters executed.
"""

import pytest

pytestmark = pytest.mark.slow


def build_ok(tiny_book):
    result = tiny_book.build()
    assert result.returncode == 0, result.tail()
    return result


def test_first_build_executes_every_chapter_and_a_rebuild_executes_none(tiny_book):
    build_ok(tiny_book)
    assert tiny_book.executed() == ["alpha", "beta"]
    assert tiny_book.glued_answer("alpha") == "41"

    build_ok(tiny_book)
    assert tiny_book.executed() == []


def test_prose_edit_executes_nothing(tiny_book):
    build_ok(tiny_book)
    tiny_book.replace(tiny_book.chapter("alpha"), "The package answers", "Today the package answers")

    build_ok(tiny_book)
    assert tiny_book.executed() == []
    assert "Today the package answers" in (tiny_book.root / "_build/html/chapters/alpha.html").read_text()


def test_chapter_code_edit_executes_only_that_chapter(tiny_book):
    build_ok(tiny_book)
    tiny_book.replace(tiny_book.chapter("alpha"), 'log.write("alpha\\n")', 'log.write("alpha" + "\\n")')

    build_ok(tiny_book)
    assert tiny_book.executed() == ["alpha"]


def test_package_edit_executes_every_chapter_and_revert_reuses_the_cache(tiny_book):
    build_ok(tiny_book)
    original = tiny_book.package_init.read_text()
    tiny_book.replace(tiny_book.package_init, "ANSWER = 41", "ANSWER = 42")

    result = build_ok(tiny_book)
    assert tiny_book.executed() == ["alpha", "beta"], result.tail()
    # The pages show what the edited package computes, not stale outputs.
    assert tiny_book.glued_answer("alpha") == "42"
    assert tiny_book.glued_answer("beta") == "42"

    tiny_book.package_init.write_text(original)
    build_ok(tiny_book)
    assert tiny_book.executed() == []
    assert tiny_book.glued_answer("alpha") == "41"
    cache_keys = sorted(p.name for p in (tiny_book.root / "_build" / ".jupyter_cache").iterdir())
    assert len(cache_keys) == 2, cache_keys
