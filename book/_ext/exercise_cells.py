"""A gated solution in a learner's notebook: their attempt, the self-check, the solution kept shut.

On the page, a lab's exercise is followed by its solution (``{solution-start}`` ... ``{solution-end}``,
a dropdown whose code cells run and pass the self-check). A learner's own notebook (the download,
Colab) gets instead, in this order:

1. an **attempt** cell: what the solution defines, as stubs. Each class keeps its name, bases and
   method signatures, each function its signature, and every body raises ``NotImplementedError``
   naming what to write; the solution's imports stay. A stub keeps "run all" going: the self-check
   reports "not written yet" instead of a ``NameError``.
2. the **self-check**: the solution's ``assert check_...(...).passed`` lines without the ``assert``.
   The checks report failures with hints and never raise, so an empty attempt does not stop the
   notebook.
3. the **solution**, as a markdown cell: a closed ``<details>`` block (JupyterLab, Colab and GitHub
   all render it shut until clicked) holding its prose and its code as fenced blocks to copy.
   Markdown never runs: "run all" cannot execute it.

A later visible cell must not use a name that only a solution defines (a stub name is fine: the
learner's notebook defines it): :func:`names_only_solutions_define` finds them, so the build
warns (and the strict build fails) instead of shipping a notebook that stops half-way.
Pure functions of cell sources, tested in tests/book/test_notebook_markdown.py.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable, Iterator

from colab_setup import parse_cell  # this folder is on sys.path (executed_notebooks)

ATTEMPT_HEADER = "# Your attempt (the exercise above): replace each NotImplementedError with your code."
SUMMARY = "Solution: click to open it, after your own attempt"


def _not_written(name: str) -> str:
    return f'raise NotImplementedError("{name}: not written yet (see the exercise above)")'


def _stub(node: ast.stmt) -> str | None:
    """The attempt's version of one top-level statement of a solution (None: left out)."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return ast.unparse(node)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return f"def {node.name}({ast.unparse(node.args)}):\n    {_not_written(node.name)}"
    if isinstance(node, ast.ClassDef):
        bases = ", ".join(ast.unparse(base) for base in [*node.bases, *node.keywords])
        methods = [
            f"    def {item.name}({ast.unparse(item.args)}):\n        {_not_written(f'{node.name}.{item.name}')}"
            for item in node.body
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
        ]
        return f"class {node.name}{f'({bases})' if bases else ''}:\n" + ("\n\n".join(methods) or "    pass")
    return None


def attempt_source(solution_code: Iterable[str]) -> str:
    """The attempt cell for a solution whose code cells are ``solution_code``."""
    stubs = [stub for source in solution_code for node in ast.parse(source).body if (stub := _stub(node))]
    imports = list(dict.fromkeys(stub for stub in stubs if stub.startswith(("import ", "from "))))
    definitions = [stub for stub in stubs if stub not in imports]
    return "\n\n\n".join(["\n".join([ATTEMPT_HEADER, *imports]), *definitions])


def _is_check_call(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id.startswith("check_")
    )


def self_check_source(solution_code: Iterable[str]) -> str | None:
    """The self-check cell: every ``assert check_x(...).passed`` of the solution, without the assert."""
    calls = []
    for source in solution_code:
        for node in ast.parse(source).body:
            if not isinstance(node, ast.Assert):
                continue
            test = node.test.value if isinstance(node.test, ast.Attribute) and node.test.attr == "passed" else node.test
            if _is_check_call(test):
                calls.append(f"result = {ast.unparse(test)}")
    return "\n".join(calls) if calls else None


def solution_markdown(parts: Iterable[tuple[str, str]]) -> str:
    """The closed solution: ``parts`` are ``("markdown", converted text)`` or ``("code", source)``."""
    body = []
    for kind, text in parts:
        if not text.strip():
            continue
        if kind == "code":
            ticks = "````" if "```" in text else "```"
            body.append(f"{ticks}python\n{text.strip()}\n{ticks}")
        else:
            body.append(text.strip())
    return f"<details>\n<summary>{SUMMARY}</summary>\n\n" + "\n\n".join(body) + "\n\n</details>"


# --- names a solution defines that later cells use ------------------------------------------------


def _module_level(tree: ast.AST) -> Iterator[ast.AST]:
    """The nodes of ``tree`` outside function, class and lambda bodies (where module names bind)."""
    for child in ast.iter_child_nodes(tree):
        yield child
        if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            yield from _module_level(child)


def bound_names(source: str) -> set[str]:
    """The module-level names a cell binds (assignments, loops, imports, definitions)."""
    names = set()
    for node in _module_level(parse_cell(source)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


def used_names(source: str) -> set[str]:
    return {node.id for node in ast.walk(parse_cell(source)) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def names_only_solutions_define(cells: Iterable[tuple[str, str]]) -> dict[int, set[str]]:
    """``index -> names`` of the learner's code cells that use a name only a solution binds.

    ``cells``: ``("visible", source)`` for a code cell of the learner's notebook (attempt stubs
    included) and ``("solution", source)`` for a solution's code, in page order.
    """
    visible: set[str] = set(dir(builtins))
    solution: set[str] = set()
    found = {}
    for index, (kind, source) in enumerate(cells):
        if kind == "solution":
            solution |= bound_names(source)
            continue
        bound = bound_names(source)
        missing = (used_names(source) & solution) - visible - bound
        if missing:
            found[index] = missing
        visible |= bound
    return found
