"""Generated notebooks read like the page: the MyST -> notebook markdown converter and the Colab extras.

book/_ext/notebook_markdown.py and book/_ext/colab_setup.py on small inputs (no book build).
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

EXT = Path(__file__).resolve().parents[2] / "book" / "_ext"
sys.path.insert(0, str(EXT))
try:
    import colab_setup
    import executed_notebooks
    import notebook_markdown as nm
finally:
    sys.path.remove(str(EXT))

SITE = "https://o.github.io/r/"


def context(tmp_path: Path, **glue) -> nm.PageContext:
    return nm.PageContext(
        glue={name: {"text/plain": value} for name, value in glue.items()},
        source_dir=tmp_path / "book" / "labs",
        substitutions={"repository_url": "https://github.com/o/r"},
        resolve_label=lambda label: (f"{SITE}book/labs/lab-1.html#{label}", "Lab 1 curves")
        if label == "fig-lab1-curves" else None,
        resolve_doc=lambda target: (f"{SITE}book/study/{target.split('/')[-1]}.html", "Troubleshooting")
        if target.endswith("troubleshooting") else None,
        bibliography_url=f"{SITE}book/study/resources.html",
    )


def convert(text: str, ctx: nm.PageContext) -> str:
    markdown, _ = nm.notebook_markdown(textwrap.dedent(text).strip("\n"), ctx)
    return markdown


@pytest.mark.parametrize(
    "role, plain, shown",
    [
        ("acc:.2%", "0.97312", "97.31%"),
        ("n:,.0f", "60000", "60,000"),
        ("lr:.1e", "0.001", "1.0e-03"),
        ("ratio:g", "0.5", "0.5"),
        ("n:d", "12", "12"),
        ("name", "'relu'", "relu"),  # no spec: myst-nb formats with "s" after literal_eval
        ("gap:+.2%", "-0.0031", "-0.31%"),
    ],
)
def test_glue_text_roles_show_the_value_formatted_as_myst_nb_does(tmp_path, role, plain, shown):
    key = role.split(":")[0]
    ctx = context(tmp_path, **{key: plain})
    assert convert(f"Accuracy {{glue:text}}`{role}` here.", ctx) == f"Accuracy {shown} here."


def test_roles_inside_code_spans_and_code_blocks_stay_as_written(tmp_path):
    ctx = context(tmp_path, acc="0.5")
    text = """
    Write `{glue:text}`acc`` in the prose; it shows {glue:text}`acc:.0%`.

    ```text
    {glue:text}`acc`  and  ```{note}
    ```
    """
    assert convert(text, ctx) == (
        "Write `{glue:text}`acc`` in the prose; it shows 50%.\n\n```text\n{glue:text}`acc`  and  ```{note}\n```"
    )


def test_directives_and_roles_inside_code_stay_as_written(tmp_path):
    """myst-parser's tokens decide what is a directive or a role: one shown inside a code fence of
    any kind, an indented code block or a code span (even one holding backticks) is text."""
    code = textwrap.dedent("""
    `````md
    ````{note}
    ```{glue:text} acc
    ```
    ````
    `````

    ~~~
    :::{warning}
    {glue:text}`acc`
    :::
    ~~~

        {glue:text}`acc:.0%` in an indented code block
    """).strip("\n")
    spans = "``a `{glue:text}`acc` b`` and `{{ repository_url }}` stay;"
    prose = f"{spans} {{glue:text}}`acc:.0%` and {{{{ repository_url }}}} do not."
    assert nm.notebook_markdown(f"{code}\n\n{prose}", context(tmp_path, acc="0.5"))[0] == (
        f"{code}\n\n{spans} 50% and https://github.com/o/r do not.")


def test_included_code_keeps_its_blank_lines(tmp_path):
    source = tmp_path / "book" / "labs" / "two.py"
    source.parent.mkdir(parents=True)
    source.write_text("def a():\n    pass\n\n\ndef b():\n    pass\n")
    assert convert("```{literalinclude} two.py\n```", context(tmp_path)) == (
        "```python\ndef a():\n    pass\n\n\ndef b():\n    pass\n```")


def test_an_unknown_glue_name_is_an_error_naming_it(tmp_path):
    with pytest.raises(nm.ConversionError, match="no glued value named 'missing'"):
        convert("{glue:text}`missing:.2f`", context(tmp_path))


