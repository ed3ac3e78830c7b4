"""space status without a cloud: units from the history, outputs from the journal, drift from an engine."""

from __future__ import annotations

import pytest

from platform_cli.errors import NotFoundError, SpecError
from platform_cli.lifecycle.orphans import describe, find_orphans, parse_arn, state_ids
from platform_cli.lifecycle.status import space_status
from platform_cli.aws.inventory import CloudResource
from platform_cli.deploy import apply_space


class DriftEngine:
    """drift and export as the Pulumi engine answers them; DRIFT maps unit -> change summary (None: no stack)."""

    def __init__(self, drift, exports=None):
        self.drift_of, self.exports, self.asked = drift, exports or {}, []

    def drift(self, target, on_event):
        self.asked.append(target.unit)
        return self.drift_of.get(target.unit, {"same": 3})

    def export(self, target):
        return self.exports.get(target.unit)


def test_units_show_history_outputs_and_drift(payments, engine, quiet, aws):
    engine.outputs = lambda unit: {"vpc_id": "vpc-" + unit.split("/")[-1], "password": "hidden"}
    apply_space(payments, "payments", "dev", engine=engine, progress=quiet, clients=aws)
    drift = DriftEngine({"space/payments/dev/eu-central-1": {"same": 10, "update": 2, "delete": 1}})
    data = space_status(payments, "payments", engine=drift, check_cloud=False)
    units = {u["unit"]: u for u in data["units"]}
    assert set(units) == {"space/payments/dev/eu-central-1", "space/payments/prod/eu-central-1",
                          "space/payments/prod/eu-west-3", "space/payments/prod/us-east-1"}
    dev = units["space/payments/dev/eu-central-1"]
    assert dev["applied"] and dev["release"] == "standard@1" and dev["who"] and dev["when"]
    assert dev["outputs"] == {"vpc_id": "vpc-eu-central-1"}  # nothing secret is journalled
    assert dev["drift"] is True
    assert not units["space/payments/prod/us-east-1"]["applied"] and units["space/payments/prod/us-east-1"]["drift"] is None
    assert drift.asked == ["space/payments/dev/eu-central-1"]  # only applied units are refreshed
    assert data["drift"]["drifted"] == ["space/payments/dev/eu-central-1"]
    assert data["drift"]["units"]["space/payments/dev/eu-central-1"]["changes"] == {"update": 2, "delete": 1}
    assert not data["clean"]
    clean = space_status(payments, "payments", engine=DriftEngine({}), check_cloud=False)
    assert clean["clean"] and clean["drift"]["drifted"] == []


