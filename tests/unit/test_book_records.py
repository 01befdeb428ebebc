"""scratchnn.book: a chapter's removed cells run in a learner's kernel too (no myst-nb, settings changed)."""

from __future__ import annotations

import sys
import warnings

import pytest

from scratchnn import book


def test_glue_without_myst_nb_records_nothing_and_does_not_raise(monkeypatch):
    monkeypatch.setitem(sys.modules, "myst_nb", None)  # import myst_nb now fails, as in a plain venv
    assert book.glue("lab1_val_acc", 0.97, display=False) is None


def test_glue_binds_the_name_in_the_kernel_for_the_prose_eval_roles(monkeypatch):
    namespace = {}

    class Shell:
        user_ns = namespace

    monkeypatch.setitem(sys.modules, "myst_nb", None)
    monkeypatch.setattr("IPython.get_ipython", lambda: Shell())
    monkeypatch.setattr(book, "glued", {})
    book.glue("lab1_val_acc", 0.97)
    assert namespace == {"lab1_val_acc": 0.97}
    assert book.glued == {"lab1_val_acc": 0.97}  # read after the last cell (tests/book/test_launch_paths.py)


def test_a_false_claim_warns_naming_the_sentence_and_the_notebook_goes_on():
    """The strict build fails on the warning (any stderr); a learner's own run only shows it."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        book.claim(True, "fine")
        book.claim(False, "GELU is below LeakyReLU on every seed")
    assert len(caught) == 1 and issubclass(caught[0].category, book.ClaimWarning)
    assert "GELU is below LeakyReLU on every seed" in str(caught[0].message)
