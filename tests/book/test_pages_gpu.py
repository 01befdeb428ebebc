"""Checks of the built Lab 1.5.6 page (GPU acceleration) against the records committed in book/results/gpu.

Uses the session ``built_site`` fixture (tests/conftest.py): the html folder of the full strict build.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from scratchnn.bench import records

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
    # Where it looked, as a path relative to the chapter (never the building machine's absolute path).
    assert "Looked for GPU records (*.json) in ../results/gpu" in text
    assert str(REPO_ROOT) not in text
    for loaded in committed:
        assert loaded.path.name in text
    if any(records.is_dgx_spark_record(loaded.data) for loaded in committed):
        assert "No DGX Spark record" not in text
    else:
        notes = [_text(quote) for quote in page.select("blockquote")]  # plain Markdown: Colab shows it too
        assert any("No DGX Spark record has been committed yet" in note for note in notes), notes
        # Said once, plainly; the steps then say what to run and what to look for, not "no record" again.
        assert text.count("No DGX Spark record") == 1 and "no speedup can be computed" not in text
        assert text.count("Expected from the specification") >= 2 and "What to look for" in text


def test_recording_instructions_are_exact(page):
    target = page.find(id="lab6-record")
    assert target is not None, "the 'Record a GPU run' section (label lab6-record) is missing"
    section = target.find_parent("section")
    code = "\n".join(block.get_text() for block in section.select("pre"))
    code = re.sub(r" *\\\n *", " ", code)  # a command continued on the next line is one command
    for command in RECORD_COMMANDS:
        assert command in code, command


def test_live_cpu_table_covers_every_batch_size(page):
    rows = _live_cpu_rows(page)
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


def test_port_is_an_exercise_with_a_hidden_solution_and_a_self_check(page):
    text = _text(page)
    exercises = page.select("div.exercise")
    assert len(exercises) >= 3, "Lab 6 needs exercises like the other labs"
    solutions = page.select("div.solution")
    assert solutions and all("dropdown" in s.get("class", []) for s in solutions), "solutions must be hidden"
    hidden = " ".join(_text(s) for s in solutions)
    assert "def to_torch" in hidden and "def _linear_to_torch" in hidden, "the port is the exercise's solution"
    assert "def fastest_to_target" in hidden
    assert re.search(r"check_port\(to_torch\): (\d+) of \1 checks passed — all passed", text)
    for name in ("scratchnn_sgd_step", "torch_sgd_step", "speedups"):
        assert f"def {name}" in text, name
    # The code blocks are stacked, not squeezed into side-by-side grid columns.
    assert not [pre for pre in page.select(".sd-col pre")], "code in narrow grid columns"


def _live_cpu_rows(page):
    tables = [t for t in page.select("table") if "samples / s" in _text(t) and "time / step" in _text(t)]
    assert tables, "the live CPU benchmark table is missing"
    return [[_text(cell).strip() for cell in row.select("td")] for row in tables[0].select("tbody tr")]


def test_chosen_batch_size_is_the_fastest_to_target_of_the_live_table(page):
    rows = _live_cpu_rows(page)
    reached = {int(row[0]): float(row[3].split()[0]) for row in rows if row[3] != "—"}
    text = _text(page)
    if reached:
        fastest = min(reached, key=lambda size: (reached[size], size))
        # The table rounds to 3 significant figures; the page's own choice must be one of the tied fastest.
        tied = [size for size, seconds in reached.items() if seconds == reached[fastest]]
        match = re.search(r"fastest to \d+% validation accuracy: batch (\d+)", text)
        assert match and int(match.group(1)) in tied, (match and match.group(0), reached)
    else:
        assert "no batch size reached" in text
    assert "test accuracy: batch" not in text  # the batch size is never chosen on the test set
    assert re.search(r"throughput knee \(within 5 % of peak samples/s\): batch \d+", text)


def test_live_benchmark_says_which_device_it_ran_on(page):
    text = _text(page)
    import torch

    if torch.cuda.is_available():
        assert "torch.cuda.is_available() is True: the live benchmark runs on the CPU and on cuda" in text
    else:
        assert "torch.cuda.is_available() is False: no CUDA GPU is visible, so the live benchmark runs on the CPU only" in text


def test_outputs_fit_the_page(page):
    """What this lab prints fits a notebook's 72 columns (and so the page's output column at 1280 px).
    The port check's report is scratchnn.checks' format, checked with that module."""
    for block in page.select("div.cell_output pre"):
        if block.get_text().startswith("check_port("):
            continue
        for line in block.get_text().splitlines():
            assert len(line) <= 72, f"output line of {len(line)} characters: {line!r}"


def test_dgx_spark_facts_cite_nvidia_and_no_test_data_leaks(page):
    links = {a.get("href") for a in page.select("a")}
    assert "https://www.nvidia.com/en-us/products/workstations/dgx-spark/" in links
    assert "https://docs.nvidia.com/dgx/dgx-spark/hardware.html" in links
    text = _text(page)
    assert "TEST-DATA" not in text and "Traceback" not in text


def test_a_committed_record_shows_in_every_step(tmp_path):
    """Run the chapter where book/results/gpu holds a record (the TEST-DATA fixture, renamed to a GB10 so
    it counts as a DGX Spark record): the steps that say what to look for now show its numbers."""
    import json
    import subprocess
    import sys

    chapter = tmp_path / "book" / "labs" / "lab-6-gpu-acceleration.md"
    chapter.parent.mkdir(parents=True)
    chapter.write_text((REPO_ROOT / "book" / "labs" / chapter.name).read_text(encoding="utf-8"), encoding="utf-8")
    record = json.loads((REPO_ROOT / "tests" / "fixtures" / "gpu_records" / "TEST-DATA_not-a-measurement.json")
                        .read_text(encoding="utf-8"))
    record["environment"]["cuda"]["device_name"] = "NVIDIA GB10 (TEST-DATA)"
    for series in record["series"]:
        if series["device"] == "cuda":
            series["device_name"] = "NVIDIA GB10 (TEST-DATA)"
    (tmp_path / "book" / "results" / "gpu").mkdir(parents=True)
    (tmp_path / "book" / "results" / "gpu" / "fixture.json").write_text(json.dumps(record), encoding="utf-8")
    executed = tmp_path / "out.ipynb"
    done = subprocess.run([sys.executable, str(REPO_ROOT / "book" / "_ext" / "run_chapter.py"), str(chapter),
                           str(executed)], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    outputs = []
    for cell in json.loads(executed.read_text(encoding="utf-8"))["cells"]:
        for output in cell.get("outputs", []):
            outputs.append("".join(output.get("text", "")) + "".join(output.get("data", {}).get("text/markdown", "")))
    text = "\n".join(outputs)
    assert "No DGX Spark record" not in text and "`fixture.json`: NVIDIA GB10 (TEST-DATA), 2000-01-01 (DGX Spark)" in text
    assert "**`fixture.json`** — NVIDIA GB10 (TEST-DATA), float32" in text  # Step 3: the GPU table
    assert "**CPU vs GPU — `fixture.json`**" in text  # Step 4: the speedup table
    assert "NVIDIA GB10 (TEST-DATA), 2000-01-01, GPU float32:" in text  # Step 6: the choice
    assert re.search(r"GPU float32:\n  fastest to 97% validation accuracy: batch \d+", text), text
