"""The execution cache is keyed on each chapter's code AND the files it used (book/_ext/execution_cache.py).

Each case builds the tiny book (tests/book/conftest.py) and reads which chapters executed. Its
chapter alpha imports ``tinypkg`` only; beta imports ``tinypkg`` and ``tinypkg.plots``. The cases
that edit a built book start from one first build (``built_tiny_book``), made once per process.
"""

import dataclasses
import shutil

import pytest

pytestmark = pytest.mark.slow


def build_ok(tiny_book):
    result = tiny_book.build()
    assert result.returncode == 0, result.tail()
    return result


@pytest.fixture(scope="module")
def first_build() -> dict:
    """Where the first build of the tiny book ran, and a copy of it as it was (filled once)."""
    return {}


@pytest.fixture
def built_tiny_book(tiny_book, first_build: dict, tmp_path_factory):
    """The tiny book after its first build, in the folder that build ran in (a rebuild in place must
    find its sources, environment and cache where it left them; the copy keeps their times)."""
    if not first_build:
        build_ok(tiny_book)
        first_build["root"] = tiny_book.root
        first_build["copy"] = tmp_path_factory.mktemp("tinybook-first-build") / "tinybook"
        shutil.copytree(tiny_book.root, first_build["copy"], symlinks=True)
        return tiny_book
    shutil.rmtree(first_build["root"])
    shutil.copytree(first_build["copy"], first_build["root"], symlinks=True)
    return dataclasses.replace(tiny_book, root=first_build["root"])


def test_first_build_executes_every_chapter_and_a_rebuild_executes_none(built_tiny_book):
    tiny_book = built_tiny_book
    assert tiny_book.executed() == ["alpha", "beta"]  # in the first build
    assert tiny_book.glued_answer("alpha") == "41"

    build_ok(tiny_book)
    assert tiny_book.executed() == []


def test_prose_edit_executes_nothing(built_tiny_book):
    tiny_book = built_tiny_book
    tiny_book.replace(tiny_book.chapter("alpha"), "The package answers", "Today the package answers")

    build_ok(tiny_book)
    assert tiny_book.executed() == []
    assert "Today the package answers" in (tiny_book.root / "_build/html/chapters/alpha.html").read_text()


def test_chapter_code_edit_executes_only_that_chapter(built_tiny_book):
    tiny_book = built_tiny_book
    tiny_book.replace(tiny_book.chapter("alpha"), 'log.write("alpha\\n")', 'log.write("alpha" + "\\n")')

    build_ok(tiny_book)
    assert tiny_book.executed() == ["alpha"]


def test_package_edit_executes_the_chapters_that_import_it_and_revert_reuses_the_cache(built_tiny_book):
    tiny_book = built_tiny_book
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
    assert tiny_book.glued_answer("beta") == "41"


def test_an_edit_to_a_module_or_file_re_executes_exactly_the_chapters_that_used_it(tiny_book):
    data = tiny_book.package_init.with_name("numbers.txt")
    data.write_text("7\n")
    tiny_book.append(  # alpha reads a data file of the package; beta does not
        tiny_book.chapter("alpha"),
        '\n```{code-cell} ipython3\nimport tinypkg, pathlib\n'
        'int(pathlib.Path(tinypkg.__file__).with_name("numbers.txt").read_text())\n```\n',
    )
    build_ok(tiny_book)
    assert tiny_book.executed() == ["alpha", "beta"]

    plots = tiny_book.package_init.with_name("plots.py")
    tiny_book.append(plots, "\n# a comment: only beta imports this module\n")
    result = build_ok(tiny_book)
    assert tiny_book.executed() == ["beta"], result.tail()

    # A new module in the package's folder: importing tinypkg.plots listed that folder (beta);
    # alpha imported no submodule, so no new file there can change what it imports.
    (plots.parent / "extra.py").write_text("EXTRA = 1\n")
    build_ok(tiny_book)
    assert tiny_book.executed() == ["beta"]

    data.write_text("8\n")
    build_ok(tiny_book)
    assert tiny_book.executed() == ["alpha"]
