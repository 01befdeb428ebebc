"""Keep executed outputs honest: key the execution cache on the package, and never go green after red.

Two holes in a plain ``execute_notebooks: cache`` build, and how this extension closes them:

1. jupyter-cache matches a notebook on the hash of its code cells only. A chapter that calls
   ``scratchnn.train.fit`` would keep showing the outputs of the *old* package after ``code/``
   changes. Here the cache directory itself is keyed on the package: on ``config-inited`` we hash
   the files matched by ``package_cache_sources`` (package sources and data, ``pyproject.toml``,
   the pinned requirements) and point ``nb_execution_cache_path`` at
   ``<build root>/.jupyter_cache/<hash>``. Because ``nb_execution_cache_path`` is an
   "env"-rebuild config value, Sphinx notices the change and re-reads every page; each notebook
   then misses in the fresh cache directory and re-executes. Reverting the edit brings back the
   old hash, whose directory still holds the earlier outputs, so nothing re-executes. Editing a
   chapter changes only that chapter's code-cell hash, so only it re-executes.

2. Sphinx remembers what it has read. With ``-W --keep-going`` a page whose reading emitted a
   warning is still stored in the pickled environment; the next build, with nothing changed, does
   not re-read it, emits nothing and exits 0. On ``build-finished`` with warnings we delete the
   pickled environment so the next build re-reads every page (executed outputs still come from
   the cache, so this costs seconds) and reports the same warnings again. Sphinx already does the
   same after an exception (e.g. a chapter that raises while executing).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from sphinx.application import ENV_PICKLE_FILENAME, Sphinx
from sphinx.config import Config
from sphinx.util import logging

logger = logging.getLogger(__name__)

CACHE_DIR_NAME = ".jupyter_cache"
# Length of the hex prefix of the SHA-256 used as the cache directory name (64 bits: no collisions
# in practice, short enough to read in a log line).
KEY_LENGTH = 16
# Files that never influence execution even when a glob matches them.
IGNORED_PARTS = {"__pycache__", ".ipynb_checkpoints"}
IGNORED_SUFFIXES = {".pyc", ".pyo"}


def package_files(root: Path, patterns: list[str]) -> tuple[list[Path], list[str]]:
    """Return the sorted files under ``root`` matched by ``patterns`` and the patterns that matched none."""
    files: set[Path] = set()
    unmatched = []
    for pattern in patterns:
        matched = [
            path
            for path in root.glob(pattern)
            if path.is_file()
            and not IGNORED_PARTS.intersection(path.relative_to(root).parts)
            and not any(part.endswith(".egg-info") for part in path.relative_to(root).parts)
            and path.suffix not in IGNORED_SUFFIXES
        ]
        if not matched:
            unmatched.append(pattern)
        files.update(matched)
    return sorted(files), unmatched


def package_hash(root: Path, files: list[Path]) -> str:
    """SHA-256 over each file's path (relative to ``root``) and content, in sorted order.

    The path is part of the key so that renaming or moving a module changes it too.
    """
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def prune_old_keys(cache_root: Path, keep: int, current: Path) -> list[Path]:
    """Delete all but the ``keep`` most recently used key directories (never ``current``)."""
    candidates = [
        path
        for path in cache_root.iterdir()
        if path.is_dir() and len(path.name) == KEY_LENGTH and path != current
    ]
    candidates.sort(key=lambda path: path.stat().st_mtime, reverse=True)
    removed = candidates[max(keep - 1, 0):]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


def key_cache_on_package(app: Sphinx, config: Config) -> None:
    patterns = list(config.package_cache_sources)
    if not patterns:
        logger.warning(
            "package_cache_sources is empty: the execution cache would ignore package edits "
            "[execution_cache.config]",
            type="execution_cache",
            subtype="config",
        )
        return
    root = Path(app.srcdir)
    files, unmatched = package_files(root, patterns)
    for pattern in unmatched:
        logger.warning(
            f"package_cache_sources pattern {pattern!r} matches no file under {root} "
            "[execution_cache.config]",
            type="execution_cache",
            subtype="config",
        )
    key = package_hash(root, files)[:KEY_LENGTH]

    # myst-nb's own default is <outdir>/../.jupyter_cache; an explicit `execute.cache` path in
    # _config.yml becomes the root under which the keyed directories live.
    configured = config.nb_execution_cache_path
    cache_root = (
        Path(configured) if configured else Path(app.outdir).parent / CACHE_DIR_NAME
    ).resolve()
    if cache_root.name == key:
        # Already keyed (config re-initialised in the same process).
        cache_root = cache_root.parent
    cache_dir = cache_root / key
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Mark as most recently used, for pruning.
    os.utime(cache_dir)
    removed = prune_old_keys(cache_root, int(config.package_cache_keep), cache_dir)

    config.nb_execution_cache_path = str(cache_dir)
    logger.info(
        f"[execution_cache] key {key} from {len(files)} package files; cache at {cache_dir}"
        + (f"; pruned {len(removed)} old key(s)" if removed else "")
    )


def forget_environment_after_warnings(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None:
        # Sphinx itself deletes the environment after an exception.
        return
    if getattr(app, "_warncount", 0):
        env_file = Path(app.doctreedir) / ENV_PICKLE_FILENAME
        env_file.unlink(missing_ok=True)
        logger.info(
            "[execution_cache] build had warnings: environment forgotten, so the next build "
            "re-reads every page and reports them again"
        )


def setup(app: Sphinx) -> dict:
    app.add_config_value("package_cache_sources", [], "env", [list])
    app.add_config_value("package_cache_keep", 8, "", [int])
    # After myst-nb has registered nb_execution_cache_path; before the environment is loaded,
    # so Sphinx compares the keyed path with the one stored in the previous build.
    app.connect("config-inited", key_cache_on_package, priority=900)
    app.connect("build-finished", forget_environment_after_warnings)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
