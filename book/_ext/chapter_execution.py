"""The one notebook executor of the repository: the build, ``make chapter`` and the tests use it.

:func:`execute` runs a notebook in a fresh kernel (nbclient), never raises on a failing cell, and
appends one line per execution to the log named by ``$CHAPTER_EXECUTION_LOG`` (``make test``'s
summary and ``make report`` count them: how many chapter executions, how long). With
``record_dependencies`` it also returns what the chapter really used: the files of the modules it
imported and the files it opened or listed (an audit hook installed silently before the first
cell), and whether it started a subprocess (which may use anything). ``execution_cache.py`` keys
each chapter's cached outputs on exactly those files.

:func:`execute_many` runs independent executions on all available cores (``$CHAPTER_WORKERS``
overrides): each kernel uses one BLAS thread (``kernel_threads.py``), so one kernel per core.

:func:`toc_chapters` lists the executed chapters (a ``kernelspec`` in their header) in ``_toc.yml``
order: no hard-coded chapter lists.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import nbformat
import yaml

LOG_VARIABLE = "CHAPTER_EXECUTION_LOG"
WORKERS_VARIABLE = "CHAPTER_WORKERS"

# Runs silently (no cell, no execution count) before the first cell when dependencies are recorded.
RECORD_PROLOGUE = """\
def __record_dependencies():
    import os, sys
    opened, listed, spawned = set(), set(), []
    def hook(event, args):
        if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
            opened.add(os.path.abspath(os.fsdecode(args[0])))
        elif event in ("os.listdir", "os.scandir") and isinstance(args[0], (str, bytes, os.PathLike)):
            listed.add(os.path.abspath(os.fsdecode(args[0])))
        elif event in ("subprocess.Popen", "os.system", "os.posix_spawn", "os.exec"):
            spawned.append(event)
    sys.addaudithook(hook)
    return opened, listed, spawned
__dependency_record = __record_dependencies()
del __record_dependencies"""
# Runs silently after the last cell: what the chapter used, written where the executor reads it.
RECORD_EPILOGUE = """\
def __write_dependencies(path):
    import json, sys
    opened, listed, spawned = __dependency_record
    modules = {getattr(module, "__file__", None) for module in list(sys.modules.values())}
    with open(path, "w") as out:
        json.dump({"files": sorted(opened | {m for m in modules if m}), "listed": sorted(listed),
                   "subprocess": bool(spawned)}, out)
