"""The package's folders show its layers: the core the book teaches, the learning tools, the project tools.

scratchnn.nn / optim / data (as torch.nn, torch.optim, torch.utils.data) depend on nothing but NumPy,
the standard library and each other; the learning tools (train, gradcheck, checks, diagnostics, noise,
plots, torch_port) build on them; bench and cli are the project's tools, which nothing else imports.
No module finds files through its own location: the book passes its folders in.
"""

import ast
from pathlib import Path

import scratchnn

PACKAGE = Path(scratchnn.__file__).parent
CORE = ("nn", "optim", "data")
PROJECT_TOOLS = ("bench", "cli", "__main__")


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE).with_suffix("").as_posix().replace("/", "."), path


def _imports(path, module):
    """Absolute names of the scratchnn modules that ``path`` (module ``module``) imports."""
    package_parts = ["scratchnn", *module.split(".")][:-1] if not path.name == "__init__.py" else [
        "scratchnn", *module.split(".")[:-1]]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.update(f"{target}.{alias.name}" if not node.module else target for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name.removeprefix("scratchnn.") for name in found if name.startswith("scratchnn.")}


def test_the_core_folder_holds_only_what_the_book_teaches():
    assert sorted(p.stem for p in (PACKAGE / "nn").glob("*.py")) == [
        "__init__", "_erf", "activation", "container", "dropout", "init", "linear", "loss", "module",
        "normalization", "parameter", "penalty"]  # _erf: GELU's error function (NumPy has none)


def test_the_core_depends_only_on_itself():
    for module, path in _modules():
        if module.split(".")[0] in CORE:
            outside = {name for name in _imports(path, module) if name.split(".")[0] not in (*CORE, "_checks")}
            assert not outside, f"{module} imports {sorted(outside)}: the core must not depend on the tools"


def test_nothing_but_the_command_line_imports_the_project_tools():
    for module, path in _modules():
        if module.split(".")[0] not in PROJECT_TOOLS:
            used = {name for name in _imports(path, module) if name.split(".")[0] in PROJECT_TOOLS}
            assert not used, f"{module} imports the project tools {sorted(used)}"


def test_no_module_finds_files_through_its_own_location():
    for module, path in _modules():
        assert "__file__" not in path.read_text(), f"{module} locates files from its own path"
