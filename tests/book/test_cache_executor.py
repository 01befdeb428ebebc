"""The one notebook executor (book/_ext/chapter_execution.py): what it records and what it logs."""

from __future__ import annotations

import json

import nbformat
import pytest

import chapter_execution

pytestmark = pytest.mark.slow  # starts a kernel (seconds)


def test_an_execution_records_what_it_imported_read_and_listed_and_is_logged(tmp_path, monkeypatch):
    log = tmp_path / "executions.jsonl"
    monkeypatch.setenv(chapter_execution.LOG_VARIABLE, str(log))
    (tmp_path / "helper.py").write_text("VALUE = 3\n")
    (tmp_path / "data.txt").write_text("4\n")
    (tmp_path / "listed").mkdir()
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import sys, os\nsys.path.insert(0, '.')\nimport helper"),
        nbformat.v4.new_code_cell("helper.VALUE + int(open('data.txt').read())\nos.listdir('listed')"),
        nbformat.v4.new_code_cell("print(helper.VALUE)"),
    ])
    result = chapter_execution.execute(notebook, cwd=tmp_path, kind="check", label="demo", record_dependencies=True)

    assert result.ok, result.traceback
    assert {str(tmp_path / "helper.py"), str(tmp_path / "data.txt")} <= set(result.files)
    assert str(tmp_path / "listed") in result.listed and not result.subprocess
    # the recorder leaves no trace in the notebook: no extra cell, execution counts from 1
    assert len(notebook.cells) == 3 and [c.execution_count for c in notebook.cells] == [1, 2, 3]
    assert notebook.cells[2].outputs[0]["text"] == "3\n"

    [entry] = [json.loads(line) for line in log.read_text().splitlines()]
    assert entry["kind"] == "check" and entry["label"] == "demo" and entry["ok"] is True
    assert chapter_execution.summary(chapter_execution.read_log(log)).startswith("1 chapter executions")


def test_a_failing_cell_is_reported_not_raised_and_logged_as_failed(tmp_path, monkeypatch):
    log = tmp_path / "executions.jsonl"
    monkeypatch.setenv(chapter_execution.LOG_VARIABLE, str(log))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("raise ValueError('planted')")])
    result = chapter_execution.execute(notebook, cwd=tmp_path, kind="check", label="failing")
    assert not result.ok and "planted" in result.traceback
    assert json.loads(log.read_text())["ok"] is False


def test_chapter_lists_come_from_the_toc(repo_root):
    chapters = chapter_execution.toc_chapters(repo_root)
    assert chapters[0] == "book/intro" and "book/labs/lab-1-numpy-mlp" in chapters
    assert all(chapter_execution.is_executed(repo_root / f"{name}.md") for name in chapters)
