"""Keep executed outputs honest and the rebuild short: each chapter is keyed on what it used, executed in parallel.

Three holes in a plain ``execute_notebooks: cache`` build, and how this extension closes them:

1. jupyter-cache matches a notebook on the hash of its code cells only. A chapter that calls
   ``scratchnn.train.fit`` would keep showing the outputs of the *old* package after ``code/``
   changes. Here every chapter is executed by :mod:`chapter_execution` with its dependencies
   recorded: the package modules it imported and the files it opened or listed, among the files
   matched by ``package_cache_sources`` (package sources and data, recorded GPU runs), plus the
   files every chapter depends on (``execution_environment_sources``: the pins). A chapter that
   starts a subprocess, or imports the package from outside this checkout, depends on every file
   of ``package_cache_sources``. The record (path ->
   SHA-256) is stored with the cached outputs. On ``env-get-outdated`` each chapter's record is
   compared with the files as they are now: a changed file re-executes exactly the chapters that
   used it, and Sphinx re-reads those pages. Earlier executions are kept per code hash and
   dependency state (``<cache>/variants``): reverting an edit brings back their outputs without
   executing anything. Editing a chapter's code changes its code-cell hash, so only it re-executes.

2. The chapters that need executing run at once on all available cores (one BLAS thread per
   kernel, ``kernel_threads.py``), before Sphinx reads any page; myst-nb then finds every output in
   the cache. A chapter that fails is left out of the cache, so myst-nb executes it once more while
   reading it and reports the failure as always (the build fails, names the chapter and shows the
   traceback).

3. Sphinx remembers what it has read. With ``-W --keep-going`` a page whose reading emitted a
   warning is still stored in the pickled environment; the next build, with nothing changed, does
   not re-read it, emits nothing and exits 0. On ``build-finished`` with warnings we delete the
   pickled environment so the next build re-reads every page (executed outputs still come from
   the cache, so this costs seconds) and reports the same warnings again. Sphinx already does the
   same after an exception (e.g. a chapter that raises while executing).
"""

from __future__ import annotations

import hashlib
import json
import time
from contextlib import suppress
from pathlib import Path

import nbformat
from sphinx.application import ENV_PICKLE_FILENAME, Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from chapter_execution import execute, execute_many, workers  # book/_ext is on sys.path (local extensions)

logger = logging.getLogger(__name__)

DEPENDENCIES = "dependencies"  # key of the record in a cache entry's data
VARIANTS = "variants"  # <cache>/variants/<code hash>/<dependency key>.json: earlier executions
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


def file_state(root: Path, relative: str) -> str:
    """SHA-256 of a file's content, of a folder's sorted entry names, or ``missing``."""
    path = root / relative
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    if path.is_dir():
        names = sorted(p.name for p in path.iterdir() if not IGNORED_PARTS.intersection([p.name]))
        return hashlib.sha256("\0".join(names).encode()).hexdigest()
    return "missing"


def dependency_record(root: Path, relatives: set[str]) -> dict[str, str]:
    return {relative: file_state(root, relative) for relative in sorted(relatives)}


def record_key(record: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:16]


def is_current(root: Path, record: dict[str, str] | None) -> bool:
    return bool(record) and all(file_state(root, path) == state for path, state in record.items())


class Dependencies:
    """Which files of the book's sources a chapter's execution depends on."""

    def __init__(self, root: Path, config: Config):
        self.root = root
        self.tracked, unmatched = package_files(root, list(config.package_cache_sources))
        environment, missing = package_files(root, list(config.execution_environment_sources))
        for pattern in [*unmatched, *missing]:
            logger.warning(
                f"execution cache pattern {pattern!r} matches no file under {root} [execution_cache.config]",
                type="execution_cache", subtype="config",
            )
        self.environment = {path.relative_to(root).as_posix() for path in environment}
        self.tracked_names = {path.relative_to(root).as_posix() for path in self.tracked}
        self.tracked_folders = {
            parent.relative_to(root).as_posix()
            for path in self.tracked for parent in path.parents if parent.is_relative_to(root) and parent != root
        }
        # "scratchnn/__init__.py" for each top-level package among the tracked files: a chapter that
        # imports such a package from outside this checkout (another checkout's install) cannot
        # be keyed on the files it used, so it depends on all of them.
        self.foreign_markers = {
            f"{path.parent.name}/__init__.py"
            for path in self.tracked
            if path.name == "__init__.py" and not (path.parent.parent / "__init__.py").exists()
        }

    def of(self, files: list[str], listed: list[str], spawned: bool) -> dict[str, str]:
        """The record of one execution (absolute paths the kernel used -> the tracked ones, hashed)."""
        used = set(self.environment)
        if spawned or self.imports_a_foreign_copy(files):
            used |= self.tracked_names
        for path in files:
            relative = self._relative(path)
            if relative in self.tracked_names:
                used.add(relative)
        for path in listed:
            relative = self._relative(path)
            if relative in self.tracked_folders:
                used.add(relative)
        return dependency_record(self.root, used)

    def imports_a_foreign_copy(self, files: list[str]) -> bool:
        foreign = [
            path for path in files
            if self._relative(path) is None and "/".join(Path(path).parts[-2:]) in self.foreign_markers
        ]
        for path in foreign:
            logger.info(f"[execution_cache] {path} is not this checkout's: keyed on every tracked file")
        return bool(foreign)

    def _relative(self, path: str) -> str | None:
        resolved = Path(path).resolve()
        return resolved.relative_to(self.root).as_posix() if resolved.is_relative_to(self.root) else None


