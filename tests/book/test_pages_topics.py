"""The six topic chapters (1.5.1-1.5.6) as built: figures, glued numbers, exercises, and the claims.

Two kinds of checks on the full-book build (the ``built_site`` fixture):

* the rendered page: every figure has an image with alt text and a caption, every ``{glue:text}``
  role of the chapter's source rendered to its value (a number, or the glued phrase), the "check yourself" exercise is there with its
  answer in a closed dropdown, and no error output leaked onto the page;
* the executed notebook next to the site (``_build/jupyter_execute``): the numbers the prose relies
  on really say what the prose says (XOR defeats the perceptron, sigmoid gradients vanish, ...).
  These are the experiments' outcomes, so a change in the library that breaks a lesson fails here.
  ``CLAIMS`` holds them per chapter; ``test_launch_paths.py`` checks them at a second BLAS
  thread count (the JupyterLab run).
"""

from __future__ import annotations

import ast
import json
import math
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
TOPICS = "book/topics"

# Chapter -> number of figures it must show (cells with ``mystnb.figure`` metadata; see README).
FIGURES = {
    "01-perceptron-to-mlp": 4,
    "02-activation-functions": 2,
    "03-loss-functions": 3,
    "04-regularization": 4,
    "05-normalization": 3,
    "06-weight-initialization": 2,
}
CHAPTERS = sorted(FIGURES)

# A glued value in the prose: {glue:text}`name:spec`, or {eval}`f"{name:spec}"` / {eval}`name`, which the
# page renders the same way (book/_ext/eval_glue.py) and JupyterLab evaluates in the learner's kernel.
GLUE_TEXT_ROLE = re.compile(r"\{glue:text\}`([^`]+)`|\{eval\}`(?:f\"\{([^}]+)\}\"|([^`]+))`")
NUMBER = re.compile(r"^-?[\d,]*\.?\d+(e[+-]?\d+)?%?$")
FIGURE_METADATA = re.compile(r"^mystnb:\n  figure:\n", re.MULTILINE)


def page(built_site: Path, chapter: str) -> BeautifulSoup:
    html = built_site / TOPICS / f"{chapter}.html"
    assert html.is_file(), f"{html} was not built"
    return BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")


def article(soup: BeautifulSoup):
    body = soup.select_one("article.bd-article")
    assert body is not None, "page has no article body"
    return body


def glued_values_in(cells: list) -> dict:
    """Every value glued by an executed notebook's ``cells`` (``name -> Python value``)."""
    values = {}
    for cell in cells:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook", {})
            name = record.get("name")
            text = output.get("data", {}).get(record.get("mime_prefix", "") + "text/plain")
            if name is None or text is None:
                continue
            values[name] = parse_glued_text("".join(text) if isinstance(text, list) else text)
    return values


