"""The study pages (landing page, study materials, milestones, resources) in the built site.

Each test opens one rendered page and checks the elements that make it what it is: the
package's own source on QUICK REFERENCE, the NGC command on LAB PREP, a passing gradient check
on QUICKSTART, every milestone linked, at least twelve FAQ questions, and so on. Pages must not
show a traceback, and every link between pages of the book must resolve.

The bibliography test reads ``book/references.bib`` directly and needs no build.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from pathlib import Path
from urllib.parse import urldefrag

import pytest
from bs4 import BeautifulSoup

STUDY_PAGES = [
    "intro",
    "study/quickstart",
    "study/prerequisites",
    "study/eli5",
    "study/study-guide",
    "study/quick-reference",
    "study/lab-prep",
    "study/troubleshooting",
    "study/faq",
    "study/milestones",
    "study/resources",
]
TOPICS = [
    "01-perceptron-to-mlp",
    "02-activation-functions",
    "03-loss-functions",
    "04-regularization",
    "05-normalization",
    "06-weight-initialization",
]
LABS = [
    "lab-1-numpy-mlp",
    "lab-2-activation-study",
    "lab-3-regularization",
    "lab-4-normalization",
    "lab-5-diagnostics",
    "lab-6-gpu-acceleration",
]
# Keys the other chapters cite; each must exist in the one bibliography file.
REQUIRED_BIB_KEYS = [
    "glorot2010", "he2015", "ioffe2015", "ba2016", "zhang2019", "srivastava2014",
    "hendrycks2016", "cybenko1989", "hornik1991", "nielsen2015", "cs231n",
]  # fmt: skip
NGC_COMMAND = "docker run --gpus all -it --rm nvcr.io/nvidia/pytorch:25.11-py3"
# The study pages that execute code (the landing page, study guide and milestones have their own tests).
EXECUTED_STUDY_PAGES = [
    "study/quickstart",
    "study/prerequisites",
    "study/eli5",
    "study/quick-reference",
    "study/lab-prep",
    "study/troubleshooting",
    "study/faq",
    "study/resources",
]
# Output lines longer than this scroll sideways in the page's code column.
MAX_OUTPUT_LINE = 90
# Text that only the machine which built the book has: absolute paths of checkouts, homes, venvs.
MACHINE_PATH = re.compile(r"(?:^|[\s'\"(])(?:/home/|/root/|/work/|/tmp/|/Users/|[A-Z]:\\)|\.venv|site-packages")


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------
def page_path(site: Path, page: str) -> Path:
    return site / "book" / f"{page}.html"


def soup_of(site: Path, page: str) -> BeautifulSoup:
    path = page_path(site, page)
    assert path.exists(), f"{page}: no built page at {path}"
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def article(soup: BeautifulSoup):
    """The page's main content (without the navigation, which lists every page)."""
    main = soup.find("article") or soup.find("main")
    assert main is not None, "page has no <article>/<main> element"
    return main


def text_of(node) -> str:
    return re.sub(r"\s+", " ", node.get_text(" "))


def glued_numbers(node) -> list[float]:
    """The numbers myst-nb pasted into the prose ({glue:text} renders as span.pasted-text)."""
    values = []
    for span in node.select("span.pasted-text"):
        try:
            values.append(float(span.get_text().replace(",", "")))
        except ValueError:
            continue
    return values


def heading_text(heading) -> str:
    """A heading's own text, without the "#" permalink Sphinx appends."""
    return "".join(
        part.get_text() if hasattr(part, "get_text") else str(part)
        for part in heading.contents
        if not (getattr(part, "name", None) == "a" and "headerlink" in part.get("class", []))
    ).strip()


def code_blocks(node) -> list[str]:
    return [pre.get_text() for pre in node.find_all("pre")]


def squash(code: str) -> str:
    """Code with all whitespace removed, so highlighting spans and indentation cannot matter."""
    return re.sub(r"\s+", "", code)


def internal_links(node) -> list[str]:
    links = []
    for a in node.find_all("a", href=True):
        href = a["href"]
        if href.startswith(("http://", "https://", "mailto:", "#", "javascript:")):
            continue
        links.append(href)
    return links


# --------------------------------------------------------------------------------------------------
# Every study page
# --------------------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("page", STUDY_PAGES)
def test_page_exists_without_tracebacks_or_errors(built_site, page):
    main = article(soup_of(built_site, page))
    text = text_of(main)
    assert "Traceback" not in text, f"{page} shows a traceback"
    for output in main.select("div.cell_output"):
        output_text = output.get_text()
        assert "Traceback" not in output_text and "Warning:" not in output_text, (
            f"{page}: a cell output shows an error or warning: {output_text[:300]!r}"
        )
    assert not main.select("div.output.stderr, div.output.error"), f"{page} has stderr/error outputs"


