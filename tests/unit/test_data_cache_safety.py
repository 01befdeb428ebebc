"""The MNIST cache never loses a valid file, and every failure of the file system is one clear message.

Permission errors are simulated (the tests may run as root, which reads anything): the OS call that
would be refused is replaced by one raising the same ``OSError``.
"""

from __future__ import annotations

import errno
import os
import time

import numpy as np
import pytest

from scratchnn.data import mnist as data
from scratchnn.cli import main
from scratchnn.data._mnist_sources import DataIntegrityError


@pytest.fixture
def cached(fake_mnist, offline_mnist):
    """A verified fake MNIST in tmp_path/cache; the CLI reads the same spec; both sources offline."""
    data.import_mnist(fake_mnist.idx_dir, cache_dir=offline_mnist.parent, spec=fake_mnist.spec)
    return offline_mnist


def refuse(code):
    def refused(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    return refused


@pytest.mark.parametrize("code", [errno.EACCES, errno.EMFILE, errno.EIO])
def test_an_os_error_while_reading_keeps_the_cache(cached, fake_mnist, monkeypatch, code):
    before = cached.read_bytes()
    monkeypatch.setattr(data, "open", refuse(code), raising=False)
    with pytest.raises(data.CacheAccessError, match=rf"cannot read {cached}: {os.strerror(code)}\. To fix it"):
        data.load_mnist(cache_dir=cached.parent, progress=False, spec=fake_mnist.spec)
    with pytest.raises(data.CacheAccessError):
        data.verify_mnist_cache(cache_dir=cached.parent, spec=fake_mnist.spec)
    monkeypatch.undo()
    assert cached.read_bytes() == before


def test_permission_error_names_the_fix(cached, monkeypatch, capsys):
    monkeypatch.setattr(data, "open", refuse(errno.EACCES), raising=False)
    assert main(["data", "verify"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "SCRATCHNN_DATA" in err and f"cannot read {cached}" in err
    assert cached.exists()


def test_a_file_renamed_into_place_during_a_failed_check_is_kept(cached, fake_mnist, monkeypatch):
    # Another process replaces the damaged cache with a good one between our read and our clean-up.
    good = cached.read_bytes()
    cached.write_bytes(good[:300])  # a damaged file of ours
    real_damaged = data._damaged

    def damaged_then_replaced(path, err, file_id):
        replacement = path.with_name("replacement.part")
        replacement.write_bytes(good)
        os.replace(replacement, path)
        return real_damaged(path, err, file_id)

    monkeypatch.setattr(data, "_damaged", damaged_then_replaced)
    with pytest.raises(data.MNISTUnavailable, match="another process has replaced it since; kept the new file"):
        data.load_mnist(cache_dir=cached.parent, progress=False, spec=fake_mnist.spec)
    assert cached.read_bytes() == good


def test_verify_in_a_folder_where_the_damaged_file_cannot_be_removed(cached, monkeypatch, capsys):
    # A sticky-bit shared folder: the damaged file belongs to someone else, unlink is refused.
    cached.write_bytes(cached.read_bytes()[:300])
    monkeypatch.setattr(type(cached), "unlink", refuse(errno.EPERM))
    assert main(["data", "verify"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "could not remove it" in err and "delete it by hand" in err


@pytest.mark.parametrize("command", [["data", "fetch"], ["data", "import", "IDX"]])
def test_an_unwritable_cache_folder_is_one_message_and_exit_1(cached, fake_mnist, monkeypatch, capsys, command):
    cached.unlink()
    monkeypatch.setattr(data.tempfile, "mkstemp", refuse(errno.EACCES))
    monkeypatch.setattr(data.tempfile, "TemporaryDirectory", refuse(errno.EACCES))
    command = [str(fake_mnist.idx_dir) if part == "IDX" else part for part in command]
    assert main(command) == 1
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if "error" in line.lower()]
    assert "Traceback" not in err and len(errors) == 1
    assert f"{cached}: Permission denied" in errors[0] and "SCRATCHNN_DATA" in errors[0]


def test_load_mnist_in_an_unwritable_folder_raises_cache_access_error(cached, fake_mnist, monkeypatch):
    cached.unlink()
    monkeypatch.setattr(data.tempfile, "TemporaryDirectory", refuse(errno.EACCES))
    with pytest.raises(data.CacheAccessError, match="Permission denied"):
        data.load_mnist(cache_dir=cached.parent, progress=False, spec=fake_mnist.spec)


def test_train_without_mnist_prints_the_message_without_a_traceback(cached, monkeypatch, capsys):
    cached.unlink()
    assert main(["train", "--epochs", "1", "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: MNIST is not available") and "python -m scratchnn data fetch" in err


def test_leftovers_of_killed_writes_are_cleaned_on_the_next_run(cached, fake_mnist):
    folder = cached.parent
    stale_part, fresh_part = folder / ".mnist-old.npz.part", folder / ".mnist-new.npz.part"
    stale_fetch, fresh_fetch = folder / ".fetch-old", folder / ".fetch-new"
    for part in (stale_part, fresh_part):
        part.write_bytes(b"x" * 100)
    for fetch in (stale_fetch, fresh_fetch):
        fetch.mkdir()
        (fetch / "train-images-idx3-ubyte.gz").write_bytes(b"partial")
    old = time.time() - 2 * data.STALE_SECONDS
    for path in (stale_part, stale_fetch / "train-images-idx3-ubyte.gz", stale_fetch):
        os.utime(path, (old, old))
    data.import_mnist(fake_mnist.idx_dir, cache_dir=folder, spec=fake_mnist.spec)
    # A fetch in progress elsewhere (recently touched) is left alone.
    assert sorted(p.name for p in folder.iterdir()) == [".fetch-new", ".mnist-new.npz.part", "mnist.npz"]


def test_damaged_cache_is_still_removed(cached, fake_mnist):
    cached.write_bytes(cached.read_bytes()[:300])  # ours: the format marker survives in the first bytes
    with pytest.raises(DataIntegrityError) as caught:
        data.verify_mnist_cache(cache_dir=cached.parent, spec=fake_mnist.spec)
    assert caught.value.removal == "removed it" and not cached.exists()


def test_a_file_that_is_not_ours_is_never_removed(cached, fake_mnist):
    cached.write_bytes(np.arange(10).tobytes())
    with pytest.raises(data.ForeignCacheFile, match="a file of 80 bytes that is not a NumPy .npz"):
        data.verify_mnist_cache(cache_dir=cached.parent, spec=fake_mnist.spec)
    assert cached.read_bytes() == np.arange(10).tobytes()
