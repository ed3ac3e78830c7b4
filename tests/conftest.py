"""Shared fixtures: every test runs with its own HOME, no AWS or Pulumi settings and no git config."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    for key in list(os.environ):
        if key.startswith(("AWS_", "PULUMI_", "PLATFORM_", "GIT_")):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / ".aws" / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / ".aws" / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    yield home


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def _platform(args):
    from platform_cli.cli import main

    main(list(args))


@pytest.fixture
def run_cli():
    """Run `platform ARGS...` in-process through the real entry point (error handling included).

    Returns click's Result: exit_code, stdout, stderr (separate streams).
    """

    def run(*args: str, input: str | None = None):
        return CliRunner().invoke(_platform, list(args), input=input, catch_exceptions=False)

    return run


@pytest.fixture
def workspace(tmp_path):
    """A fresh workspace (platform init) with no spaces."""
    from platform_cli.workspace import WorkspaceContext, init_workspace

    root = tmp_path / "ws"
    init_workspace(root, org="acme")
    return WorkspaceContext.open(root)


@pytest.fixture
def payments(workspace):
    """A workspace with team space 'payments' (standard@1, dev=DE, prod=DE,FR,US)."""
    from platform_cli.spaces import CreateSpaceRequest, create_space

    create_space(workspace, CreateSpaceRequest(team="payments", blueprint="standard@1",
                                               envs=["dev=DE", "prod=DE,FR,US"], owners=["lead@example.com"],
                                               cost_center="CC-42", ci_repos=["acme/payments-api"]))
    return workspace


@pytest.fixture
def repo_copy(tmp_path):
    """A copy of blueprints/ to break on purpose."""
    dst = tmp_path / "blueprints"
    shutil.copytree(REPO / "blueprints", dst)
    return dst