def test_literalinclude_becomes_the_code_sphinx_would_show(tmp_path):
    source = tmp_path / "code" / "layers.py"
    source.parent.mkdir(parents=True)
    source.write_text(
        "import numpy as np\n\n\nclass Linear:\n    def forward(self, x):\n        return x @ self.w\n\n"
        "    def backward(self, g):\n        return g\n\n\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n\n\n"
        "def softmax(x):\n    return x\n"
    )
    ctx = context(tmp_path)
    pyobject = """
    ```{literalinclude} ../../code/layers.py
    :pyobject: Linear.forward
    :dedent:
    ```
    """
    assert convert(pyobject, ctx) == "```python\ndef forward(self, x):\n    return x @ self.w\n```"
    between = """
    ```{literalinclude} ../../code/layers.py
    :start-at: "def sigmoid(x):"
    :end-before: "def softmax(x):"
    ```
    """
    assert convert(between, ctx) == "```python\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n```"
    assert convert("```{literalinclude} ../../code/layers.py\n:lines: 1\n```", ctx) == "```python\nimport numpy as np\n```"
    with pytest.raises(nm.ConversionError, match="not found"):
        convert("```{literalinclude} ../../code/missing.py\n```", ctx)


def test_exercises_solutions_and_admonitions_become_markdown(tmp_path):
    (tmp_path / "book" / "labs").mkdir(parents=True)
    (tmp_path / "book" / "labs" / "answer.py").write_text("def answer():\n    return 42\n")
    text = """
    :::{admonition} Before this page · about 30 minutes
    :class: page-plan
    You need: {doc}`../study/troubleshooting`. You will: train.
    :::

    ```{exercise}
    :label: lab1-ex-linear

    Write `MyLinear`.
    ```

    ````{solution} lab1-ex-linear
    :class: dropdown

    The book's version:

    ```{literalinclude} answer.py
    :pyobject: answer
    ```
    ````

    ```{warning}
    Slow on CPU.
    ```
    """
    assert convert(text, context(tmp_path)) == textwrap.dedent("""\
        > **Before this page · about 30 minutes**
        >
        > You need: [Troubleshooting](https://o.github.io/r/book/study/troubleshooting.html). You will: train.

        > **Exercise**
        >
        > Write `MyLinear`.

        <details>
        <summary>Solution</summary>

        The book's version:

        ```python
        def answer():
            return 42
        ```

        </details>

        > **Warning**
        >
        > Slow on CPU.""")


def test_solution_markers_are_found_at_the_top_level_only():
    text = textwrap.dedent("""
    Before.

    ```{solution-start} lab1-ex-linear
    :class: dropdown
    ```

    Forward keeps its input:

    ````md
    ```{solution-end}
    ```
    ````
    """).strip("\n")
    parts = nm.split_at_solution_markers(text)
    assert [kind for kind, _ in parts] == ["text", "solution-start", "text"]
    assert parts[1] == ("solution-start", "lab1-ex-linear")
    assert "{solution-end}" in parts[2][1]  # inside a code fence: text, not a marker


def gated_exercise_notebook() -> nbformat.NotebookNode:
    """A lab page's cells: an exercise, its gated solution (which must never run in the learner's
    notebook: it would write ran.txt), then a cell that uses the exercise's class."""
    new_md, new_code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    return nbformat.v4.new_notebook(cells=[
        new_code("import numpy as np\nfrom scratchnn.checks import check_relu\nfrom scratchnn.nn import ReLU"),
        new_md(
            "```{exercise}\n:label: ex-relu\n\nWrite `MyReLU`.\n```\n\n"
            "```{solution-start} ex-relu\n:class: dropdown\n```\n\nForward keeps the mask:"
        ),
        new_code(
            "from pathlib import Path\n\n\n"
            "class MyReLU:\n    def forward(self, x):\n        self.positive = x > 0\n"
            "        return np.where(self.positive, x, 0)\n\n"
            "    def backward(self, grad_output):\n        return grad_output * self.positive\n\n\n"
            "Path('ran.txt').write_text('the solution ran')\n"
            "assert check_relu(MyReLU).passed"
        ),
        new_md("The package's version: `scratchnn.nn.ReLU`.\n\n```{solution-end}\n```\n\nNow use it:"),
        new_code("yours = check_relu(MyReLU, verbose=False).passed\nrelu = MyReLU() if yours else ReLU()\n"
                 "print('yours' if yours else 'the book ReLU')"),
    ])


