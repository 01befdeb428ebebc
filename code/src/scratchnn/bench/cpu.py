"""``python -m scratchnn bench``: how fast is scratchnn next to PyTorch on this CPU, and how accurate are the recipes?

``bench cpu`` (the default) trains the same 784-256-128-10 ReLU MLP with ``scratchnn.train.fit``
and with an idiomatic PyTorch loop (same data, batch size, SGD, float32, same per-step
bookkeeping: loss and accuracy), interleaving the two for several rounds and reporting medians,
with the BLAS and PyTorch thread counts pinned. It also reports

- achieved GFLOP/s — the useful matrix-multiply work of a training step, ``6·B·P − 2·B·P₁`` for
  ``P`` weights of which ``P₁`` sit in the first layer (its input gradient is never needed) —
  as a fraction of the best float32 matmul rate measured on the same machine with the same threads;
- the same MLP as bare NumPy arrays (no modules, checks or History), timed alongside: the floor
  for NumPy on this machine, which separates scratchnn's own overhead from NumPy's;
- the same ratios in each worker's process CPU time, which other load on a shared machine moves less
  than wall time (``_timed``);
- which BLAS library and kernel NumPy used (threadpoolctl);
- the peak resident memory of a training run in a fresh process (its own ``VmHWM``, see ``peak_rss_mb``).

``--recipes`` also runs the accuracy recipes (full MNIST, 10 epochs each) as ``python -m scratchnn
train`` subprocesses and prints their test accuracy, time, peak memory and exact command.
PyTorch is imported only inside the functions that time it; the library itself never needs it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from .._arguments import INTERRUPTED, non_negative, output_file_problem, positive, write_json

__all__ = ["add_cli", "RECIPES", "useful_flops_per_step", "matmul_peak_gflops", "peak_rss_mb"]

SIZES = (784, 256, 128, 10)
MNIST_TRAIN_SIZE = 60_000
BATCH_SIZES = (64, 256)
FRAMEWORKS = ("scratchnn", "pytorch", "bare NumPy")
SETTLE_SECONDS = 0.3
LEARNING_RATE = 0.01

# The accuracy recipes, as arguments of `python -m scratchnn train`. "best" was chosen on a 10%
# validation split among eight 10-epoch variants (widths, learning rate, batch size, dropout, weight
# decay): the top three scored within 0.02% of each other and this is the cheapest of them. Trained
# on all 60,000 images, its test accuracy measured 98.71%, 98.48% and 98.66% for seeds 0, 1, 2 (1 thread).
RECIPES = {
    "seed": ["--hidden", "256", "128", "--activation", "relu", "--optimizer", "sgd", "--lr", "0.01",
             "--batch-size", "64", "--epochs", "10", "--seed", "0"],
    "best": ["--hidden", "512", "256", "--activation", "relu", "--optimizer", "sgd", "--lr", "0.2",
             "--momentum", "0.9", "--weight-decay", "0.0001", "--schedule", "cosine", "--warmup-epochs", "1",
             "--batch-size", "128", "--epochs", "10", "--seed", "0"],
}
RECIPES["best+shift"] = RECIPES["best"] + ["--augment-shift", "2"]


# --------------------------------------------------------------------------------------------------
# Work and peak
# --------------------------------------------------------------------------------------------------
def useful_flops_per_step(sizes, batch_size):
    """Floating-point operations of the matrix products in one training step of an MLP.

    Forward ``2·B·P``, weight gradients ``2·B·P``, input gradients ``2·B·(P − P₁)`` (nobody needs
    the gradient with respect to the images), where ``P = Σ fan_in·fan_out``. Biases and
    elementwise work are left out: they are a rounding error next to the products.
    """
    if len(sizes) < 2:
        raise ValueError(f"useful_flops_per_step expected layer sizes (input, ..., output), got {list(sizes)}")
    weights = [fan_in * fan_out for fan_in, fan_out in zip(sizes[:-1], sizes[1:])]
    total = sum(weights)
    return 2 * batch_size * (2 * total + (total - weights[0]))


def matmul_peak_gflops(n=1024, repeats=7):
    """Best float32 GFLOP/s of an ``n x n`` matrix product with the current thread settings."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    out = np.empty((n, n), dtype=np.float32)
    np.matmul(a, b, out=out)  # warm-up: thread start, page faults
    best = math.inf
    for _ in range(repeats):
        started = time.perf_counter()
        np.matmul(a, b, out=out)
        best = min(best, time.perf_counter() - started)
    return 2 * n**3 / best / 1e9


