"""Integration tests need the pulumi CLI; here they run against moto's server on 127.0.0.1."""

from __future__ import annotations

import shutil

import pytest

NO_PULUMI = "pulumi CLI not on PATH"


def pytest_collection_modifyitems(config, items):
    if shutil.which("pulumi") is not None:
        return
    skip = pytest.mark.skip(reason=NO_PULUMI)
    for item in items:
        if "integration" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def local_cloud(payments):
    """The payments workspace with its local cloud running (stopped afterwards)."""
    from platform_cli.aws.local_cloud import local_down, local_up

    status = local_up(payments.local_dir)
    try:
        yield payments, status.endpoint
    finally:
        local_down(payments.local_dir)