def _notebooks(app: Sphinx, env: BuildEnvironment):
    """``(docname, path, notebook as myst-nb reads it)`` for every notebook page of the project."""
    from myst_nb.core.read import create_nb_reader

    for docname in sorted(env.found_docs):
        path = Path(env.doc2path(docname))
        if path.suffix != ".md":
            continue
        text = path.read_text(encoding="utf-8")
        reader = create_nb_reader(str(path), env.myst_config, env.mystnb_config, text)
        if reader is not None:
            yield docname, path, reader.read(text)


def _store(cache, path: Path, notebook, seconds: float, record: dict[str, str]) -> None:
    from jupyter_cache.base import CacheBundleIn

    cache.cache_notebook_bundle(
        CacheBundleIn(notebook, str(path), data={"execution_seconds": seconds, DEPENDENCIES: record}),
        check_validity=False, overwrite=True,
    )


def _variant_folder(cache_root: Path, hashkey: str) -> Path:
    return cache_root / VARIANTS / hashkey


def _save_variant(cache_root: Path, hashkey: str, notebook, seconds: float, record: dict, keep: int) -> None:
    folder = _variant_folder(cache_root, hashkey)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{record_key(record)}.json").write_text(
        json.dumps({"seconds": seconds, DEPENDENCIES: record, "notebook": notebook})
    )
    stored = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in stored[keep:]:
        old.unlink()


def _current_variant(root: Path, cache_root: Path, hashkey: str):
    for candidate in _variant_folder(cache_root, hashkey).glob("*.json"):
        stored = json.loads(candidate.read_text())
        if is_current(root, stored[DEPENDENCIES]):
            return stored
    return None


def execute_outdated_chapters(app: Sphinx, env: BuildEnvironment, added, changed, removed) -> list[str]:
    """Bring every notebook's cache entry up to date (executing in parallel); return the pages to re-read."""
    config = env.mystnb_config
    if config.execution_mode != "cache":
        return []
    from jupyter_cache import get_cache

    root = Path(app.srcdir)
    dependencies = Dependencies(root, app.config)
    cache_root = Path(config.execution_cache_path)
    cache = get_cache(str(cache_root))
    reread, pending = [], []
    for docname, path, notebook in _notebooks(app, env):
        hashkey = cache.create_hashed_notebook(notebook)[1]
        try:
            record = cache.match_cache_notebook(notebook)
        except KeyError:
            record = None
        if record is not None and is_current(root, record.data.get(DEPENDENCIES)):
            continue
        stored = _current_variant(root, cache_root, hashkey)
        if stored is not None:  # e.g. an edit was reverted: the earlier outputs are right again
            _store(cache, path, nbformat.from_dict(stored["notebook"]), stored["seconds"], stored[DEPENDENCIES])
            reread.append(docname)
            continue
        if record is not None:
            with suppress(KeyError):  # KeyError: its files are gone already
                cache.remove_cache(record.pk)  # stale: myst-nb must never serve it
        pending.append((docname, path, hashkey, notebook))

    if pending:
        count = min(workers(), len(pending))
        logger.info(f"[execution_cache] executing {len(pending)} chapter(s) on {count} core(s)")
        started = time.perf_counter()
        results = execute_many(
            [
                lambda path=path, notebook=notebook, docname=docname: execute(
                    notebook, cwd=path.parent, kind="build", label=docname,
                    timeout=config.execution_timeout, record_dependencies=True,
                )
                for docname, path, _, notebook in pending
            ],
            max_workers=count,
        )
        kernel_seconds = 0.0
        for (docname, path, hashkey, notebook), result in zip(pending, results):
            kernel_seconds += result.seconds
            reread.append(docname)
            if not result.ok:
                # not cached: myst-nb executes it again while reading and reports the failure
                logger.info(f"[execution_cache] {docname} failed; myst-nb will report it")
                continue
            record = dependencies.of(result.files, result.listed, result.subprocess)
            _store(cache, path, notebook, result.seconds, record)
            _save_variant(cache_root, hashkey, notebook, result.seconds, record, int(app.config.package_cache_keep))
            logger.info(f"[execution_cache] {docname}: {result.seconds:.1f} s, depends on {len(record)} file(s)")
        logger.info(
            f"[execution_cache] executed {len(pending)} chapter(s) in {time.perf_counter() - started:.0f} s "
            f"wall ({kernel_seconds:.0f} s of kernel time)"
        )
    return reread


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
    app.add_config_value("execution_environment_sources", [], "env", [list])
    app.add_config_value("package_cache_keep", 8, "", [int])
    app.connect("env-get-outdated", execute_outdated_chapters)
    app.connect("build-finished", forget_environment_after_warnings)
    return {"version": "2.0", "parallel_read_safe": True, "parallel_write_safe": True}
