"""``{eval}`` in the prose: the page shows the glued value; JupyterLab, the learner's own kernel's.

jupyterlab-myst renders an inline ``{eval}`expression``` by evaluating the expression in the
notebook's kernel when its markdown cell runs, so a chapter opened from its ``.md`` (``make lab``,
Binder) shows the numbers of the learner's run, where ``{glue:text}`` shows only the role's text.
myst-nb evaluates ``{eval}`` only in its "inline" execution mode, which has no cache (the book
executes through jupyter-cache) and accepts bare names only. So this extension replaces myst-nb's
``eval`` role with one that reads glued values: the expression is a glued name or an f-string that
formats one, ``{eval}`f"{lab1_val_acc:.2%}"```, and the page shows exactly what
``{glue:text}`lab1_val_acc:.2%``` shows. In the learner's kernel ``scratchnn.book.glue`` binds each
glued name as a variable, so the same expression evaluates there. Any other expression is a build
warning (the strict build fails). The download and Colab notebooks bake the value in
(book/_ext/notebook_markdown.py), as for ``{glue:text}``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from myst_nb.core.variables import create_warning
from myst_nb.ext.glue.roles import PasteTextRole
from sphinx.application import Sphinx

sys.path.insert(0, str(Path(__file__).parent))
import notebook_markdown  # noqa: E402


class EvalFromGlue(PasteTextRole):
    """``{eval}`name``` / ``{eval}`f"{name:spec}"```: the glued ``name``, as ``{glue:text}`` shows it."""

    def run(self):
        try:
            self.text = notebook_markdown.eval_as_glue_text(self.text)
        except notebook_markdown.ConversionError as error:
            return [], [create_warning(str(error), self.document, self.line, subtype="eval")]
        return super().run()


def setup(app: Sphinx) -> dict:
    app.setup_extension("myst_nb")  # its eval role first, so this one replaces it
    app.add_role("eval", EvalFromGlue(), override=True)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
