"""A table-driven bad-input suite over the command line: every row is one command with a bad flag,
output or file, and the exit code and one-line message it must give (never a traceback, never a
run that ends by losing its results).

Exit codes: 2 for a bad argument (refused before any work), 1 for a file or cache problem,
0 where the input is accepted. The data commands run on the fake MNIST (no network).
"""

from __future__ import annotations

import os
import re

import numpy as np
import pytest

import scratchnn.cli
from scratchnn.cli import main
from scratchnn.data import MNIST
from scratchnn.data import mnist as data


def keras_npz(tmp, fake):
    """Keras's mnist.npz layout of the fake MNIST: images (n, 28, 28), its own key order."""
    raw = fake.raw
    path = tmp / "keras.npz"
    np.savez(path, x_test=raw.x_test.reshape(-1, 28, 28), x_train=raw.x_train.reshape(-1, 28, 28),
             y_train=raw.y_train, y_test=raw.y_test)
    return path


def keras_file_in_the_cache(tmp, fake, cache):
    cache.parent.mkdir(exist_ok=True)
    keras_npz(tmp, fake).rename(cache)


def other_arrays_in_the_cache(tmp, fake, cache):
    cache.parent.mkdir(exist_ok=True)
    np.savez(cache, images=np.zeros((3, 3)))


def a_file(tmp, fake, cache):
    (tmp / "a-file").write_text("mine")


def other_npz(tmp, fake, cache):
    np.savez(tmp / "other.npz", **{name: np.zeros(3, np.uint8) for name in ("x_train", "y_train", "x_test", "y_test")})


NO_SETUP = None
# (id, argv with {tmp} for the test's folder, setup, exit code, message (regex) on stderr)
CASES = [
    ("train --json /dev/full", ["train", "--json", "/dev/full"], NO_SETUP, 2,
     r"--json /dev/full: cannot write there: it exists and is not a regular file"),
    ("train --json into a missing folder", ["train", "--json", "{tmp}/missing/x.json"], NO_SETUP, 2,
     r"--json .*/missing/x\.json: cannot write there: the folder .*/missing does not exist"),
    ("train --json a folder", ["train", "--json", "{tmp}"], NO_SETUP, 2, r"cannot write there: it is a folder"),
    ("train --seed -1", ["train", "--seed", "-1"], NO_SETUP, 2, r"argument --seed: must be >= 0, got -1"),
    ("train --seed 1.5", ["train", "--seed", "1.5"], NO_SETUP, 2, r"argument --seed: expected an integer, got '1\.5'"),
    ("train --batch-size 64.0", ["train", "--batch-size", "64.0"], NO_SETUP, 2,
     r"argument --batch-size: expected an integer, got '64\.0'"),
    ("train --epochs two", ["train", "--epochs", "two"], NO_SETUP, 2, r"argument --epochs: expected an integer, got 'two'"),
    ("train --lr abc", ["train", "--lr", "abc"], NO_SETUP, 2, r"argument --lr: expected a number, got 'abc'"),
    ("train --augment-shift -1", ["train", "--augment-shift", "-1"], NO_SETUP, 2,
     r"argument --augment-shift: must be >= 0, got -1"),
    ("train --init he", ["train", "--init", "he"], NO_SETUP, 2,
     r"--init he: unknown initializer; expected one of he_normal, he_uniform, lecun_normal"),
    ("train --hidden 100000000000", ["train", "--hidden", "100000000000", "--no-progress"], NO_SETUP, 2,
     r"^error: not enough memory for this model and batch \(--hidden 100000000000, --batch-size 64\): Unable to "
     r"allocate"),
    ("train --val-fraction 1e-9", ["train", "--val-fraction", "1e-9"], NO_SETUP, 2,
     r"--val-fraction 1e-09 of the 12 training images holds no image; use at least 8\.3e-02, or 0"),
    ("bench --json into a missing folder", ["bench", "--json", "{tmp}/missing/x.json"], NO_SETUP, 2,
     r"--json .*/missing/x\.json: cannot write there: the folder .* does not exist"),
    ("bench cpu --json /dev/full", ["bench", "cpu", "--json", "/dev/full"], NO_SETUP, 2,
     r"--json /dev/full: cannot write there: it exists and is not a regular file"),
    ("bench --skip-speed alone", ["bench", "--skip-speed"], NO_SETUP, 2, r"--skip-speed leaves nothing to run; add --recipes"),
    ("bench --threads 2.5", ["bench", "--threads", "2.5"], NO_SETUP, 2, r"argument --threads: expected an integer"),
    ("bench --rounds 0", ["bench", "--rounds", "0"], NO_SETUP, 2, r"argument --rounds: must be >= 1, got 0"),
    ("bench --memory-epochs -1", ["bench", "--memory-epochs", "-1"], NO_SETUP, 2,
     r"argument --memory-epochs: must be >= 0, got -1"),
    ("bench gpu --batch-sizes 64 64", ["bench", "gpu", "--batch-sizes", "64", "64"], NO_SETUP, 2,
     r"--batch-sizes lists 64 more than once \(a record holds one result per batch size\), got 64 64"),
    ("bench gpu --batch-sizes 64.0", ["bench", "gpu", "--batch-sizes", "64.0"], NO_SETUP, 2,
     r"argument --batch-sizes: expected an integer, got '64\.0'"),
    ("bench gpu --target-acc 97", ["bench", "gpu", "--target-acc", "97"], NO_SETUP, 2,
     r"--target-acc must be in \(0, 1\], got 97\.0"),
    ("bench gpu --out a file", ["bench", "gpu", "--device", "cpu", "--out", "{tmp}/a-file"], a_file, 2,
     r"--out .*/a-file: cannot write a record there: it exists and is not a folder"),
    ("bench gpu --out below a file", ["bench", "gpu", "--device", "cpu", "--out", "{tmp}/a-file/records"], a_file, 2,
     r"--out .*/a-file/records: cannot write a record there: .*/a-file is not a folder"),
    ("data verify with Keras's mnist.npz in the cache", ["data", "verify"], keras_file_in_the_cache, 1,
     r"is not an MNIST cache file scratchnn wrote, so it was left untouched"),
    ("data fetch with Keras's mnist.npz in the cache", ["data", "fetch"], keras_file_in_the_cache, 1,
     r"found: a NumPy \.npz .* \(the layout of Keras's mnist\.npz\)"),
    ("train with other arrays in the cache", ["train", "--epochs", "1", "--no-progress", "--real-mnist"],
     other_arrays_in_the_cache, 1, r"^error: .*mnist\.npz is not an MNIST cache file scratchnn wrote"),
    ("data import of an npz with other arrays", ["data", "import", "{tmp}/other.npz"], other_npz, 2,
     r"^error: .*other\.npz: x_train is uint8 \(3,\), expected uint8 \(12, 784\)$"),
    ("data import of Keras's mnist.npz (verified by hash)", ["data", "import", "{tmp}/keras.npz"],
     lambda tmp, fake, cache: keras_npz(tmp, fake), 0, r"^$"),
    ("data import of a FIFO", ["data", "import", "{tmp}/pipe.npz"], lambda tmp, fake, cache: os.mkfifo(tmp / "pipe.npz"),
     2, r"pipe\.npz: not a regular file or a folder \(a FIFO, socket or device\?\)"),
    ("data import --cache-dir a file", ["data", "import", "--cache-dir", "{tmp}/a-file", "{tmp}/keras.npz"],
     lambda tmp, fake, cache: (a_file(tmp, fake, cache), keras_npz(tmp, fake)), 1,
     r"cannot create the folder of .*a-file/mnist\.npz"),
]


