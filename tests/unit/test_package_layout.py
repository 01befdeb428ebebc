"""The package's folders show its layers: the core the book teaches, the learning tools, the project tools.

scratchnn.nn / optim / data (as torch.nn, torch.optim, torch.utils.data) depend on nothing but NumPy,
the standard library and each other; the learning tools (train, gradcheck, checks, diagnostics, noise,
plots, torch_port) build on them; bench and cli are the project's tools, which nothing else imports.
No module finds files through its own location: the book passes its folders in.
"""

import ast
import re
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
    # Derived, not listed: a new layer is one file (exported by nn/__init__.py) plus its test. Each public
    # file of nn/ is a concept nn/__init__.py exports; each private one (_erf, _adopted, _catalog) serves them.
    files = {p.stem for p in (PACKAGE / "nn").glob("*.py")} - {"__init__"}
    exported = {name.split(".")[1] for name in _imports(PACKAGE / "nn" / "__init__.py", "nn.__init__")}
    public = {name for name in files if not name.startswith("_")}
    assert public == exported, f"nn/ files not exported by nn/__init__.py: {sorted(public - exported)}"
    used = set().union(*(_imports(PACKAGE / "nn" / f"{name}.py", f"nn.{name}") for name in files))
    used |= {name for module, path in _modules() if not module.startswith("nn.") for name in _imports(path, module)}
    unused = {name for name in files - public if f"nn.{name}" not in used}
    assert not unused, f"private nn/ files nothing imports: {sorted(unused)}"


def test_every_name_the_core_exports_has_a_unit_test():
    tests = " ".join(path.read_text() for path in Path(__file__).parent.glob("test_*.py"))
    for package in (scratchnn.nn, scratchnn.optim):
        untested = [name for name in package.__all__ if not re.search(rf"\b{name}\b", tests)]
        assert not untested, f"{package.__name__} exports names no unit test mentions: {untested}"


def test_the_core_depends_only_on_itself():
    for module, path in _modules():
        if module.split(".")[0] in CORE:
            outside = {name for name in _imports(path, module) if name.split(".")[0] not in (*CORE, "_validate")}
            assert not outside, f"{module} imports {sorted(outside)}: the core must not depend on the tools"


def test_nothing_but_the_command_line_imports_the_project_tools():
    for module, path in _modules():
        if module.split(".")[0] not in PROJECT_TOOLS:
            used = {name for name in _imports(path, module) if name.split(".")[0] in PROJECT_TOOLS}
            assert not used, f"{module} imports the project tools {sorted(used)}"


def test_no_module_finds_files_through_its_own_location():
    for module, path in _modules():
        assert "__file__" not in path.read_text(), f"{module} locates files from its own path"


def test_the_taught_forward_and_backward_hold_only_their_maths():
    # Checks run around them (scratchnn._validate, wrapped by Module and Loss); speed tricks live in _fast.
    import inspect

    for name in scratchnn.nn.__all__:
        cls = getattr(scratchnn.nn, name)
        if cls in (scratchnn.nn.Module, scratchnn.nn.Loss):  # the base classes: "implement forward" errors
            continue
        for method in ("forward", "backward"):
            if not (inspect.isclass(cls) and method in vars(cls)):
                continue
            source = inspect.getsource(vars(cls)[method])
            for word in ("raise", "_validate", "isinstance", "np.asarray", "out="):
                assert word not in source, f"{name}.{method} contains {word!r}"
