"""MyST markdown -> the markdown a notebook renders: generated notebooks read like the page.

A chapter's markdown cells are MyST: ``{glue:text}`` roles, ``{literalinclude}``, admonitions,
exercises and solutions, cross-references. JupyterLab and Colab render none of that; they show the
directive text. :func:`notebook_markdown` turns one cell's MyST into plain CommonMark (+ HTML
``<details>`` for dropdowns, ``$...$`` maths, which both render):

- glue roles and directives become the computed value, formatted exactly as myst-nb formats it, and
  so do ``{eval}`` roles of a glued name (``{eval}`f"{name:.2%}"``` shows ``{glue:text}`name:.2%```);
- ``{literalinclude}`` becomes a fenced block with the included code (Sphinx's own reader, so
  ``:pyobject:``, ``:lines:``, ``:start-at:``, ``:dedent:`` ... select what the page shows);
- admonitions and exercises become block quotes with a bold title, solutions and dropdowns
  ``<details>`` blocks, tabs and cards their titled contents; a gated solution
  (``{solution-start}`` ... ``{solution-end}``, whose code cells run on the page) spans cells:
  :func:`split_at_solution_markers` finds its markers and book/_ext/exercise_cells.py turns it into
  the learner's attempt, the self-check and the closed solution;
- ``{ref}``/``{doc}``/``{numref}`` become links to the published site, ``{cite}`` a link to the
  bibliography page, ``{{ substitution }}`` its value; any other role its text;
- any other directive its title and converted body: no directive text is left behind.

Pure functions of the text and a :class:`PageContext`, so they are unit-tested without Sphinx
(tests/book/test_notebook_markdown.py); book/_ext/executed_notebooks.py builds the context.
"""

from __future__ import annotations

import ast
import base64
import re
from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

import yaml

GLUE_PREFIX = "application/papermill.record/"

# The info string of a fence that is a directive: ```{name} argument   or   :::{name} argument
DIRECTIVE_INFO = re.compile(r"^\{(?P<name>[\w:.+-]+)\}[ \t]*(?P<arg>.*)$")
# Blocks copied as written: code, maths and raw HTML (a role or directive inside them is text)
VERBATIM_BLOCKS = {"fence", "code_block", "math_block", "math_block_label", "amsmath", "html_block"}
DROPPED_BLOCKS = {"myst_target", "myst_line_comment", "front_matter", "myst_block_break"}
# The book's MyST syntax extensions (_config.yml's myst_enable_extensions; executed_notebooks passes them)
BOOK_EXTENSIONS = ("amsmath", "colon_fence", "dollarmath", "deflist", "html_image", "substitution")
OPTION = re.compile(r"^:(?P<key>[\w-]+):(?:[ \t]+(?P<value>.*))?$")
SUBSTITUTION = re.compile(r"\{\{\s*([\w.-]+)\s*\}\}")
ROLE_NAME = re.compile(r"\{(?P<name>[\w:.+-]+)\}")
EXPLICIT_TARGET = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)

ADMONITIONS = {
    "note", "tip", "hint", "important", "warning", "caution", "attention", "danger", "error",
    "seealso", "admonition", "topic", "sidebar", "margin", "epigraph", "pull-quote",
}
DROPDOWNS = {"dropdown", "solution"}
CODE_BLOCKS = {"code-block", "code", "sourcecode"}
DROPPED = {"toctree", "tableofcontents", "index", "raw"}


@dataclass
class PageContext:
    """What converting one page needs: its glue values, folders, and where links point."""

    glue: dict[str, dict] = field(default_factory=dict)  # name -> mime bundle (prefix stripped)
    source_dir: Path = Path(".")  # the chapter's folder ({literalinclude} paths are relative to it)
    substitutions: dict[str, str] = field(default_factory=dict)
    # label -> (url, title) for {ref}/{numref}; docname target -> (url, title) for {doc}
    resolve_label: Callable[[str], tuple[str, str] | None] = lambda label: None
    resolve_doc: Callable[[str], tuple[str, str] | None] = lambda target: None
    bibliography_url: str | None = None
    attachments: dict[str, dict] = field(default_factory=dict)  # images pasted into this cell
    myst_extensions: tuple[str, ...] = BOOK_EXTENSIONS


class ConversionError(ValueError):
    """A role or directive whose value cannot be produced (unknown glue name, missing file)."""


# --- glue ---------------------------------------------------------------------------------------


