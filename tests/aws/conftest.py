"""A moto server on 127.0.0.1 shared by the tests of this folder, started through the product."""

from __future__ import annotations

import shutil
import urllib.request

import pytest

from tests.isolation import isolate_workspace


@pytest.fixture(scope="session")
def cloud(tmp_path_factory):
    """The local cloud (moto's real server), started once; yields (local_dir, endpoint)."""
    from platform_cli.aws.local_cloud import local_down, local_up

    local_dir = tmp_path_factory.mktemp("cloud")
    status = local_up(local_dir)
    yield local_dir, status.endpoint
    local_down(local_dir)


@pytest.fixture
def fresh_cloud(cloud):
    """The shared moto server with every resource removed before the test."""
    local_dir, endpoint = cloud
    req = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 (loopback)
        assert resp.status == 200
    return endpoint


@pytest.fixture
def ws_on_cloud(workspace, cloud, fresh_cloud):
    """The fresh workspace pointed at the running local cloud (its record copied into .platform/)."""
    local_dir, _ = cloud
    workspace.local_dir.mkdir(exist_ok=True)
    shutil.copy(local_dir / "local-cloud.json", workspace.local_dir / "local-cloud.json")
    return workspace


@pytest.fixture
def boto(fresh_cloud):
    """boto3 clients on the local cloud, for reading results back."""
    from platform_cli.aws.clients import ClientProvider

    return ClientProvider.local(fresh_cloud, region="eu-central-1")


@pytest.fixture
def org_ws(ws_on_cloud):
    """The fresh workspace on the local cloud with an organization and the account-isolated blueprint isolated@1."""
    return isolate_workspace(ws_on_cloud)
