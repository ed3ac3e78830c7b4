"""Apply a space unit and a service unit to moto's server through the real Automation API,
read the result back with boto3, then destroy. Runs wherever `pulumi` is on PATH."""

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


def test_space_and_service_apply_read_back_and_destroy(local_cloud, tmp_path, run_cli):
    from platform_cli.engine import get_engine

    ws, endpoint = local_cloud
    r = run_cli("-w", str(ws.root), "bootstrap", "--json")
    assert r.exit_code == 0, r.stderr
    aws = ClientProvider.local(endpoint, region=REGION)
    engine = get_engine(ws)
    lines: list[tuple[str, str]] = []

    def on_event(unit: str, line: str) -> None:
        lines.append((unit, line))

    space = UnitTarget(space_unit("payments", "dev", REGION))
    preview = engine.preview(space, on_event)
    assert preview.summary.get("create", 0) > 5

    applied = engine.up(space, on_event)
    assert applied.summary.get("create", 0) == preview.summary["create"]
    assert any(unit == space.unit and line.startswith("created aws:ec2/vpc:Vpc") for unit, line in lines)
    vpc_id = applied.outputs["vpc_id"]
    vpc = aws("ec2").describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    assert vpc["CidrBlock"] == str(ws.space("payments").cidr("dev", REGION))
    tags = {t["Key"]: t["Value"] for t in vpc.get("Tags", [])}
    assert tags["platform:team"] == "payments" and tags["platform:env"] == "dev"
    assert engine.outputs(space)["vpc_id"] == vpc_id

    # nothing to change the second time
    again = engine.preview(space, on_event)
    assert set(again.summary) <= {"same"}

    service = api_service(tmp_path, REGION)
    deployed = engine.up(service, on_event)
    assert deployed.outputs["release"] == "1.0.0"
    cluster = deployed.outputs["cluster_name"]
    services = aws("ecs").describe_services(cluster=cluster, services=[deployed.outputs["service_name"]])["services"]
    assert [s["status"] for s in services] == ["ACTIVE"]
    secrets = aws("secretsmanager").list_secrets()["SecretList"]
    assert any("db" in s["Name"] for s in secrets)  # the binding's credentials live in Secrets Manager

    engine.destroy(service, on_event)
    engine.destroy(space, on_event)
    assert aws("ec2").describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Vpcs"] == []


def test_a_second_concurrent_update_of_the_same_unit_is_a_conflict(local_cloud):
    """Pulumi's own lock: two updates of one stack at once; the second is a ConflictError."""
    import threading

    from platform_cli.engine import get_engine
    from platform_cli.errors import ConflictError

    ws, _ = local_cloud
    engine = get_engine(ws)
    target = UnitTarget(space_unit("payments", "dev", REGION))
    started = threading.Event()
    errors: list[Exception] = []

    def first():
        try:
            engine.up(target, lambda unit, line: started.set())
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    t = threading.Thread(target=first)
    t.start()
    assert started.wait(300)
    with pytest.raises(ConflictError):
        engine.up(target, lambda unit, line: None)
    t.join()
    assert errors == []
    engine.destroy(target, lambda unit, line: None)