def test_status_without_engine_says_drift_is_unknown(payments, record, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    record("space/payments/prod/eu-west-3")
    data = space_status(payments, "payments", "prod", check_cloud=False)
    assert not data["drift"]["known"] and "Pulumi CLI" in data["drift"]["reason"]
    assert [u["drift"] for u in data["units"] if u["applied"]] == [None]
    assert data["clean"]  # unknown is reported, not counted as found


def test_status_lists_applied_services_and_a_removed_region_still_applied(payments, record):
    record("service/payments/orders/prod/eu-west-3", version="1.2.0")
    record("service/payments/old/prod/eu-west-3", version="0.9.0")
    record("service/payments/old/prod/eu-west-3", action="destroy")
    record("space/payments/prod/ap-northeast-1")  # applied, then its region left the file
    data = space_status(payments, "payments", "prod", engine=DriftEngine({}), check_cloud=False)
    units = {u["unit"]: u for u in data["units"]}
    assert units["service/payments/orders/prod/eu-west-3"]["release"] == "1.2.0"
    assert "service/payments/old/prod/eu-west-3" not in units
    assert units["space/payments/prod/ap-northeast-1"]["applied"]
    assert units["space/payments/prod/ap-northeast-1"]["in_space_file"] is False


def test_unknown_env_names_the_nearest(payments):
    with pytest.raises(NotFoundError) as e:
        space_status(payments, "payments", "prd", check_cloud=False)
    assert "--env prod" in e.value.hint


def test_orphans_use_the_engines_exports_of_applied_units(payments, record):
    record("space/payments/dev/eu-central-1")
    vpc = "arn:aws:ec2:eu-central-1:123456789012:vpc/vpc-1"
    other = "arn:aws:ec2:eu-central-1:123456789012:vpc/vpc-2"
    engine = DriftEngine({}, exports={"space/payments/dev/eu-central-1": {
        "version": 3, "deployment": {"resources": [{"urn": "u", "type": "aws:ec2/vpc:Vpc", "id": "vpc-1"}]}}})
    seen = {}

    def inventory(regions, tags):
        seen["regions"], seen["tags"] = regions, tags
        return [CloudResource(vpc, "eu-central-1", {}), CloudResource(other, "eu-central-1", {})]

    data = space_status(payments, "payments", "dev", engine=engine, inventory=inventory)
    assert [r["id"] for r in data["orphans"]["resources"]] == ["vpc-2"]
    assert seen == {"regions": ["eu-central-1"], "tags": {"platform:team": "payments",
                                                          "platform:managed-by": "platform", "platform:env": "dev"}}


@pytest.mark.parametrize("arn, service, kind, name", [
    ("arn:aws:s3:::acme-bucket", "s3", "", "acme-bucket"),
    ("arn:aws:sqs:eu-west-1:1:q", "sqs", "", "q"),
    ("arn:aws:logs:eu-west-1:1:log-group:/a/b:*", "logs", "log-group", "/a/b"),
    ("arn:aws:secretsmanager:eu-west-1:1:secret:a/b-x1y2z3", "secretsmanager", "secret", "a/b-x1y2z3"),
    ("arn:aws:iam::1:role/service-role/r", "iam", "role", "r"),
    ("arn:aws:ecs:eu-west-1:1:service/cl/svc", "ecs", "service", "cl/svc"),
    ("arn:aws-cn:ec2:cn-north-1:1:vpc/vpc-9", "ec2", "vpc", "vpc-9"),
])
def test_parse_arn(arn, service, kind, name):
    p = parse_arn(arn)
    assert (p.service, p.kind, p.name) == (service, kind, name)


def test_parse_arn_refuses_what_is_not_one():
    for bad in ("vpc-1", "arn:aws:s3", "urn:aws:s3:::b:c"):
        with pytest.raises(ValueError):
            parse_arn(bad)


def test_describe_commands():
    tags = {"platform:team": "payments", "platform:env": "prod"}
    q = describe("arn:aws-cn:sqs:cn-north-1:111122223333:jobs", "cn-north-1", tags)
    assert q["id"] == "https://sqs.cn-north-1.amazonaws.com.cn/111122223333/jobs"
    assert q["unit"] == "space/payments/prod/cn-north-1"
    svc = describe("arn:aws:ecs:eu-west-1:1:service/cl/api", "eu-west-1", {**tags, "platform:service": "api"})
    assert svc["id"] == "cl/api" and svc["delete"].startswith("aws ecs delete-service --cluster cl --service api")
    assert svc["unit"] == "service/payments/api/prod/eu-west-1"
    from platform_cli.planning.names import pulumi_project, pulumi_stack

    unit = "service/payments/api/prod/eu-west-1"
    assert f"--cwd .platform/engine/{pulumi_project(unit)}/{pulumi_stack(unit)}" in svc["adopt"]
    unknown = describe("arn:aws:glue:eu-west-1:1:job/x", "eu-west-1", tags)
    assert unknown["type"] is None and unknown["adopt"] is None and "aws glue" in unknown["delete"]
    untagged = describe("arn:aws:ec2:eu-west-1:1:vpc/vpc-1", "eu-west-1", {})
    assert untagged["adopt"] is None and untagged["unit"] is None


def test_state_ids_and_matching():
    ids = state_ids([{"deployment": {"resources": [
        {"urn": "a", "type": "aws:sqs/queue:Queue", "id": "https://sqs.eu-west-1.amazonaws.com/1/q"},
        {"urn": "b", "type": "aws:iam/role:Role", "id": "r", "outputs": {"arn": "arn:aws:iam::1:role/r"}}]}},
        {"resources": []}])
    inv = [CloudResource("arn:aws:sqs:eu-west-1:1:q", "eu-west-1"),  # legacy vs current domain: same queue
           CloudResource("arn:aws:sqs:eu-west-1:1:q2", "eu-west-1"),
           CloudResource("arn:aws:iam::1:role/r", "global")]
    assert [o["arn"] for o in find_orphans(inv, ids)] == ["arn:aws:sqs:eu-west-1:1:q2"]
    for bad in ({"deployment": {"resources": {}}}, {"deployment": {"resources": ["x"]}}):
        with pytest.raises(SpecError):
            state_ids([bad])


def test_a_damaged_history_record_hides_nothing(payments, record):
    from platform_cli.rollout.history import Deployment

    record("space/payments/dev/eu-central-1")
    record.store.add(Deployment(rollout="r", unit="space/payments", team="payments", env="dev", region="?",
                                kind="space", what="space", action="up", version="x", who="?", start="2026-01-01T11:00:00+00:00",
                                end="2026-01-01T11:00:00+00:00", result="succeeded"))
    data = space_status(payments, "payments", "dev", engine=DriftEngine({}), check_cloud=False)
    assert [(u["unit"], u["applied"]) for u in data["units"]] == [("space/payments/dev/eu-central-1", True)]
    from platform_cli.lifecycle.delete import delete_plan

    assert delete_plan(payments, "payments", record.store)["to_destroy"] == 1