def parse_glued_text(text: str):
    """A glued value from the text IPython shows for it (``0.97``, ``'relu'``, ``nan``)."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return float(text) if text in ("nan", "inf", "-inf") else text


def glued_values(built_site: Path, chapter: str) -> dict:
    """Every value the chapter glued, read from its executed notebook next to the site."""
    notebook = built_site.parent / "jupyter_execute" / TOPICS / f"{chapter}.ipynb"
    assert notebook.is_file(), f"executed notebook {notebook} is missing"
    return glued_values_in(json.loads(notebook.read_text(encoding="utf-8"))["cells"])


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_figures_are_cell_outputs_with_caption_metadata(chapter):
    source = (REPO_ROOT / TOPICS / f"{chapter}.md").read_text(encoding="utf-8")
    assert "{glue:figure}" not in source, f"{chapter}: figures are cell outputs now, not glue:figure"
    assert len(FIGURE_METADATA.findall(source)) == FIGURES[chapter], f"{chapter}: figure cells"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_figure_has_an_image_alt_text_and_a_caption(built_site, chapter):
    figures = article(page(built_site, chapter)).select("figure")
    assert len(figures) == FIGURES[chapter], f"{chapter}: expected {FIGURES[chapter]} figures, got {len(figures)}"
    for figure in figures:
        image = figure.select_one("img")
        assert image is not None, f"{chapter}: figure {figure.get('id')} has no image"
        assert len(image.get("alt", "").split()) >= 8, f"{chapter}: figure {figure.get('id')} lacks real alt text"
        image_file = (built_site / TOPICS / image["src"]).resolve()
        assert image_file.is_file() and image_file.stat().st_size > 5_000, f"{chapter}: {image['src']} missing or empty"
        caption = figure.select_one("figcaption .caption-text")
        assert caption is not None and len(caption.get_text(strip=True)) > 20, f"{chapter}: figure without caption"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_glued_value_in_the_prose_is_rendered(built_site, chapter):
    source = (REPO_ROOT / TOPICS / f"{chapter}.md").read_text(encoding="utf-8")
    roles = ["".join(groups) for groups in GLUE_TEXT_ROLE.findall(source)]
    assert len(roles) >= 5, f"{chapter}: the prose glues only {len(roles)} values"
    values = glued_values(built_site, chapter)
    pasted = [span.get_text() for span in article(page(built_site, chapter)).select("span.pasted-text")]
    assert len(pasted) == len(roles), f"{chapter}: {len(roles)} glue roles in the source, {len(pasted)} on the page"
    for role, text in zip(roles, pasted):
        value = values[role.split(":")[0]]
        if isinstance(value, str):  # a glued phrase: a verdict, a setting's name, an outcome
            assert text == value, f"{chapter}: glue {role!r} rendered as {text!r}, glued {value!r}"
        else:
            assert NUMBER.match(text) or text in ("inf", "-inf", "nan"), f"{chapter}: glue {role!r} rendered as {text!r}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_check_yourself_has_an_exercise_with_a_hidden_answer(built_site, chapter):
    body = article(page(built_site, chapter))
    exercises = body.select("div.exercise")
    solutions = body.select("div.solution.dropdown")
    assert len(exercises) == 1, f"{chapter}: expected one exercise block, got {len(exercises)}"
    assert len(solutions) == 1, f"{chapter}: expected one solution in a dropdown, got {len(solutions)}"
    assert len(exercises[0].select("li")) >= 3, f"{chapter}: the exercise should ask at least three questions"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_page_shows_no_error_output(built_site, chapter):
    body = article(page(built_site, chapter))
    text = body.get_text()
    for marker in ("Traceback", "Error:", "Warning:"):
        assert marker not in text, f"{chapter}: {marker!r} appears on the page"
    assert not body.select(".output.stderr, .output.traceback, .output.error"), f"{chapter}: error output cell"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_states_its_execution_time(built_site, chapter):
    values = glued_values(built_site, chapter)
    key = f"t{chapter[1]}_seconds"
    assert key in values and values[key] > 0, f"{chapter}: no {key} glue"


# The claims each chapter's prose makes, as assertions on its glued values. They must hold on any
# CPU and BLAS thread count (tests/book/test_launch_paths.py runs them at a second one).
def perceptron_claims(v):
    assert v["t1_sep_acc"] == 1.0  # the rule converges on separable data
    assert v["t1_xor_perceptron_acc"] <= 0.75 and v["t1_xor_last_mistakes"] > 0  # ...but not on XOR
    assert v["t1_mlp_acc"] == 1.0  # a hidden layer solves XOR
    assert v["t1_uat_mse_w4"] < v["t1_uat_mse_w1"] / 100  # width buys accuracy
    assert v["t1_uat_wide_max"] < v["t1_uat_mse_w4"]  # ...and the wide nets all beat 4 units
    for size in ("big", "small"):  # L2 in plain SGD is weight decay, and AdamW decays the same
        assert v[f"t1_decay_sgd_{size}"] == pytest.approx(v[f"t1_decay_adamw_{size}"], abs=1e-9)
        assert v[f"t1_decay_sgd_momentum_{size}"] < v[f"t1_decay_sgd_{size}"]  # momentum piles it up
    assert v["t1_decay_sgd_big"] == pytest.approx(v["t1_decay_sgd_expected"], rel=1e-9)
    assert v["t1_decay_adam_big"] == pytest.approx(v["t1_decay_adam_small"], abs=0.05)  # λ hardly matters


def activation_claims(v):
    assert v["t2_sigmoid_max_grad"] == pytest.approx(0.25, abs=1e-3)
    assert v["t2_tanh_max_grad"] == pytest.approx(1.0, abs=1e-3)
    assert v["t2_gelu_max_grad"] == pytest.approx(1.129, abs=2e-3)
    assert v["t2_silu_max_grad"] == pytest.approx(1.100, abs=2e-3)
    assert v["t2_sigmoid_ratio"] < 1e-3  # vanishing gradients in the deep sigmoid network
    assert 0.1 < v["t2_relu_ratio"] < 10  # ...not with ReLU and He
    assert v["t2_exploding_ratio"] > 100  # exploding with weights twice He's
    assert v["t2_exploding_weight_ratio"] < 10 and v["t2_exploding_activation"] > 100  # the trap


def loss_claims(v):
    assert not math.isfinite(v["t3_naive_ce"]) and v["t3_stable_ce"] == pytest.approx(1000.0)
    assert not math.isfinite(v["t3_naive_bce"]) and v["t3_fused_bce"] == pytest.approx(40.0)
    assert v["t3_worst_ce_grad"] > 1.0 and v["t3_worst_mse_grad"] < 1e-3
    assert v["t3_acc_ce"] > v["t3_acc_mse_matched"] > v["t3_acc_mse"] + 0.1  # the 5x step explains most
    assert v["t3_matched_gap_min"] > 0  # cross-entropy ahead of the matched MSE on every seed
    assert v["t3_logcosh_gradcheck"] < v["t3_gradcheck_tolerance"]
    assert max(v["t3_clean_mse_huber"], v["t3_clean_mse_logcosh"]) < v["t3_clean_mse_mse"] / 2
    assert v["t3_clean_robust_max"] < v["t3_clean_mse_mse_min"] and v["t3_robust_ratio"] > 2


def regularization_claims(v):
    assert v["t4_sparsity_l1"] > 5 * max(v["t4_sparsity_l2"], v["t4_sparsity_none"])  # L1 is sparse
    assert 0.45 < v["t4_drop_zero_frac"] < 0.55 and v["t4_drop_survivor"] == 2.0  # inverted dropout
    assert v["t4_drop_mean"] == pytest.approx(1.0, abs=0.02)
    assert v["t4_es_epochs"] < v["t4_es_max_epochs"]  # early stopping stopped early
    assert v["t4_es_epochs"] > v["t4_es_best_epoch"]
    assert v["t4_es_last_loss"] > v["t4_es_best_loss"]
    assert v["t4_es_restored_loss"] == pytest.approx(v["t4_es_best_loss"], rel=1e-4)  # best weights back
    assert v["t4_aug_gain_min"] > 2 and v["t4_aug_p"] < 0.05  # augmentation helps on every seed


def normalization_claims(v):
    assert v["t5_bn_max_col_mean"] < 1e-4
    assert v["t5_running_final"] == pytest.approx(3.0, abs=0.3)  # running mean found the true mean
    assert v["t5_train_mode_change"] > 0.01 and v["t5_eval_mode_change"] == 0.0
    assert v["t5_pair_gap"] < 1e-4  # a batch of two normalizes to ±1
    assert v["t5_bn_batch_gap_min"] > 0 and v["t5_bn_batch_p"] < 0.05  # BatchNorm needs its batch
    assert v["t5_small_batch_gap_min"] > 0 and v["t5_small_batch_p"] < 0.05  # at batch 2, LayerNorm is ahead
    assert v["t5_acc_layernorm_2"] > v["t5_acc_layernorm_64"] - 0.01  # LayerNorm does not need one


def initialization_claims(v):
    assert 0.3 < v["t6_std_relu_he"] < 3  # He keeps ReLU activations at scale
    assert v["t6_std_relu_xavier"] < 0.1 * v["t6_std_relu_he"]
    assert v["t6_std_relu_large"] > 1e6 and v["t6_std_tanh_small"] < 1e-6
    assert v["t6_tanh_large_saturated"] > 0.5
    assert v["t6_acc_he"] > 0.8 and v["t6_acc_zero"] < 0.2
    assert v["t6_zero_moved"] == 1  # only the output bias learns...
    assert abs(v["t6_zero_loss"] - v["t6_label_entropy"]) < 0.002  # ...so the loss is the labels' entropy
    assert v["t6_sym_spread"] < v["t6_sym_tolerance"] < 1e-6 < v["t6_sym_moved"]  # float64: no rounding gap
    assert v["t6_sym_distinct"] == 1  # constant init: the hidden units never become different


CLAIMS = {
    "01-perceptron-to-mlp": perceptron_claims,
    "02-activation-functions": activation_claims,
    "03-loss-functions": loss_claims,
    "04-regularization": regularization_claims,
    "05-normalization": normalization_claims,
    "06-weight-initialization": initialization_claims,
}


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_claims(built_site, chapter):
    CLAIMS[chapter](glued_values(built_site, chapter))
