"""Checks of the built Lab 1.5.6 page (GPU acceleration) against the records committed in book/results/gpu.

Uses the session ``built_site`` fixture (tests/conftest.py): the html folder of the full strict build.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from scratchnn import records

REPO_ROOT = Path(__file__).resolve().parents[2]
PAGE = Path("book/labs/lab-6-gpu-acceleration.html")
RECORD_COMMANDS = [
    'docker run --gpus all -it --rm -v "$PWD":/work -w /work nvcr.io/nvidia/pytorch:25.11-py3',
    "pip install -e code --no-deps",
    "python -m scratchnn data",
    "python -m scratchnn bench gpu --device cuda --bf16 --out book/results/gpu",
    "git add book/results/gpu/*.json",
]


@pytest.fixture(scope="module")
def page(built_site):
    return BeautifulSoup((built_site / PAGE).read_text(encoding="utf-8"), "html.parser")


@pytest.fixture(scope="module")
def committed():
    return records.load_records(REPO_ROOT / "book" / "results" / "gpu")


def _text(node):
    return re.sub(r"\s+", " ", node.get_text(" "))


def test_page_states_which_gpu_records_it_renders(page, committed):
    text = _text(page)
    if committed:
        assert "No GPU record yet" not in text
        for loaded in committed:
            assert loaded.path.name in text
    else:
        notes = [_text(a) for a in page.select("div.admonition.important")]
        assert any("No GPU record yet" in note and "no GPU numbers" in note for note in notes), notes
        assert "no speedup can be computed yet" in text
        assert "no DGX Spark record is committed yet, so its optimal batch size is not determined" in text


def test_recording_instructions_are_exact(page):
    target = page.find(id="lab6-record")
    assert target is not None, "the 'Record a GPU run' section (label lab6-record) is missing"
    section = target.find_parent("section")
    code = "\n".join(block.get_text() for block in section.select("pre"))
    for command in RECORD_COMMANDS:
        assert command in code, command


def test_live_cpu_table_covers_every_batch_size(page):
    tables = [t for t in page.select("table") if "samples / s" in _text(t) and "time / step" in _text(t)]
    assert tables, "the live CPU benchmark table is missing"
    rows = [[_text(cell).strip() for cell in row.select("td")] for row in tables[0].select("tbody tr")]
    assert [row[0] for row in rows] == ["64", "128", "256", "512", "1024", "2048"]
    for row in rows:
        assert re.fullmatch(r"[\d.]+(e-?\d+)? s", row[1]), row  # seconds per epoch, a real measurement
        assert float(row[2].replace(",", "")) > 0


def test_figures_have_alt_text_and_captions(page):
    figures = page.select("figure")
    assert figures, "no figure on the page"
    for figure in figures:
        image = figure.find("img")
        assert image is not None and len(image.get("alt", "")) > 40, image
        assert _text(figure.find("figcaption")).strip()


def test_port_sources_are_shown_side_by_side(page):
    text = _text(page)
    for name in ("scratchnn_sgd_step", "torch_sgd_step", "_linear_to_torch", "_linear_from_torch",
                 "optimal_batch_size", "speedups"):
        assert f"def {name}" in text, name
    assert "largest logit difference" in text


def test_dgx_spark_facts_cite_nvidia_and_no_test_data_leaks(page):
    links = {a.get("href") for a in page.select("a")}
    assert "https://www.nvidia.com/en-us/products/workstations/dgx-spark/" in links
    assert "https://docs.nvidia.com/dgx/dgx-spark/hardware.html" in links
    text = _text(page)
    assert "TEST-DATA" not in text and "Traceback" not in text
