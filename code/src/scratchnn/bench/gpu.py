"""``python -m scratchnn bench gpu``: time the labs' MLP in PyTorch on the CPU and on a CUDA GPU.

For each device and batch size the harness trains the 784-256-128-10 ReLU MLP (SGD with momentum)
on MNIST held **on the device** — the whole training set is copied once, minibatches are gathered
there, and no per-step ``.item()`` forces a sync — so the timing measures the training step, not
host-to-device copies. Per batch size: a few warm-up steps (CUDA context, cuBLAS handles, the
caching allocator) are excluded; then ``repeats`` identical seeded runs of ``epochs`` epochs, each
epoch timed between ``torch.cuda.synchronize()`` calls; the record keeps every epoch time and the
median. The last ``validation_samples`` training images are held out (never trained on): the
validation accuracy measured on them after each epoch, outside the timed region, decides the time
to the target accuracy, so choosing a batch size never looks at the test set; test accuracy is
measured after each epoch too and only reported. The target is checked at epoch ends only: the
time to target is the training time up to the end of the first epoch that reaches it. An
out-of-memory error at one batch size is recorded for that size and the sweep continues.

Each run returns (and with ``--out`` writes) one record, described and validated in
``scratchnn.bench.records``, with the environment captured automatically.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .._arguments import output_folder_problem, positive
from . import records

# torch is imported inside the functions that use it: every `python -m scratchnn ...` command
# registers `bench gpu` from this module, and importing torch costs seconds and ~190 MB.

__all__ = [
    "BenchConfig",
    "DEFAULT_BATCH_SIZES",
    "learning_rate",
    "resolve_devices",
    "capture_environment",
    "is_out_of_memory",
    "tensor_ops_per_step",
    "fastest_to_target",
    "run_benchmark",
    "add_cli",
]

DEFAULT_BATCH_SIZES = (64, 128, 256, 512, 1024, 2048, 4096, 8192)
BASE_BATCH_SIZE = 64


@dataclass(frozen=True)
class BenchConfig:
    """What to train and how long. The last ``validation_samples`` training images are held out for
    the time to target; ``train_samples=None`` trains on all the others."""

    batch_sizes: tuple = DEFAULT_BATCH_SIZES
    epochs: int = 10
    repeats: int = 3
    target_accuracy: float = 0.97
    base_lr: float = 0.01
    momentum: float = 0.9
    layer_sizes: tuple = (784, 256, 128, 10)
    seed: int = 0
    warmup_steps: int = 20
    train_samples: int | None = None
    validation_samples: int = 5000

    def __post_init__(self):
        def whole(value):  # a real integer: not 64.0, True or "64", which a record would carry as such
            return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))

        numbers = [("target_accuracy", self.target_accuracy), ("base_lr", self.base_lr), ("momentum", self.momentum)]
        wrong = [f"{name} must be a number, got {value!r}" for name, value in numbers
                 if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating))]
        counts = [("epochs", self.epochs), ("repeats", self.repeats), ("seed", self.seed),
                  ("warmup_steps", self.warmup_steps), ("validation_samples", self.validation_samples)]
        if self.train_samples is not None:
            counts.append(("train_samples", self.train_samples))
        wrong += [f"{name} must be an integer, got {value!r}" for name, value in counts if not whole(value)]
        if not isinstance(self.batch_sizes, (tuple, list)) or not all(whole(b) for b in self.batch_sizes):
            wrong.append(f"batch_sizes must be a tuple of integers, got {self.batch_sizes!r}")
        if wrong:
            raise TypeError("BenchConfig: " + "; ".join(wrong))
        problems = []
        if not self.batch_sizes or any(b < 1 for b in self.batch_sizes):
            problems.append(f"batch_sizes must be positive integers, got {list(self.batch_sizes)}")
        if len(set(self.batch_sizes)) != len(self.batch_sizes):
            problems.append(f"batch_sizes must not repeat (a record holds one result per size), "
                            f"got {list(self.batch_sizes)}")
        for name in ("epochs", "repeats"):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 0 < self.target_accuracy <= 1:
            problems.append(f"target_accuracy must be in (0, 1], got {self.target_accuracy}")
        if not (0 < self.base_lr < float("inf")):
            problems.append(f"base_lr must be positive and finite, got {self.base_lr}")
        if not 0 <= self.momentum < 1:
            problems.append(f"momentum must be in [0, 1), got {self.momentum}")
        if self.warmup_steps < 0:
            problems.append(f"warmup_steps must be at least 0, got {self.warmup_steps}")
        if self.train_samples is not None and self.train_samples < 1:
            problems.append(f"train_samples must be at least 1, got {self.train_samples}")
        if self.validation_samples < 1:
            problems.append(f"validation_samples must be at least 1, got {self.validation_samples}")
        if problems:
            raise ValueError("BenchConfig: " + "; ".join(problems))


def learning_rate(batch_size, config):
    """``base_lr * sqrt(batch_size / 64)``: bigger batches average away more gradient noise, so they take
    bigger steps. The square root is gentler than linear scaling, which needs a learning-rate warm-up
    to stay stable at the largest batches; this harness has none."""
    return config.base_lr * (batch_size / BASE_BATCH_SIZE) ** 0.5


LR_RULE = "lr = base_lr * sqrt(batch_size / 64)"


def resolve_devices(choice, *, cpu_baseline=True):
    """Devices to run, in order. ``auto``: the CPU, plus CUDA when available. ``cuda``: the GPU (an error
    if none is visible) plus the CPU baseline of the same machine unless ``cpu_baseline`` is False —
    a speedup needs both. ``cpu``: the CPU only."""
    import torch

    if choice not in ("cpu", "cuda", "auto"):
        raise ValueError(f"device must be 'cpu', 'cuda' or 'auto', got {choice!r}")
    if choice == "cpu":
        return ["cpu"]
    if choice == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda: torch.cuda.is_available() is False; no CUDA GPU is visible "
                         "(on a DGX Spark, run inside the NGC PyTorch container started with --gpus all)")
    if not torch.cuda.is_available():
        return ["cpu"]
    return ["cpu", "cuda"] if cpu_baseline or choice == "auto" else ["cuda"]


# --- environment ------------------------------------------------------------------------------

def _run(command, cwd=None):
    """stdout of ``command``, or None when it is missing or fails (the record stores null)."""
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=20, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def _cpu_model():
    """The CPU's marketing name: /proc/cpuinfo on x86 Linux, ``lscpu`` model names on Arm (the DGX
    Spark lists its two core types), ``sysctl`` on macOS, else ``platform.processor()``."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    lscpu = _run(["lscpu"])
    if lscpu:
        names = [line.split(":", 1)[1].strip() for line in lscpu.splitlines() if line.startswith("Model name")]
        if names:
            return " + ".join(dict.fromkeys(names))
    if sys.platform == "darwin":
        brand = _run(["sysctl", "-n", "machdep.cpu.brand_string"])
        if brand:
            return brand
    return platform.processor() or platform.machine() or "unknown CPU"