# --------------------------------------------------------------------------------------------------
# One timed pass, each framework
# --------------------------------------------------------------------------------------------------
def _timed(function, *args):
    """Run ``function(*args)`` -> ``(wall seconds, process CPU seconds)``.

    On a machine shared with other work, wall time includes the time this process waited for a CPU;
    its own CPU time does not, so ratios of CPU times move less with the load (at 1 thread; with more,
    it also counts the BLAS and OpenMP threads' busy-waiting).
    """
    wall, cpu = time.perf_counter(), time.process_time()
    function(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def _time_scratchnn(x, y, batch_size, seed):
    """Seconds for one ``fit`` pass over ``(x, y)`` (model built outside the timing)."""
    from ..data import DataLoader
    from ..nn import CrossEntropyLoss
    from ..optim import SGD
    from ..train import fit, make_mlp

    model = make_mlp(SIZES, seed=seed)
    optimizer = SGD(model.parameters(), lr=LEARNING_RATE)
    return _timed(lambda: fit(model, CrossEntropyLoss(), optimizer, DataLoader(x, y, batch_size, seed=seed),
                              epochs=1))


def _bare_numpy_mlp(seed):
    """The weights and biases of ``make_mlp(SIZES, seed=seed)``, as plain arrays."""
    from ..nn.init import he_normal

    rng = np.random.default_rng(seed)
    weights = [he_normal(fan_in, fan_out, rng) for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:])]
    return weights, [np.zeros(fan_out, dtype=np.float32) for fan_out in SIZES[1:]]


def _bare_numpy_epoch(weights, biases, x, y, batch_size, seed):
    """One epoch of the MLP as bare NumPy (updates the arrays in place) -> ``(loss sum, correct)``.

    Same shuffle, gather, float32 maths, plain SGD and per-step loss and accuracy as ``fit`` and the
    PyTorch loop, but no modules, no checks and no History: the floor for this MLP in NumPy on this
    machine. ``fit`` minus this is what scratchnn's structure and safety cost; this against PyTorch
    is what NumPy itself can do.
    """
    order = np.random.default_rng(seed).permutation(len(x))
    loss_sum, correct = 0.0, 0
    for start in range(0, len(x), batch_size):
        index = order[start : start + batch_size]
        xb, yb = x[index], y[index]
        rows = np.arange(len(yb))
        activations = [xb]
        for w, b in zip(weights[:-1], biases[:-1]):
            activations.append(np.maximum(activations[-1] @ w + b, 0))
        logits = activations[-1] @ weights[-1] + biases[-1]
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        sums = probs.sum(axis=1, keepdims=True)
        loss_sum += float((np.log(sums[:, 0]) - logits[rows, yb]).sum())
        correct += int(np.count_nonzero(logits.argmax(axis=1) == yb))
        probs /= sums
        probs[rows, yb] -= 1.0
        grad = probs / len(yb)  # dL/dlogits of the mean cross-entropy
        grads = []
        for layer in reversed(range(len(weights))):
            inputs = activations[layer]
            grads.append((inputs.T @ grad, grad.sum(axis=0)))
            if layer:  # ReLU passes the gradient where its output is positive
                grad = (grad @ weights[layer].T) * (inputs > 0)
        for w, b, (grad_w, grad_b) in zip(weights, biases, reversed(grads)):
            w -= LEARNING_RATE * grad_w
            b -= LEARNING_RATE * grad_b
    return loss_sum, correct


def _time_bare_numpy(x, y, batch_size, seed):
    weights, biases = _bare_numpy_mlp(seed)
    return _timed(_bare_numpy_epoch, weights, biases, x, y, batch_size, seed)