@pytest.mark.slow
@pytest.mark.parametrize("page", STUDY_PAGES)
def test_internal_links_resolve(built_site, page):
    path = page_path(built_site, page)
    main = article(soup_of(built_site, page))
    for href in internal_links(main):
        target, _ = urldefrag(href)
        if not target:
            continue
        resolved = (path.parent / target).resolve()
        assert resolved.exists(), f"{page}: link {href!r} points at a missing file {resolved}"


@pytest.mark.slow
@pytest.mark.parametrize("page", STUDY_PAGES)
def test_figures_have_alt_text(built_site, page):
    main = article(soup_of(built_site, page))
    for img in main.find_all("img"):
        assert img.get("alt", "").strip(), f"{page}: an image without alt text: {img.get('src', '')[:80]}"


# --------------------------------------------------------------------------------------------------
# One test per page: the elements that page exists for
# --------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_landing_page_has_outcomes_objectives_cards_and_how_to_use(built_site):
    main = article(soup_of(built_site, "intro"))
    text = text_of(main)
    # Objective IDs O1-O4: not 1.5.x, which names the topics and labs.
    for objective, level in [("O1", "Apply"), ("O2", "Understand"), ("O3", "Apply"), ("O4", "Analyze")]:
        row = next((tr for tr in main.find_all("tr") if tr.find("td") and tr.find("td").get_text().strip() == objective), None)
        assert row is not None, f"objectives table has no row {objective}"
        assert level in row.get_text(), f"objective {objective} should be at Bloom's level {level}"
    assert "12–15 hours" in text and "Week 5" in text and "Module 1.4" in text
    cards = main.select(".sd-card")
    assert len(cards) >= 6, f"expected a card grid, found {len(cards)} cards"
    card_links = " ".join(a["href"] for card in cards for a in card.find_all("a", href=True))
    for target in ("study/quickstart", "topics/01-perceptron-to-mlp", "labs/lab-1-numpy-mlp"):
        assert target in card_links, f"no card links to {target}"
    for how in ("Binder", "Colab", "make lab"):
        assert how in text, f"the how-to-use note does not mention {how}"


@pytest.mark.slow
def test_quickstart_gradient_check_passes_on_the_page(built_site):
    from scratchnn.checks import FINITE_DIFFERENCE_TOLERANCE

    main = article(soup_of(built_site, "study/quickstart"))
    text = text_of(main)
    assert "import numpy as np" in code_blocks(main)[0]
    assert "the gradient check passes" in text
    tolerance_paragraph = next(p for p in main.find_all("p") if "The largest elementwise relative error is" in p.get_text())
    max_error, tolerance = glued_numbers(tolerance_paragraph)[:2]
    # One pass mark across the book: the library's, not a number of the page's own.
    assert tolerance == FINITE_DIFFERENCE_TOLERANCE
    assert 0 <= max_error < tolerance
    # The page also shows scratchnn.nn.Linear computing the same numbers as the inline classes.
    assert "nn.Linear(3, 5" in " ".join(code_blocks(main))


@pytest.mark.slow
def test_prerequisites_have_checklist_and_hidden_answers(built_site):
    main = article(soup_of(built_site, "study/prerequisites"))
    text = text_of(main)
    assert text.count("☐") == 4, "one checklist item per skill"
    for skill in ("broadcasting", "chain rule", "Python classes", "loss curve"):
        assert skill.lower() in text.lower(), f"no section on {skill}"
    assert len(main.select("details.sd-dropdown")) >= 4, "each skill's answer sits behind a toggle"
    assert len(main.select(".tag_hide-output")) >= 4, "self-check outputs start hidden"
    assert "Run A is overfitting" in text and "Run B is healthy" in text  # written, and claimed in the chapter
    # Self-check 2(b): the two wrong candidates raise shape errors, shown executed, not described.
    outputs = " ".join(o.get_text() for o in main.select("div.cell_output"))
    assert outputs.count("raises ValueError") == 2, "the two wrong products should be shown failing"
    assert "(2, 3)" not in text and "(4, 4)" not in text
    assert len(main.select("figure img")) == 1, "the loss-curve quiz figure"


