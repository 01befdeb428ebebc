"""What the commands share: argparse types that speak the package's words, and output files checked
before the work and written so that a failure loses nothing."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

INTERRUPTED = 130  # the shell's exit status for a command stopped by Ctrl-C (128 + SIGINT)

_KIND_NAMES = {int: "an integer", float: "a number"}


def _number(kind, text):
    """``text`` as ``kind`` (int or float); the error speaks the package's words, not Python's."""
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {_KIND_NAMES[kind]}, got {text!r}") from None


def positive(kind):
    """An argparse type: an int >= 1, or a finite float > 0."""
    def parse(text):
        value = _number(kind, text)
        if kind is int and value < 1:
            raise argparse.ArgumentTypeError(f"must be >= 1, got {text}")
        if not (value > 0 and math.isfinite(value)):
            raise argparse.ArgumentTypeError(f"must be > 0 and finite, got {text}")
        return value

    parse.__name__ = f"positive {kind.__name__}"
    return parse


def non_negative(kind):
    """An argparse type: an int or a finite float >= 0."""
    def parse(text):
        value = _number(kind, text)
        if not (value >= 0 and math.isfinite(value)):
            raise argparse.ArgumentTypeError(f"must be >= 0{'' if kind is int else ' and finite'}, got {text}")
        return value

    parse.__name__ = f"non-negative {kind.__name__}"
    return parse


def output_file_problem(path: str | os.PathLike) -> str | None:
    """Why ``path`` cannot take an output file (checked before a long run), or None if it can.

    The file may exist (it is replaced at the end) but must then be a regular file: a folder, a
    device such as /dev/full or a FIFO would fail, or block, only after the work is done.
    """
    path = Path(path)
    folder = path.absolute().parent
    if path.is_dir():
        return "it is a folder; give a file name"
    if path.exists() and not path.is_file():
        return "it exists and is not a regular file (a device, FIFO or socket); give a file name"
    if not folder.is_dir():
        return f"the folder {folder} does not exist"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"the folder {folder} is not writable"
    return None


def output_folder_problem(path: str | os.PathLike) -> str | None:
    """Why ``path`` cannot be (or become) a folder for output files, or None if it can."""
    path = Path(path).absolute()
    if path.exists() and not path.is_dir():
        return "it exists and is not a folder"
    existing = next(folder for folder in (path, *path.parents) if folder.exists())
    if not existing.is_dir():
        return f"{existing} is not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"the folder {existing} is not writable"
    return None


def write_json(path: str | os.PathLike, data: dict, flag: str) -> bool:
    """Write ``data`` to ``path`` as JSON, atomically (an existing file is replaced only by a complete one).

    If the write fails anyway (a full disk), the JSON goes to stdout instead, with a message on stderr
    saying where it could not go: the results are never lost. Returns whether the file was written.
    """
    text = json.dumps(data, indent=1)
    path = Path(path)
    temporary = path.with_name(f".{path.name}.partial")
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except OSError as err:
        temporary.unlink(missing_ok=True)
        print(text)
        print(f"error: could not write {flag} {path}: {err.strerror or err}; the JSON is printed above instead",
              file=sys.stderr)
        return False
    print(f"wrote {path}")
    return True
