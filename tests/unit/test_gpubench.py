"""The GPU benchmark harness, exercised on the CPU with a tiny synthetic config (no timing is asserted)."""

import argparse
import json
import subprocess
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
torch = pytest.importorskip("torch")

from scratchnn.bench import gpu as gpubench
from scratchnn.bench import records


def _separable_digits(n_train=480, n_test=200, seed=0):
    """Ten noisy class prototypes in 784 dimensions: learnable in one epoch, like a toy MNIST."""
    rng = np.random.default_rng(seed)
    prototypes = rng.random((10, 784), dtype=np.float32)

    def draw(n):
        labels = rng.integers(0, 10, size=n)
        images = np.clip(prototypes[labels] + 0.3 * rng.standard_normal((n, 784), dtype=np.float32), 0, 1)
        return images.astype(np.float32), labels.astype(np.int64)

    (x_train, y_train), (x_test, y_test) = draw(n_train), draw(n_test)
    return SimpleNamespace(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)


TINY = gpubench.BenchConfig(batch_sizes=(32, 64), epochs=2, repeats=2, warmup_steps=2, target_accuracy=0.9,
                            base_lr=0.05, validation_samples=96)  # trains on the other 384


@pytest.fixture(scope="module")
def tiny_record():
    torch.set_num_threads(1)
    return gpubench.run_benchmark(_separable_digits(), ["cpu"], TINY, log=lambda message: None)


def test_cpu_run_produces_a_valid_complete_record(tiny_record):
    records.validate_record(tiny_record)
    config = tiny_record["config"]
    assert (config["train_samples"], config["validation_samples"], config["test_samples"]) == (384, 96, 200)
    assert tiny_record["config"]["lr_rule"] == gpubench.LR_RULE
    (series,) = tiny_record["series"]
    assert (series["device"], series["precision"], series["peak_memory_kind"]) == ("cpu", "float32",
                                                                                   "process_peak_rss")
    assert [r["batch_size"] for r in series["results"]] == [32, 64]
    for result in series["results"]:
        assert result["status"] == "ok"
        assert len(result["epoch_seconds"]) == 2 and all(len(times) == 2 for times in result["epoch_seconds"])
        all_times = sorted(t for times in result["epoch_seconds"] for t in times)
        assert result["seconds_per_epoch"] == pytest.approx((all_times[1] + all_times[2]) / 2)  # the median
        assert result["samples_per_s"] == pytest.approx(384 / result["seconds_per_epoch"])
        assert result["peak_memory_bytes"] > 10 * 2**20  # a process with torch loaded
        curve = result["test_accuracy_per_epoch"]
        assert len(curve) == 2 and result["final_test_accuracy"] == curve[-1]
        assert len(result["validation_accuracy_per_epoch"]) == 2


def test_the_model_learns_and_time_to_target_follows_the_validation_curve(tiny_record):
    # The batch size is chosen on the validation split (held out from training), never on the test set.
    for result in tiny_record["series"][0]["results"]:
        curve = result["validation_accuracy_per_epoch"]
        assert curve[-1] > 0.5, curve  # chance is 0.1: the training loop really trains
        reached = next((epoch for epoch, acc in enumerate(curve, 1) if acc >= TINY.target_accuracy), None)
        assert result["epochs_to_target"] == reached
        if reached is None:
            assert result["time_to_target_seconds"] is None
        else:
            cumulative = sorted(sum(times[:reached]) for times in result["epoch_seconds"])
            assert result["time_to_target_seconds"] == pytest.approx(sum(cumulative) / 2)


def test_environment_is_captured_not_guessed():
    env = gpubench.capture_environment()
    assert env["torch"] == torch.__version__ and env["numpy"] == np.__version__
    assert env["torch_threads"] == torch.get_num_threads() and env["cpu_model"]
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(gpubench.__file__).parent,
                          capture_output=True, text=True)
    assert env["git_commit"] == (head.stdout.strip() if head.returncode == 0 else None)
    if not torch.cuda.is_available():
        assert env["cuda"] is None