@pytest.mark.slow
def test_eli5_has_one_executed_figure_per_idea(built_site):
    main = article(soup_of(built_site, "study/eli5"))
    headings = [heading_text(h) for h in main.find_all("h2")]
    for idea in ("Activations", "Backpropagation", "Overfitting", "Normalization", "Initialization"):
        assert any(idea in h for h in headings), f"no ELI5 section on {idea}"
    figures = main.select("figure")
    assert len(figures) >= 5 and all(f.find("img") and f.find("figcaption") for f in figures)
    # The backpropagation figure draws gradients in #D55E00, which reads as orange: so does the text.
    backprop = next(f for f in figures if "chain of steps" in f.find("figcaption").get_text())
    assert "orange" in backprop.find("figcaption").get_text() and "red" not in backprop.get_text()
    assert "red numbers" not in text_of(main)


@pytest.mark.slow
def test_study_guide_has_roadmap_times_and_concept_map(built_site):
    main = article(soup_of(built_site, "study/study-guide"))
    table = next(t for t in main.find_all("table") if "What to do" in t.get_text())
    rows = {text_of(tr): tr for tr in table.find_all("tr")}
    lab_hours = {}
    for row_text, row in rows.items():
        for lab in LABS:
            if any(lab in a["href"] for a in row.find_all("a", href=True)):
                lab_hours[lab] = row_text.split("|")[-1] if "|" in row_text else row_text
    assert len(lab_hours) == 6, f"every lab is on the roadmap, found {sorted(lab_hours)}"
    assert lab_hours["lab-1-numpy-mlp"].strip().endswith("4 h")
    for lab in LABS[1:]:
        assert lab_hours[lab].strip().endswith("2 h"), f"{lab}: {lab_hours[lab]!r}"
    links = " ".join(a["href"] for a in table.find_all("a", href=True))
    for topic in TOPICS:
        assert topic in links, f"topic {topic} missing from the roadmap"
    assert any("concept map" in f.get_text().lower() for f in main.select("figure figcaption"))
    # The roadmap adds up its own times (book/_ext/roadmap.py): 14 h of labs by the module's estimate.
    budget = next(p for p in main.select(".roadmap p") if "Time budget" in p.get_text())
    assert "The labs take 14 h" in text_of(budget)


@pytest.mark.slow
def test_quick_reference_shows_the_packages_own_source(built_site):
    import scratchnn

    main = article(soup_of(built_site, "study/quick-reference"))
    shown = squash(" ".join(code_blocks(main)))
    for function in (
        scratchnn.nn.Linear.forward,
        scratchnn.nn.Linear.backward,
        scratchnn.nn.ReLU.backward,
        scratchnn.nn.Softmax.backward,
        scratchnn.nn.CrossEntropyLoss.backward,
        scratchnn.nn.MSELoss.backward,
    ):
        source = textwrap.dedent(inspect.getsource(function))
        assert squash(source) in shown, f"{function.__qualname__} source is not on the page"
    text = text_of(main)
    for needed in ("Batch size dependency", "Debugging checklist", "overfit a single batch"):
        assert needed.lower() in text.lower(), f"quick reference lacks {needed!r}"
    assert main.select("mjx-container msqrt"), "the formulas (typeset at build time) lack a square root"
    assert any("He std" in t.get_text() for t in main.find_all("table")), "no computed init table"
    # Kept open on a phone during the labs: no tab panes, and quoted lines short enough to read.
    assert not main.select(".sd-tab-set"), "code in tab panes is cut off on phones"
    longest = max((line for block in code_blocks(main) for line in block.splitlines()), key=len)
    assert len(longest) <= 72, f"quoted line of {len(longest)} characters: {longest!r}"


@pytest.mark.slow
def test_lab_prep_has_setup_commands_and_executed_checks(built_site):
    main = article(soup_of(built_site, "study/lab-prep"))
    code = " ".join(code_blocks(main))
    for command in (NGC_COMMAND, "make book", "make lab", "python -m scratchnn data", "torch.cuda.is_available()"):
        assert command in code, f"lab prep lacks {command!r}"
    assert "arm64" in text_of(main).lower()
    outputs = " ".join(o.get_text() for o in main.select("div.cell_output"))
    assert "train class counts match the published ones: True" in outputs
    assert "test class counts match the published ones:  True" in outputs
    assert "CUDA available:" in outputs
    # How scratchnn is installed, said in words that are the same on every machine.
    assert "installed editable" in outputs and "folder ending in code/src/scratchnn" in outputs


