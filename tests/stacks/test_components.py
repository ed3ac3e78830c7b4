"""Properties of the rendered components: parents, tags, least privilege, no plaintext secret."""

from __future__ import annotations

import json

import pulumi
import pytest

SERVICE = """schema_version: 1
name: api
space: payments
bindings:
  - {name: db, offering: postgres, plan: dev}
  - {name: sessions, offering: cache, plan: small}
  - {name: jobs, offering: queue, plan: standard}
environments:
  dev: {regions: [eu-central-1]}
"""


@pytest.fixture(scope="module")
def graphs(tmp_path_factory):
    from platform_cli.render import build_unit_inputs, render_units
    from platform_cli.spaces import CreateSpaceRequest, create_space
    from platform_cli.units import UnitTarget
    from platform_cli.workspace import WorkspaceContext, init_workspace

    root = tmp_path_factory.mktemp("c") / "ws"
    init_workspace(root, org="acme")
    ws = WorkspaceContext.open(root)
    create_space(ws, CreateSpaceRequest(team="payments", blueprint="standard@2", envs=["dev=DE", "prod=CN"],
                                        owners=["lead@example.com"], cost_center="CC-42", ci_repos=["acme/payments-api"]))
    (root / "svc").mkdir()
    (root / "svc" / "service.yaml").write_text(SERVICE)
    targets = [UnitTarget("space/payments/dev/eu-central-1"), UnitTarget("space/payments/prod/cn-north-1"),
               UnitTarget("service/payments/api/dev/eu-central-1", release="9.9.9", service_file=str(root / "svc"))]
    inputs = [build_unit_inputs(ws, t) for t in targets]
    return {i.unit: (i, r) for i, r in zip(inputs, render_units(inputs, workers=2))}


def test_every_child_has_its_component_parent(graphs):
    for inputs, rendered in graphs.values():
        by_name = {r["name"]: r for r in rendered.resources}
        for r in rendered.resources:
            if r["type"].startswith("pulumi:providers:"):
                continue
            if r["type"].startswith("aws:"):
                assert r["parent"] is not None, f"{r['name']} is not inside a component"
                assert by_name[r["parent"]]["type"].startswith("platform:"), r["name"]


def test_every_taggable_resource_carries_the_unit_tags(graphs):
    from platform_cli.planning.policy import taggable

    for inputs, rendered in graphs.values():
        checked = 0
        for r in rendered.resources:
            if taggable(r["type"]):
                checked += 1
                for key, value in inputs.tags.items():
                    assert r["inputs"]["tags"].get(key) == value, (r["name"], key)
        assert checked > 10


def test_space_contains_the_blueprint(graphs):
    inputs, rendered = graphs["space/payments/dev/eu-central-1"]
    counts = rendered.by_type()
    assert counts["aws:ec2/natGateway:NatGateway"] == 3  # standard@2: per_az over 3 AZs
    assert counts["aws:ec2/flowLog:FlowLog"] == 1
    assert counts["aws:budgets/budget:Budget"] == 1
    key = rendered.of_type("aws:kms/key:Key")[0]
    assert key["inputs"]["enableKeyRotation"] is True
    assert rendered.of_type("aws:cloudwatch/logGroup:LogGroup")[0]["inputs"]["retentionInDays"] == 90
    repo = rendered.of_type("aws:ecr/repository:Repository")[0]["inputs"]
    assert repo["imageTagMutability"] == "IMMUTABLE" and repo["imageScanningConfiguration"]["scanOnPush"] is True


def test_partition_aware_arns(graphs):
    inputs, rendered = graphs["space/payments/prod/cn-north-1"]
    arns = [r["outputs"]["arn"] for r in rendered.resources if "arn" in r["outputs"]]
    assert arns and all(a.startswith("arn:aws-cn:") for a in arns)
    assert rendered.outputs["ecr_repository_url"].endswith(".amazonaws.com.cn/payments--prod--cnn1")
    assert "aws:budgets/budget:Budget" in rendered.by_type()  # first region of prod


