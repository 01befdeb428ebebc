"""GPU benchmark records: the JSON schema, validated loading, and the numbers Lab 1.5.6 derives from them.

A *record* is one JSON file written by ``python -m scratchnn bench gpu --out DIR`` on a real machine.
The book is built on CPU-only machines, so every GPU number the book shows comes from a record
committed under ``book/results/gpu/``; nothing here measures, estimates or fills in a GPU number.

Shape of a record (``schema_version`` 1)::

    {"schema_version": 1, "kind": "scratchnn-bench-gpu",
     "config":      {model, optimizer, epochs, repeats, target accuracy, data sizes, ...},
     "environment": {date, git commit, OS/arch, CPU, torch/numpy versions, "cuda": {...} or null},
     "series": [{"device": "cpu"|"cuda", "precision": "float32"|"bf16-autocast", "device_name",
                 "peak_memory_kind", "results": [{"batch_size", "status": "ok", "seconds_per_epoch",
                 "samples_per_s", "time_to_target_seconds", ...} or {"batch_size", "status": "oom",
                 "error"}, ...]}, ...]}

This module needs no torch: the chapter and the milestones page can read records anywhere.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import textwrap
import warnings
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "SCHEMA_VERSION",
    "RECORD_SCHEMA",
    "RecordError",
    "RecordWarning",
    "LoadedRecord",
    "validate_record",
    "load_record",
    "load_records",
    "save_record",
    "find_series",
    "ok_results",
    "throughput_knee",
    "speedups",
    "is_dgx_spark_record",
    "has_dgx_spark_record",
    "series_rows",
    "comparison_rows",
    "markdown_table",
    "records_status_markdown",
    "plot_throughput",
    "plot_speedup",
]

SCHEMA_VERSION = 1
RECORD_KIND = "scratchnn-bench-gpu"

_POSITIVE = {"type": "number", "exclusiveMinimum": 0}
_FRACTION = {"type": "number", "minimum": 0, "maximum": 1}
_COUNT = {"type": "integer", "minimum": 1}
_TEXT = {"type": "string", "minLength": 1}

RECORD_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "scratchnn GPU benchmark record",
    "type": "object",
    "required": ["schema_version", "kind", "config", "environment", "series"],
    "additionalProperties": False,
    "properties": {
        "schema_version": {"type": "integer", "const": SCHEMA_VERSION},
        "kind": {"const": RECORD_KIND},
        "comment": {"type": "string"},
        "config": {
            "type": "object",
            "required": ["layer_sizes", "activation", "optimizer", "lr", "momentum", "lr_rule", "epochs",
                         "repeats", "target_accuracy", "seed", "warmup_steps", "train_samples",
                         "validation_samples", "test_samples", "dataset", "float32_matmul_precision"],
            "additionalProperties": False,
            "properties": {
                "layer_sizes": {"type": "array", "items": _COUNT, "minItems": 2},
                "activation": _TEXT,
                "optimizer": _TEXT,
                "lr": _POSITIVE,
                "momentum": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
                "lr_rule": _TEXT,
                "epochs": _COUNT,
                "repeats": _COUNT,
                "target_accuracy": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                "seed": {"type": "integer"},
                "warmup_steps": {"type": "integer", "minimum": 0},
                "train_samples": _COUNT,
                "validation_samples": _COUNT,
                "test_samples": _COUNT,
                "dataset": _TEXT,
                "float32_matmul_precision": _TEXT,
            },
        },
        "environment": {
            "type": "object",
            "required": ["date_utc", "git_commit", "git_dirty", "os", "os_release", "arch", "python",
                         "torch", "numpy", "cpu_model", "cpu_physical_cores", "cpu_logical_cores",
                         "torch_threads", "system_product", "cuda"],
            "additionalProperties": False,
            "properties": {
                "date_utc": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"},
                "git_commit": {"type": ["string", "null"], "pattern": "^[0-9a-f]{40}$"},
                "git_dirty": {"type": ["boolean", "null"]},
                "os": _TEXT,
                "os_release": {"type": "string"},
                "arch": _TEXT,
                "python": _TEXT,
                "torch": _TEXT,
                "numpy": _TEXT,
                "cpu_model": _TEXT,
                "cpu_physical_cores": {"type": ["integer", "null"], "minimum": 1},
                "cpu_logical_cores": {"type": ["integer", "null"], "minimum": 1},
                "torch_threads": _COUNT,
                "system_product": {"type": ["string", "null"]},
                "cuda": {"oneOf": [{"type": "null"}, {"$ref": "#/$defs/cuda"}]},
            },
        },
        "series": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/series"}},
    },
    "$defs": {
        "cuda": {
            "type": "object",
            "required": ["device_name", "compute_capability", "total_memory_bytes", "multiprocessor_count",
                         "driver_version", "cuda_version", "cudnn_version", "device_count"],
            "additionalProperties": False,
            "properties": {
                "device_name": _TEXT,
                "compute_capability": {"type": "string", "pattern": r"^\d+\.\d+$"},
                "total_memory_bytes": _COUNT,
                "multiprocessor_count": _COUNT,
                "driver_version": {"type": ["string", "null"]},
                "cuda_version": {"type": ["string", "null"]},
                "cudnn_version": {"type": ["integer", "null"]},
                "device_count": _COUNT,
            },
        },
        "series": {
            "type": "object",
            "required": ["device", "device_name", "precision", "peak_memory_kind", "results"],
            "additionalProperties": False,
            "properties": {
                "device": {"enum": ["cpu", "cuda"]},
                "device_name": _TEXT,
                "precision": {"enum": ["float32", "bf16-autocast"]},
                "peak_memory_kind": {"enum": ["process_peak_rss", "cuda_max_memory_allocated"]},
                "results": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/result"}},
            },
        },
        "result": {
            "type": "object",
            "required": ["batch_size", "status"],
            "properties": {"batch_size": _COUNT, "status": {"enum": ["ok", "oom"]}},
            "if": {"properties": {"status": {"const": "ok"}}},
            "then": {
                "required": ["seconds_per_epoch", "samples_per_s", "time_to_target_seconds", "epochs_to_target",
                             "final_test_accuracy", "peak_memory_bytes", "epoch_seconds",
                             "validation_accuracy_per_epoch", "test_accuracy_per_epoch"],
                "additionalProperties": False,
                "properties": {
                    "batch_size": True,
                    "status": True,
                    "seconds_per_epoch": _POSITIVE,
                    "samples_per_s": _POSITIVE,
                    "time_to_target_seconds": {"oneOf": [{"type": "null"}, _POSITIVE]},
                    "epochs_to_target": {"oneOf": [{"type": "null"}, _COUNT]},
                    "final_test_accuracy": _FRACTION,
                    "peak_memory_bytes": {"oneOf": [{"type": "null"}, {"type": "integer", "minimum": 0}]},
                    "epoch_seconds": {"type": "array", "minItems": 1,
                                      "items": {"type": "array", "minItems": 1, "items": _POSITIVE}},
                    "validation_accuracy_per_epoch": {"type": "array", "minItems": 1, "items": _FRACTION},
                    "test_accuracy_per_epoch": {"type": "array", "minItems": 1, "items": _FRACTION},
                },
            },
            "else": {
                "required": ["error"],
                "additionalProperties": False,
                "properties": {"batch_size": True, "status": True, "error": _TEXT},
            },
        },
    },
}


class RecordError(ValueError):
    """A record file that is not valid JSON or does not follow ``RECORD_SCHEMA``; the message names both."""


@dataclass(frozen=True)
class LoadedRecord:
    """A validated record and the file it came from."""

    path: Path
    data: dict


def _json_path(parts):
    text = "record"
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _validator():
    """The schema's validator, with "integer" meaning a JSON integer: JSON Schema also counts 64.0, which
    a table would then show as "64.0" and a chooser would return as a float."""
    import jsonschema

    base = jsonschema.Draft202012Validator
    whole = base.TYPE_CHECKER.redefine(
        "integer", lambda checker, value: isinstance(value, int) and not isinstance(value, bool))
    return jsonschema.validators.extend(base, type_checker=whole)(RECORD_SCHEMA)


def _schema_error(record):
    import jsonschema

    validator = _validator()
    error = jsonschema.exceptions.best_match(validator.iter_errors(record))
    if error is None:
        return None
    # For "oneOf" (a value or null), the branch error says more than "is not valid under any".
    if error.context:
        error = min(error.context, key=lambda e: (len(e.absolute_path), e.message))
    return f"{_json_path(error.absolute_path)}: {error.message}"


def _consistency_error(record):
    """Rules a JSON schema cannot express; return a message or None."""
    seen_series = set()
    for i, series in enumerate(record["series"]):
        key = (series["device"], series["precision"])
        if key in seen_series:
            return f"record.series[{i}]: a second {key[0]} {key[1]} series (each device/precision appears once)"
        seen_series.add(key)
        if series["device"] == "cuda" and record["environment"]["cuda"] is None:
            return f"record.series[{i}]: a cuda series but environment.cuda is null"
        if series["precision"] == "bf16-autocast" and series["device"] != "cuda":
            return f"record.series[{i}]: bf16-autocast is recorded for cuda series only"
        expected_memory = "cuda_max_memory_allocated" if series["device"] == "cuda" else "process_peak_rss"
        if series["peak_memory_kind"] != expected_memory:
            return (f"record.series[{i}].peak_memory_kind: expected {expected_memory!r} for a "
                    f"{series['device']} series, got {series['peak_memory_kind']!r}")
        sizes = [result["batch_size"] for result in series["results"]]
        if len(set(sizes)) != len(sizes):
            return f"record.series[{i}].results: batch sizes repeat: {sizes}"
        for j, result in enumerate(series["results"]):
            if result["status"] != "ok":
                continue
            where = f"record.series[{i}].results[{j}]"
            if len(result["epoch_seconds"]) != record["config"]["repeats"]:
                return (f"{where}.epoch_seconds: expected one list per repeat "
                        f"({record['config']['repeats']}), got {len(result['epoch_seconds'])}")
            if (result["time_to_target_seconds"] is None) != (result["epochs_to_target"] is None):
                return f"{where}: time_to_target_seconds and epochs_to_target must both be null or both set"
    return None


def _non_finite_number(value, parts=()):
    """The path of the first NaN or infinite number (JSON has none; a table would show "nan s"), or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"{_json_path(parts)}: {value} is not a finite number"
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        problem = _non_finite_number(child, (*parts, key))
        if problem:
            return problem
    return None


