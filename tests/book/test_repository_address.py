"""book/_ext/repository_address.py: a clone of the real repository links to it, not to a placeholder."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import pytest

EXT = Path(__file__).resolve().parents[2] / "book" / "_ext" / "repository_address.py"
_spec = importlib.util.spec_from_file_location("repository_address", EXT)
address = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(address)


@pytest.mark.parametrize(
    "remote, url",
    [
        ("https://github.com/owner/book.git", "https://github.com/owner/book"),
        ("https://github.com/owner/book", "https://github.com/owner/book"),
        ("git@github.com:my-org/nn.book.git\n", "https://github.com/my-org/nn.book"),
        ("ssh://git@github.com/owner/book.git", "https://github.com/owner/book"),
        ("https://gitlab.com/owner/book.git", None),
        ("/srv/git/book.git", None),
        ("", None),
    ],
)
def test_only_a_github_remote_names_the_repository(remote, url):
    assert address.github_remote_url(remote) == url


def test_a_clone_names_its_origin_and_a_folder_without_one_names_nothing(tmp_path):
    assert address.origin_repository(tmp_path) is None  # not a git repository: _config.yml holds
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert address.origin_repository(tmp_path) is None  # no origin
    subprocess.run(["git", "-C", str(tmp_path), "remote", "add", "origin", "git@github.com:fork/book.git"], check=True)
    assert address.origin_repository(tmp_path) == "https://github.com/fork/book"
