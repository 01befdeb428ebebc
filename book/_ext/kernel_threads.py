"""Chapters execute with one BLAS/OpenMP thread unless the caller says otherwise.

The chapters multiply small matrices, where a second thread gains little; on a shared 2-core
machine (CI, Binder) it costs a lot: with another process busy, a 2-thread BLAS run slowed one lab
from under a minute to 21 minutes. One thread also makes the executed numbers independent of the
machine's core count. The kernels inherit the Sphinx process's environment, so setting it here
covers every way the book is built (make, pytest, the GitHub workflow). An explicit setting wins.

``SCRATCHNN_BOOK_BUILD=1`` tells a chapter's removed cells that the build runs them
(``scratchnn.book.claim`` fails the build on a false claim; in a learner's own kernel it only says so).
"""

from __future__ import annotations

import os

from sphinx.application import Sphinx

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
BUILD_VARIABLES = (*THREAD_VARIABLES, "SCRATCHNN_BOOK_BUILD")  # each set to "1" for the build's kernels


def setup(app: Sphinx) -> dict[str, bool]:
    for variable in BUILD_VARIABLES:
        os.environ.setdefault(variable, "1")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
