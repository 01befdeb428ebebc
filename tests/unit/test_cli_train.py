"""`python -m scratchnn train`: help, one-line argument errors, and a real (tiny) run writing JSON."""

import errno
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import scratchnn.cli
from scratchnn.cli import main
from scratchnn.data import MNIST
from scratchnn.train import Callback


@pytest.fixture
def small_mnist(monkeypatch):
    """A learnable stand-in for MNIST: each class lights up its own block of pixels, plus noise."""
    rng = np.random.default_rng(0)

    def make(n):
        y = rng.integers(0, 10, n)
        x = rng.random((n, 784), dtype=np.float32) * 0.3
        for k in range(10):
            x[y == k, k * 70 : k * 70 + 70] += 0.7
        return x, y.astype(np.int64)

    fake = MNIST(*make(600), *make(200))
    monkeypatch.setattr(scratchnn.cli, "load_mnist", lambda **kwargs: fake)
    return fake


def test_help_lists_the_options():
    result = subprocess.run([sys.executable, "-m", "scratchnn", "train", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for option in ("--hidden", "--activation", "--optimizer", "--lr", "--momentum", "--weight-decay",
                   "--batch-size", "--epochs", "--seed", "--schedule", "--augment-shift", "--json", "--no-progress"):
        assert option in result.stdout, option
    assert "seed recipe" in result.stdout


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--lr", "-1"], "argument --lr: must be > 0 and finite, got -1"),
        (["--hidden", "0"], "argument --hidden: must be >= 1, got 0"),
        (["--seed", "-1"], "argument --seed: must be >= 0, got -1"),
        (["--batch-size", "64.0"], "argument --batch-size: expected an integer, got '64.0'"),
        (["--init", "he"], "--init he: unknown initializer; expected one of he_normal, he_uniform"),
        (["--json", "/dev/full"], "--json /dev/full: cannot write there: it exists and is not a regular file"),
        (["--json", "missing/x.json"], "--json missing/x.json: cannot write there: the folder "),
        (["--activation", "softplus"], "argument --activation: invalid choice"),
        (["--nesterov"], "--nesterov needs --optimizer sgd and --momentum > 0"),
        (["--optimizer", "adam", "--momentum", "0.9"], "--momentum applies to --optimizer sgd only"),
        (["--augment-shift", "30"], "--augment-shift must be between 0 and 27"),
        (["--epochs", "two"], "argument --epochs: expected an integer, got 'two'"),
    ],
)
def test_bad_arguments_give_one_line_errors(arguments, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", *arguments])
    assert exit_info.value.code == 2
    error_lines = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(error_lines) == 1 and message in error_lines[0]


def test_a_run_prints_epochs_and_writes_history_and_test_accuracy(small_mnist, tmp_path, capsys):
    record_path = tmp_path / "run.json"
    code = main(["train", "--hidden", "32", "--epochs", "3", "--batch-size", "32", "--lr", "0.1", "--schedule",
                 "cosine", "--val-fraction", "0.2", "--augment-shift", "1", "--no-progress", "--json", str(record_path)])
    assert code == 0
    out = capsys.readouterr().out
    assert "784-32-10 relu" in out and "epoch  3" in out and "test accuracy" in out
    record = json.loads(record_path.read_text())
    assert record["config"]["sizes"] == [784, 32, 10] and record["config"]["schedule"] == "cosine"
    history = record["history"]
    assert len(history["train_loss"]) == 3 and len(history["val_acc"]) == 3
    assert history["steps_per_epoch"] == 15  # 480 training images after the 20% split, batches of 32
    assert 0.5 < record["test_accuracy"] <= 1.0  # the blocks are easy: a working loop learns them
    assert f"test accuracy {record['test_accuracy']:.4f}" in out


def test_the_same_seed_reproduces_the_run(small_mnist, tmp_path):
    records = []
    for name in ("a.json", "b.json"):
        assert main(["train", "--hidden", "16", "--epochs", "2", "--no-progress", "--seed", "3",
                     "--json", str(tmp_path / name)]) == 0
        records.append(json.loads((tmp_path / name).read_text()))
    for record in records:
        record["history"].pop("seconds")
    assert records[0]["history"] == records[1]["history"]
    assert records[0]["test_accuracy"] == records[1]["test_accuracy"]


def test_a_diverging_run_exits_with_one_clear_message(small_mnist, capsys):
    code = main(["train", "--hidden", "32", "--epochs", "2", "--lr", "1e30", "--no-progress"])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: Training diverged at epoch 0") and "too high" in err


class _CtrlC(Callback):
    """Presses Ctrl-C in the middle of the third epoch."""

    def on_train_begin(self, model, optimizer, *, epochs, steps_per_epoch, has_val):
        self.at = 2 * steps_per_epoch + 3

    def on_step_begin(self, step, optimizer):
        if step == self.at:
            raise KeyboardInterrupt


def test_ctrl_c_keeps_prints_and_writes_the_finished_epochs(small_mnist, tmp_path, capsys, monkeypatch):
    real_fit = scratchnn.cli.fit
    monkeypatch.setattr(scratchnn.cli, "fit",
                        lambda *args, callbacks, **kwargs: real_fit(*args, callbacks=[*callbacks, _CtrlC()], **kwargs))
    path = tmp_path / "run.json"
    assert main(["train", "--hidden", "16", "--epochs", "5", "--no-progress", "--json", str(path)]) == 130
    out, err = capsys.readouterr()
    assert "epoch  2  train loss" in out and "epoch  3" not in out and "test accuracy" not in out
    assert err.strip() == "interrupted (Ctrl-C) after 2 finished epoch(s) of 5; no test accuracy measured"
    record = json.loads(path.read_text())
    assert record["interrupted"] is True and record["test_accuracy"] is None
    assert len(record["history"]["seconds"]) == 2
    assert record["history"]["steps_per_epoch"] * 2 + 3 == len(record["history"]["step_loss"])


def test_ctrl_c_while_mnist_loads_is_one_line(monkeypatch, capsys):
    def interrupted(**kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(scratchnn.cli, "load_mnist", interrupted)
    assert main(["train", "--epochs", "1", "--no-progress"]) == 130
    assert capsys.readouterr().err == "\ninterrupted (Ctrl-C); nothing was written\n"


def test_a_json_that_cannot_be_written_at_the_end_is_printed_instead(small_mnist, tmp_path, monkeypatch, capsys):
    import builtins

    real_open = builtins.open

    def full_disk(path, mode="r", *args, **kwargs):
        if "w" in mode:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", full_disk)
    path = tmp_path / "run.json"
    assert main(["train", "--hidden", "16", "--epochs", "1", "--no-progress", "--json", str(path)]) == 1
    out, err = capsys.readouterr()
    record = json.loads(out[out.index("\n{") + 1:])
    assert 0 < record["test_accuracy"] <= 1 and "test accuracy" in out
    assert f"could not write --json {path}: No space left on device; the JSON is printed above instead" in err
    assert not path.exists() and list(tmp_path.iterdir()) == []