def _refuse_constant(name):
    raise ValueError(f"{name} is not valid JSON (only finite numbers are)")


def validate_record(record, source="record"):
    """Raise ``RecordError`` naming ``source`` and the first problem if ``record`` is not a valid record."""
    if not isinstance(record, dict):
        raise RecordError(f"{source}: expected a JSON object at the top level, got {type(record).__name__}")
    version = record.get("schema_version")
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise RecordError(f"{source}: schema_version {version} is newer than this scratchnn reads "
                          f"({SCHEMA_VERSION}); update scratchnn")
    problem = _non_finite_number(record) or _schema_error(record) or _consistency_error(record)
    if problem:
        raise RecordError(f"{source}: invalid GPU benchmark record: {problem}")
    return record


class RecordWarning(UserWarning):
    """An entry named ``*.json`` in a records folder that is not a file (a folder, a FIFO...) was skipped."""


def _file_kind(path):
    """What ``path`` is when it is not a regular file ("a folder", "a FIFO", ...), or None for a regular file."""
    mode = path.stat().st_mode  # follows a symlink; FileNotFoundError for a dangling one
    if stat.S_ISREG(mode):
        return None
    kinds = [(stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")]
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _check_file(path):
    """Raise ``RecordError`` unless ``path`` is a regular file that can be read (checked before opening it:
    opening a FIFO would wait forever for a writer)."""
    try:
        kind = _file_kind(path)
    except FileNotFoundError:
        if path.is_symlink():
            raise RecordError(f"{path}: a symbolic link to {os.readlink(path)}, which does not exist") from None
        raise RecordError(f"{path}: no such file") from None
    except OSError as error:  # a symlink loop, a permission error on the folder
        raise RecordError(f"{path}: cannot be read ({error.strerror or error})") from None
    if kind is not None:
        raise RecordError(f"{path}: {kind}, not a record file")


def load_record(path):
    """Read and validate one record file; errors name the file."""
    path = Path(path)
    _check_file(path)
    try:
        record = json.loads(path.read_text(encoding="utf-8"), parse_constant=_refuse_constant)
    except OSError as error:
        raise RecordError(f"{path}: cannot be read ({error.strerror or error})") from None
    except UnicodeDecodeError as error:
        raise RecordError(f"{path}: not UTF-8 text ({error})") from None
    except ValueError as error:  # json.JSONDecodeError, or NaN / Infinity
        raise RecordError(f"{path}: not valid JSON: {error}") from None
    return validate_record(record, source=str(path))


def load_records(folder):
    """Every ``*.json`` record in ``folder`` (the book's is ``book/results/gpu``), validated, sorted by file name.

    A missing folder holds no records. One malformed file fails the whole load: the book must not
    quietly drop a measurement. An entry that is no file at all (a folder or a FIFO named ``x.json``)
    holds no measurement: it is skipped with a ``RecordWarning`` naming it, never opened (a FIFO
    would block the read forever). A symbolic link whose target is missing is a ``RecordError``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        if folder.exists():  # a file where the folder should be: "no records" would be a silent wrong answer
            raise RecordError(f"{folder}: not a folder; expected the folder of record files (book/results/gpu)")
        return []
    loaded = []
    for path in sorted(folder.glob("*.json")):
        try:
            kind = _file_kind(path)
        except OSError:
            kind = None  # a dangling link or an unreadable entry: load_record says which
        if kind is not None:
            warnings.warn(f"{path}: {kind}, not a record file; skipped", RecordWarning, stacklevel=2)
            continue
        loaded.append(LoadedRecord(path, load_record(path)))
    return loaded


def _slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "device"


def save_record(record, folder):
    """Validate ``record`` and write it to ``folder`` as ``<date>_<device>.json``; return the path.

    The write goes through a temporary file and a hard link, so a crash never leaves half a record
    and an existing record of the same date and device is never replaced (``FileExistsError``).
    """
    validate_record(record)
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"{folder} is a file, not a folder for records")
    folder.mkdir(parents=True, exist_ok=True)
    cuda = record["environment"]["cuda"]
    device = cuda["device_name"] if cuda else record["environment"]["cpu_model"]
    stamp = record["environment"]["date_utc"].replace(":", "-")
    path = folder / f"{stamp}_{_slug(device)}.json"
    temporary = path.with_suffix(".json.partial")
    try:
        temporary.write_text(json.dumps(record, indent=2, allow_nan=False) + "\n", encoding="utf-8")
        os.link(temporary, path)  # fails if path exists, atomically
    except FileExistsError:
        raise FileExistsError(f"{path} already exists (a record of the same device at the same second); "
                              "it was not overwritten: move it away or fix the date") from None
    finally:
        temporary.unlink(missing_ok=True)  # also after a failed write (a full disk): no half record left
    return path


# --- what the chapter derives ------------------------------------------------------------------

def find_series(record, device, precision="float32"):
    """The series of ``record`` measured on ``device`` at ``precision``, or None."""
    for series in record["series"]:
        if series["device"] == device and series["precision"] == precision:
            return series
    return None


def ok_results(series):
    """The successful results of a series (no out-of-memory entries), by increasing batch size."""
    return sorted((r for r in series["results"] if r["status"] == "ok"), key=lambda r: r["batch_size"])


def throughput_knee(series, tolerance=0.05):
    """The knee of the throughput curve: the smallest batch size within
    ``tolerance`` of the series' peak samples/s. None if no batch size ran.

    Why the smallest: past the knee a bigger batch buys almost no speed,
    but costs memory and takes fewer optimizer steps per epoch (often more
    epochs to the same accuracy). This answers "how big a batch keeps the
    device busy?", not "which batch size trains fastest to an accurate
    model?" (``scratchnn.bench.gpu.fastest_to_target``).
    """
    if not 0 <= tolerance < 1:
        raise ValueError("throughput_knee expected a tolerance in [0, 1), "
                         f"got {tolerance}")
    results = ok_results(series)
    if not results:
        return None
    peak = max(r["samples_per_s"] for r in results)
    return next(r["batch_size"] for r in results
                if r["samples_per_s"] >= (1 - tolerance) * peak)


def speedups(record, precision="float32"):
    """``[(batch, cpu_s_per_epoch, gpu_s_per_epoch, speedup)]`` for every
    batch size that ran on both the CPU (float32) and the GPU
    (``precision``) of one record.

    speedup = CPU s/epoch / GPU s/epoch, both from the same run on the
    same machine. Empty when the record lacks either series.
    """
    cpu = find_series(record, "cpu")
    gpu = find_series(record, "cuda", precision)
    if cpu is None or gpu is None:
        return []
    cpu_by_size = {r["batch_size"]: r["seconds_per_epoch"]
                   for r in ok_results(cpu)}
    return [(r["batch_size"], cpu_by_size[r["batch_size"]],
             r["seconds_per_epoch"],
             cpu_by_size[r["batch_size"]] / r["seconds_per_epoch"])
            for r in ok_results(gpu) if r["batch_size"] in cpu_by_size]


def is_dgx_spark_record(record):
    """True for a record measured on a GB10 (the DGX Spark's superchip) with both a CPU and a GPU series.

    Both are needed: the milestone is the GPU-vs-CPU speedup, measured on the same machine.
    """
    cuda = record["environment"]["cuda"]
    return bool(cuda and "GB10" in cuda["device_name"].upper() and speedups(record))


def has_dgx_spark_record(folder):
    """Whether ``folder`` (the book's is ``book/results/gpu``) holds a valid DGX Spark record with a speedup.

    The milestone "GPU vs CPU speedup measured on DGX Spark" is met exactly when this is True.
    A malformed record raises ``RecordError`` rather than counting as absent.
    """
    return any(is_dgx_spark_record(loaded.data) for loaded in load_records(folder))


def _format_seconds(value):
    return "—" if value is None else f"{value:.3g} s"


def _format_bytes(value):
    return "—" if value is None else f"{value / 2**20:,.0f} MiB"


def series_rows(series):
    """Table rows (lists of strings) for one series: one row per batch size, out-of-memory included."""
    rows = []
    for r in sorted(series["results"], key=lambda r: r["batch_size"]):
        if r["status"] == "oom":
            rows.append([f"{r['batch_size']}", "out of memory", "—", "—", "—", "—"])
            continue
        rows.append([f"{r['batch_size']}", _format_seconds(r["seconds_per_epoch"]), f"{r['samples_per_s']:,.0f}",
                     _format_seconds(r["time_to_target_seconds"]), f"{r['final_test_accuracy']:.2%}",
                     _format_bytes(r["peak_memory_bytes"])])
    return rows


SERIES_HEADERS = ["batch size", "seconds / epoch", "samples / s", "time to target", "final test acc.",
                  "peak memory"]


def comparison_rows(record):
    """CPU-vs-GPU rows for one record: batch size, CPU and GPU seconds per epoch, speedup, GPU samples/s,
    and the bf16-autocast speedup over the CPU when that series was recorded."""
    bf16 = {size: speedup for size, _, _, speedup in speedups(record, "bf16-autocast")}
    gpu = {r["batch_size"]: r for r in ok_results(find_series(record, "cuda") or {"results": []})}
    return [[f"{size}", _format_seconds(cpu_s), _format_seconds(gpu_s), f"{speedup:.1f}×",
             f"{gpu[size]['samples_per_s']:,.0f}", f"{bf16[size]:.1f}×" if size in bf16 else "—"]
            for size, cpu_s, gpu_s, speedup in speedups(record)]


COMPARISON_HEADERS = ["batch size", "CPU s / epoch", "GPU s / epoch", "speedup", "GPU samples / s",
                      "bf16 speedup"]


def markdown_table(headers, rows):
    """A Markdown pipe table from a list of header strings and rows (lists of strings)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def machine_label(record):
    """A short name for where a record was measured, e.g. ``NVIDIA GB10, 2026-12-01``."""
    env = record["environment"]
    device = env["cuda"]["device_name"] if env["cuda"] else env["cpu_model"]
    return f"{device}, {env['date_utc'][:10]}"


def records_status_markdown(records, folder_label="book/results/gpu/"):
    """Plain Markdown stating which GPU records the page renders; a block quote says when none is from
    a DGX Spark (the one place the book says so)."""
    spark = sum(is_dgx_spark_record(loaded.data) for loaded in records)
    lines = []
    if not spark:
        lines += [
            f"> **No DGX Spark record has been committed yet** (under `{folder_label}`). Until one is, the "
            "GPU numbers on this page are expectations computed from NVIDIA's published specification, "
            "labelled as such, never measurements; the live numbers are measured on the machine that "
            "runs the page. Each step says what to run and what to look for, and shows a record's "
            "numbers as soon as one is committed (*Record a GPU run*, at the end, says how).",
            "",
        ]
    if records:
        lines += [f"GPU benchmark records rendered on this page, from `{folder_label}`:", ""]
    for loaded in records:
        env = loaded.data["environment"]
        commit = env["git_commit"][:10] if env["git_commit"] else "unknown commit"
        label = " (DGX Spark)" if is_dgx_spark_record(loaded.data) else ""
        lines.append(f"- `{loaded.path.name}`: {machine_label(loaded.data)}{label}, torch {env['torch']}, "
                     f"CUDA {env['cuda']['cuda_version'] if env['cuda'] else 'none'}, book at {commit}")
    return "\n".join(lines).rstrip()


# --- figures ----------------------------------------------------------------------------------

def _figure():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.4), layout="constrained")
    return fig, fig.subplots()


def _finish(ax, batch_sizes):
    """Batch sizes as plain tick labels on a log axis; the legend below the plot, clear of the lines."""
    from matplotlib.ticker import LogLocator, NullFormatter, NullLocator

    sizes = sorted(set(batch_sizes))
    ax.set_xscale("log")
    ax.set_xticks(sizes, [str(size) for size in sizes])
    ax.xaxis.set_minor_locator(NullLocator())
    if ax.get_yscale() == "log":
        # Plain numbers at 1, 2 and 5 times each power of ten; at every multiple when the data span
        # less than a decade, or a narrow range (say 22,000 to 45,000) would show no label at all.
        low, high = ax.get_ylim()
        subs = (1.0, 2.0, 5.0) if high / low >= 10 else tuple(float(k) for k in range(1, 10))
        ax.yaxis.set_major_locator(LogLocator(subs=subs))
        ax.yaxis.set_major_formatter("{x:,.0f}")
        ax.yaxis.set_minor_formatter(NullFormatter())
    legend = ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize="small", frameon=False)
    # Below the axes, one entry per line, long labels wrapped: the figure grows with the legend, or
    # the axes would be squeezed to nothing once the text is sized for a phone.
    for text in legend.get_texts():
        text.set_text(textwrap.fill(text.get_text(), 36))
    lines = sum(text.get_text().count("\n") + 1 for text in legend.get_texts())
    ax.figure.set_figheight(ax.figure.get_figheight() + 0.35 * lines)


def plot_throughput(labelled_series, *, title="Training throughput vs batch size"):
    """Samples per second against batch size (log-log), one line per ``(label, series)``; OOM sizes marked."""
    fig, ax = _figure()
    sizes = []
    for label, series in labelled_series:
        sizes += [r["batch_size"] for r in series["results"]]
        results = ok_results(series)
        line, = ax.plot([r["batch_size"] for r in results], [r["samples_per_s"] for r in results],
                        marker="o", label=label)
        oom = [r["batch_size"] for r in series["results"] if r["status"] == "oom"]
        if oom and results:
            ax.plot(oom, [results[-1]["samples_per_s"]] * len(oom), "x", color=line.get_color(), markersize=9,
                    label=f"{label}: out of memory")
    ax.set(yscale="log", xlabel="batch size", ylabel="training samples / s", title=title)
    _finish(ax, sizes)
    return fig


def plot_speedup(records, *, title="GPU speedup over the CPU of the same machine"):
    """Speedup (CPU s/epoch ÷ GPU s/epoch) against batch size, one line per record and precision."""
    fig, ax = _figure()
    sizes = []
    for loaded in records:
        for precision in ("float32", "bf16-autocast"):
            points = speedups(loaded.data, precision)
            sizes += [p[0] for p in points]
            if points:
                ax.plot([p[0] for p in points], [p[3] for p in points], marker="o",
                        label=f"{machine_label(loaded.data)} ({precision})")
    ax.axhline(1.0, color="0.5", linestyle="--", linewidth=1, label="no speedup")
    ax.set(xlabel="batch size", ylabel="speedup (×)", ylim=(0, None), title=title)
    _finish(ax, sizes)
    return fig
