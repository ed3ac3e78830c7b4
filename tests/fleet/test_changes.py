"""The pure classification of two renders of a unit: create, update, replace, delete."""

from __future__ import annotations

from platform_cli.planning.changes import REPLACE_ON, STATEFUL, changed_fields, compare, isolation_note


def res(typ, rname, parent=None, **inputs):
    return {"type": typ, "name": rname, "parent": parent, "inputs": inputs, "outputs": {}}


VPC = "aws:ec2/vpc:Vpc"
LOGS = "aws:cloudwatch/logGroup:LogGroup"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
BUCKET = "aws:s3/bucket:Bucket"


def test_created_and_deleted_by_type_and_name():
    a = [res(VPC, "v", cidrBlock="10.0.0.0/20"), res(LOGS, "old", name="x")]
    b = [res(VPC, "v", cidrBlock="10.0.0.0/20"), res(LOGS, "new", name="x")]
    c = compare("u", a, b)
    assert c.create == [{"type": LOGS, "name": "new"}]
    assert c.delete == [{"type": LOGS, "name": "old"}]
    assert c.update == [] and c.replace == []
    # a log group that goes takes its logs with it
    assert c.stateful == [{"type": LOGS, "name": "old", "holds": STATEFUL[LOGS]}]
    # same name, another type: a different resource
    c = compare("u", [res(VPC, "x")], [res(LOGS, "x")])
    assert c.counts() == {"create": 1, "update": 0, "replace": 0, "delete": 1}


def test_an_updatable_input_updates_and_a_forcing_one_replaces():
    a = [res(LOGS, "l", name="x", retentionInDays=30)]
    c = compare("u", a, [res(LOGS, "l", name="x", retentionInDays=90)])
    assert c.update == [{"type": LOGS, "name": "l", "fields": ["retentionInDays"]}] and c.replace == []
    c = compare("u", a, [res(LOGS, "l", name="y", retentionInDays=30)])
    assert c.update == [] and [r["name"] for r in c.replace] == ["l"]
    assert "name cannot change in place" in c.replace[0]["why"]
    assert c.stateful[0]["name"] == "l"
    # both at once: the forcing one wins
    c = compare("u", a, [res(LOGS, "l", name="y", retentionInDays=90)])
    assert c.replace[0]["fields"] == ["name", "retentionInDays"] and c.update == []


def test_an_immutable_type_is_replaced_by_any_change_but_its_tags():
    a = [res(TASK, "t", cpu="256", tags={"a": "1"})]
    assert compare("u", a, [res(TASK, "t", cpu="512", tags={"a": "1"})]).replace
    c = compare("u", a, [res(TASK, "t", cpu="256", tags={"a": "2"})])
    assert c.replace == [] and c.update[0]["fields"] == ["tags"] and c.retagged == 1


def test_a_type_without_an_entry_updates_in_place():
    typ = "aws:example/thing:Thing"
    assert typ not in REPLACE_ON
    c = compare("u", [res(typ, "t", name="a")], [res(typ, "t", name="b")])
    assert c.update and not c.replace


def test_the_blueprint_tag_alone_is_no_update_but_is_counted_as_retagged():
    a = [res(VPC, "v", tags={"platform:blueprint": "standard@1", "platform:team": "t"})]
    b = [res(VPC, "v", tags={"platform:blueprint": "standard@2", "platform:team": "t"})]
    c = compare("u", a, b)
    assert c.counts() == {"create": 0, "update": 0, "replace": 0, "delete": 0} and c.retagged == 1
    b[0]["inputs"]["tags"]["platform:team"] = "other"
    assert compare("u", a, b).update[0]["fields"] == ["tags"]
    assert changed_fields({"tags": None}, {"tags": None}) == []


def test_a_new_parent_is_a_new_urn_and_replaces():
    a = [res(BUCKET, "b", parent="storage-a", bucket="x")]
    c = compare("u", a, [res(BUCKET, "b", parent="storage-b", bucket="x")])
    assert c.replace and c.replace[0]["fields"] == ["parent"] and "alias" in c.replace[0]["why"]
    assert c.stateful == [{"type": BUCKET, "name": "b", "holds": "bucket"}]


def test_an_isolation_change_replaces_every_cloud_resource_but_no_component():
    graph = [res(VPC, "v", cidrBlock="10.0.0.0/20"), res(BUCKET, "b", bucket="x"),
             res("platform:space:Network", "n"), res("pulumi:providers:aws", "p", region="eu-central-1")]
    c = compare("u", graph, [dict(r) for r in graph], isolation_change=True)
    assert sorted(r["name"] for r in c.replace) == ["b", "p", "v"]
    assert all(r["why"] == "another AWS account" for r in c.replace)
    assert c.update == [] and c.create == [] and c.delete == []
    assert [s["name"] for s in c.stateful] == ["b"]
    assert "new and empty" in isolation_note("shared", "account") and "account of its own" in isolation_note(
        "shared", "account")
    assert "shared platform account" in isolation_note("account", "shared")
    # without the change the same graphs are identical
    assert compare("u", graph, [dict(r) for r in graph]).counts() == {"create": 0, "update": 0, "replace": 0,
                                                                      "delete": 0}
