"""The status page (maintainers' corner): execution statistics, the environment, the repeated milestone checks."""

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

GPU_RESULTS = Path(__file__).resolve().parents[2] / "book" / "results" / "gpu"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def status(built_site):
    return BeautifulSoup((built_site / "book" / "status.html").read_text(encoding="utf-8"), "html.parser")


def test_execution_table_lists_every_executed_chapter(status, repo_root):
    # Every chapter with a kernel (jupytext header) is executed by the build.
    executed = sorted(
        str(path.relative_to(repo_root).with_suffix(""))
        for path in (repo_root / "book").rglob("*.md")
        if "kernelspec:" in path.read_text(encoding="utf-8")
    )
    tables = status.find_all("table")
    exec_table = next(t for t in tables if "Run Time" in t.get_text())
    listed = sorted(link.get_text(strip=True) for link in exec_table.find_all("a"))
    assert executed and set(executed) <= set(listed)


def test_environment_names_versions_blas_cpu_and_threads(status):
    rows = {
        row.th.get_text(strip=True): row.td.get_text(strip=True)
        for row in status.select("table tr")
        if row.th is not None and row.td is not None
    }
    assert re.fullmatch(r"3\.11\.\d+ \(CPython\)", rows["Python"])
    assert rows["numpy"] == "2.4.6"
    assert rows["torch"].startswith("2.13.0") and "intra-op threads" in rows["torch"]
    assert rows["CPU"] and re.search(r"\d+ logical", rows["Cores"])
    assert any("blas" in value for value in rows.values()), "no BLAS library reported"


def test_status_repeats_the_milestone_checks(status):
    from scratchnn.bench import records

    table = status.select_one("table.build-checks")
    assert table is not None, "no table of the checks the build repeats"
    results = [row.find_all("td")[-1].get_text(strip=True) for row in table.select("tbody tr")]
    assert results[:2] == ["pass", "pass"], "the activation and normalization gradient checks"
    expected = "DGX Spark record present" if records.has_dgx_spark_record(GPU_RESULTS) else "no DGX Spark record yet"
    assert results[2] == expected
