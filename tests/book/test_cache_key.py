"""The package hash behind the execution-cache key (book/_ext/execution_cache.py), without a build."""

from __future__ import annotations

import os
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


def key(execution_cache, root):
    files, unmatched = execution_cache.package_files(root, PATTERNS)
    assert unmatched == []
    return execution_cache.package_hash(root, files)


def test_hashes_sources_data_and_pins_but_not_build_leftovers(execution_cache, package):
    files, _ = execution_cache.package_files(package, PATTERNS)
    assert [f.relative_to(package).as_posix() for f in files] == [
        "code/src/pkg/__init__.py",
        "code/src/pkg/style.mplstyle",
        "requirements.txt",
    ]


def test_key_changes_with_content_data_pins_and_names_and_only_then(execution_cache, package):
    original = key(execution_cache, package)
    (package / "code/src/pkg/__pycache__/__init__.cpython-311.pyc").write_bytes(b"recompiled")
    (package / "code/src/pkg.egg-info/SOURCES.txt").write_text("other listing\n")
    assert key(execution_cache, package) == original

    edits = [
        (package / "code/src/pkg/__init__.py", "A = 2\n"),
        (package / "code/src/pkg/style.mplstyle", "lines.linewidth: 3\n"),
        (package / "requirements.txt", "numpy==2.4.7\n"),
    ]
    for path, text in edits:
        before = path.read_text()
        path.write_text(text)
        assert key(execution_cache, package) != original, path
        path.write_text(before)
        assert key(execution_cache, package) == original, path

    (package / "code/src/pkg/__init__.py").rename(package / "code/src/pkg/core.py")
    assert key(execution_cache, package) != original


def test_a_pattern_matching_nothing_is_reported(execution_cache, package):
    _, unmatched = execution_cache.package_files(package, ["code/src/**/*", "cdoe/pyproject.toml"])
    assert unmatched == ["cdoe/pyproject.toml"]


def test_pruning_keeps_the_current_and_most_recently_used_keys(execution_cache, tmp_path):
    names = [f"{i:016x}" for i in range(5)]  # used at times 1000, 1001, ... : names[4] most recent
    for used_at, name in enumerate(names, start=1000):
        (tmp_path / name).mkdir()
        os.utime(tmp_path / name, (used_at, used_at))
    (tmp_path / "global.db").write_text("")  # not a key directory: never pruned
    current = tmp_path / names[0]  # e.g. a revert brought an old key back

    removed = execution_cache.prune_old_keys(tmp_path, keep=3, current=current)
    assert sorted(p.name for p in removed) == [names[1], names[2]]
    assert sorted(p.name for p in tmp_path.iterdir()) == [names[0], names[3], names[4], "global.db"]