@pytest.mark.slow
def test_troubleshooting_reproduces_failures(built_site):
    main = article(soup_of(built_site, "study/troubleshooting"))
    seed_table = main.find("table")
    for symptom in ("torch.cuda.is_available()", "NaN", "barely decreases", "Kernel crashes", "ModuleNotFoundError"):
        assert symptom in seed_table.get_text(), f"common-issues table lacks {symptom!r}"
    outputs = " ".join(o.get_text() for o in main.select("div.cell_output"))
    assert "Training diverged at epoch" in outputs, "the NaN guard's error is not shown"
    assert "diagnosis: stalled" in outputs, "no stalled run"
    assert "diverging:" in outputs, "no diverging run"
    assert "sys.path" in text_of(main)
    # The learning-rate ranking rests on several seeds, and dead ReLUs are measured, not assumed.
    assert "per-seed gaps" in outputs and outputs.count("different") >= 3  # compare's table, paired by seed
    assert re.search(r"dead hidden units: [\d.]+% at lr 2, [\d.]+% at lr 0\.1", outputs)
    assert "installed editable" in outputs


@pytest.mark.slow
def test_faq_has_at_least_twelve_linked_questions(built_site):
    main = article(soup_of(built_site, "study/faq"))
    sections = [s for s in main.find_all("section") if s.find("h2") and heading_text(s.find("h2")).endswith("?")]
    assert len(sections) >= 12, f"only {len(sections)} questions"
    for section in sections:
        question = heading_text(section.find("h2"))
        links = internal_links(section)
        assert any("topics/" in href or "labs/" in href or href.endswith(".html") for href in links), (
            f"FAQ {question!r} links to no chapter"
        )
    # Gradient checking is worked through in the quickstart and lab 1 (topic 1.5.1 does not cover it).
    gradcheck = next(s for s in sections if "backward pass is right" in heading_text(s.find("h2")))
    links = internal_links(gradcheck)
    assert any("quickstart" in href for href in links) and any("lab-1-numpy-mlp" in href for href in links)
    assert not any("01-perceptron-to-mlp" in href for href in links)


@pytest.mark.slow
def test_milestones_are_a_checklist_for_the_learner(built_site):
    path = page_path(built_site, "study/milestones")
    main = article(soup_of(built_site, "study/milestones"))
    items = main.select(".learner-checklist > ul > li")
    assert len(items) == 7, "the module has seven milestones"
    for item in items:
        assert item.find("strong") and "You have it when" in text_of(item), f"no criterion: {text_of(item)}"
        links = [a["href"] for a in item.find_all("a", href=True)]
        assert all((path.parent / urldefrag(href)[0]).resolve().exists() for href in links)
    links = " ".join(a["href"] for item in items for a in item.find_all("a", href=True))
    for lab in LABS:
        assert lab in links, f"no milestone links {lab}"
    # The build's own status (execution times, gradient checks, GPU records) lives on the
    # maintainers' status page, not in the learner's checklist.
    text = text_of(main)
    assert "status" not in links and "✓" not in text and "Checked here" not in text
    assert not main.find("table")


@pytest.mark.slow
def test_resources_bibliography_and_next_steps(built_site):
    main = article(soup_of(built_site, "study/resources"))
    text = text_of(main).lower()  # the bibliography style writes titles in sentence case
    for title in (
        "Understanding the difficulty of training deep feedforward neural networks",
        "Delving Deep into Rectifiers",
        "Batch Normalization",
        "Layer Normalization",
        "Root Mean Square Layer Normalization",
        "Dropout: A Simple Way to Prevent Neural Networks from Overfitting",
        "Gaussian Error Linear Units",
        "Approximation by superpositions of a sigmoidal function",
        "Approximation capabilities of multilayer feedforward networks",
        "Neural Networks and Deep Learning",
        "CS231n",
    ):
        assert title.lower() in text, f"bibliography lacks {title!r}"
    assert "module 1.6: classical ml foundations" in text
    # scratchnn's names are PyTorch's; micrograd is cited for its spirit, not as the naming source.
    plain = text.replace("\u2019", "'")  # Sphinx turns ' into a typographic apostrophe
    assert "follows pytorch's naming" in plain
    assert "whose naming this book" not in plain


@pytest.mark.slow
@pytest.mark.parametrize("page", EXECUTED_STUDY_PAGES)
def test_page_plan_box_under_the_title(built_site, page):
    main = article(soup_of(built_site, page))
    following = main.find("h1").find_next_sibling()
    assert following is not None and "page-plan" in following.get("class", []), (
        f"{page}: the first thing under the title should be the plan box, found {str(following)[:120]!r}"
    )
    assert re.search(r"Before this page · about \d+ minutes", following.get_text()), f"{page}: {following.get_text()[:120]!r}"


@pytest.mark.slow
@pytest.mark.parametrize("page", EXECUTED_STUDY_PAGES)
def test_outputs_are_machine_independent_and_fit_the_column(built_site, page):
    main = article(soup_of(built_site, page))
    for output in main.select("div.cell_output pre"):  # printed text, not figure captions
        for line in output.get_text().splitlines():
            assert not MACHINE_PATH.search(line), f"{page}: an output shows a path of the build machine: {line!r}"
            assert len(line) <= MAX_OUTPUT_LINE, f"{page}: a {len(line)}-character output line: {line[:100]!r}"


