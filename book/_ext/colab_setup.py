"""The first cell of a Colab notebook: the repository, the package with what the chapter imports.

On Colab (and only there: outside Colab the cell does nothing) the cell

1. clones the repository, ``git clone --depth 1`` of the branch the site was built from, into
   ``~/<repository name>`` (once; running the cell again reuses it);
2. pip-installs ``code/`` from that clone with exactly the extras (``code/pyproject.toml``) whose
   packages the chapter's visible cells import, directly or through the ``scratchnn`` modules they
   import; nothing from the build (no myst-nb). Colab already has numpy, matplotlib and torch, so pip
   usually just installs ``scratchnn``;
3. changes into the chapter's folder inside the clone, so relative paths (``../results/gpu``,
   ``requirements.txt``) resolve as they do when the book is built.

:func:`required_extras` is the static part: the imports of the chapter's code cells, followed through
the package's own modules (a definition's imports inside functions count when the chapter uses that
definition), mapped to the extras whose requirements provide them. tests/book/test_launch_paths.py
checks the result at run time: it runs each Colab notebook in a venv that holds only the kernel and
the distributions those extras require, so a missing extra fails the import.
"""

from __future__ import annotations

import ast
import json
import sys
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement

SETUP_CELL_TAG = "colab-setup"

SETUP_CELL = """\
# Runs on Google Colab only (elsewhere it does nothing): get the book's repository, install its
# package with what this chapter needs, and work in the chapter's folder, as the book build does.
import os
import subprocess
import sys
from pathlib import Path

if "google.colab" in sys.modules:
    repository = Path.home() / {clone_name}
    if not repository.is_dir():
        subprocess.run(
            ["git", "clone", "--quiet", "--depth", "1", "--branch", {branch}, {url}, str(repository)],
            check=True,
        )
    package = str(repository / {package_dir}){extras}
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--root-user-action=ignore", package],
        check=True,
    )
    os.chdir(repository / {chapter_dir})"""


