"""`space status` orphans of an account-isolated space, against moto's server with two vended accounts: the
environment's own account is scanned through the platform role (and the platform account too), never another
team's account."""

from __future__ import annotations

import json

from platform_cli.accounts.inventory import space_inventory
from platform_cli.accounts.vending import ensure_account
from platform_cli.aws.clients import ClientProvider
from platform_cli.aws.organizations import assumed
from platform_cli.lifecycle.status import space_status
from platform_cli.planning.tags import unit_tags
from platform_cli.spaces import CreateSpaceRequest, create_space
from platform_cli.workspace import WorkspaceContext

ROLE = "OrganizationAccountAccessRole"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                                             "Action": "sts:AssumeRole"}]})


def _kv(tags):
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _tagged(provider, name, tags, region="eu-central-1"):
    """A bucket, a queue and an IAM role called NAME, tagged TAGS; their ids."""
    s3 = provider("s3", region)
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": _kv(tags)})
    queue = provider("sqs", region).create_queue(QueueName=name, tags=tags)["QueueUrl"]
    role = provider("iam").create_role(RoleName=name, AssumeRolePolicyDocument=TRUST, Tags=_kv(tags))["Role"]["Arn"]
    return {"bucket": name, "queue": queue, "role": role}


def test_orphans_of_an_isolated_environment_are_found_in_its_own_account(run_cli, org_ws, fresh_cloud, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")  # no pulumi CLI
    r = run_cli("-w", str(org_ws.root), "bootstrap")
    assert r.exit_code == 0, r.stderr
    for team in ("shop", "blog"):
        create_space(org_ws, CreateSpaceRequest(team=team, blueprint="isolated@1", envs=["dev=eu-central-1"],
                                                cost_center="CC-1"))
    shop = ensure_account(WorkspaceContext.open(org_ws.root), "shop", "dev").account_id
    blog = ensure_account(WorkspaceContext.open(org_ws.root), "blog", "dev").account_id
    base = ClientProvider.local(fresh_cloud)
    in_shop, in_blog = assumed(base, shop, ROLE), assumed(base, blog, ROLE)
    shop_tags = unit_tags(team="shop", env="dev", blueprint="isolated@1", cost_center="CC-1")
    mine = _tagged(in_shop, "shop-dev-left", shop_tags)
    kept = _tagged(in_shop, "shop-dev-kept", shop_tags)
    before = _tagged(base, "shop-dev-old", shop_tags)  # left in the platform account (a shared past, say)
    theirs = _tagged(in_blog, "shop-dev-lookalike", shop_tags)  # in blog's account: not shop's to see
    assert in_shop("sts").get_caller_identity()["Account"] == shop

    ws = WorkspaceContext.open(org_ws.root)
    found = {r.arn.split(":")[4] for r in space_inventory(ws, ws.space("shop"), "dev", ["eu-central-1"],
                                                        {"platform:team": "shop"}, clients=base)}
    assert found == {shop, "123456789012", ""}  # the S3 bucket ARNs name no account
    export = {"version": 3, "deployment": {"resources": [
        {"urn": "urn:x::b", "type": "aws:s3/bucket:Bucket", "id": kept["bucket"]},
        {"urn": "urn:x::q", "type": "aws:sqs/queue:Queue", "id": kept["queue"]},
        {"urn": "urn:x::r", "type": "aws:iam/role:Role", "id": "shop-dev-kept", "outputs": {"arn": kept["role"]}}]}}
    data = space_status(ws, "shop", "dev", exports=[export], clients=base)
    o = data["orphans"]
    assert o["known"], o["reason"]
    ids = {r["id"] for r in o["resources"]}
    assert {mine["bucket"], f"https://sqs.eu-central-1.amazonaws.com/{shop}/shop-dev-left", "shop-dev-left"} <= ids
    assert {before["bucket"], "https://sqs.eu-central-1.amazonaws.com/123456789012/shop-dev-old", "shop-dev-old"} <= ids
    assert not ids & {kept["bucket"], kept["queue"], "shop-dev-kept"}
    assert not ids & {theirs["bucket"], theirs["queue"], "shop-dev-lookalike"}
    assert len(o["resources"]) == 6
    by_id = {r["id"]: r for r in o["resources"]}
    assert f"/{shop}/" in by_id["https://sqs.eu-central-1.amazonaws.com/" + shop + "/shop-dev-left"]["delete"]
    # a team whose environment has no account yet is scanned in the platform account only
    create_space(ws, CreateSpaceRequest(team="wiki", blueprint="isolated@1", envs=["dev=eu-central-1"]))
    ws = WorkspaceContext.open(org_ws.root)
    assert space_status(ws, "wiki", "dev", exports=[], clients=base)["orphans"]["resources"] == []
