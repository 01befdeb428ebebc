"""The repository's address: from GitHub Actions when the book is built there, else _config.yml.

Built by a workflow, the book names the repository the workflow runs in (``GITHUB_REPOSITORY``)
and the branch it built (``GITHUB_HEAD_REF`` for a pull request, else ``GITHUB_REF_NAME``), so a
fork publishes links to itself without editing anything. Built anywhere else, ``repository.url``
and ``repository.branch`` in _config.yml hold. Everything derived from the address reads the two
values this sets: the repository, edit and issue buttons, the Binder and Colab links, the Colab
setup cell (book/_ext/executed_notebooks.py) and the ``{{ repository_url }}`` substitution.
"""

from __future__ import annotations

import os

from sphinx.application import Sphinx
from sphinx.config import Config


def github_actions_repository(environ: dict[str, str]) -> tuple[str, str] | None:
    """``(url, branch)`` of the repository a GitHub Actions run builds, or None outside Actions."""
    if environ.get("GITHUB_ACTIONS") != "true" or not environ.get("GITHUB_REPOSITORY"):
        return None
    server = environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    branch = environ.get("GITHUB_HEAD_REF") or environ.get("GITHUB_REF_NAME") or "main"
    return f"{server}/{environ['GITHUB_REPOSITORY']}", branch


def apply_repository(app: Sphinx, config: Config) -> None:
    found = github_actions_repository(dict(os.environ))
    if found is None:
        return
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
