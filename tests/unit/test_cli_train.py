"""`python -m scratchnn train`: help, one-line argument errors, and a real (tiny) run writing JSON."""

import json
import subprocess
import sys

import numpy as np
import pytest

import scratchnn.cli
from scratchnn.cli import main
from scratchnn.data import MNIST


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
        (["--hidden", "0"], "argument --hidden: must be > 0"),
        (["--activation", "softplus"], "argument --activation: invalid choice"),
        (["--nesterov"], "--nesterov needs --optimizer sgd and --momentum > 0"),
        (["--optimizer", "adam", "--momentum", "0.9"], "--momentum applies to --optimizer sgd only"),
        (["--augment-shift", "30"], "--augment-shift must be between 0 and 27"),
        (["--epochs", "two"], "argument --epochs: expected a int, got 'two'"),
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