@pytest.fixture
def small_mnist(monkeypatch):
    rng = np.random.default_rng(0)
    fake = MNIST(rng.random((40, 784), dtype=np.float32), np.arange(40) % 10,
                 rng.random((20, 784), dtype=np.float32), np.arange(20) % 10)
    monkeypatch.setattr(scratchnn.cli, "load_mnist", lambda **kwargs: fake)
    return fake


@pytest.mark.parametrize("argv, setup, code, message", [pytest.param(*case[1:], id=case[0]) for case in CASES])
def test_a_bad_command_line_gets_its_exit_code_and_one_clear_message(argv, setup, code, message, tmp_path,
                                                                     fake_mnist, offline_mnist, small_mnist,
                                                                     monkeypatch, capsys):
    if "--real-mnist" in argv:  # this row reads the cache itself
        argv = [a for a in argv if a != "--real-mnist"]
        monkeypatch.setattr(scratchnn.cli, "load_mnist", data.load_mnist)
    if setup is not None:
        setup(tmp_path, fake_mnist, offline_mnist)
    before = offline_mnist.read_bytes() if offline_mnist.exists() else None
    try:
        got = main([a.format(tmp=tmp_path) for a in argv])
    except SystemExit as exit_:
        got = exit_.code
    err = capsys.readouterr().err
    assert got == code, err
    assert "Traceback" not in err
    if code == 2:
        assert len([line for line in err.splitlines() if "error:" in line]) == 1, err
    assert re.search(message, err.strip(), re.MULTILINE), err
    if before is not None and code != 0:  # a file in the cache is never deleted or replaced by a refusal
        assert offline_mnist.read_bytes() == before


def test_the_cli_suite_is_large():
    assert len(CASES) >= 25