def _system_product():
    try:
        return Path("/sys/devices/virtual/dmi/id/product_name").read_text().strip() or None
    except OSError:
        return None


def _physical_cores():
    try:
        import psutil
    except ImportError:
        return None
    return psutil.cpu_count(logical=False)


def _cuda_environment():
    import torch

    if not torch.cuda.is_available():
        return None
    props = torch.cuda.get_device_properties(0)
    driver = _run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"])
    return {
        "device_name": props.name,
        "compute_capability": f"{props.major}.{props.minor}",
        "total_memory_bytes": int(props.total_memory),
        "multiprocessor_count": int(props.multi_processor_count),
        "driver_version": driver.splitlines()[0] if driver else None,
        "cuda_version": torch.version.cuda,
        "cudnn_version": torch.backends.cudnn.version(),
        "device_count": torch.cuda.device_count(),
    }


def _git_dirty(book_root):
    """Whether tracked files differ from HEAD (uncommitted edits), or None if git cannot tell."""
    try:
        done = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=book_root,
                              capture_output=True, text=True, timeout=20, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return bool(done.stdout.strip())


def _git_commit_from_files(book_root):
    """HEAD's commit read from ``.git`` directly: works where the ``git`` command is missing or refuses
    the folder (a repository mounted into a container as another user is "dubious ownership")."""
    book_root = Path(book_root).resolve()
    git = next((folder / ".git" for folder in (book_root, *book_root.parents) if (folder / ".git").is_dir()), None)
    if git is None:
        return None
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head
        ref = head[5:]
        if (git / ref).is_file():
            return (git / ref).read_text().strip()
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split()[0]
    except OSError:
        return None
    return None


