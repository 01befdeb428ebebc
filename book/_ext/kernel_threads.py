"""Chapters execute with one BLAS/OpenMP thread unless the caller says otherwise.

The chapters multiply small matrices, where a second thread gains little; on a shared 2-core
machine (CI, Binder) it costs a lot: with another process busy, a 2-thread BLAS run slowed one lab
from under a minute to 21 minutes. One thread also makes the executed numbers independent of the
machine's core count. The kernels inherit the Sphinx process's environment, so setting it here
covers every way the book is built (make, pytest, the GitHub workflow). An explicit setting wins.
"""

from __future__ import annotations

import os

from sphinx.application import Sphinx

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def setup(app: Sphinx) -> dict[str, bool]:
    for variable in THREAD_VARIABLES:
        os.environ.setdefault(variable, "1")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
