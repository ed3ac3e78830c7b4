"""A service unit of an account-isolated environment destroyed from outside its account, through the real Automation
API against moto's server: the space's dev account is vended, the space unit and the service unit are applied into it
(their providers assume the platform role there), then the service unit is destroyed with the platform account's
credentials, which is `pulumi destroy --run-program` with the program that declares the unit's provider alone
(:mod:`platform_cli.accounts.destroying`). The resources are read back with boto3 in the vended account. Runs wherever
`pulumi` is on PATH; the same path with a fake stack is tested in ``tests/engine/test_destroy_across_accounts.py``."""

from __future__ import annotations

import shutil

import pytest

from platform_cli.aws.clients import ClientProvider
from platform_cli.planning.names import space_unit
from platform_cli.units import UnitTarget
from tests.integration.services import api_service

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("pulumi") is None, reason="pulumi CLI not on PATH"),
]

REGION = "eu-central-1"
ROLE = "OrganizationAccountAccessRole"


@pytest.fixture
def isolated_payments(workspace):
    """Space payments on an account-isolated blueprint, with the local cloud running (stopped afterwards)."""
    from platform_cli.aws.local_cloud import local_down, local_up
    from platform_cli.spaces import CreateSpaceRequest, create_space
    from platform_cli.workspace import WorkspaceContext
    from tests.isolation import isolate_workspace

    ws = isolate_workspace(workspace)
    create_space(ws, CreateSpaceRequest(team="payments", blueprint="isolated@1", envs=["dev=eu-central-1"],
                                        cost_center="CC-42", ci_repos=["acme/payments-api"]))
    status = local_up(ws.local_dir)
    try:
        yield WorkspaceContext.open(ws.root), status.endpoint
    finally:
        local_down(ws.local_dir)


def test_a_service_unit_in_its_account_is_destroyed_from_the_platform_account(isolated_payments, tmp_path, run_cli):
    from platform_cli.accounts.destroying import destroy_provider
    from platform_cli.accounts.vending import ensure_account
    from platform_cli.aws.clients import caller_identity
    from platform_cli.aws.organizations import assumed
    from platform_cli.engine import get_engine
    from platform_cli.workspace import WorkspaceContext

    ws, endpoint = isolated_payments
    r = run_cli("-w", str(ws.root), "bootstrap", "--json")
    assert r.exit_code == 0, r.stderr
    platform = ClientProvider.local(endpoint, region=REGION)
    account = ensure_account(ws, "payments", "dev", clients=platform).account_id
    ws = WorkspaceContext.open(ws.root)
    inside = assumed(platform, account, ROLE)  # what the units' providers do
    engine = get_engine(ws)
    lines: list[tuple[str, str]] = []

    def on_event(unit: str, line: str) -> None:
        lines.append((unit, line))

    space = UnitTarget(space_unit("payments", "dev", REGION))
    vpc_id = engine.up(space, on_event).outputs["vpc_id"]
    assert [v["VpcId"] for v in inside("ec2").describe_vpcs(VpcIds=[vpc_id])["Vpcs"]] == [vpc_id]  # in its account
    service = api_service(tmp_path, REGION)
    deployed = engine.up(service, on_event)
    cluster, name = deployed.outputs["cluster_name"], deployed.outputs["service_name"]
    assert [s["status"] for s in inside("ecs").describe_services(cluster=cluster, services=[name])["services"]] == ["ACTIVE"]

    # the engine's credentials are the platform account's, not the unit's account: the provider-only program is used
    caller = caller_identity(platform)["Account"]
    assert caller != account
    args = destroy_provider(ws, service.unit, local_endpoint=endpoint, caller_account=lambda: caller)
    assert args is not None and args["account_id"] == account
    assert args["assume_role_arn"] == f"arn:aws:iam::{account}:role/{ROLE}"
    destroyed = engine.destroy(service, on_event)
    assert destroyed.summary.get("delete", 0) > 0
    left = inside("ecs").describe_services(cluster=cluster, services=[name])["services"]
    assert all(s["status"] != "ACTIVE" for s in left)
    state = engine.export(service)
    assert state is None or not state["deployment"].get("resources")
    engine.destroy(space, on_event)
    assert inside("ec2").describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Vpcs"] == []