# --------------------------------------------------------------------------------------------------
# No build needed
# --------------------------------------------------------------------------------------------------
def _cells(repo_root: Path, page: str):
    import jupytext

    notebook = jupytext.read(repo_root / "book" / f"{page}.md")
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _removed(cell) -> bool:
    return "remove-cell" in cell.metadata.get("tags", [])


def _names(source: str) -> tuple[set[str], set[str]]:
    """(names a cell binds at top level or anywhere, names it reads) from its Python source."""
    import ast

    bound, read = set(), set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            (bound if isinstance(node.ctx, ast.Store) else read).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound, read


@pytest.mark.parametrize("page", EXECUTED_STUDY_PAGES)
def test_visible_cells_are_learner_code_that_runs_alone(repo_root, page):
    """The chapter convention (README): plumbing only in remove-cell cells, which define nothing the
    visible cells use; figures are cells with caption and alt text in their mystnb metadata."""
    cells = _cells(repo_root, page)
    source = (repo_root / "book" / f"{page}.md").read_text(encoding="utf-8")
    assert "{glue:figure}" not in source, f"{page}: figures are cell outputs now, not glue:figure"
    bound_by_visible, bound_only_by_removed, read_by_visible = set(), set(), set()
    for cell in cells:
        bound, read = _names(cell.source)
        if _removed(cell):
            bound_only_by_removed |= bound
            continue
        for plumbing in ("glue(", "myst_nb", "perf_counter", "plt.show("):
            assert plumbing not in cell.source, f"{page}: a visible cell contains {plumbing!r}:\n{cell.source[:200]}"
        read_by_visible |= read - bound_by_visible
        bound_by_visible |= bound
        if "remove-input" not in cell.metadata.get("tags", []):  # the page shows this code
            long_lines = [line for line in cell.source.splitlines() if len(line) > MAX_OUTPUT_LINE]
            assert not long_lines, f"{page}: code lines that scroll sideways: {long_lines}"
        figure = cell.metadata.get("mystnb", {}).get("figure")
        if figure is not None:
            assert figure.get("caption") and figure.get("name"), f"{page}: a figure without caption or name"
            assert cell.metadata["mystnb"].get("image", {}).get("alt"), f"{page}: figure {figure['name']} lacks alt text"
    leaked = sorted((read_by_visible & bound_only_by_removed) - bound_by_visible)
    assert not leaked, f"{page}: visible cells read names defined only in remove-cell cells: {leaked}"


def test_bibliography_has_every_key_the_book_cites(repo_root):
    from pybtex.database import parse_file

    bib = parse_file(str(repo_root / "book" / "references.bib"))
    for key in REQUIRED_BIB_KEYS:
        assert key in bib.entries, f"references.bib lacks {key}"
    for key, entry in bib.entries.items():
        assert entry.fields.get("title"), f"{key} has no title"
        assert entry.fields.get("year", "").isdigit(), f"{key} has no year"
        assert entry.persons.get("author"), f"{key} has no author"
    cited = set()
    for chapter in (repo_root / "book").rglob("*.md"):
        for roles in re.findall(r"\{cite(?::[a-z]+)?\}`([^`]+)`", chapter.read_text(encoding="utf-8")):
            cited.update(key.strip() for key in roles.split(","))
    missing = sorted(cited - set(bib.entries))
    assert not missing, f"chapters cite keys that references.bib lacks: {missing}"


def test_the_roadmap_gives_each_page_the_time_of_its_own_banner():
    """One time per page: the study guide's roadmap says what the page's banner says (no build)."""
    book = Path(__file__).resolve().parents[2] / "book"
    guide = (book / "study" / "study-guide.md").read_text(encoding="utf-8")
    rows = re.findall(r'^(\S+): \["[^"]*", (\d+)\]$', guide, flags=re.MULTILINE)
    assert len(rows) > 15, rows
    for page, minutes in rows:
        source = (book / f"{page}.md").read_text(encoding="utf-8")
        found = re.search(r"Before this page · about (\d+) minutes", source)
        if found is None:
            found = re.search(r"\*\*Time:\*\* about (\d+) hours?", source)
            assert found, f"{page}: no time in its banner"
            banner = int(found.group(1)) * 60
        else:
            banner = int(found.group(1))
        assert int(minutes) == banner, f"{page}: the roadmap says {minutes} min, its banner {banner} min"
