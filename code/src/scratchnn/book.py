"""What a chapter's removed cells record for the page, in the build and in a learner's own kernel.

A chapter's ``remove-cell`` cells are the build's bookkeeping: they record the numbers the prose
shows and assert the claims it makes. A learner who opens the chapter's ``.md`` in JupyterLab
(``make lab``, Binder) runs those cells too, in a kernel that may have no myst-nb, with settings
they may have changed. So the cells import from here:

- :func:`glue` records a value under a name: with myst-nb's ``glue`` when myst-nb is importable
  (the build), and in every IPython kernel also as a variable of that name, which the prose's
  ``{eval}`f"{name:.2%}"``` roles read (jupyterlab-myst evaluates them in the learner's kernel; the
  page shows the glued value: book/_ext/eval_glue.py). It also keeps the value in :data:`glued`,
  so whoever ran the notebook can read every glued value after the last cell (the launch-path test
  checks the topics' claims on them in a learner's kernel, where myst-nb records nothing).
- :func:`claim` checks the premise of a conclusion the prose states in words. When it fails it
  warns (:class:`ClaimWarning`), quoting the sentence: the book's strict build fails on any output
  to stderr, so a rebuild that would change the conclusion fails and names it; in a learner's own
  run (who may have changed a setting) it is a warning and the notebook carries on.
"""

from __future__ import annotations

import warnings
from typing import Any

glued: dict[str, Any] = {}
"""Every value :func:`glue` recorded in this process, by name (the last value for a name)."""


def glue(name: str, value: Any, display: bool = False) -> None:
    """Record ``value`` as ``name``: for the page (myst-nb's ``glue``), as a kernel variable, in :data:`glued`."""
    glued[name] = value
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


class ClaimWarning(UserWarning):
    """A page's written conclusion no longer follows from the numbers it was computed from."""


def claim(premise: bool, sentence: str) -> None:
    """Check the premise of a conclusion the page states in words; warn, naming it, when it fails.

    ``premise`` is the condition the sentence rests on (``gap.verdict == "different"`` and
    ``gap.mean > 0``, say). Returns nothing, so a cell that ends with a claim shows nothing.
    """
    if not premise:
        warnings.warn(
            f"This conclusion no longer follows from the numbers computed above: {sentence!r}. "
            "Reread it against the table before you rely on it.",
            ClaimWarning,
            stacklevel=2,
        )