def _torch_model(seed):
    import torch

    torch.manual_seed(seed)
    layers = []
    for index, (fan_in, fan_out) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        layers.append(torch.nn.Linear(fan_in, fan_out))
        if index < len(SIZES) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def _torch_epoch(model, x, y, batch_size, seed):
    """The idiomatic PyTorch epoch, recording the same loss and accuracy ``fit`` records."""
    import torch

    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    loss_fn = torch.nn.CrossEntropyLoss()
    order = torch.from_numpy(np.random.default_rng(seed).permutation(len(x)))
    model.train()
    loss_sum, correct = 0.0, 0
    for start in range(0, len(x), batch_size):
        index = order[start : start + batch_size]
        xb, yb = x[index], y[index]
        output = model(xb)
        loss = loss_fn(output, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss_sum += loss.item() * len(index)
        correct += int((output.argmax(dim=1) == yb).sum())
    return loss_sum, correct


def _time_torch(x, y, batch_size, seed):
    model = _torch_model(seed)
    return _timed(_torch_epoch, model, x, y, batch_size, seed)


# --------------------------------------------------------------------------------------------------
# Peak memory in a fresh process
# --------------------------------------------------------------------------------------------------
def _memory_child(framework, epochs, batch_size, threads):
    """Body of the memory subprocess: load MNIST, train ``epochs`` epochs, evaluate on the test set."""
    from ..data import DataLoader, load_mnist

    _pin_threads(threads, torch_too=framework == "pytorch")
    mnist = load_mnist(download=False)
    if framework == "scratchnn":
        from ..nn import CrossEntropyLoss
        from ..optim import SGD
        from ..train import evaluate, fit, make_mlp

        model = make_mlp(SIZES, seed=0)
        loss_fn = CrossEntropyLoss()
        fit(model, loss_fn, SGD(model.parameters(), lr=LEARNING_RATE), DataLoader(*mnist.train, batch_size, seed=0),
            epochs=epochs)
        evaluate(model, *mnist.test, loss_fn)
    else:
        import torch

        x, y = torch.from_numpy(mnist.x_train), torch.from_numpy(mnist.y_train)
        model = _torch_model(0)
        for epoch in range(epochs):
            _torch_epoch(model, x, y, batch_size, epoch)
        model.eval()
        with torch.no_grad():
            model(torch.from_numpy(mnist.x_test)).argmax(dim=1)


PEAK_MARKER = "scratchnn-peak-rss-mb="


def peak_rss_mb():
    """This process's peak resident memory in MB (MiB): ``VmHWM``, the high-water mark of its own address space.

    Not ``getrusage(...).ru_maxrss``: on Linux that starts from the *parent's* resident size at the
    fork, so a small child of a large parent (a benchmark that has loaded torch) would report the
    parent's size. ``ru_maxrss`` remains the fallback where ``/proc`` does not exist.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # reported in kB
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)  # bytes on macOS, kB on Linux


def _report_peak_after(function, *args):
    """Run ``function(*args)`` in this (child) process, then print its peak memory for the parent to read."""
    try:
        return function(*args)
    finally:
        print(f"{PEAK_MARKER}{peak_rss_mb():.1f}", flush=True)


def _run_measured(code):
    """Run Python ``code`` in a fresh interpreter; return ``(exit code, its peak memory in MB, its output)``.

    ``code`` must print its peak through ``_report_peak_after``; the marker line is removed from the output.
    """
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    lines = (result.stdout + result.stderr).splitlines()
    peaks = [float(line[len(PEAK_MARKER):]) for line in lines if line.startswith(PEAK_MARKER)]
    text = "\n".join(line for line in lines if not line.startswith(PEAK_MARKER))
    return result.returncode, (peaks[-1] if peaks else math.nan), text


def _peak_memory(framework, epochs, batch_size, threads):
    code = (f"from scratchnn.bench.cpu import _memory_child, _report_peak_after; "
            f"_report_peak_after(_memory_child, {framework!r}, {epochs}, {batch_size}, {threads})")
    status, peak_mb, text = _run_measured(code)
    if status != 0:
        raise RuntimeError(f"the {framework} memory run failed (exit {status}):\n{text}")
    return peak_mb


# --------------------------------------------------------------------------------------------------
# Threads and environment
# --------------------------------------------------------------------------------------------------
def _available_cpus():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _pin_threads(threads, *, torch_too):
    """Pin NumPy's BLAS (threadpoolctl) and, if asked, PyTorch's intra-op pool to ``threads``."""
    from threadpoolctl import threadpool_limits

    limiter = threadpool_limits(limits=threads, user_api="blas")
    if torch_too:
        import torch

        torch.set_num_threads(threads)
    return limiter


def _blas_description():
    from threadpoolctl import threadpool_info

    entries = [info for info in threadpool_info() if info.get("user_api") == "blas"]
    if not entries:
        return "no BLAS found by threadpoolctl"
    return "; ".join(
        f"{info.get('internal_api')} {info.get('version')} kernel {info.get('architecture', '?')}, "
        f"{info.get('num_threads')} threads ({os.path.basename(info.get('filepath', ''))})"
        for info in entries
    )


# --------------------------------------------------------------------------------------------------
# bench cpu
# --------------------------------------------------------------------------------------------------
def _timing_worker(framework, threads, connection):
    """A process that times one framework only, on request, so neither framework's threads or
    libraries disturb the other (torch's OpenMP pool, for one, would share the process with NumPy).

    Requests are ``(batch_size, n_examples, seed)``; each reply is the ``(wall, CPU)`` seconds of one pass.
    ``None`` ends it.
    """
    from ..data import load_mnist

    _pin_threads(threads, torch_too=framework == "pytorch")
    mnist = load_mnist(download=False)
    x, y = mnist.x_train, mnist.y_train
    if framework == "pytorch":
        import torch

        x, y = torch.from_numpy(x), torch.from_numpy(y)
        connection.send(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    else:
        connection.send(_blas_description())
    timer = {"scratchnn": _time_scratchnn, "bare NumPy": _time_bare_numpy, "pytorch": _time_torch}[framework]
    while (request := connection.recv()) is not None:
        batch_size, n, seed = request
        connection.send(timer(x[:n], y[:n], batch_size, seed))


def run_cpu_bench(*, threads, rounds, steps, memory_epochs, log=print):
    """Time scratchnn against PyTorch; return the result as a dict (and print it through ``log``).

    Each framework runs in its own worker process (scratchnn's never imports torch); the parent
    sends them the same measurements in rotating order and keeps the medians. A third worker times
    the same MLP as bare NumPy (``_time_bare_numpy``): the floor any NumPy implementation starts from.
    """
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    workers = {}
    try:
        for framework in FRAMEWORKS:
            parent_end, child_end = context.Pipe()
            process = context.Process(target=_timing_worker, args=(framework, threads, child_end), daemon=True)
            process.start()
            workers[framework] = (process, parent_end)
        descriptions = {name: connection.recv() for name, (_, connection) in workers.items()}

        def measure(framework, batch_size, n, seed):
            # Idle BLAS and OpenMP threads of the worker that just ran keep spinning for a while
            # (OpenBLAS: about 2**28 cycles, ~0.1 s) and would slow whichever worker runs next.
            time.sleep(SETTLE_SECONDS)
            connection = workers[framework][1]
            connection.send((batch_size, n, seed))
            return connection.recv()

        log(f"machine: {platform.processor() or platform.machine()}, {_available_cpus()} CPUs available; "
            f"python {platform.python_version()}, numpy {np.__version__}")
        log(f"threads: {threads} per framework (NumPy's BLAS via threadpoolctl; torch.set_num_threads); "
            f"each framework in its own process")
        log(f"NumPy BLAS (scratchnn): {descriptions['scratchnn']}")
        log(f"PyTorch: {descriptions['pytorch']}")
        with _pin_threads(threads, torch_too=False):
            peak = matmul_peak_gflops()
        log(f"float32 matmul peak (NumPy, 1024x1024 @ 1024x1024, best of 7): {peak:.1f} GFLOP/s")

        results = {}
        for batch_size in BATCH_SIZES:
            steps_per_epoch = math.ceil(MNIST_TRAIN_SIZE / batch_size)
            n = min((steps or steps_per_epoch) * batch_size, MNIST_TRAIN_SIZE)
            n_steps = math.ceil(n / batch_size)
            # Warm-up: first-call costs (allocator, thread start, torch dispatch caches) are not the steady state.
            for framework in workers:
                measure(framework, batch_size, min(n, 20 * batch_size), 0)
            times = {framework: [] for framework in FRAMEWORKS}
            cpu_times = {framework: [] for framework in FRAMEWORKS}
            for r in range(rounds):
                # Rotate which framework goes first, so drifting machine load hits all alike.
                for framework in FRAMEWORKS[r % 3:] + FRAMEWORKS[:r % 3]:
                    wall, cpu = measure(framework, batch_size, n, r)
                    times[framework].append(wall * steps_per_epoch / n_steps)
                    cpu_times[framework].append(cpu * steps_per_epoch / n_steps)
            median = {name: statistics.median(values) for name, values in times.items()}
            cpu_median = {name: statistics.median(values) for name, values in cpu_times.items()}
            flops_epoch = useful_flops_per_step(SIZES, batch_size) * steps_per_epoch
            gflops = {name: flops_epoch / seconds / 1e9 for name, seconds in median.items()}
            results[batch_size] = {
                "seconds_per_epoch": median,
                "all_seconds_per_epoch": times,
                "ratio": median["scratchnn"] / median["pytorch"],
                "bare_numpy_ratio": median["bare NumPy"] / median["pytorch"],
                "overhead_ratio": median["scratchnn"] / median["bare NumPy"],
                "cpu_seconds_per_epoch": cpu_median,
                "all_cpu_seconds_per_epoch": cpu_times,
                "cpu_ratio": cpu_median["scratchnn"] / cpu_median["pytorch"],
                "cpu_overhead_ratio": cpu_median["scratchnn"] / cpu_median["bare NumPy"],
                "gflops": gflops,
                "fraction_of_peak": {name: value / peak for name, value in gflops.items()},
                "steps_timed": n_steps,
            }
    finally:
        for process, connection in workers.values():
            if process.is_alive():
                connection.send(None)
                process.join(timeout=10)

    log("")
    log(f"784-256-128-10 ReLU MLP, SGD lr {LEARNING_RATE}, float32, median of {rounds} interleaved rounds"
        + (f" of {steps} steps (scaled to an epoch)" if steps else " of one full epoch (60,000 images)"))
    log(f"{'batch':>5}  {'scratchnn s/epoch':>17}  {'PyTorch s/epoch':>15}  {'ratio':>5}  "
        f"{'scratchnn GFLOP/s (of peak)':>27}  {'PyTorch GFLOP/s (of peak)':>25}  "
        f"{'bare NumPy s/epoch':>18}  {'scratchnn / bare':>16}")
    for batch_size, r in results.items():
        s, p = r["seconds_per_epoch"], r["fraction_of_peak"]
        log(f"{batch_size:>5}  {s['scratchnn']:>17.3f}  {s['pytorch']:>15.3f}  {r['ratio']:>5.2f}  "
            f"{r['gflops']['scratchnn']:>17.1f} ({p['scratchnn']:>5.0%})  "
            f"{r['gflops']['pytorch']:>15.1f} ({p['pytorch']:>5.0%})  "
            f"{s['bare NumPy']:>18.3f}  {r['overhead_ratio']:>16.3f}")
    log("ratio = scratchnn seconds / PyTorch seconds (below 1: scratchnn is faster); bare NumPy = the same "
        "MLP as plain arrays, no modules, checks or History: the floor for NumPy on this machine; "
        "scratchnn / bare = what fit's modules, checks and bookkeeping cost on top of that floor")
    log("the same ratios in process CPU time (each worker's own, medians; less moved by other load on the "
        "machine): " + "; ".join(f"batch {batch_size}: scratchnn / PyTorch {r['cpu_ratio']:.2f}, scratchnn / bare "
                                 f"{r['cpu_overhead_ratio']:.3f}" for batch_size, r in results.items()))

    memory = {}
    if memory_epochs:
        for framework in ("scratchnn", "pytorch"):
            memory[framework] = _peak_memory(framework, memory_epochs, 64, threads)
        log(f"peak memory (fresh process: load MNIST, train {memory_epochs} epoch(s) at batch 64, evaluate): "
            f"scratchnn {memory['scratchnn']:.0f} MB, PyTorch {memory['pytorch']:.0f} MB")
    return {"threads": threads, "matmul_peak_gflops": peak, "blas": descriptions["scratchnn"],
            "pytorch": descriptions["pytorch"], "batch_sizes": {str(k): v for k, v in results.items()},
            "peak_memory_mb": memory}


def run_recipes(names, *, threads, log=print, results=None):
    """Run accuracy recipes as ``python -m scratchnn train`` subprocesses; return their results.

    Each result is added to ``results`` (a new dict by default) as soon as its recipe finishes, so a
    caller interrupted half-way still holds the finished ones.
    """
    results = {} if results is None else results
    for name in names:
        with tempfile.TemporaryDirectory() as folder:
            record_path = os.path.join(folder, "run.json")
            arguments = RECIPES[name] + ["--threads", str(threads), "--no-progress"]
            argv = ["train", *arguments, "--json", record_path]
            code = f"from scratchnn.cli import main; from scratchnn.bench.cpu import _report_peak_after; " \
                   f"raise SystemExit(_report_peak_after(main, {argv!r}))"
            log(f"recipe {name}: python -m scratchnn train {' '.join(arguments)}")
            started = time.perf_counter()
            status, peak_mb, text = _run_measured(code)
            wall = time.perf_counter() - started
            if status != 0:
                raise RuntimeError(f"recipe {name} failed (exit {status}):\n{text}")
            with open(record_path, encoding="utf-8") as handle:
                record = json.load(handle)
        results[name] = {"command": "python -m scratchnn train " + " ".join(arguments),
                         "test_accuracy": record["test_accuracy"], "train_seconds": record["train_seconds"],
                         "wall_seconds": wall, "peak_memory_mb": peak_mb}
        log(f"  test accuracy {record['test_accuracy']:.2%}, training {record['train_seconds']:.1f} s "
            f"(process {wall:.1f} s), peak memory {peak_mb:.0f} MB")
    return results


# --------------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------------
def _add_cpu_options(parser, *, suppress):
    """The ``bench cpu`` options; on the ``cpu`` subparser their defaults are suppressed so values
    given before the subcommand (``bench --threads 1 cpu``) are not overwritten."""

    def default(value):
        return argparse.SUPPRESS if suppress else value

    parser.add_argument("--threads", type=positive(int), default=default(None),
                        help="threads for NumPy's BLAS and PyTorch (default: the CPUs available to this process)")
    parser.add_argument("--rounds", type=positive(int), default=default(5),
                        help="interleaved rounds; medians reported (default: 5)")
    parser.add_argument("--steps", type=positive(int), default=default(None),
                        help="time this many steps per measurement instead of a full epoch (faster, noisier)")
    parser.add_argument("--memory-epochs", type=non_negative(int), default=default(1),
                        help="epochs of the peak-memory runs (default: 1; 0 skips them)")
    parser.add_argument("--recipes", nargs="*", choices=sorted(RECIPES), default=default(None), metavar="NAME",
                        help=f"also run accuracy recipes ({', '.join(RECIPES)}; all when none named)")
    parser.add_argument("--skip-speed", action="store_true", default=default(False),
                        help="skip the speed comparison (e.g. with --recipes)")
    parser.add_argument("--json", metavar="PATH", default=default(None), help="write all results to PATH as JSON")


def add_cli(subparsers):
    """Register ``python -m scratchnn bench [cpu|gpu]``."""
    description = ("Benchmark scratchnn against PyTorch on this CPU (the default, 'bench cpu'), or on a GPU "
                   "('bench gpu'). Targets, at --threads 1 and 2: scratchnn / bare NumPy <= 1.15 at batch 64 and "
                   "<= 1.10 at 256; scratchnn / PyTorch < 1.0 at 1 thread; peak memory <= 400 MB; "
                   "recipes: seed > 95%, best >= 98.6% test accuracy.")
    parser = subparsers.add_parser("bench", help="time scratchnn against PyTorch; run the accuracy recipes",
                                   description=description)
    _add_cpu_options(parser, suppress=False)
    parser.set_defaults(func=_cli_cpu, _parser=parser)
    targets = parser.add_subparsers(dest="bench_target", metavar="TARGET")
    cpu = targets.add_parser("cpu", help="CPU: scratchnn against PyTorch (default)", description=description)
    _add_cpu_options(cpu, suppress=True)
    cpu.set_defaults(func=_cli_cpu, _parser=cpu)
    # The GPU benchmark lives in its own module (torch is imported only when it runs); it registers
    # 'bench gpu' itself.
    from . import gpu

    gpu.add_cli(targets)


def _cli_cpu(args):
    parser = args._parser
    threads = args.threads if args.threads is not None else _available_cpus()
    if args.json and (problem := output_file_problem(args.json)):  # before the run whose results it would lose
        parser.error(f"--json {args.json}: cannot write there: {problem}")
    if args.skip_speed and args.recipes is None:
        parser.error("--skip-speed leaves nothing to run; add --recipes")
    if importlib.util.find_spec("torch") is None:
        print("error: bench cpu compares against PyTorch, which is not installed (pip install torch)", file=sys.stderr)
        return 2
    record = {}
    try:
        if not args.skip_speed:
            record["cpu"] = run_cpu_bench(threads=threads, rounds=args.rounds, steps=args.steps,
                                          memory_epochs=args.memory_epochs)
        if args.recipes is not None:
            print("")
            run_recipes(args.recipes or list(RECIPES), threads=threads, results=record.setdefault("recipes", {}))
    except KeyboardInterrupt:  # keep what finished: the speed comparison, the recipes done so far
        finished = ", ".join([*(["speed"] if "cpu" in record else []), *record.get("recipes", {})]) or "nothing"
        print(f"\ninterrupted (Ctrl-C); finished: {finished}", file=sys.stderr)
        if args.json and record:
            write_json(args.json, {**record, "interrupted": True}, "--json")
        return INTERRUPTED
    if args.json and not write_json(args.json, record, "--json"):
        return 1
    return 0