def setup_cell_source(
    *, url: str, branch: str, package_dir: str, extras: list[str], chapter_dir: str
) -> str:
    """The setup cell for one chapter (``chapter_dir``: its folder, relative to the repository)."""
    quoted = json.dumps  # a Python string literal in double quotes, for these plain values
    return SETUP_CELL.format(
        clone_name=quoted(url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")),
        branch=quoted(branch),
        url=quoted(url),
        package_dir=quoted(package_dir),
        extras=f' + "[{",".join(extras)}]"' if extras else "",
        chapter_dir=quoted(chapter_dir or "."),
    )


def parse_cell(source: str) -> ast.Module:
    """``source`` as Python, IPython magics and shell lines (``%``, ``!``) left out."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return ast.Module(body=[], type_ignores=[])


def _absolute(node: ast.ImportFrom, package: str) -> str:
    """The absolute module a ``from ... import`` names (``package``: the importing module's package)."""
    if not node.level:
        return node.module or ""
    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
    return f"{base}.{node.module}" if node.module else base


def _imports(nodes, package: str) -> list[tuple[str, str | None]]:
    """``(module, name or None)`` for each import statement among ``nodes``."""
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found.extend((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node, package)
            found.extend((module, alias.name) for alias in node.names)
    return found


@dataclass
class _Module:
    """What loading one module of the package imports, and what each of its definitions needs."""

    at_load: list[tuple[str, str | None]]  # module-level imports (run when the module is imported)
    exports: dict[str, tuple[str, str | None]]  # name -> (module, name) it was imported as
    lazy: dict[str, list[tuple[str, str | None]]]  # def/class -> imports inside its body
    uses: dict[str, set[str]]  # def/class -> names its body mentions


def _index_module(file: Path, module: str) -> _Module:
    tree = ast.parse(file.read_text())
    package = module if file.name == "__init__.py" else module.rpartition(".")[0]
    top_level = [node for node in tree.body if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    at_load = _imports([n for top in top_level for n in ast.walk(top)], package)
    exports = {}
    for node in top_level:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                exports[alias.asname or alias.name] = (_absolute(node, package), alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                exports[alias.asname or alias.name.split(".")[0]] = (alias.name if alias.asname else alias.name.split(".")[0], None)
    lazy, uses = {}, {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            inner = list(ast.walk(node))  # nested defs included
            lazy[node.name] = _imports(inner, package)
            uses[node.name] = {n.id for n in inner if isinstance(n, ast.Name)} | {
                n.attr for n in inner if isinstance(n, ast.Attribute)
            }
    return _Module(at_load, exports, lazy, uses)


class _Reach:
    """Walks from a chapter's imports through the package: which third-party modules can run."""

    def __init__(self, src: Path, package: str):
        self.src, self.package = src, package
        self.modules: dict[str, _Module | None] = {}
        self.loaded: set[str] = set()
        self.visited: set[tuple[str, str]] = set()
        self.third_party: set[str] = set()

    def _index(self, module: str) -> _Module | None:
        if module not in self.modules:
            path = self.src.joinpath(*module.split("."))
            file = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
            self.modules[module] = _index_module(file, module) if file.is_file() else None
        return self.modules[module]

    def load(self, module: str) -> None:
        """Import ``module`` (and the packages above it): their module-level imports run."""
        top = module.split(".")[0]
        if top != self.package:
            if top and top not in sys.stdlib_module_names:
                self.third_party.add(top)
            return
        parts = module.split(".")
        for depth in range(1, len(parts) + 1):
            name = ".".join(parts[:depth])
            if name in self.loaded or self._index(name) is None:
                continue
            self.loaded.add(name)
            for imported, attribute in self.modules[name].at_load:
                self.load(imported)
                if attribute and self._index(f"{imported}.{attribute}"):
                    self.load(f"{imported}.{attribute}")

    def use(self, module: str, name: str | None) -> None:
        """The chapter (or the package) uses ``name`` from ``module`` (None: the whole module)."""
        self.load(module)
        index = self._index(module) if module.split(".")[0] == self.package else None
        if index is None:
            return
        if name is None:  # the module as such: any of its definitions may run
            for definition in index.lazy:
                self.use(module, definition)
            return
        if (module, name) in self.visited:
            return
        self.visited.add((module, name))
        if self._index(f"{module}.{name}") is not None:  # a submodule
            self.use(f"{module}.{name}", None)
        elif name in index.exports:
            self.use(*index.exports[name])
        elif name in index.lazy:
            for imported, attribute in index.lazy[name]:
                self.use(imported, attribute)
            for used in index.uses[name] & (set(index.lazy) | set(index.exports)):
                self.use(module, used)


def chapter_seeds(source: str) -> list[tuple[str, str]]:
    """``(module, name)`` the chapter's code uses: ``from m import x`` gives ``(m, x)``; ``import m``
    gives ``(m, "")`` (the module is loaded) and ``(m, x)`` for every ``m.x`` in the code."""
    tree = parse_cell(source)
    seeds: list[tuple[str, str | None]] = []
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            seeds.extend((node.module, alias.name) for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name] = alias.name
                seeds.append((alias.name, ""))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            seeds.append((aliases[node.value.id], node.attr))
    return seeds


def third_party_imports(code_sources: list[str], src: Path, package: str) -> set[str]:
    """Top-level modules outside the standard library and ``package`` (which lives in ``src``)
    that running ``code_sources`` may import, directly or through ``package``'s modules."""
    reach = _Reach(src, package)
    for source in code_sources:
        for module, name in chapter_seeds(source):
            if name == "":
                reach.load(module)
            else:
                reach.use(module, name)
    return reach.third_party


def _modules_of(requirement_names: list[str]) -> set[str]:
    """Import names of the installed distributions ``requirement_names`` and their dependencies."""
    modules: set[str] = set()
    seen: set[str] = set()
    pending = list(requirement_names)
    while pending:
        name = pending.pop()
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        modules.add(name.replace("-", "_").lower())
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue
        for file in dist.files or []:
            first = file.parts[0]
            if not first.endswith((".dist-info", ".data", ".pth")) and first != "..":
                modules.add(first.removesuffix(".py"))
        for requirement in dist.requires or []:
            parsed = Requirement(requirement)
            if parsed.marker is None or parsed.marker.evaluate({"extra": ""}):
                pending.append(parsed.name)
    return modules


def _own_modules(requirement_names: list[str]) -> set[str]:
    """Import names of the installed distributions ``requirement_names`` themselves."""
    modules = {name.replace("-", "_").lower() for name in requirement_names}
    for name in requirement_names:
        try:
            files = distribution(name).files or []
        except PackageNotFoundError:
            continue
        modules.update(
            file.parts[0].removesuffix(".py")
            for file in files
            if not file.parts[0].endswith((".dist-info", ".data", ".pth")) and file.parts[0] != ".."
        )
    return modules


@lru_cache(maxsize=None)
def _extras(pyproject: Path) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """``extra -> (import names of its own requirements, of those and everything they pull in)``."""
    extras = tomllib.loads(pyproject.read_text())["project"].get("optional-dependencies", {})
    result = {}
    for extra, requirements in extras.items():
        names = [Requirement(r).name for r in requirements]
        result[extra] = (frozenset(_own_modules(names)), frozenset(_modules_of(names)))
    return result


@lru_cache(maxsize=None)
def _base_modules(pyproject: Path) -> frozenset[str]:
    """Import names the package's own (non-extra) dependencies provide: numpy needs no extra."""
    requirements = tomllib.loads(pyproject.read_text())["project"].get("dependencies", [])
    return frozenset(_modules_of([Requirement(r).name for r in requirements]))


def required_extras(code_sources: list[str], package_src: Path, pyproject: Path) -> list[str]:
    """The extras of the package in ``package_src`` that the chapter's code cells need, sorted.

    A module an extra requires directly (``matplotlib`` -> ``plots``) selects that extra; a module
    only some extra pulls in as a dependency (``platformdirs``, via pooch) selects those extras.
    Modules of the base dependencies and modules no extra provides (optional imports such as
    ``ipywidgets``, guarded in the package) select nothing.
    """
    needed = third_party_imports(code_sources, package_src.parent, package_src.name) - _base_modules(pyproject)
    extras = _extras(pyproject)
    selected = set()
    for module in needed:
        direct = {extra for extra, (own, _) in extras.items() if module in own}
        selected |= direct or {extra for extra, (_, pulled) in extras.items() if module in pulled}
    return sorted(selected)
