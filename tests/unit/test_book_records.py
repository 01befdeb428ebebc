"""scratchnn.book: a chapter's removed cells run in a learner's kernel too (no myst-nb, settings changed)."""

from __future__ import annotations

import sys

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
    book.glue("lab1_val_acc", 0.97)
    assert namespace == {"lab1_val_acc": 0.97}


def test_a_false_claim_fails_the_build(monkeypatch):
    monkeypatch.setenv(book.BUILD_VARIABLE, "1")
    book.claim(True, "ReLU beats sigmoid by 2 points")
    with pytest.raises(AssertionError, match="the page says: ReLU beats sigmoid by 2 points"):
        book.claim(False, "ReLU beats sigmoid by 2 points")


def test_a_false_claim_in_a_learners_run_is_reported_and_the_notebook_goes_on(monkeypatch, capsys):
    monkeypatch.delenv(book.BUILD_VARIABLE, raising=False)
    book.claim(False, "ReLU beats sigmoid by 2 points")
    assert capsys.readouterr().out == (
        "Note: the page says ReLU beats sigmoid by 2 points; with your run's numbers that does not hold.\n"
    )
