"""``python -m scratchnn {data,train,bench}``: a thin dispatcher.

Each feature module registers its own subcommand with ``add_cli(subparsers)`` and sets ``func``
(``args -> exit code``). Library ``ValueError``s become one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import sys

from . import bench, data, train


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scratchnn",
        description="scratchnn: neural networks from scratch in NumPy (Module 1.5, Neural Network Fundamentals).",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (data, train, bench):
        module.add_cli(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
