"""space status against moto's real server: orphans are the space's tagged resources in no unit's state."""

from __future__ import annotations

import json

import pytest

from platform_cli.lifecycle.status import space_status
from platform_cli.planning.tags import unit_tags
from platform_cli.rollout.history import Deployment, SQLiteHistory, sqlite_path
from platform_cli.spaces import CreateSpaceRequest, create_space

POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                                             "Action": "sts:AssumeRole"}]})


def _tags(team="payments", env="dev", service=None):
    return unit_tags(team=team, env=env, blueprint="standard@1", cost_center="CC-42", service=service)


def _kv(tags):
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _make(boto, region, prefix, tags):
    """A bucket, a queue, a VPC, a log group, an ECR repository, a secret, an IAM role and policy, all tagged TAGS."""
    out = {}
    s3 = boto("s3", region)
    bucket = f"acme-{prefix}-art"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": _kv(tags)})
    out["bucket"] = bucket
    out["queue_url"] = boto("sqs", region).create_queue(QueueName=f"{prefix}-jobs", tags=tags)["QueueUrl"]
    out["queue_arn"] = boto("sqs", region).get_queue_attributes(QueueUrl=out["queue_url"], AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    out["vpc"] = boto("ec2", region).create_vpc(CidrBlock="10.9.0.0/20", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": _kv(tags)}])["Vpc"]["VpcId"]
    boto("logs", region).create_log_group(logGroupName=f"/platform/{prefix}", tags=tags)
    out["repo"] = boto("ecr", region).create_repository(repositoryName=prefix, tags=_kv(tags))["repository"]["repositoryName"]
    out["secret"] = boto("secretsmanager", region).create_secret(Name=f"{prefix}/db", SecretString="x", Tags=_kv(tags))["ARN"]
    out["role"] = boto("iam").create_role(RoleName=f"{prefix}-task", AssumeRolePolicyDocument=TRUST, Tags=_kv(tags))[
        "Role"]["RoleName"]
    out["policy"] = boto("iam").create_policy(PolicyName=f"{prefix}-read", PolicyDocument=POLICY, Tags=_kv(tags))[
        "Policy"]["Arn"]
    return out


@pytest.fixture
def space_ws(ws_on_cloud, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")  # no pulumi CLI: the engine is missing
    create_space(ws_on_cloud, CreateSpaceRequest(team="payments", blueprint="standard@1",
                                                 envs=["dev=eu-central-1,us-east-1"], cost_center="CC-42"))
    return ws_on_cloud


def _ids(data):
    return {r["id"] for r in data["orphans"]["resources"]}


def test_nothing_in_state_every_tagged_resource_is_an_orphan(space_ws, boto):
    mine = _make(boto, "eu-central-1", "payments-dev-euc1", _tags())
    svc = boto("sqs", "us-east-1").create_queue(QueueName="payments-dev-use1-orders",
                                                tags=_tags(service="orders"))["QueueUrl"]
    # not the space's: another team, another team whose name starts the same, untagged
    _make(boto, "eu-central-1", "paymentsx-dev-euc1", _tags(team="paymentsx"))
    boto("sqs", "eu-central-1").create_queue(QueueName="untagged")
    data = space_status(space_ws, "payments", clients=boto)
    o = data["orphans"]
    assert o["known"], o["reason"]
    got = {(r["type"], r["id"], r["region"]) for r in o["resources"]}
    assert got == {
        ("aws:s3/bucket:Bucket", mine["bucket"], "eu-central-1"),
        ("aws:sqs/queue:Queue", "https://sqs.eu-central-1.amazonaws.com/123456789012/payments-dev-euc1-jobs", "eu-central-1"),
        ("aws:ec2/vpc:Vpc", mine["vpc"], "eu-central-1"),
        ("aws:cloudwatch/logGroup:LogGroup", "/platform/payments-dev-euc1", "eu-central-1"),
        ("aws:ecr/repository:Repository", mine["repo"], "eu-central-1"),
        ("aws:secretsmanager/secret:Secret", mine["secret"], "eu-central-1"),
        ("aws:iam/role:Role", mine["role"], "global"),
        ("aws:iam/policy:Policy", mine["policy"], "global"),
        ("aws:sqs/queue:Queue", "https://sqs.us-east-1.amazonaws.com/123456789012/payments-dev-use1-orders", "us-east-1"),
    }
    by_id = {r["id"]: r for r in o["resources"]}
    vpc = by_id[mine["vpc"]]
    assert vpc["unit"] == "space/payments/dev/eu-central-1"
    from platform_cli.planning.names import resource_name

    assert vpc["adopt"].startswith(f"pulumi import aws:ec2/vpc:Vpc {resource_name('adopted', mine['vpc'])} "
                                   f"'{mine['vpc']}' --stack dev.eu-central-1")
    assert vpc["delete"] == f"aws ec2 delete-vpc --vpc-id {mine['vpc']} --region eu-central-1"
    orders = [r for r in o["resources"] if r["region"] == "us-east-1"][0]
    assert orders["unit"] == "service/payments/orders/dev/us-east-1" and "--stack dev.us-east-1" in orders["adopt"]
    assert by_id[mine["role"]]["adopt"] is None and "delete-role --role-name payments-dev-euc1-task" in by_id[mine["role"]]["delete"]
    assert not data["clean"]
    # no unit is applied: drift has nothing to look at, and is not unknown for that
    assert data["drift"]["known"] and data["drift"]["drifted"] == []
    assert [u["applied"] for u in data["units"]] == [False, False]


def test_a_stack_export_in_the_engines_format_hides_what_it_lists(space_ws, boto):
    mine = _make(boto, "eu-central-1", "payments-dev-euc1", _tags())
    export = {"version": 3, "deployment": {"manifest": {}, "resources": [
        {"urn": "urn:pulumi:dev.eu-central-1::space-payments::pulumi:pulumi:Stack::space-payments-dev.eu-central-1",
         "type": "pulumi:pulumi:Stack"},
        {"urn": "urn:pulumi:dev.eu-central-1::space-payments::aws:ec2/vpc:Vpc::vpc", "type": "aws:ec2/vpc:Vpc",
         "id": mine["vpc"], "outputs": {"arn": f"arn:aws:ec2:eu-central-1:123456789012:vpc/{mine['vpc']}"}},
        {"urn": "urn:pulumi:dev.eu-central-1::space-payments::aws:sqs/queue:Queue::jobs", "type": "aws:sqs/queue:Queue",
         "id": mine["queue_url"], "outputs": {"arn": mine["queue_arn"]}},
        {"urn": "urn:pulumi:dev.eu-central-1::space-payments::aws:iam/role:Role::task", "type": "aws:iam/role:Role",
         "id": mine["role"], "outputs": {}},
        {"urn": "urn:pulumi:dev.eu-central-1::space-payments::aws:iam/policy:Policy::read", "type": "aws:iam/policy:Policy",
         "id": mine["policy"]},
    ]}}
    data = space_status(space_ws, "payments", "dev", exports=[export], clients=boto)
    assert _ids(data) == {mine["bucket"], "/platform/payments-dev-euc1", mine["repo"], mine["secret"]}


def test_applied_units_without_engine_or_export_make_orphans_and_drift_unknown(space_ws, boto):
    _make(boto, "eu-central-1", "payments-dev-euc1", _tags())
    SQLiteHistory(sqlite_path(space_ws.local_dir)).add(Deployment(
        rollout="r1", unit="space/payments/dev/eu-central-1", team="payments", env="dev", region="eu-central-1",
        kind="space", what="space", action="up", version="standard@1", who="lead@example.com",
        start="2026-01-01T10:00:00+00:00", end="2026-01-01T10:05:00+00:00", result="succeeded"))
    data = space_status(space_ws, "payments", clients=boto)
    unit = data["units"][0]
    assert (unit["unit"], unit["applied"], unit["release"], unit["who"], unit["when"]) == (
        "space/payments/dev/eu-central-1", True, "standard@1", "lead@example.com", "2026-01-01T10:05:00+00:00")
    assert not data["drift"]["known"] and "pulumi" in data["drift"]["reason"].lower()
    assert not data["orphans"]["known"] and "--state-export" in data["orphans"]["reason"]
    assert data["orphans"]["resources"] == [] and data["clean"]


def test_cli_exit_code_and_state_export_file(space_ws, boto, run_cli, tmp_path, monkeypatch, fresh_cloud):
    mine = _make(boto, "eu-central-1", "payments-dev-euc1", _tags())
    # the workspace targets "AWS", reached through the standard endpoint and credential variables
    config = space_ws.root / "platform.yaml"
    config.write_text(config.read_text().replace("target: local", "target: aws"))
    assert "target: aws" in config.read_text()
    for key, value in (("AWS_ENDPOINT_URL", fresh_cloud), ("AWS_ACCESS_KEY_ID", "testing"),
                       ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(key, value)
    ws = str(space_ws.root)
    r = run_cli("-w", ws, "space", "status", "payments", "--json")
    assert r.exit_code == 0, r.stderr
    assert len(json.loads(r.stdout)["orphans"]["resources"]) == 8
    r = run_cli("-w", ws, "space", "status", "payments", "--exit-code")
    assert r.exit_code == 12 and "8 orphan(s)" in r.stderr
    assert f"delete: aws ec2 delete-vpc --vpc-id {mine['vpc']}" in r.stderr
    # everything listed in exports: clean, exit 0 even with --exit-code
    everything = [mine["vpc"], mine["queue_url"], mine["bucket"], "/platform/payments-dev-euc1", mine["repo"],
                  mine["secret"], mine["role"], mine["policy"]]
    f = tmp_path / "export.json"
    f.write_text(json.dumps({"version": 3, "deployment": {"resources": [
        {"urn": f"urn:x::{i}", "type": "t", "id": rid} for i, rid in enumerate(everything)]}}))
    r = run_cli("-w", ws, "space", "status", "payments", "--exit-code", "--state-export", str(f))
    assert r.exit_code == 0, r.stderr
    assert "orphans: none" in r.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"deployment": {"resources": {"not": "a list"}}}')
    r = run_cli("-w", ws, "space", "status", "payments", "--state-export", str(bad))
    assert r.exit_code == 3 and "bad.json" in r.stderr and "deployment.resources" in r.stderr