def test_no_plaintext_secret_and_secrets_by_value_from(graphs):
    inputs, rendered = graphs["service/payments/api/dev/eu-central-1"]
    text = json.dumps(rendered.to_data())
    from platform_cli.render.mocks import _h

    assert _h(inputs.unit, "password", n=40) not in text  # the generated cache auth token
    for v in rendered.of_type("aws:secretsmanager/secretVersion:SecretVersion"):
        assert v["inputs"]["secretString"] == "[secret]"
    assert rendered.of_type("aws:elasticache/replicationGroup:ReplicationGroup")[0]["inputs"]["authToken"] == "[secret]"
    container = json.loads(rendered.of_type("aws:ecs/taskDefinition:TaskDefinition")[0]["inputs"]["containerDefinitions"])[0]
    names = {s["name"] for s in container["secrets"]}
    assert {"BINDING_DB_HOST", "BINDING_DB_PASSWORD", "BINDING_SESSIONS_PASSWORD", "BINDING_JOBS_URL"} <= names
    assert all(":secretsmanager:" in s["valueFrom"] for s in container["secrets"])
    assert not any("BINDING" in e["name"] for e in container["environment"])
    assert container["image"].endswith("/payments--dev--euc1:api-9.9.9")


def test_binding_policies_allow_only_their_resource_and_secret(graphs):
    inputs, rendered = graphs["service/payments/api/dev/eu-central-1"]
    secrets = {r["parent"]: r["outputs"]["arn"] for r in rendered.of_type("aws:secretsmanager/secret:Secret")}
    policies = [r for r in rendered.of_type("aws:iam/rolePolicy:RolePolicy") if r["name"].endswith("-task-policy")]
    assert len(policies) == 3
    for p in policies:
        doc = json.loads(p["inputs"]["policy"])
        read = next(s for s in doc["Statement"] if s["Sid"] == "ReadBindingSecret")
        assert secrets[p["parent"]] in read["Resource"]
        assert not (set(secrets.values()) - {secrets[p["parent"]]}) & set(read["Resource"])
        use = next(s for s in doc["Statement"] if s["Sid"] == "UseBoundResource")
        assert "*" not in use["Resource"]
    sg_rules = rendered.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    db_rule = next(r for r in sg_rules if r["name"].endswith("db-from-service"))
    assert db_rule["inputs"]["referencedSecurityGroupId"] and "cidrIpv4" not in db_rule["inputs"]


def test_service_reads_its_space_through_a_stack_reference(graphs):
    space_inputs, space = graphs["space/payments/dev/eu-central-1"]
    inputs, svc = graphs["service/payments/api/dev/eu-central-1"]
    service = svc.of_type("aws:ecs/service:Service")[0]
    assert service["inputs"]["cluster"] == space.outputs["ecs_cluster_arn"]
    assert service["inputs"]["networkConfiguration"]["subnets"] == space.outputs["private_subnet_ids"]


def test_network_component_under_bare_mocks(graphs):
    """The Network component alone; its outputs are resolved by @pulumi.runtime.test."""
    from pulumi.runtime import settings

    from platform_cli.render.mocks import PlatformMocks
    from stacks.space import Network, NetworkArgs

    inputs = graphs["space/payments/dev/eu-central-1"][0]
    settings.reset_options()
    pulumi.runtime.set_mocks(PlatformMocks(inputs), preview=False)
    seen = []

    @pulumi.runtime.test
    def check():
        net = Network("n", NetworkArgs(prefix="p", cidr="10.1.0.0/20", azs=2, nat="single", tags=inputs.tags))

        def verify(args):
            cidr, private, public = args
            assert cidr == "10.1.0.0/20"
            assert len(private) == 2 and len(public) == 2
            assert all(s.startswith("subnet-") for s in private + public)
            seen.append(True)

        return pulumi.Output.all(net.vpc.cidr_block, net.private_subnet_ids, net.public_subnet_ids).apply(verify)

    check()
    settings.reset_options()
    assert seen == [True]
