"""What a chapter's removed cells record for the page, in the build and in a learner's own kernel.

A chapter's ``remove-cell`` cells are the build's bookkeeping: they record the numbers the prose
shows and assert the claims it makes. A learner who opens the chapter's ``.md`` in JupyterLab
(``make lab``, Binder) runs those cells too, in a kernel that may have no myst-nb, with settings
they may have changed. So the cells import from here:

- :func:`glue` records a value under a name: with myst-nb's ``glue`` when myst-nb is importable
  (the build), and in every IPython kernel also as a variable of that name, which the prose's
  ``{eval}`f"{name:.2%}"``` roles read (jupyterlab-myst evaluates them in the learner's kernel; the
  page shows the glued value: book/_ext/eval_glue.py).
- :func:`claim` checks a conclusion the prose states. In the book's build (``SCRATCHNN_BOOK_BUILD``
  set, as book/_ext/kernel_threads.py does for every kernel the build starts) a false claim raises
  ``AssertionError`` and fails the build; in a learner's run it prints what no longer holds and
  the notebook carries on.
"""

from __future__ import annotations

import os
from typing import Any

BUILD_VARIABLE = "SCRATCHNN_BOOK_BUILD"


def glue(name: str, value: Any, display: bool = False) -> None:
    """Record ``value`` as ``name``: for the page (myst-nb's ``glue``) and as a kernel variable."""
    try:
        from IPython import get_ipython
    except ModuleNotFoundError:  # not in a notebook kernel: nothing reads it
        return
    shell = get_ipython()
    if shell is not None:
        shell.user_ns[name] = value  # what the prose's {eval} roles evaluate
    try:
        from myst_nb import glue as record
    except ModuleNotFoundError:  # a learner's kernel: the page's record is not needed
        return
    record(name, value, display=display)


def in_book_build() -> bool:
    """Whether this kernel was started by the book's build (``make book``, ``make chapter``)."""
    return os.environ.get(BUILD_VARIABLE) == "1"


def claim(holds: bool, statement: str) -> None:
    """The prose states ``statement``: fail the build if it does not hold, tell a learner's run."""
    if holds:
        return
    if in_book_build():
        raise AssertionError(f"the page says: {statement}; this build's numbers disagree")
    print(f"Note: the page says {statement}; with your run's numbers that does not hold.")