def capture_environment(book_root=None):
    """Where and with what this run happens; fields that cannot be read are null, never guessed.

    ``book_root`` is the checkout whose commit the record names (default: the current folder, where
    ``python -m scratchnn bench gpu`` runs).
    """
    import torch

    book_root = Path.cwd() if book_root is None else Path(book_root)
    commit = _run(["git", "rev-parse", "HEAD"], cwd=book_root)
    dirty = _git_dirty(book_root) if commit else None  # needs the git command; otherwise unknown (null)
    if commit is None:
        commit = _git_commit_from_files(book_root)
    if commit is not None and not re.fullmatch(r"[0-9a-f]{40}", commit):
        commit = None
    return {
        "date_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "git_commit": commit,
        "git_dirty": dirty if commit else None,
        "os": platform.system() or "unknown",
        "os_release": platform.release(),
        "arch": platform.machine() or "unknown",
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "cpu_model": _cpu_model(),
        "cpu_physical_cores": _physical_cores(),
        "cpu_logical_cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "system_product": _system_product(),
        "cuda": _cuda_environment(),
    }


# --- why small batches are overhead-bound ----------------------------------------------------------

# Operators that only relabel a tensor (transpose, view, detach) or the profiler's bookkeeping: no kernel.
_METADATA_OPS = ("aten.t.", "aten.view.", "aten.detach.", "profiler.")


def tensor_ops_per_step(step):
    """The aten operators one call of ``step()`` dispatches, excluding metadata-only ones.

    Each of these runs as (at least) one separate kernel on a GPU, launched from Python through the
    dispatcher, whatever the batch size: the fixed cost a tiny batch cannot amortise. Counted with
    torch's dispatch hook (``torch.utils._python_dispatch``, the mechanism behind torch's own tools).
    """
    from torch.utils._python_dispatch import TorchDispatchMode

    class _Recorder(TorchDispatchMode):
        def __init__(self):
            super().__init__()
            self.ops = []

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            self.ops.append(str(func))
            return func(*args, **(kwargs or {}))

    with _Recorder() as recorder:
        step()
    return [op for op in recorder.ops if not op.startswith(_METADATA_OPS)]


# --- measuring --------------------------------------------------------------------------------

def is_out_of_memory(error):
    """True for the errors a too-large batch raises: CUDA OOM, or the CPU allocator giving up."""
    import torch

    if isinstance(error, (torch.cuda.OutOfMemoryError, MemoryError)):
        return True
    message = str(error).lower()
    return isinstance(error, RuntimeError) and ("out of memory" in message or "can't allocate memory" in message)


def _synchronize(device):
    # CUDA kernels run asynchronously: without a sync the clock would stop before the GPU finishes.
    import torch

    if device == "cuda":
        torch.cuda.synchronize()