def glue_values(notebook) -> dict[str, dict]:
    """``name -> mime bundle`` of every ``glue(...)`` output in an executed notebook."""
    values = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            scrapbook = output.get("metadata", {}).get("scrapbook")
            if not scrapbook or "data" not in output:
                continue
            values[scrapbook["name"]] = {
                mime.removeprefix(GLUE_PREFIX): data for mime, data in output["data"].items()
            }
    return values


def format_plain_text(text: str, fmt_spec: str) -> str:
    """The text ``{glue:text}`name:fmt_spec``` shows: myst-nb 1.4's ``format_plain_text``."""
    try:
        value = ast.literal_eval(text)
    except (SyntaxError, ValueError):
        value = text
    if fmt_spec == "":
        return str(value)
    type_char = fmt_spec[-1]
    if type_char == "s":
        value = str(value)
    elif type_char in "bcdoxX":
        value = int(value)
    elif type_char in "eEfFgGn%":
        value = float(value)
    return format(value, fmt_spec)


# An {eval} role the book can show without a kernel: a glued name, or an f-string formatting one.
EVAL_EXPRESSION = re.compile(
    r"""^\s*(?:(?P<bare>[A-Za-z_]\w*)|f(?P<quote>["'])\{(?P<name>[A-Za-z_]\w*)(?::(?P<spec>[^{}"'!]*))?\}(?P=quote))\s*$"""
)


def eval_as_glue_text(expression: str) -> str:
    """The ``{glue:text}`` content that shows what ``{eval}`expression``` shows (``name`` or ``name:spec``).

    ``name`` and ``f"{name:spec}"`` are the forms the book evaluates without a kernel (from the
    glued value ``name``); anything else raises :class:`ConversionError` naming them.
    """
    match = EVAL_EXPRESSION.match(expression)
    if match is None:
        raise ConversionError(
            f"{{eval}}`{expression}`: the book shows an eval role from a glued value, so its expression "
            'must be a glued name or f"{name:format}"'
        )
    if match["bare"]:
        return match["bare"]
    return f"{match['name']}:{match['spec']}" if match["spec"] else match["name"]


def _glue_bundle(context: PageContext, key: str) -> dict:
    if "::" in key:
        raise ConversionError(f"glue from another document ({key!r}) is not supported in notebooks")
    if key not in context.glue:
        raise ConversionError(f"no glued value named {key!r} in the executed notebook")
    return context.glue[key]


def glue_text(context: PageContext, content: str) -> str:
    key, colon, fmt_spec = content.rpartition(":")
    if not colon:  # no format spec: myst-nb formats with "s"
        key, fmt_spec = content, "s"
    bundle = _glue_bundle(context, key)
    if "text/plain" not in bundle:
        raise ConversionError(f"glued value {key!r} has no text/plain representation")
    return format_plain_text(bundle["text/plain"], fmt_spec)


def glue_image(context: PageContext, key: str, alt: str = "") -> str:
    """A markdown image of a glued figure, carried as a cell attachment."""
    bundle = _glue_bundle(context, key)
    for mime in ("image/png", "image/jpeg", "image/svg+xml"):
        if mime in bundle:
            name = f"{key}.{mime.split('/')[1].split('+')[0]}"
            data = bundle[mime]
            if mime == "image/svg+xml":
                data = base64.b64encode("".join(data).encode()).decode()
            context.attachments[name] = {mime: data}
            return f"![{alt}](attachment:{name})"
    if "text/plain" in bundle:
        return bundle["text/plain"]
    raise ConversionError(f"glued value {key!r} has no image or text to show")


# --- inline roles -------------------------------------------------------------------------------


def _text_and_target(content: str) -> tuple[str | None, str]:
    match = EXPLICIT_TARGET.match(content)
    if match:
        return match["text"], match["target"]
    return None, content


def _link(text: str, url: str | None) -> str:
    return f"[{text}]({url})" if url else text


