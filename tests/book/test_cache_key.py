"""Which files a chapter's cached outputs are keyed on (book/_ext/execution_cache.py), without a build."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

EXT = Path(__file__).resolve().parents[2] / "book" / "_ext"


@pytest.fixture(scope="module")
def execution_cache():
    sys.path.insert(0, str(EXT))
    try:
        import execution_cache
    finally:
        sys.path.remove(str(EXT))
    return execution_cache


@pytest.fixture
def package(tmp_path):
    src = tmp_path / "code" / "src" / "pkg"
    (src / "__pycache__").mkdir(parents=True)
    (src / "__init__.py").write_text("A = 1\n")
    (src / "style.mplstyle").write_text("lines.linewidth: 2\n")
    (src / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"compiled")
    (tmp_path / "code" / "src" / "pkg.egg-info").mkdir()
    (tmp_path / "code" / "src" / "pkg.egg-info" / "SOURCES.txt").write_text("listing\n")
    (tmp_path / "requirements.txt").write_text("numpy==2.4.6\n")
    return tmp_path


PATTERNS = ["code/src/**/*", "requirements.txt"]


class Config:
    package_cache_sources = ["code/src/**/*"]
    execution_environment_sources = ["requirements.txt"]


def test_hashes_sources_data_and_pins_but_not_build_leftovers(execution_cache, package):
    files, _ = execution_cache.package_files(package, PATTERNS)
    assert [f.relative_to(package).as_posix() for f in files] == [
        "code/src/pkg/__init__.py",
        "code/src/pkg/style.mplstyle",
        "requirements.txt",
    ]


def test_a_record_holds_the_used_tracked_files_and_the_pins_only(execution_cache, package):
    deps = execution_cache.Dependencies(package, Config)
    used = [str(package / "code/src/pkg/__init__.py"), "/usr/lib/python3.11/os.py", str(package / "outside.txt")]
    record = deps.of(used, [str(package / "code/src/pkg"), "/tmp"], spawned=False)
    assert sorted(record) == ["code/src/pkg", "code/src/pkg/__init__.py", "requirements.txt"]
    everything = ["code/src/pkg/__init__.py", "code/src/pkg/style.mplstyle", "requirements.txt"]
    assert sorted(deps.of([], [], spawned=True)) == everything  # a subprocess may use anything
    # the package imported from another checkout: this one's files cannot say what it used
    assert sorted(deps.of(["/elsewhere/src/pkg/__init__.py"], [], spawned=False)) == everything


def test_a_record_is_current_until_a_file_in_it_changes_and_again_after_a_revert(execution_cache, package):
    deps = execution_cache.Dependencies(package, Config)
    record = deps.of([str(package / "code/src/pkg/__init__.py")], [str(package / "code/src/pkg")], spawned=False)
    assert execution_cache.is_current(package, record)

    (package / "code/src/pkg/style.mplstyle").write_text("lines.linewidth: 3\n")  # not used
    (package / "code/src/pkg/__pycache__/__init__.cpython-311.pyc").write_bytes(b"recompiled")
    assert execution_cache.is_current(package, record)

    edits = [
        (package / "code/src/pkg/__init__.py", "A = 2\n"),
        (package / "requirements.txt", "numpy==2.4.7\n"),
        (package / "code/src/pkg/new.py", "B = 1\n"),  # the listed folder changed
    ]
    for path, text in edits:
        before = path.read_text() if path.exists() else None
        path.write_text(text)
        assert not execution_cache.is_current(package, record), path
        path.write_text(before) if before is not None else path.unlink()
        assert execution_cache.is_current(package, record), path

    (package / "code/src/pkg/__init__.py").rename(package / "code/src/pkg/core.py")
    assert not execution_cache.is_current(package, record)
    assert not execution_cache.is_current(package, {})  # no record: never current


def test_a_pattern_matching_nothing_is_reported(execution_cache, package):
    _, unmatched = execution_cache.package_files(package, ["code/src/**/*", "cdoe/pyproject.toml"])
    assert unmatched == ["cdoe/pyproject.toml"]