__write_dependencies(PATH)"""


@dataclass
class Execution:
    """One executed notebook (executed in place)."""

    notebook: nbformat.NotebookNode
    seconds: float
    error: BaseException | None = None
    traceback: str | None = None  # the formatted exception, as myst-nb shows it
    # with record_dependencies: absolute paths the kernel imported from or opened; folders it listed
    files: list[str] = field(default_factory=list)
    listed: list[str] = field(default_factory=list)
    subprocess: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


def log_execution(kind: str, label: str, seconds: float, ok: bool) -> None:
    """Append one execution to ``$CHAPTER_EXECUTION_LOG`` (nothing when it is unset)."""
    path = os.environ.get(LOG_VARIABLE)
    if not path:
        return
    line = json.dumps({"kind": kind, "label": label, "seconds": round(seconds, 2), "ok": ok, "at": time.time()})
    with open(path, "a", encoding="utf-8") as log:  # one short write: lines from parallel writers stay whole
        log.write(line + "\n")


def read_log(path: Path, since: float = 0.0) -> list[dict]:
    if not path.is_file():
        return []
    entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [entry for entry in entries if entry["at"] >= since]


def summary(entries: list[dict]) -> str:
    """``N chapter executions, T s of kernel time`` and the same per kind (build, learner, ...)."""
    kinds: dict[str, list[float]] = {}
    for entry in entries:
        kinds.setdefault(entry["kind"], []).append(entry["seconds"])
    total = sum(sum(seconds) for seconds in kinds.values())
    lines = [f"{len(entries)} chapter executions, {total:.0f} s of kernel time in total"]
    lines += [f"  {kind:<10} {len(s):4d} executions {sum(s):8.0f} s" for kind, s in sorted(kinds.items())]
    return "\n".join(lines)


async def _run_silently(client, code: str) -> None:
    from jupyter_core.utils import ensure_async

    msg_id = await ensure_async(client.kc.execute(code, silent=True, store_history=False))
    reply = await client.async_wait_for_reply(msg_id)
    if reply is None or reply["content"]["status"] != "ok":
        raise RuntimeError(f"the dependency recorder failed in the kernel: {reply and reply['content']}")


def execute(
    notebook: nbformat.NotebookNode,
    *,
    cwd: Path | str,
    kind: str,
    label: str,
    timeout: int = 900,
    kernel_name: str = "python3",
    km=None,
    record_dependencies: bool = False,
) -> Execution:
    """Execute ``notebook`` in place in a fresh kernel started in ``cwd``; never raises on a cell error.

    ``kind`` and ``label`` name the execution in the log (e.g. ``build``, ``book/labs/lab-1``).
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    client = NotebookClient(
        notebook, timeout=timeout, kernel_name=kernel_name, km=km, allow_errors=False, record_timing=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    result = Execution(notebook, 0.0)
    record_path = None
    if record_dependencies:
        import tempfile

        handle, record_path = tempfile.mkstemp(prefix="chapter-dependencies-", suffix=".json")
        os.close(handle)

        async def prologue(**_):
            await _run_silently(client, RECORD_PROLOGUE)

        client.on_notebook_start = prologue
        notebook.cells.append(nbformat.v4.new_code_cell(RECORD_EPILOGUE.replace("PATH", repr(record_path))))
    started = time.perf_counter()
    try:
        client.execute(cwd=str(cwd))
    except (CellExecutionError, CellTimeoutError) as error:
        result.error, result.traceback = error, "".join(traceback.format_exc())
    except Exception as error:  # a dead kernel, a failed start: reported, not raised
        result.error, result.traceback = error, f"{type(error).__name__}: {error}"
    result.seconds = time.perf_counter() - started
    if record_path is not None:
        notebook.cells.pop()
        if result.ok:
            recorded = json.loads(Path(record_path).read_text() or "{}")
            result.files, result.listed = recorded.get("files", []), recorded.get("listed", [])
            result.subprocess = recorded.get("subprocess", False)
        os.unlink(record_path)
    log_execution(kind, label, result.seconds, result.ok)
    return result


def workers() -> int:
    """Kernels to run at once: ``$CHAPTER_WORKERS`` or one per available core."""
    configured = os.environ.get(WORKERS_VARIABLE)
    if configured:
        return max(1, int(configured))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return os.cpu_count() or 1


def execute_many(jobs: Iterable[Callable[[], object]], max_workers: int | None = None) -> list:
    """Run the callables (each typically one :func:`execute`) on ``max_workers`` threads, in order."""
    jobs = list(jobs)
    with ThreadPoolExecutor(max_workers=max_workers or workers()) as pool:
        return [future.result() for future in [pool.submit(job) for job in jobs]]


def toc_docnames(book_root: Path) -> list[str]:
    """Every page of ``_toc.yml`` (root first), in reading order."""
    toc = yaml.safe_load((book_root / "_toc.yml").read_text(encoding="utf-8"))
    names: list[str] = []

    def walk(entry) -> None:
        if isinstance(entry, dict):
            for key in ("root", "file"):
                if key in entry:
                    names.append(entry[key])
            for value in entry.values():
                if isinstance(value, list):
                    for item in value:
                        walk(item)

    walk(toc)
    return names


def is_executed(path: Path) -> bool:
    """A chapter the build executes: a notebook (``kernelspec`` in its jupytext header)."""
    return "\nkernelspec:" in path.read_text(encoding="utf-8")


def toc_chapters(book_root: Path) -> list[str]:
    """Docnames of the executed chapters in ``_toc.yml``, in reading order."""
    return [name for name in toc_docnames(book_root) if is_executed(book_root / f"{name}.md")]


def main(argv: list[str]) -> int:
    """``chapter_execution.py report [SINCE]``: the executions logged since the epoch time SINCE."""
    if not argv or argv[0] != "report" or len(argv) > 2:
        print("usage: chapter_execution.py report [SINCE_EPOCH_SECONDS]", file=sys.stderr)
        return 2
    path = os.environ.get(LOG_VARIABLE)
    if not path:
        print(f"${LOG_VARIABLE} is not set: nothing was logged", file=sys.stderr)
        return 2
    print(summary(read_log(Path(path), float(argv[1]) if len(argv) == 2 else 0.0)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