@pytest.mark.parametrize("error, is_oom", [
    (torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"), True),
    (RuntimeError("CUDA error: out of memory"), True),
    (RuntimeError("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: can't allocate memory"), True),
    (MemoryError(), True),
    (RuntimeError("mat1 and mat2 shapes cannot be multiplied"), False),
    (ValueError("out of memory"), False),
])
def test_out_of_memory_recognition(error, is_oom):
    assert gpubench.is_out_of_memory(error) is is_oom


@pytest.mark.parametrize("error", [torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 9 GiB"),
                                   RuntimeError("CUDA error: out of memory\nsecond line")])
def test_out_of_memory_is_recorded_and_the_sweep_continues(monkeypatch, error):
    measure = gpubench._measure_batch_size

    def measure_or_fail(data, device, precision, batch_size, config):
        if batch_size == 64:
            raise error
        return measure(data, device, precision, batch_size, config)

    monkeypatch.setattr(gpubench, "_measure_batch_size", measure_or_fail)
    config = gpubench.BenchConfig(batch_sizes=(32, 64, 128), epochs=1, repeats=1, warmup_steps=1,
                                  validation_samples=32)
    logged = []
    record = gpubench.run_benchmark(_separable_digits(256, 50), ["cpu"], config, log=logged.append)
    results = record["series"][0]["results"]
    assert [r["status"] for r in results] == ["ok", "oom", "ok"]
    assert results[1] == {"batch_size": 64, "status": "oom", "error": str(error).splitlines()[0]}
    assert logged[1] == "cpu float32 batch 64: out of memory"
    assert records.throughput_knee(record["series"][0]) in (32, 128)


def test_other_errors_are_not_swallowed(monkeypatch):
    def broken(*args):
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")

    monkeypatch.setattr(gpubench, "_measure_batch_size", broken)
    with pytest.raises(RuntimeError, match="shapes cannot be multiplied"):
        gpubench.run_benchmark(_separable_digits(160, 10), ["cpu"], TINY, log=lambda message: None)


def test_device_choice(monkeypatch):
    assert gpubench.resolve_devices("cpu") == ["cpu"]
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert gpubench.resolve_devices("auto") == ["cpu"]
    with pytest.raises(ValueError, match=r"--device cuda: torch\.cuda\.is_available\(\) is False.*--gpus all"):
        gpubench.resolve_devices("cuda")
    with pytest.raises(ValueError, match=r"device must be 'cpu', 'cuda' or 'auto', got 'tpu'"):
        gpubench.resolve_devices("tpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert gpubench.resolve_devices("auto") == ["cpu", "cuda"]
    assert gpubench.resolve_devices("cuda") == ["cpu", "cuda"]
    assert gpubench.resolve_devices("cuda", cpu_baseline=False) == ["cuda"]


def test_bf16_needs_a_gpu_series():
    with pytest.raises(ValueError, match=r"--bf16 adds a series on the GPU, but this run's devices are \['cpu'\]"):
        gpubench.run_benchmark(_separable_digits(64, 10), ["cpu"], TINY, bf16=True)


def test_config_and_learning_rate_rule():
    assert gpubench.learning_rate(64, TINY) == pytest.approx(0.05)
    assert gpubench.learning_rate(256, TINY) == pytest.approx(0.1)
    with pytest.raises(ValueError, match=r"batch_sizes must be positive integers, got \[64, 0\]; "
                                         r"epochs must be at least 1, got 0"):
        gpubench.BenchConfig(batch_sizes=(64, 0), epochs=0)
    with pytest.raises(ValueError, match=r"target_accuracy must be in \(0, 1\], got 97"):
        gpubench.BenchConfig(target_accuracy=97)
    with pytest.raises(ValueError, match=r"validation_samples must be at least 1, got 0"):
        gpubench.BenchConfig(validation_samples=0)
    with pytest.raises(ValueError, match=r"validation_samples \(96\) must leave training images: the training "
                                         r"set has 96"):
        gpubench.run_benchmark(_separable_digits(96, 10), ["cpu"], TINY, log=lambda message: None)


def _parser():
    parser = argparse.ArgumentParser(prog="python -m scratchnn bench")
    gpubench.add_cli(parser.add_subparsers(dest="command"))
    return parser


@pytest.mark.parametrize("argv, message", [
    (["gpu", "--batch-sizes", "64", "0"], "argument --batch-sizes: must be >= 1, got 0"),
    (["gpu", "--batch-sizes", "64", "64"], "--batch-sizes lists 64 more than once (a record holds one result per "
                                           "batch size), got 64 64"),
    (["gpu", "--batch-sizes", "64.0"], "argument --batch-sizes: expected an integer, got '64.0'"),
    (["gpu", "--epochs", "0"], "argument --epochs: must be >= 1, got 0"),
    (["gpu", "--out", "/dev/null"], "--out /dev/null: cannot write a record there: it exists and is not a folder"),
    (["gpu", "--target-acc", "97"], "--target-acc must be in (0, 1], got 97.0"),
    (["gpu", "--device", "cpu", "--no-cpu-baseline"], "--no-cpu-baseline only applies with --device cuda"),
    (["gpu", "--device", "tpu"], "invalid choice: 'tpu'"),
])
def test_cli_rejects_bad_arguments_in_one_line(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        args = _parser().parse_args(argv)
        args.func(args)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_an_out_that_is_a_file_is_refused_before_the_run(monkeypatch, tmp_path, capsys):
    import scratchnn.data

    monkeypatch.setattr(scratchnn.data, "load_mnist", pytest.fail)  # the run must not start
    (tmp_path / "a-file").write_text("mine")
    for out in (tmp_path / "a-file", tmp_path / "a-file" / "below"):
        with pytest.raises(SystemExit):
            args = _parser().parse_args(["gpu", "--device", "cpu", "--out", str(out)])
            args.func(args)
        assert "cannot write a record there" in capsys.readouterr().err
    assert (tmp_path / "a-file").read_text() == "mine"


def test_a_record_that_cannot_be_saved_at_the_end_is_printed(monkeypatch, tmp_path, capsys):
    import scratchnn.data

    monkeypatch.setattr(scratchnn.data, "load_mnist", lambda: _separable_digits(128, 40))

    def disk_full(record, folder):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(records, "save_record", disk_full)
    args = _parser().parse_args(["gpu", "--device", "cpu", "--batch-sizes", "32", "--epochs", "1", "--repeats", "1",
                                 "--threads", "1", "--validation-samples", "28", "--out", str(tmp_path)])
    assert args.func(args) == 1
    out, err = capsys.readouterr()
    printed = json.loads(out[out.index("\n{") + 1:])
    assert records.validate_record(printed) and printed["series"][0]["results"][0]["batch_size"] == 32
    assert f"could not write the record to --out {tmp_path}: No space left on device; it is printed above" in err


@pytest.mark.parametrize("field, value, error, message", [
    ("batch_sizes", (64, 64), ValueError, r"batch_sizes must not repeat"),
    ("batch_sizes", (64.0,), TypeError, r"batch_sizes must be a tuple of integers, got \(64\.0,\)"),
    ("batch_sizes", 64, TypeError, r"batch_sizes must be a tuple of integers, got 64"),
    ("epochs", 2.0, TypeError, r"epochs must be an integer, got 2\.0"),
    ("repeats", True, TypeError, r"repeats must be an integer, got True"),
    ("train_samples", "100", TypeError, r"train_samples must be an integer, got '100'"),
    ("base_lr", float("nan"), ValueError, r"base_lr must be positive and finite, got nan"),
    ("target_accuracy", "0.9", TypeError, r"target_accuracy must be a number, got '0.9'"),
])
def test_bench_config_refuses_odd_types_before_the_run(field, value, error, message):
    with pytest.raises(error, match=message):
        gpubench.BenchConfig(**{field: value})


def test_cli_runs_and_writes_a_record(monkeypatch, tmp_path, capsys):
    import scratchnn.data

    monkeypatch.setattr(scratchnn.data, "load_mnist", lambda: _separable_digits(128, 40))
    args = _parser().parse_args(["gpu", "--device", "cpu", "--batch-sizes", "32", "64", "--epochs", "1",
                                 "--repeats", "1", "--threads", "1", "--validation-samples", "32",
                                 "--out", str(tmp_path)])
    assert args.func(args) == 0
    (path,) = tmp_path.glob("*.json")
    record = records.load_record(path)
    assert [r["batch_size"] for r in record["series"][0]["results"]] == [32, 64]
    assert (record["config"]["train_samples"], record["config"]["validation_samples"]) == (96, 32)
    assert record["environment"]["torch_threads"] == 1
    out = capsys.readouterr().out
    assert "| batch size | seconds / epoch |" in out and f"record written to {path}" in out
    assert json.loads(path.read_text()) == record


def test_git_commit_is_read_from_files_when_the_git_command_cannot(tmp_path):
    repo = tmp_path / "repo"
    git = repo / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "refs" / "heads" / "main").write_text("a" * 40 + "\n")
    assert gpubench._git_commit_from_files(repo) == "a" * 40
    (git / "refs" / "heads" / "main").unlink()
    (git / "packed-refs").write_text("# pack-refs with: peeled\n" + "b" * 40 + " refs/heads/main\n")
    assert gpubench._git_commit_from_files(repo) == "b" * 40
    (git / "HEAD").write_text("c" * 40 + "\n")  # detached HEAD
    assert gpubench._git_commit_from_files(repo) == "c" * 40
    (repo / "book" / "labs").mkdir(parents=True)
    assert gpubench._git_commit_from_files(repo / "book" / "labs") == "c" * 40  # run from a subfolder
    assert gpubench._git_commit_from_files(tmp_path / "not-a-repo") is None


def test_tensor_ops_per_step_counts_the_kernels_of_a_training_step():
    from scratchnn import torch_port

    model = torch_port.torch_mlp((8, 4, 3), seed=0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.rand(5, 8), torch.tensor([0, 1, 2, 0, 1])
    ops = gpubench.tensor_ops_per_step(
        lambda: torch_port.torch_sgd_step(model, torch.nn.CrossEntropyLoss(), optimizer, x, y))
    assert ops.count("aten.addmm.default") == 2  # forward: one fused x @ W.T + b per Linear
    assert ops.count("aten.mm.default") == 3  # backward: dW for both layers, dx for the second
    assert not any(op.startswith(("aten.t.", "aten.detach.", "aten.view.")) for op in ops)
    assert "aten._local_scalar_dense.default" in ops  # loss.item(): the one device-to-host sync


def _series_of(results):
    ok = {"status": "ok", "seconds_per_epoch": 1.0, "epochs_to_target": None, "final_test_accuracy": 0.9,
          "peak_memory_bytes": 1}
    return {"results": [{**ok, **r} for r in results]}


def test_fastest_to_target_is_not_the_throughput_knee():
    # Batch 512 has the most samples/s but never reaches the target; 128 gets there first.
    series = _series_of([
        {"batch_size": 64, "samples_per_s": 1000.0, "time_to_target_seconds": 9.0, "epochs_to_target": 3},
        {"batch_size": 128, "samples_per_s": 1900.0, "time_to_target_seconds": 4.0, "epochs_to_target": 2},
        {"batch_size": 256, "samples_per_s": 3000.0, "time_to_target_seconds": 5.0, "epochs_to_target": 4},
        {"batch_size": 512, "samples_per_s": 3100.0, "time_to_target_seconds": None},
        {"batch_size": 1024, "status": "oom"},
    ])
    assert gpubench.fastest_to_target(series) == 128
    assert records.throughput_knee(series) == 256  # the throughput knee, a different question


def test_fastest_to_target_is_none_when_no_batch_size_reached_the_target():
    series = _series_of([{"batch_size": 64, "samples_per_s": 1000.0, "time_to_target_seconds": None}])
    assert gpubench.fastest_to_target(series) is None
    assert gpubench.fastest_to_target({"results": [{"batch_size": 64, "status": "oom"}]}) is None


def test_throughput_figure_labels_a_narrow_range_of_samples_per_second():
    """The GPU lab's throughput figure: a range inside one decade still gets labelled y ticks."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    series = {"results": [{"batch_size": b, "status": "ok", "samples_per_s": v}
                          for b, v in [(64, 22_000.0), (128, 30_000.0), (256, 45_000.0)]]}
    fig = records.plot_throughput([("cpu", series)])
    FigureCanvasAgg(fig).draw()
    ax = fig.axes[0]
    low, high = ax.get_ylim()
    shown = [label.get_text() for label, y in zip(ax.get_yticklabels(), ax.get_yticks())
             if label.get_text() and low <= y <= high]
    assert len(shown) >= 2, shown