def render_role(name: str, content: str, context: PageContext) -> str:
    if name in ("glue:text",):
        return glue_text(context, content)
    if name == "eval":  # what the page shows (book/_ext/eval_glue.py): the glued value, formatted
        return glue_text(context, eval_as_glue_text(content))
    if name in ("glue", "glue:", "glue:any"):
        bundle = _glue_bundle(context, content)
        if "text/markdown" in bundle:
            return convert_inline("".join(bundle["text/markdown"]), context)
        return glue_image(context, content) if "text/plain" not in bundle else bundle["text/plain"]
    if name == "glue:md":
        key, _, _ = content.partition(":")
        bundle = _glue_bundle(context, key)
        return convert_inline("".join(bundle.get("text/markdown", bundle.get("text/plain", ""))), context)
    if name in ("ref", "numref", "any"):
        text, label = _text_and_target(content)
        resolved = context.resolve_label(label.strip().lower())
        if resolved is None:
            return text or label
        url, title = resolved
        return _link(text or title, url)
    if name == "doc":
        text, target = _text_and_target(content)
        resolved = context.resolve_doc(target.strip())
        if resolved is None:
            return text or target
        url, title = resolved
        return _link(text or title, url)
    if name.startswith("cite"):
        keys = ", ".join(key.strip() for key in content.split(","))
        return _link(f"[{keys}]", context.bibliography_url)
    if name in ("math", "eq"):
        return f"${content}$"
    if name == "kbd":
        return f"<kbd>{content}</kbd>"
    if name in ("code", "literal", "file", "samp", "command", "envvar", "option"):
        return f"`{content}`"
    # term, abbr, index, sub, sup, download, ...: the text a reader sees on the page
    text, _ = _text_and_target(content)
    if text is not None:
        return text
    return re.sub(r"\s*\(.*\)$", "", content) if name == "abbr" else content


# --- parsing: markdown-it-py tokens, as myst-parser configures them ---------------------------------


@lru_cache(maxsize=8)
def _parser(extensions: tuple[str, ...]):
    """The markdown-it parser myst-parser builds for Sphinx, with the book's syntax extensions."""
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    return create_md_parser(MdParserConfig(enable_extensions=set(extensions)), RendererHTML)


def _inline_events(tokens) -> deque:
    """The roles, substitutions and code spans myst-parser sees in ``tokens``, in order:
    ``(role name, content)``, ``("{{}}", key)`` for a substitution, ``("``", backticks)`` for a
    code span (whose text is never converted)."""
    events = deque()
    for token in tokens:
        for child in token.children or []:
            if child.type == "myst_role":
                events.append((child.meta["name"], child.content))
            elif child.type == "substitution_inline":
                events.append(("{{}}", child.content.strip()))
            elif child.type == "code_inline":
                events.append(("``", child.markup))
    return events


def convert_inline(text: str, context: PageContext, events: deque | None = None) -> str:
    """Replace the roles and substitutions of running text, as myst-parser reads it.

    ``events``: the roles, substitutions and code spans myst-parser found in ``text``, in order
    (default: parse ``text`` as inline text). The text is copied as written, except for each role
    and substitution the parser found, replaced where it stands; a code span is copied whole, so a
    role or substitution inside it stays text. One the parser found that cannot be placed is an error.
    """
    if events is None:
        events = _inline_events(_parser(context.myst_extensions).parseInline(text))
    out = []
    i = 0
    while i < len(text):
        expected = events[0] if events else (None, None)
        if text[i] == "{" and expected[0] not in (None, "``"):
            match = ROLE_NAME.match(text, i)
            if match and text.startswith("`", match.end()):
                ticks = re.match(r"`+", text[match.end():]).group(0)
                start = match.end() + len(ticks)
                end = text.find(ticks, start)
                if end != -1 and expected == (match["name"], text[start:end]):
                    events.popleft()
                    out.append(render_role(match["name"], text[start:end], context))
                    i = end + len(ticks)
                    continue
            sub = SUBSTITUTION.match(text, i)
            if sub and expected == ("{{}}", sub.group(1)):
                events.popleft()
                if sub.group(1) not in context.substitutions:
                    raise ConversionError(f"no substitution named {sub.group(1)!r} (myst_substitutions)")
                out.append(context.substitutions[sub.group(1)])
                i = sub.end()
                continue
        if text[i] == "`":
            ticks = re.match(r"`+", text[i:]).group(0)
            end = text.find(ticks, i + len(ticks)) if expected == ("``", ticks) else -1
            if end != -1:  # the code span the parser found: copied whole
                events.popleft()
                out.append(text[i:end + len(ticks)])
                i = end + len(ticks)
            else:  # backticks the parser read as text
                out.append(ticks)
                i += len(ticks)
            continue
        out.append(text[i])
        i += 1
    if events:
        raise ConversionError(f"could not place {events[0]!r} in {text[:80]!r}")
    return "".join(out)


# --- block directives ---------------------------------------------------------------------------


