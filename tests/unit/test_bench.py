"""scratchnn.bench.cpu: the work model, the measurement plumbing and the command line (no timing is asserted)."""

import errno
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from scratchnn.bench import cpu as bench
from scratchnn.cli import main


def test_useful_flops_count_forward_weight_and_input_gradients_but_not_the_image_gradient():
    # 4-3-2 with batch 5: P = 12 + 6 = 18 weights, P1 = 12 in the first layer.
    # forward 2*5*18 = 180, weight gradients 180, input gradients only for layer 2: 2*5*6 = 60.
    assert bench.useful_flops_per_step((4, 3, 2), 5) == 420
    seed_mlp = 784 * 256 + 256 * 128 + 128 * 10
    assert bench.useful_flops_per_step(bench.SIZES, 64) == 2 * 64 * (3 * seed_mlp - 784 * 256)


def test_matmul_peak_is_a_positive_rate():
    assert bench.matmul_peak_gflops(n=64, repeats=2) > 0


def test_peak_memory_of_a_child_process_is_measured_for_that_process_alone():
    # The parent holds 300 MB while the children run: a child's figure must not include it
    # (Linux's ru_maxrss would: it starts from the parent's size at the fork).
    ballast = np.ones(300 * 2**20 // 8)
    code = ("from scratchnn.bench.cpu import _report_peak_after\n"
            "import numpy as np\n"
            "def work():\n"
            "    a = np.ones(200 * 2**20 // 8)\n"
            "    print(a.sum() > 0)\n"
            "_report_peak_after(work)\n")
    status, peak_mb, text = bench._run_measured(code)
    assert status == 0 and text.strip() == "True"
    assert 200 <= peak_mb < 300
    status, small_mb, _ = bench._run_measured(
        "from scratchnn.bench.cpu import _report_peak_after; import sys; _report_peak_after(sys.exit, 3)")
    assert status == 3 and small_mb < 100
    assert ballast.sum() > 0


def test_recipes_are_valid_train_command_lines():
    from scratchnn.cli import build_parser

    parser = build_parser()
    for name, arguments in bench.RECIPES.items():
        args = parser.parse_args(["train", *arguments])
        assert args.epochs <= 10, name
    seed = parser.parse_args(["train", *bench.RECIPES["seed"]])
    assert (seed.hidden, seed.activation, seed.optimizer, seed.lr, seed.batch_size, seed.epochs) == (
        [256, 128], "relu", "sgd", 0.01, 64, 10)
    best = parser.parse_args(["train", *bench.RECIPES["best"]])
    assert best.hidden == [512, 256] and best.momentum == 0.9 and best.schedule == "cosine"
    assert best.weight_decay == 1e-4
    assert parser.parse_args(["train", *bench.RECIPES["best+shift"]]).augment_shift == 2


def test_help_describes_the_targets_and_the_cpu_subcommand():
    result = subprocess.run([sys.executable, "-m", "scratchnn", "bench", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for text in ("--threads", "--rounds", "--steps", "--recipes", "cpu", "1.15", "400 MB"):
        assert text in result.stdout, text


@pytest.mark.parametrize("arguments, message", [
    (["bench", "--rounds", "0"], "argument --rounds: must be >= 1, got 0"),
    (["bench", "cpu", "--threads", "0"], "argument --threads: must be >= 1, got 0"),
    (["bench", "--steps", "-5"], "argument --steps: must be >= 1, got -5"),
    (["bench", "--threads", "2.5"], "argument --threads: expected an integer, got '2.5'"),
    (["bench", "--memory-epochs", "-1"], "argument --memory-epochs: must be >= 0, got -1"),
    (["bench", "--recipes", "fastest"], "invalid choice: 'fastest'"),
    (["bench", "--skip-speed"], "--skip-speed leaves nothing to run; add --recipes"),
    (["bench", "--json", "missing/x.json"], "--json missing/x.json: cannot write there: the folder "),
    (["bench", "cpu", "--json", "/dev/full"], "--json /dev/full: cannot write there: it exists and is not a regular"),
    (["bench", "--json", "."], "--json .: cannot write there: it is a folder"),
])
def test_bad_arguments_give_one_line_errors(arguments, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(arguments)
    assert exit_info.value.code == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(errors) == 1 and message in errors[0]


def test_options_before_the_cpu_subcommand_are_kept():
    from scratchnn.cli import build_parser

    args = build_parser().parse_args(["bench", "--rounds", "2", "cpu", "--steps", "3"])
    assert args.rounds == 2 and args.steps == 3 and args.func is bench._cli_cpu
    default = build_parser().parse_args(["bench"])
    assert default.rounds == 5 and default.func is bench._cli_cpu


def test_a_tiny_cpu_bench_runs_end_to_end(capsys):
    pytest.importorskip("torch")
    from scratchnn.data import MNISTUnavailable, load_mnist

    try:  # the timing workers are fresh processes: they read the real MNIST from the cache
        load_mnist(download=False)
    except MNISTUnavailable:
        pytest.skip("real MNIST is not in the cache (run `python -m scratchnn data fetch`)")
    result = bench.run_cpu_bench(threads=1, rounds=2, steps=2, memory_epochs=0)
    out = capsys.readouterr().out
    assert "threads: 1 per framework" in out and "ratio" in out and "torch 2." in out
    # Linux and Windows wheels bring OpenBLAS, macOS wheels Accelerate, conda MKL or BLIS.
    assert any(name in result["blas"].lower() for name in ("openblas", "mkl", "accelerate", "blis"))
    for batch_size in ("64", "256"):
        entry = result["batch_sizes"][batch_size]
        assert len(entry["all_seconds_per_epoch"]["scratchnn"]) == 2 and entry["steps_timed"] == 2
        assert entry["ratio"] == pytest.approx(
            entry["seconds_per_epoch"]["scratchnn"] / entry["seconds_per_epoch"]["pytorch"])
        assert 0 < entry["fraction_of_peak"]["scratchnn"]
        assert len(entry["all_cpu_seconds_per_epoch"]["bare NumPy"]) == 2
        assert entry["cpu_overhead_ratio"] == pytest.approx(
            entry["cpu_seconds_per_epoch"]["scratchnn"] / entry["cpu_seconds_per_epoch"]["bare NumPy"])
    assert "in process CPU time" in out


def test_the_bare_numpy_floor_computes_exactly_what_fit_computes():
    # The floor is only a fair floor if it does the same work: same weights, order, loss and update.
    from scratchnn.data import DataLoader
    from scratchnn.nn import CrossEntropyLoss
    from scratchnn.optim import SGD
    from scratchnn.train import fit, make_mlp

    rng = np.random.default_rng(1)
    x = rng.random((300, 784), dtype=np.float32)
    y = rng.integers(0, 10, 300)
    weights, biases = bench._bare_numpy_mlp(seed=3)
    loss_sum, correct = bench._bare_numpy_epoch(weights, biases, x, y, batch_size=64, seed=3)
    model = make_mlp(bench.SIZES, seed=3)
    history = fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=bench.LEARNING_RATE),
                  DataLoader(x, y, batch_size=64, seed=3), epochs=1)
    assert loss_sum / len(x) == pytest.approx(history.train_loss[0], rel=1e-5)
    # Float32 sums in another order (another BLAS kernel) can flip an argmax at a near-tie: 1 image.
    assert correct / len(x) == pytest.approx(history.train_acc[0], abs=1.5 / len(x))
    layers = [layer for layer in model if hasattr(layer, "weight")]
    for layer, w, b in zip(layers, weights, biases, strict=True):
        np.testing.assert_allclose(w, layer.weight.data, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(b, layer.bias.data, rtol=1e-4, atol=1e-6)
    assert not np.allclose(weights[0], bench._bare_numpy_mlp(seed=3)[0][0])  # it did train


def test_bench_registers_the_gpu_subcommand():
    result = subprocess.run([sys.executable, "-m", "scratchnn", "bench", "gpu", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "--batch-sizes" in result.stdout, result.stderr


def test_the_code_the_bench_runs_in_child_processes_imports():
    """The memory and recipe runs start ``python -c "from scratchnn... import ..."``: every name must exist."""
    import ast
    import importlib

    source = Path(bench.__file__).read_text()
    statements = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            statements.update(re.findall(r"from (scratchnn[\w.]*) import ([\w, ]+)", node.value))
    assert len(statements) >= 3, statements  # the memory run and the recipe run
    for module, names in statements:
        for name in (n.strip() for n in names.split(",")):
            assert hasattr(importlib.import_module(module), name), f"{module} has no {name}"


def test_importing_the_main_module_does_not_run_the_command_line():
    result = subprocess.run([sys.executable, "-c", "import scratchnn.__main__"], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout and not result.stderr, result.stderr


def test_a_json_that_cannot_be_written_at_the_end_is_printed_instead(tmp_path, monkeypatch, capsys):
    # The folder was writable when checked; by the end the disk is full: the results must not be lost.
    monkeypatch.setattr(bench, "run_cpu_bench", lambda **kwargs: {"measured": 1.5})

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("builtins.open", disk_full)
    assert main(["bench", "--threads", "1", "--json", str(tmp_path / "x.json")]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out) == {"cpu": {"measured": 1.5}}
    assert f"could not write --json {tmp_path / 'x.json'}: No space left on device; the JSON is printed above" in err
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_during_the_recipes_keeps_the_speed_results_and_the_finished_recipes(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(bench, "run_cpu_bench", lambda **kwargs: {"measured": 1.5})

    def one_recipe_then_ctrl_c(code):  # stands in for the `train` child process
        if calls:
            raise KeyboardInterrupt
        calls.append(code)
        record_path = re.search(r"'--json', '([^']+)'", code).group(1)
        Path(record_path).write_text(json.dumps({"test_accuracy": 0.9, "train_seconds": 1.0}))
        return 0, 100.0, ""

    calls = []
    monkeypatch.setattr(bench, "_run_measured", one_recipe_then_ctrl_c)
    path = tmp_path / "x.json"
    assert main(["bench", "--threads", "1", "--recipes", "seed", "best", "--json", str(path)]) == 130
    record = json.loads(path.read_text())
    assert record["interrupted"] is True and record["cpu"] == {"measured": 1.5}
    assert list(record["recipes"]) == ["seed"] and record["recipes"]["seed"]["test_accuracy"] == 0.9
    assert "interrupted (Ctrl-C); finished: speed, seed" in capsys.readouterr().err