def test_a_gated_solution_becomes_an_attempt_a_self_check_and_a_closed_solution(tmp_path):
    readable = executed_notebooks.readable_notebook(gated_exercise_notebook(), context(tmp_path))
    kinds = [(cell.cell_type, cell.metadata.get("tags", [None])[0]) for cell in readable.cells]
    assert kinds == [("code", None), ("markdown", None), ("code", "attempt"), ("code", "self-check"),
                     ("markdown", "solution"), ("markdown", None), ("code", None)]
    attempt, check, solution = (readable.cells[i].source for i in (2, 3, 4))
    assert attempt == (
        "# Your attempt (the exercise above): replace each NotImplementedError with your code.\n"
        "from pathlib import Path\n\n\n"
        "class MyReLU:\n"
        "    def forward(self, x):\n"
        '        raise NotImplementedError("MyReLU.forward: not written yet (see the exercise above)")\n\n'
        "    def backward(self, grad_output):\n"
        '        raise NotImplementedError("MyReLU.backward: not written yet (see the exercise above)")'
    )
    assert check == "result = check_relu(MyReLU)"
    assert solution.startswith("<details>\n<summary>Solution: click to open it, after your own attempt</summary>\n\n"
                               "Forward keeps the mask:\n\n```python\nfrom pathlib import Path")
    assert solution.endswith("The package's version: `scratchnn.nn.ReLU`.\n\n</details>")
    assert readable.cells[5].source == "Now use it:"
    nbformat.validate(readable)


def test_run_all_of_the_learners_notebook_never_runs_the_solution_and_runs_through(tmp_path):
    """nbclient's "run all" on the generated notebook, attempt left as it comes: every cell runs, the
    self-check reports instead of raising, the later cell falls back, and the solution never ran."""
    from nbclient import NotebookClient

    readable = executed_notebooks.readable_notebook(gated_exercise_notebook(), context(tmp_path))
    NotebookClient(readable, timeout=120, kernel_name="python3", allow_errors=False).execute(cwd=str(tmp_path))
    assert not (tmp_path / "ran.txt").exists()
    check_output = "".join(out.get("text", "") for out in readable.cells[3].outputs)
    assert "NotImplementedError" in check_output and "MyReLU.forward: not written yet" in check_output
    assert readable.cells[6].outputs[0]["text"] == "the book ReLU\n"


def test_a_later_cell_using_what_only_a_solution_defines_is_an_error(tmp_path):
    notebook = gated_exercise_notebook()
    notebook.cells[2].source += "\nloss_fn = 'defined only in the solution'"
    notebook.cells.append(nbformat.v4.new_code_cell("print(loss_fn)"))
    with pytest.raises(nm.ConversionError, match="uses loss_fn, which only a solution defines"):
        executed_notebooks.readable_notebook(notebook, context(tmp_path))


def test_cell_ids_follow_the_content_so_a_rebuild_changes_only_what_changed(tmp_path):
    def ids(cells):
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
        return [cell.id for cell in executed_notebooks.readable_notebook(notebook, context(tmp_path)).cells]

    first, again, edited = ids(["a = 1", "b = 2", "a = 1"]), ids(["a = 1", "b = 2", "a = 1"]), ids(["a = 1", "b = 3", "a = 1"])
    assert first == again and len(set(first)) == 3  # a repeated cell gets its own id
    assert [x == y for x, y in zip(first, edited)] == [True, False, True]


def test_references_citations_substitutions_and_targets(tmp_path):
    text = """
    (my-target)=
    % a MyST comment
    See {ref}`the curves <fig-lab1-curves>`, {ref}`fig-lab1-curves`, {ref}`no-such-label`,
    {cite}`he2015, glorot2010`, {term}`epoch` and {math}`x^2`; clone {{ repository_url }}.
    """
    assert convert(text, context(tmp_path)) == (
        f"See [the curves]({SITE}book/labs/lab-1.html#fig-lab1-curves), "
        f"[Lab 1 curves]({SITE}book/labs/lab-1.html#fig-lab1-curves), no-such-label,\n"
        f"[[he2015, glorot2010]]({SITE}book/study/resources.html), epoch and $x^2$; clone https://github.com/o/r."
    )


def test_unknown_directives_leave_their_title_and_content_not_their_syntax(tmp_path):
    text = """
    ::::{tab-set}
    :::{tab-item} NumPy
    `np.dot`
    :::
    :::{tab-item} PyTorch
    `torch.mm`
    :::
    ::::

    ```{some-new-directive} Title
    :option: x

    Body with {glue:text}`n`.
    ```
    """
    assert convert(text, context(tmp_path, n="3")) == (
        "**NumPy**\n\n`np.dot`\n\n**PyTorch**\n\n`torch.mm`\n\n**Title**\n\nBody with 3."
    )


def test_glued_figures_left_in_prose_become_attached_images(tmp_path):
    ctx = context(tmp_path)
    ctx.glue["fig"] = {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}
    ctx.glue["n"] = {"text/plain": "7"}
    markdown, attachments = nm.notebook_markdown(
        "```{glue:figure} fig\n:alt: A curve\n\nThe caption, {glue:text}`n`.\n```", ctx
    )
    assert markdown == "![A curve](attachment:fig.png)\n\n*The caption, 7.*"
    assert attachments == {"fig.png": {"image/png": "iVBORw0KGgo="}}