@dataclass
class Directive:
    name: str
    argument: str
    options: dict[str, str]
    body: str


def _split_options(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    options: dict[str, str] = {}
    if lines and lines[0].strip() == "---":  # a YAML block of options
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is not None:
            loaded = yaml.safe_load("\n".join(lines[1:end])) or {}
            options = {str(k): "" if v is None else str(v) for k, v in loaded.items()}
            lines = lines[end + 1:]
    else:
        while lines and OPTION.match(lines[0]):
            match = OPTION.match(lines[0])
            value = (match["value"] or "").strip()
            if value[:1] in ("'", '"'):  # MyST reads option values as YAML: quotes are not part of it
                value = str(yaml.safe_load(value))
            options[match["key"]] = value
            lines = lines[1:]
    while lines and not lines[0].strip():
        lines = lines[1:]
    return options, lines


def _quote(markdown: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in markdown.strip("\n").splitlines())


def _title(directive: Directive, default: str) -> str:
    return directive.argument.strip() or default


def read_literal(path: Path, options: dict[str, str]) -> str:
    """The lines ``{literalinclude}`` shows: Sphinx's own reader, options parsed as the directive does."""
    from types import SimpleNamespace

    from sphinx.directives.code import LiteralIncludeReader

    parsed: dict = {}
    for key, value in options.items():
        if key in ("dedent", "lineno-start", "tab-width"):
            parsed[key] = int(value) if value else None
        else:
            parsed[key] = value
    text, _ = LiteralIncludeReader(str(path), parsed, SimpleNamespace(source_encoding="utf-8-sig")).read()
    return text


def literal_include(directive: Directive, context: PageContext) -> str:
    path = (context.source_dir / directive.argument.strip()).resolve()
    if not path.is_file():
        raise ConversionError(f"{{literalinclude}} file not found: {path}")
    code = read_literal(path, directive.options)
    language = directive.options.get("language") or ("python" if path.suffix == ".py" else "")
    ticks = "````" if "```" in code else "```"
    block = f"{ticks}{language}\n{code.rstrip()}\n{ticks}"
    caption = directive.options.get("caption")
    return f"*{convert_inline(caption, context)}*\n\n{block}" if caption else block


def render_directive(directive: Directive, context: PageContext) -> str:
    name = directive.name

    def body() -> str:
        return convert(directive.body, context)

    if name in DROPPED:
        return ""
    if name == "literalinclude":
        return literal_include(directive, context)
    if name in CODE_BLOCKS:
        language = directive.argument.strip() or directive.options.get("language", "")
        return f"```{language}\n{directive.body.rstrip()}\n```"
    if name == "math":
        return f"$$\n{directive.body.strip()}\n$$"
    if name == "glue:math":
        return f"$$\n{_glue_bundle(context, directive.argument.strip()).get('text/latex', '')}\n$$"
    if name in ("glue:md",):
        bundle = _glue_bundle(context, directive.argument.strip())
        return convert("".join(bundle.get("text/markdown", bundle.get("text/plain", ""))), context)
    if name in ("glue", "glue:", "glue:any", "glue:figure"):
        image = glue_image(context, directive.argument.strip(), directive.options.get("alt", ""))
        caption = directive.body.strip()
        return f"{image}\n\n*{convert(caption, context).strip()}*" if caption else image
    if name in ("figure", "image"):
        alt = directive.options.get("alt", "")
        image = f"![{alt}]({directive.argument.strip()})"
        caption = directive.body.strip()
        return f"{image}\n\n*{convert(caption, context).strip()}*" if caption and name == "figure" else image
    if name == "exercise":
        title = "Exercise" + (f": {directive.argument.strip()}" if directive.argument.strip() else "")
        return _quote(f"**{title}**\n\n{body()}")
    if name in SOLUTION_MARKERS:  # a gated solution spans cells: executed_notebooks + exercise_cells
        return ""
    if name in DROPDOWNS or "dropdown" in directive.options.get("class", ""):
        default = "Solution" if name == "solution" else name.capitalize()
        summary = default if name == "solution" else _title(directive, default)
        return f"<details>\n<summary>{summary}</summary>\n\n{body()}\n\n</details>"
    if name == "bibliography":
        return _link("The references are listed on the book's page", context.bibliography_url) + "."
    if name == "nb-exec-table":
        return "*(The execution table is shown on the book's page.)*"
    if name == "roadmap":  # book/_ext/roadmap.py: a table built from _toc.yml
        return "*(The roadmap table is shown on the book's page.)*"
    if name in ADMONITIONS:
        default = {"seealso": "See also"}.get(name, name.capitalize())
        title = default if name != "admonition" else _title(directive, "Note")
        if name not in ("admonition", "topic", "sidebar") and directive.argument.strip():
            body_text = f"{directive.argument.strip()}\n{directive.body}"  # the argument starts the body
            return _quote(f"**{default}**\n\n{convert(body_text, context)}")
        return _quote(f"**{convert_inline(title, context)}**\n\n{body()}")
    if name in ("tab-set", "grid", "card-carousel"):
        return body()
    # tab-item, grid-item-card, card and any other directive: its title and its converted body
    parts = []
    title = directive.argument.strip()
    if title and name not in ("grid-item",):
        link = directive.options.get("link")
        if link and directive.options.get("link-type") == "doc":
            resolved = context.resolve_doc(link)
            link = resolved[0] if resolved else None
        elif link and directive.options.get("link-type") == "ref":
            resolved = context.resolve_label(link.lower())
            link = resolved[0] if resolved else None
        parts.append(f"**{_link(convert_inline(title, context), link)}**")
    parts.append(body())
    return "\n\n".join(part for part in parts if part.strip())


def _blocks(tokens) -> list[list]:
    """The top-level blocks of a token stream, each as its tokens (an opening token to its close)."""
    blocks, i = [], 0
    while i < len(tokens):
        j, depth = i + 1, tokens[i].nesting
        while depth > 0:
            depth += tokens[j].nesting
            j += 1
        blocks.append(tokens[i:j])
        i = j
    return blocks


def _directive(token) -> Directive | None:
    """The directive a fence token is (``{name}`` opens its info string), else None."""
    if token.type not in ("fence", "colon_fence"):
        return None
    match = DIRECTIVE_INFO.match(token.info.strip())
    if match is None:
        return None
    options, body = _split_options(token.content.splitlines())
    return Directive(match["name"], match["arg"], options, "\n".join(body))


def convert(markdown: str, context: PageContext) -> str:
    """The notebook markdown for one cell's MyST source.

    myst-parser's own markdown-it parser splits the cell into blocks: a directive (a fence whose
    info string is ``{name}``) is rendered, code, maths and HTML are copied as written, targets and
    comments dropped, and every other block is its source with its roles and substitutions
    replaced (only those the parser found: never one inside a code span or a code block).
    """
    lines = markdown.splitlines()
    out = []
    for block in _blocks(_parser(context.myst_extensions).parse(markdown)):
        first = block[0]
        if first.type in DROPPED_BLOCKS or first.map is None:
            continue
        source = "\n".join(lines[first.map[0]:first.map[1]])
        directive = _directive(first)
        if directive is not None:
            rendered = render_directive(directive, context)
        elif first.type in VERBATIM_BLOCKS:
            rendered = source
        elif first.type == "substitution_block":
            rendered = convert_inline(source, context)
        else:
            rendered = convert_inline(source, context, _inline_events(block))
        if rendered.strip():
            out.append(rendered.strip("\n"))
    return "\n\n".join(out)


SOLUTION_MARKERS = ("solution-start", "solution-end")


def split_at_solution_markers(markdown: str, extensions: tuple[str, ...] = BOOK_EXTENSIONS) -> list[tuple[str, str]]:
    """One cell's MyST cut at its top-level gated-solution markers, in order.

    ``("text", markdown)`` for the text between markers, ``("solution-start", label)`` and
    ``("solution-end", "")`` for the markers (a marker inside a code fence or a directive is text).
    """
    lines = markdown.splitlines()
    parts: list[tuple[str, str]] = []
    start = 0
    for block in _blocks(_parser(extensions).parse(markdown)):
        directive = _directive(block[0])
        if directive is None or directive.name not in SOLUTION_MARKERS:
            continue
        first, last = block[0].map
        parts += [("text", "\n".join(lines[start:first])), (directive.name, directive.argument.strip())]
        start = last
    parts.append(("text", "\n".join(lines[start:])))
    return [(kind, value) for kind, value in parts if kind != "text" or value.strip()]


def notebook_markdown(markdown: str, context: PageContext) -> tuple[str, dict[str, dict]]:
    """``(markdown, attachments)`` for one markdown cell (attachments: images pasted from glue)."""
    context.attachments = {}
    return convert(markdown, context), context.attachments