def _peak_rss_bytes():
    """The process's peak resident set size (whole process: Python, torch, the dataset), or None."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)  # macOS reports bytes, Linux KiB


@dataclass
class _DeviceData:
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor


def _split_sizes(data, config):
    """``(train, validation)`` sizes: validation is the last ``validation_samples`` training images."""
    n_val = config.validation_samples
    if n_val >= len(data.x_train):
        raise ValueError(f"validation_samples ({n_val}) must leave training images: the training set "
                         f"has {len(data.x_train)}")
    available = len(data.x_train) - n_val
    return (available if config.train_samples is None else min(config.train_samples, available)), n_val


def _to_device(data, device, config):
    import torch

    def tensor(array, dtype):
        return torch.as_tensor(np.asarray(array, dtype=dtype), device=device)

    n_train, n_val = _split_sizes(data, config)
    return _DeviceData(
        tensor(data.x_train[:n_train], np.float32), tensor(data.y_train[:n_train], np.int64),
        tensor(data.x_train[-n_val:], np.float32), tensor(data.y_train[-n_val:], np.int64),
        tensor(data.x_test, np.float32), tensor(data.y_test, np.int64),
    )


def _fresh_model(config, batch_size, device):
    import torch
    from .. import torch_port

    model = torch_port.torch_mlp(config.layer_sizes, seed=config.seed).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate(batch_size, config), momentum=config.momentum)
    return model, optimizer


def _train_steps(model, optimizer, data, batch_size, autocast, generator, max_steps=None):
    """One epoch of minibatch SGD over a device-side permutation (or its first ``max_steps`` steps)."""
    import torch

    n = len(data.x_train)
    order = torch.randperm(n, device=data.x_train.device, generator=generator)
    starts = range(0, n, batch_size)
    for step, start in enumerate(starts):
        if max_steps is not None and step >= max_steps:
            break
        index = order[start:start + batch_size]
        optimizer.zero_grad(set_to_none=True)
        with autocast():
            loss = torch.nn.functional.cross_entropy(model(data.x_train[index]), data.y_train[index])
        loss.backward()
        optimizer.step()


def _accuracy(model, x, y, autocast):
    import torch

    correct = 0
    with torch.no_grad():
        for start in range(0, len(x), 5000):
            with autocast():
                logits = model(x[start:start + 5000])
            correct += (logits.argmax(dim=1) == y[start:start + 5000]).sum().item()
    return correct / len(x)


def _autocast_factory(device, precision):
    import torch

    if precision == "bf16-autocast":
        return lambda: torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return nullcontext


def _measure_batch_size(data, device, precision, batch_size, config):
    """Warm up, then ``repeats`` seeded runs of ``epochs`` timed epochs; one result dict."""
    import torch

    autocast = _autocast_factory(device, precision)
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    model, optimizer = _fresh_model(config, batch_size, device)
    warmup_generator = torch.Generator(device=device).manual_seed(config.seed + 1)
    _train_steps(model, optimizer, data, batch_size, autocast, warmup_generator, max_steps=config.warmup_steps)
    _synchronize(device)

    epoch_seconds, accuracies = [], None
    for _ in range(config.repeats):
        model, optimizer = _fresh_model(config, batch_size, device)
        generator = torch.Generator(device=device).manual_seed(config.seed)
        times, run_accuracies = [], {"validation": [], "test": []}
        for _ in range(config.epochs):
            _synchronize(device)
            start = time.perf_counter()
            _train_steps(model, optimizer, data, batch_size, autocast, generator)
            _synchronize(device)
            times.append(time.perf_counter() - start)
            run_accuracies["validation"].append(_accuracy(model, data.x_val, data.y_val, autocast))
            run_accuracies["test"].append(_accuracy(model, data.x_test, data.y_test, autocast))
        epoch_seconds.append(times)
        # Every repeat starts from the same seed, so the first repeat's accuracy curves stand for all.
        accuracies = accuracies or run_accuracies

    # Checked at epoch ends only: the first epoch whose validation accuracy reaches the target.
    reached = next((epoch for epoch, acc in enumerate(accuracies["validation"], 1)
                    if acc >= config.target_accuracy), None)
    seconds_per_epoch = statistics.median(t for times in epoch_seconds for t in times)
    peak = torch.cuda.max_memory_allocated() if device == "cuda" else _peak_rss_bytes()
    return {
        "batch_size": batch_size,
        "status": "ok",
        "seconds_per_epoch": seconds_per_epoch,
        "samples_per_s": len(data.x_train) / seconds_per_epoch,
        "time_to_target_seconds": None if reached is None else statistics.median(
            sum(times[:reached]) for times in epoch_seconds),
        "epochs_to_target": reached,
        "final_test_accuracy": accuracies["test"][-1],
        "peak_memory_bytes": peak,
        "epoch_seconds": epoch_seconds,
        "validation_accuracy_per_epoch": accuracies["validation"],
        "test_accuracy_per_epoch": accuracies["test"],
    }


def _describe(device, precision, result):
    if result["status"] == "oom":
        return f"{device} {precision} batch {result['batch_size']}: out of memory"
    return (f"{device} {precision} batch {result['batch_size']}: {result['seconds_per_epoch']:.3g} s/epoch, "
            f"{result['samples_per_s']:,.0f} samples/s, test accuracy {result['final_test_accuracy']:.2%}")


def _free_memory(device):
    import torch

    gc.collect()
    if device == "cuda":
        torch.cuda.empty_cache()


def _series(data, device, precision, config, log):
    import torch

    results = []
    for batch_size in config.batch_sizes:
        try:
            result = _measure_batch_size(data, device, precision, batch_size, config)
        except (RuntimeError, MemoryError) as error:
            if not is_out_of_memory(error):
                raise
            result = {"batch_size": batch_size, "status": "oom", "error": str(error).splitlines()[0][:500]}
        # Outside the except block, so the traceback (and the tensors its frames hold) is gone.
        _free_memory(device)
        results.append(result)
        log(_describe(device, precision, result))
    return {
        "device": device,
        "device_name": torch.cuda.get_device_name() if device == "cuda" else _cpu_model(),
        "precision": precision,
        "peak_memory_kind": "cuda_max_memory_allocated" if device == "cuda" else "process_peak_rss",
        "results": results,
    }


def fastest_to_target(series):
    """The batch size that reached the target validation accuracy in the
    least time, or None if none did.

    This is the batch size to train with: what you wait for is an accurate
    model, not samples per second. The batch with the most throughput can
    still lose (it takes fewer optimizer steps per epoch, so it may need
    more epochs, or never reach the target in the budget). Throughput
    alone is ``records.throughput_knee`` (the knee of the samples/s
    curve), reported separately.
    """
    reached = [r for r in records.ok_results(series)
               if r["time_to_target_seconds"] is not None]
    if not reached:
        return None
    fastest = min(reached, key=lambda r: (r["time_to_target_seconds"],
                                          r["batch_size"]))
    return fastest["batch_size"]


def run_benchmark(data, devices, config=BenchConfig(), *, bf16=False, log=None):
    """Train and time the MLP on each of ``devices``; return a validated record (not yet saved).

    ``data`` has ``x_train``, ``y_train``, ``x_test``, ``y_test`` arrays (``scratchnn.data.load_mnist()``);
    the last ``config.validation_samples`` training images are the validation split;
    ``bf16=True`` adds a bf16-autocast series for each CUDA device.
    """
    import torch

    log = log or (lambda message: print(message, file=sys.stderr, flush=True))
    if bf16 and "cuda" not in devices:
        raise ValueError(f"--bf16 adds a series on the GPU, but this run's devices are {devices}")
    train_samples, validation_samples = _split_sizes(data, config)
    series = []
    for device in devices:
        on_device = _to_device(data, device, config)
        for precision in ("float32", "bf16-autocast") if bf16 and device == "cuda" else ("float32",):
            series.append(_series(on_device, device, precision, config, log))
        del on_device
        _free_memory(device)
    record = {
        "schema_version": records.SCHEMA_VERSION,
        "kind": records.RECORD_KIND,
        "config": {
            "layer_sizes": list(config.layer_sizes),
            "activation": "relu",
            "optimizer": "SGD",
            "lr": config.base_lr,
            "momentum": config.momentum,
            "lr_rule": LR_RULE,
            "epochs": config.epochs,
            "repeats": config.repeats,
            "target_accuracy": config.target_accuracy,
            "seed": config.seed,
            "warmup_steps": config.warmup_steps,
            "train_samples": train_samples,
            "validation_samples": validation_samples,
            "test_samples": len(data.x_test),
            "dataset": "MNIST",
            "float32_matmul_precision": torch.get_float32_matmul_precision(),
        },
        "environment": capture_environment(),
        "series": series,
    }
    return records.validate_record(record, source="the new record")


# --- command line -----------------------------------------------------------------------------

def add_cli(subparsers):
    """Register ``gpu`` under ``python -m scratchnn bench``."""
    parser = subparsers.add_parser(
        "gpu",
        help="time the MLP in PyTorch on CPU and CUDA across batch sizes; write a JSON record",
        description="Train the 784-256-128-10 ReLU MLP (SGD, momentum) on MNIST held on each device, "
                    "per batch size: warm-up excluded, synchronised timings, repeats, medians. "
                    "Writes one JSON record (results + environment) to --out for the book's Lab 1.5.6.",
    )
    parser.add_argument("--device", choices=("cpu", "cuda", "auto"), default="auto",
                        help="cpu: CPU only; cuda: GPU plus the CPU baseline (error if no GPU); "
                             "auto: CPU, plus GPU when available (default)")
    parser.add_argument("--no-cpu-baseline", action="store_true",
                        help="with --device cuda, skip the CPU series (no speedup can then be computed)")
    parser.add_argument("--batch-sizes", type=positive(int), nargs="+", default=list(DEFAULT_BATCH_SIZES), metavar="B",
                        help="batch sizes to sweep, each once (default: %(default)s)")
    parser.add_argument("--epochs", type=positive(int), default=BenchConfig.epochs,
                        help="epochs per run (default: %(default)s)")
    parser.add_argument("--repeats", type=positive(int), default=BenchConfig.repeats,
                        help="timed runs per batch size; the record keeps the median (default: %(default)s)")
    parser.add_argument("--target-acc", type=positive(float), default=BenchConfig.target_accuracy, metavar="A",
                        help="validation accuracy for the time-to-target measurement (default: %(default)s)")
    parser.add_argument("--train-samples", type=positive(int), default=None, metavar="N",
                        help="train on the first N training images only (default: all but the validation split)")
    parser.add_argument("--validation-samples", type=positive(int), default=BenchConfig.validation_samples,
                        metavar="N", help="hold out the last N training images to decide the time to target "
                                          "(default: %(default)s)")
    parser.add_argument("--bf16", action="store_true", help="add a bf16 autocast series on the GPU")
    parser.add_argument("--threads", type=positive(int), default=None, metavar="T",
                        help="torch CPU threads (default: torch's choice, recorded either way)")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="write the record to DIR (e.g. book/results/gpu); without it nothing is written")
    parser.set_defaults(func=lambda args: _main(parser, args))


def _main(parser, args):
    import torch

    repeated = sorted({b for b in args.batch_sizes if args.batch_sizes.count(b) > 1})
    if repeated:
        parser.error(f"--batch-sizes lists {', '.join(map(str, repeated))} more than once "
                     f"(a record holds one result per batch size), got {' '.join(map(str, args.batch_sizes))}")
    if not 0 < args.target_acc <= 1:
        parser.error(f"--target-acc must be in (0, 1], got {args.target_acc}")
    if args.out is not None and (problem := output_folder_problem(args.out)):  # before the run, not after
        parser.error(f"--out {args.out}: cannot write a record there: {problem}")
    if args.no_cpu_baseline and args.device != "cuda":
        parser.error("--no-cpu-baseline only applies with --device cuda")
    devices = resolve_devices(args.device, cpu_baseline=not args.no_cpu_baseline)
    if args.bf16 and "cuda" not in devices:
        parser.error("--bf16 needs a CUDA GPU; none is visible (torch.cuda.is_available() is False)")
    try:
        import jsonschema  # noqa: F401  -- checked now: the record is validated only after the long run
    except ImportError:
        raise ValueError("the benchmark record is validated with jsonschema, which is not installed: "
                         "pip install jsonschema") from None
    if args.threads is not None:
        torch.set_num_threads(args.threads)

    from ..data import load_mnist

    config = BenchConfig(batch_sizes=tuple(args.batch_sizes), epochs=args.epochs, repeats=args.repeats,
                         target_accuracy=args.target_acc, train_samples=args.train_samples,
                         validation_samples=args.validation_samples)
    record = run_benchmark(load_mnist(), devices, config, bf16=args.bf16)
    for series in record["series"]:
        print(f"\n{series['device']} ({series['device_name']}), {series['precision']}:")
        print(records.markdown_table(records.SERIES_HEADERS, records.series_rows(series)))
    if records.speedups(record):
        print("\nspeedup (CPU s/epoch ÷ GPU s/epoch):")
        print(records.markdown_table(records.COMPARISON_HEADERS, records.comparison_rows(record)))
    if args.out is None:
        print("\n(no --out DIR given: record not written)")
        return 0
    try:
        print(f"\nrecord written to {records.save_record(record, args.out)}")
    except OSError as error:  # a full disk, or a record of the same device and second already there
        print(json.dumps(record, indent=2))
        print(f"error: could not write the record to --out {args.out}: {error.strerror or error}; "
              "it is printed above instead", file=sys.stderr)
        return 1
    return 0