def test_readable_notebook_drops_removed_cells_bakes_glue_and_captions_figures(tmp_path):
    glue_output = nbformat.v4.new_output(
        "display_data",
        data={"application/papermill.record/text/plain": "0.9731"},
        metadata={"scrapbook": {"name": "acc", "mime_prefix": "application/papermill.record/"}},
    )
    figure_cell = nbformat.v4.new_code_cell(
        "curves(history)",
        metadata={"mystnb": {"figure": {"caption": "Loss ({glue:text}`acc:.1%` at the end).\n"},
                             "image": {"alt": "Two curves"}}},
        outputs=[nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="})],
    )
    executed = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("from scratchnn.book import glue", metadata={"tags": ["remove-cell"]}),
            nbformat.v4.new_code_cell("acc = 0.9731"),
            nbformat.v4.new_code_cell("glue('acc', acc, display=False)", metadata={"tags": ["remove-cell"]},
                                      outputs=[glue_output]),
            nbformat.v4.new_markdown_cell("Accuracy {glue:text}`acc:.2%`."),
            figure_cell,
        ],
        metadata={"jupytext": {"formats": "md:myst"}},
    )
    readable = executed_notebooks.readable_notebook(executed, context(tmp_path))
    assert [cell.source for cell in readable.cells] == [
        "acc = 0.9731", "Accuracy 97.31%.", "curves(history)", "*Figure: Loss (97.3% at the end).*",
    ]
    assert readable.cells[2].metadata["mystnb"]["image"]["alt"] == "Two curves"
    assert "jupytext" not in readable.metadata
    nbformat.validate(readable)


@pytest.fixture
def package(tmp_path: Path) -> tuple[Path, Path]:
    """A package with extras on distributions installed here (matplotlib, pooch)."""
    src = tmp_path / "src" / "pkg"
    src.mkdir(parents=True)
    (src / "__init__.py").write_text("from .core import g\n")
    (src / "core.py").write_text(
        "import numpy as np\n\n\ndef g():\n    return np.zeros(1)\n\n\n"
        "def f():\n    from .draw import plot\n    return plot()\n"
    )
    (src / "draw.py").write_text("def plot():\n    import matplotlib.pyplot as plt\n    return plt\n")
    (src / "data.py").write_text("import platformdirs\n")
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "pkg"\nversion = "0"\ndependencies = ["numpy"]\n'
        '[project.optional-dependencies]\nplots = ["matplotlib"]\ndata = ["pooch"]\n'
    )
    return src, pyproject


@pytest.mark.parametrize(
    "code, extras",
    [
        ("import numpy as np\nfrom pkg import g", []),  # numpy is a base dependency
        ("from pkg.core import f", ["plots"]),  # f imports draw lazily, draw imports matplotlib lazily
        ("import pkg.core as core\ncore.f()", ["plots"]),
        ("import pkg.core as core\ncore.g()", []),
        ("from pkg import data", ["data"]),  # platformdirs comes with pooch only
        ("import matplotlib.pyplot as plt\n%matplotlib inline", ["plots"]),
        ("import ipywidgets", []),  # no extra provides it
    ],
)
def test_setup_cell_extras_follow_what_the_code_can_import(package, code, extras):
    src, pyproject = package
    assert colab_setup.required_extras([code], src, pyproject) == extras


def test_setup_cell_is_valid_python_for_every_extras_choice():
    for extras in ([], ["plots"], ["plots", "train"]):
        source = colab_setup.setup_cell_source(
            url="https://github.com/o/r.git", branch="main", package_dir="code", extras=extras, chapter_dir="book/labs"
        )
        compile(source, "setup", "exec")
        assert 'Path.home() / "r"' in source


@pytest.mark.parametrize(
    "expression, shown",
    [('f"{acc:.2%}"', "97.31%"), ("f'{acc:.1f}'", "1.0"), ("acc", "0.97312"), ('f"{acc}"', "0.97312")],
)
def test_eval_roles_of_a_glued_name_show_what_glue_text_shows(tmp_path, expression, shown):
    assert convert(f"Accuracy {{eval}}`{expression}`.", context(tmp_path, acc="0.97312")) == f"Accuracy {shown}."


@pytest.mark.parametrize("expression", ["acc * 100", 'f"{acc:.2%} and {n}"', "history.val_acc[-1]", 'f"{acc!r}"'])
def test_an_eval_role_the_book_cannot_show_from_glue_is_an_error_naming_the_forms(tmp_path, expression):
    with pytest.raises(nm.ConversionError, match='must be a glued name or f"{name:format}"'):
        convert(f"{{eval}}`{expression}`", context(tmp_path, acc="0.5", n="3"))
