"""The repository's address: from GitHub Actions, else from the clone's ``origin``, else _config.yml.

Built by a workflow, the book names the repository the workflow runs in (``GITHUB_REPOSITORY``)
and the branch it built (``GITHUB_HEAD_REF`` for a pull request, else ``GITHUB_REF_NAME``), so a
fork publishes links to itself without editing anything. Built from a clone whose ``origin``
remote is a GitHub repository (``git remote get-url origin``), the book names that repository, with
the branch of _config.yml (a local branch may not exist on GitHub). Built anywhere else,
``repository.url`` and ``repository.branch`` in _config.yml hold. Everything derived from the address reads the two
values this sets: the repository, edit and issue buttons, the Binder and Colab links, the Colab
setup cell (book/_ext/executed_notebooks.py) and the ``{{ repository_url }}`` substitution.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config


def github_actions_repository(environ: dict[str, str]) -> tuple[str, str] | None:
    """``(url, branch)`` of the repository a GitHub Actions run builds, or None outside Actions."""
    if environ.get("GITHUB_ACTIONS") != "true" or not environ.get("GITHUB_REPOSITORY"):
        return None
    server = environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    branch = environ.get("GITHUB_HEAD_REF") or environ.get("GITHUB_REF_NAME") or "main"
    return f"{server}/{environ['GITHUB_REPOSITORY']}", branch


GITHUB_REMOTE = re.compile(
    r"^(?:https://github\.com/|git@github\.com:|ssh://git@github\.com/)"
    r"(?P<owner>[A-Za-z0-9][A-Za-z0-9-]*)/(?P<name>[A-Za-z0-9._-]+?)(?:\.git)?/?$"
)


def github_remote_url(remote: str) -> str | None:
    """``https://github.com/owner/name`` for a GitHub remote address (https or ssh), else None."""
    found = GITHUB_REMOTE.match(remote.strip())
    return f"https://github.com/{found['owner']}/{found['name']}" if found else None


def origin_repository(root: Path) -> str | None:
    """The GitHub address of the clone's ``origin`` remote, or None (no git, no origin, not GitHub)."""
    try:
        remote = subprocess.run(
            ["git", "-C", str(root), "remote", "get-url", "origin"],
            capture_output=True, text=True, timeout=10, check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return github_remote_url(remote)


def apply_repository(app: Sphinx, config: Config) -> None:
    found = github_actions_repository(dict(os.environ))
    if found is None:
        url = origin_repository(Path(app.confdir))
        if url is None:
            return
        found = url, (config.html_theme_options or {}).get("repository_branch", "main")
    url, branch = found
    options = dict(config.html_theme_options or {})
    options["repository_url"] = url
    options["repository_branch"] = branch
    config.html_theme_options = options
    substitutions = dict(config.myst_substitutions or {})
    if "repository_url" in substitutions:
        substitutions["repository_url"] = url
        config.myst_substitutions = substitutions


def setup(app: Sphinx) -> dict:
    # Before the theme and myst-parser read the options (they do so at builder-inited or later).
    app.connect("config-inited", apply_repository, priority=100)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
