"""Each sub-rule of every policy on small hand-made graphs: the rule holds, then each part of it breaks.

The reference renders (tests/render/test_policy.py) show the shipped stacks pass; these show each
condition inside a policy is really checked, each threshold at its boundary."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from platform_cli.model import Blueprint
from platform_cli.planning.policy import ADVISORY, MANDATORY, POLICIES, evaluate

TAGS = {"platform:team": "payments", "platform:env": "prod", "platform:space": "payments-prod",
        "platform:blueprint": "standard@1", "platform:managed-by": "platform", "cost-center": "CC-42"}


def res(typ, name="r", inputs=None, outputs=None):
    return {"type": typ, "name": name, "inputs": dict(inputs or {}), "outputs": dict(outputs or {})}


def unit_inputs(*, guardrails=None, kms_rotation=True, protected=True, kind="space", bindings=(), azs=2,
                region="eu-central-1"):
    bp = Blueprint.model_validate({"name": "standard", "version": 1, "guardrails": guardrails or {},
                                   "baseline": {"kms_rotation": kms_rotation}, "network": {"azs": azs}})
    return SimpleNamespace(blueprint=bp, region=region, unit=f"{kind}/payments/prod/{region}", protected=protected,
                           kind=kind, bindings=list(bindings))


def findings(graph, inputs=None, cost=None, policy=None, severity=None):
    out = evaluate(graph, inputs, monthly_cost=cost)
    return [f for f in out if (policy is None or f.policy == policy) and (severity is None or f.severity == severity)]


def test_every_policy_is_covered_here():
    covered = {"encryption-at-rest", "bucket-public-access-block", "required-tags", "iam-least-privilege",
               "no-plaintext-secrets", "allowed-regions", "allowed-offerings", "paid-plans", "cost-ceiling",
               "resilience", "tls", "health", "budget-alerts", "https", "secure-transport"}
    assert {p.id for p in POLICIES} == covered


# encryption at rest --------------------------------------------------------------------------------

ENCRYPTED = [
    ("aws:cloudwatch/logGroup:LogGroup", {"kmsKeyId": "arn:key"}, {}),
    ("aws:rds/instance:Instance", {"storageEncrypted": True}, {"storageEncrypted": "true"}),
    ("aws:sqs/queue:Queue", {"kmsMasterKeyId": "alias/x"}, {"sqsManagedSseEnabled": False}),
    ("aws:sqs/queue:Queue", {"sqsManagedSseEnabled": True}, {"sqsManagedSseEnabled": "true"}),
    ("aws:dynamodb/table:Table", {"serverSideEncryption": {"enabled": True}}, {"serverSideEncryption": {"enabled": False}}),
    ("aws:elasticache/replicationGroup:ReplicationGroup",
     {"atRestEncryptionEnabled": True, "transitEncryptionEnabled": True},
     {"atRestEncryptionEnabled": True, "transitEncryptionEnabled": False}),
    ("aws:elasticache/replicationGroup:ReplicationGroup",
     {"atRestEncryptionEnabled": True, "transitEncryptionEnabled": True},
     {"atRestEncryptionEnabled": False, "transitEncryptionEnabled": True}),
    ("aws:sns/topic:Topic", {"kmsMasterKeyId": "alias/x"}, {"kmsMasterKeyId": ""}),
    ("aws:secretsmanager/secret:Secret", {"kmsKeyId": "arn:key"}, {}),
    ("aws:ecr/repository:Repository", {"encryptionConfigurations": [{"encryptionType": "KMS"}]},
     {"encryptionConfigurations": []}),
]


@pytest.mark.parametrize("typ, good, bad", ENCRYPTED, ids=lambda v: v if isinstance(v, str) else None)
def test_encryption_at_rest_per_type(typ, good, bad):
    assert findings([res(typ, inputs=good)], policy="encryption-at-rest") == []
    found = findings([res(typ, inputs=bad)], policy="encryption-at-rest")
    assert len(found) == 1 and found[0].severity == MANDATORY and "not encrypted at rest" in found[0].message


SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"


@pytest.mark.parametrize("bucket_outputs, sse_bucket, ok", [
    ({"id": "b-1"}, "b-1", True),            # the configuration points at the bucket's id
    ({"bucket": "b-1"}, "b-1", True),        # ... or its name
    ({"id": "b-1"}, "b-2", False),           # a configuration of another bucket does not count
    ({"id": "b-1"}, None, False),            # no configuration at all
])
def test_bucket_encryption_needs_its_own_configuration(bucket_outputs, sse_bucket, ok):
    graph = [res("aws:s3/bucket:Bucket", "art", outputs=bucket_outputs)]
    if sse_bucket:
        graph.append(res(SSE, "sse", inputs={"bucket": sse_bucket}))
    found = findings(graph, policy="encryption-at-rest")
    assert (found == []) is ok
    if not ok:
        assert found[0].resource == "Bucket art" and "SSE-KMS" in found[0].message


def test_inline_bucket_encryption_counts():
    graph = [res("aws:s3/bucket:Bucket", inputs={"serverSideEncryptionConfiguration": {"rule": {}}})]
    assert findings(graph, policy="encryption-at-rest") == []


@pytest.mark.parametrize("rotation_on, key_rotates, expect", [
    (True, True, 0), (True, False, 1), (True, None, 1), (True, "true", 1), (False, False, 0)])
def test_kms_rotation_follows_the_blueprint(rotation_on, key_rotates, expect):
    key = res("aws:kms/key:Key", inputs={} if key_rotates is None else {"enableKeyRotation": key_rotates})
    found = findings([key], unit_inputs(kms_rotation=rotation_on), policy="encryption-at-rest")
    assert len(found) == expect
    assert all("rotation" in f.message for f in found)


# bucket public access block ------------------------------------------------------------------------

FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"


def _pab_graph(**override):
    flags = {f: True for f in FLAGS}
    flags.update(override)
    return [res("aws:s3/bucket:Bucket", "b", outputs={"id": "b-1"}), res(PAB, "pab", inputs={"bucket": "b-1", **flags})]


def test_public_access_block_with_all_four_flags_passes():
    assert findings(_pab_graph(), policy="bucket-public-access-block") == []


@pytest.mark.parametrize("flag", FLAGS)
@pytest.mark.parametrize("value", [False, None, "true"])
def test_each_public_access_flag_is_needed(flag, value):
    found = findings(_pab_graph(**{flag: value}), policy="bucket-public-access-block")
    assert len(found) == 1 and found[0].severity == MANDATORY


def test_public_access_block_of_another_bucket_does_not_count():
    graph = _pab_graph()
    graph[1]["inputs"]["bucket"] = "other"
    assert len(findings(graph, policy="bucket-public-access-block")) == 1


# required tags --------------------------------------------------------------------------------------

def test_required_tags_present_pass():
    vpc = res("aws:ec2/vpc:Vpc", inputs={"tags": dict(TAGS)})
    assert findings([vpc], unit_inputs(), policy="required-tags") == []


@pytest.mark.parametrize("tag", sorted(TAGS))
@pytest.mark.parametrize("how", ["missing", "empty"])
def test_each_required_tag_is_checked(tag, how):
    tags = dict(TAGS)
    if how == "missing":
        tags.pop(tag)
    else:
        tags[tag] = ""
    found = findings([res("aws:ec2/vpc:Vpc", inputs={"tags": tags})], unit_inputs(), policy="required-tags")
    assert len(found) == 1 and found[0].message == f"missing tags: {tag}"


def test_required_tags_come_from_the_blueprint():
    inputs = unit_inputs(guardrails={"required_tags": ["owner"]})
    vpc = res("aws:ec2/vpc:Vpc", inputs={"tags": dict(TAGS)})
    assert [f.message for f in findings([vpc], inputs, policy="required-tags")] == ["missing tags: owner"]


def test_untaggable_resources_need_no_tags():
    assert findings([res("aws:s3/bucketPolicy:BucketPolicy")], unit_inputs(), policy="required-tags") == []


# IAM least privilege --------------------------------------------------------------------------------

def _iam(statement, typ="aws:iam/rolePolicy:RolePolicy"):
    return findings([res(typ, inputs={"policy": json.dumps({"Version": "2012-10-17", "Statement": [statement]})})],
                    policy="iam-least-privilege")


ARN = "arn:aws:s3:::payments-prod-artifacts/*"


@pytest.mark.parametrize("statement, problem", [
    ({"Effect": "Allow", "Action": "*", "Resource": ARN}, "grants a whole service"),
    ({"Effect": "Allow", "Action": "s3:*", "Resource": ARN}, "grants a whole service"),
    ({"Effect": "Allow", "Action": ["s3:GetObject", "s3:Put*"], "Resource": ARN}, "is a wildcard other than a read-only family"),
    ({"Effect": "Allow", "Action": "s3:Get?bject", "Resource": ARN}, "is a wildcard other than a read-only family"),
    ({"Effect": "Allow", "Action": "sts:Get*", "Resource": ARN}, "is a wildcard other than a read-only family"),
    ({"Effect": "Allow", "Action": "ecr:Get*", "Resource": ARN}, "is a wildcard other than a read-only family"),
    ({"Effect": "Allow", "NotAction": "iam:*", "Resource": ARN}, "Allow with NotAction"),
    ({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": ARN}, "Allow with NotResource"),
    ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}, "resource '*' for s3:GetObject"),
    ({"Effect": "Allow", "Action": ["sts:GetCallerIdentity", "s3:PutObject"], "Resource": ["*"]},
     "resource '*' for s3:PutObject"),
])
def test_each_least_privilege_problem_is_found(statement, problem):
    found = _iam(statement)
    assert found and all(f.severity == MANDATORY for f in found)
    assert any(problem in f.message for f in found), [f.message for f in found]


@pytest.mark.parametrize("statement", [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": ARN},
    {"Effect": "Allow", "Action": ["s3:List*", "ec2:Describe*", "ssm:Get*"], "Resource": ARN},
    {"Effect": "Allow", "Action": ["sts:GetCallerIdentity", "ecr:GetAuthorizationToken"], "Resource": "*"},
    {"Effect": "Allow", "Action": "elasticloadbalancing:Describe*", "Resource": "*"},
    {"Effect": "Deny", "Action": "*", "Resource": "*"},
    {"Effect": "Deny", "NotAction": "s3:*", "NotResource": ARN},
    {"Effect": "Allow", "Principal": {"Service": "logs.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "*"},
])
def test_least_privilege_statements_pass(statement):
    assert _iam(statement) == []


def test_key_policies_may_use_star_resource_but_not_star_actions():
    assert _iam({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}, "aws:kms/key:Key") == []
    assert _iam({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}) != []
    assert _iam({"Effect": "Allow", "Action": "kms:*", "Resource": "*"}, "aws:kms/key:Key") != []


@pytest.mark.parametrize("typ", ["aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy", "aws:kms/key:Key",
                                 "aws:s3/bucketPolicy:BucketPolicy", "aws:sqs/queuePolicy:QueuePolicy",
                                 "aws:sns/topicPolicy:TopicPolicy"])
def test_every_policy_document_kind_is_read(typ):
    assert _iam({"Effect": "Allow", "Action": "s3:*", "Resource": ARN}, typ) != []
    found = findings([res(typ, inputs={"policy": "{not json"})], policy="iam-least-privilege")
    assert [f.message for f in found] == ["policy is not valid JSON"]


def test_policy_given_as_data_not_text_is_read_too():
    doc = {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": ARN}]}
    assert findings([res("aws:iam/policy:Policy", inputs={"policy": doc})], policy="iam-least-privilege") != []


# plaintext secrets ----------------------------------------------------------------------------------

@pytest.mark.parametrize("typ, key", [
    ("aws:secretsmanager/secretVersion:SecretVersion", "secretString"),
    ("aws:rds/instance:Instance", "password"),
    ("aws:elasticache/replicationGroup:ReplicationGroup", "authToken"),
])
def test_secret_values_must_be_marked_secret(typ, key):
    assert findings([res(typ, inputs={key: "[secret]"})], policy="no-plaintext-secrets") == []
    assert findings([res(typ, inputs={})], policy="no-plaintext-secrets") == []
    found = findings([res(typ, inputs={key: "hunter2"})], policy="no-plaintext-secrets")
    assert len(found) == 1 and found[0].severity == MANDATORY


def _task(containers):
    raw = containers if isinstance(containers, str) else json.dumps(containers)
    return res("aws:ecs/taskDefinition:TaskDefinition", "task", inputs={"containerDefinitions": raw})


@pytest.mark.parametrize("name", ["DB_PASSWORD", "api_key", "GITHUB_TOKEN", "MY_SECRET", "PRIVATE_KEY_PEM",
                                  "AWS_CREDENTIALS"])
def test_secret_looking_environment_is_found(name):
    found = findings([_task([{"name": "app", "environment": [{"name": name, "value": "x"}]}])],
                     policy="no-plaintext-secrets")
    assert len(found) == 1 and name in found[0].message


def test_secrets_through_value_from_pass():
    task = _task([{"name": "app", "environment": [{"name": "LOG_LEVEL", "value": "info"}],
                   "secrets": [{"name": "BINDING_DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:..."}]}])
    assert findings([task], policy="no-plaintext-secrets") == []


@pytest.mark.parametrize("raw", ["{not json", json.dumps({"name": "app"}), json.dumps(["app"]), json.dumps(None)])
def test_container_definitions_that_cannot_be_read_are_mandatory(raw):
    found = findings([_task(raw)], policy="no-plaintext-secrets")
    assert len(found) == 1 and "cannot be inspected" in found[0].message


# guardrails ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("allowed, region, expect", [
    ([], "ap-south-1", 0),
    (["eu-central-1", "eu-west-1"], "eu-central-1", 0),
    (["eu-central-1", "eu-west-1"], "eu-west-1", 0),
    (["eu-central-1", "eu-west-1"], "us-east-1", 1),
])
def test_allowed_regions(allowed, region, expect):
    found = findings([], unit_inputs(guardrails={"allowed_regions": allowed}, region=region), policy="allowed-regions")
    assert len(found) == expect


def _binding(offering="postgres", plan="small", paid=False, usd=15.0, name="db"):
    return SimpleNamespace(name=name, offering=SimpleNamespace(name=offering),
                           plan=SimpleNamespace(name=plan, paid=paid, monthly_usd=usd))


@pytest.mark.parametrize("guardrails, binding, expect", [
    ({}, _binding(), None),
    ({"allowed_offerings": ["postgres", "queue"]}, _binding(), None),
    ({"allowed_offerings": ["queue"]}, _binding(), "offering postgres is not allowed"),
    ({"allowed_plans": {"postgres": ["small", "medium"]}}, _binding(plan="small"), None),
    ({"allowed_plans": {"postgres": ["medium"]}}, _binding(plan="small"), "plan postgres/small is not allowed"),
    ({"allowed_plans": {"queue": ["standard"]}}, _binding(plan="large"), None),  # only listed offerings are narrowed
    ({"allowed_offerings": ["postgres"], "allowed_plans": {"postgres": ["dev"]}}, _binding(plan="small"),
     "plan postgres/small is not allowed"),
])
def test_allowed_offerings_and_plans(guardrails, binding, expect):
    found = findings([], unit_inputs(guardrails=guardrails, bindings=[binding]), policy="allowed-offerings")
    if expect is None:
        assert found == []
    else:
        assert len(found) == 1 and expect in found[0].message and found[0].resource == "binding db"


@pytest.mark.parametrize("allow_paid, paid, expect", [(False, True, 1), (False, False, 0), (True, True, 0)])
def test_paid_plans(allow_paid, paid, expect):
    inputs = unit_inputs(guardrails={"allow_paid_plans": allow_paid}, bindings=[_binding(paid=paid)])
    assert len(findings([], inputs, policy="paid-plans")) == expect


@pytest.mark.parametrize("cost, expect", [(None, 0), (0.0, 0), (1999.99, 0), (2000.0, 0), (2000.01, 1), (5000.0, 1)])
def test_cost_ceiling_at_its_boundary(cost, expect):
    found = findings([], unit_inputs(guardrails={"cost_ceiling_usd": 2000.0}), cost=cost, policy="cost-ceiling")
    assert len(found) == expect
    if expect:
        assert found[0].severity == MANDATORY and "$2000.00" in found[0].message


def test_guardrails_need_inputs():
    assert findings([], None, cost=10 ** 9) == []


# advisories -----------------------------------------------------------------------------------------

NAT = "aws:ec2/natGateway:NatGateway"


@pytest.mark.parametrize("protected, kind, nats, azs, expect", [
    (True, "space", 1, 2, 1),
    (True, "space", 1, 1, 0),     # one AZ: one NAT is all there is
    (True, "space", 2, 2, 0),     # per-AZ NAT
    (False, "space", 1, 2, 0),    # only protected environments
    (True, "service", 1, 2, 0),   # a service unit owns no NAT
])
def test_single_nat_in_protected_space(protected, kind, nats, azs, expect):
    graph = [res(NAT, f"nat{i}") for i in range(nats)]
    found = findings(graph, unit_inputs(protected=protected, kind=kind, azs=azs), policy="resilience")
    assert len(found) == expect and all(f.severity == ADVISORY for f in found)


@pytest.mark.parametrize("protected, multi_az, expect", [(True, False, 1), (True, None, 1), (True, True, 0), (False, False, 0)])
def test_single_az_database_in_protected_env(protected, multi_az, expect):
    db = res("aws:rds/instance:Instance", inputs={} if multi_az is None else {"multiAz": multi_az})
    assert len(findings([db], unit_inputs(protected=protected, kind="service"), policy="resilience")) == expect


@pytest.mark.parametrize("protocol, expect", [("HTTP", 1), ("HTTPS", 0)])
def test_plain_http_listener(protocol, expect):
    found = findings([res("aws:lb/listener:Listener", inputs={"protocol": protocol})], policy="tls")
    assert len(found) == expect and all(f.severity == ADVISORY for f in found)


REDIRECT = [{"type": "redirect", "redirect": {"port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"}}]
TLS12 = "ELBSecurityPolicy-TLS13-1-2-2021-06"


@pytest.mark.parametrize("listener, protected, expect", [
    ({"protocol": "HTTP", "defaultActions": [{"type": "forward"}]}, True, ["https"]),  # plain HTTP where protected
    ({"protocol": "HTTP", "defaultActions": [{"type": "forward"}]}, False, ["tls"]),  # elsewhere an advisory
    ({"protocol": "HTTP", "defaultActions": REDIRECT}, True, []),  # 80 redirects to 443
    ({"protocol": "HTTP", "defaultActions": [{"type": "redirect", "redirect": {"protocol": "HTTP"}}]}, True, ["https"]),
    ({"protocol": "HTTP", "defaultActions": REDIRECT + [{"type": "forward"}]}, True, ["https"]),  # not only a redirect
    ({"protocol": "HTTP", "defaultActions": []}, True, ["https"]),
    ({"protocol": "HTTPS", "sslPolicy": TLS12}, True, []),
    ({"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS-1-2-2017-01"}, True, []),
    ({"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-2016-08"}, True, ["https"]),  # allows TLS 1.0
    ({"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS-1-1-2017-01"}, True, ["https"]),
    ({"protocol": "HTTPS"}, True, ["https"]),  # no policy: the load balancer's default, which allows TLS 1.0
])
def test_https_in_protected_environments(listener, protected, expect):
    graph = [res("aws:lb/listener:Listener", inputs=listener)]
    found = [f for f in findings(graph, unit_inputs(protected=protected, kind="service")) if f.policy in ("https", "tls")]
    assert [f.policy for f in found] == expect
    assert all(f.severity == (MANDATORY if f.policy == "https" else ADVISORY) for f in found)


def _transport_policy(resources, *, effect="Deny", principal="*", secure="false", sid="T"):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": sid, "Effect": effect, "Principal": principal, "Action": "s3:*", "Resource": resources,
        "Condition": {"Bool": {"aws:SecureTransport": secure}}}]})


@pytest.mark.parametrize("policy, expect", [
    ({}, 0),
    ({"effect": "Allow"}, 1),  # allows instead of denying
    ({"secure": "true"}, 1),  # denies TLS requests instead
    ({"principal": {"AWS": "arn:aws:iam::123456789012:root"}}, 1),  # only one principal
    ({"principal": {"AWS": "*"}}, 0),
])
def test_secure_transport_of_buckets(policy, expect):
    bucket = res("aws:s3/bucket:Bucket", name="b", outputs={"id": "b-1", "bucket": "b-1"})
    graph = [bucket, res("aws:s3/bucketPolicy:BucketPolicy", inputs={
        "bucket": "b-1", "policy": _transport_policy(["arn:aws:s3:::b-1", "arn:aws:s3:::b-1/*"], **policy)})]
    assert len(findings(graph, policy="secure-transport")) == expect
    # a policy of another bucket, or none, does not count
    other = [bucket, res("aws:s3/bucketPolicy:BucketPolicy", inputs={"bucket": "b-2", "policy": _transport_policy([])})]
    assert len(findings(other, policy="secure-transport")) == 1 and len(findings([bucket], policy="secure-transport")) == 1


@pytest.mark.parametrize("kind, policy_type, field, output", [
    ("aws:sqs/queue:Queue", "aws:sqs/queuePolicy:QueuePolicy", "queueUrl", "url"),
    ("aws:sns/topic:Topic", "aws:sns/topicPolicy:TopicPolicy", "arn", "arn"),
])
def test_secure_transport_of_queues_and_topics(kind, policy_type, field, output):
    resource = res(kind, name="q", outputs={output: "q-1"})
    guarded = [resource, res(policy_type, inputs={field: "q-1", "policy": _transport_policy(["x"])})]
    assert findings(guarded, policy="secure-transport") == []
    found = findings([resource, res(policy_type, inputs={field: "q-2", "policy": _transport_policy(["x"])})],
                     policy="secure-transport")
    assert len(found) == 1 and found[0].severity == MANDATORY
    broken = [resource, res(policy_type, inputs={field: "q-1", "policy": "not json"})]
    assert len(findings(broken, policy="secure-transport")) == 1


@pytest.mark.parametrize("lb, health, expect", [(False, False, 1), (True, False, 0), (False, True, 0)])
def test_worker_health_check(lb, health, expect):
    container = {"name": "app", **({"healthCheck": {"command": ["CMD", "true"]}} if health else {})}
    graph = [_task([container])] + ([res("aws:lb/targetGroup:TargetGroup")] if lb else [])
    assert len(findings(graph, policy="health")) == expect


@pytest.mark.parametrize("notifications, expect", [(None, 1), ([], 1), ([{"subscriberEmailAddresses": ["a@b.c"]}], 0)])
def test_budget_alert_recipients(notifications, expect):
    budget = res("aws:budgets/budget:Budget", inputs={} if notifications is None else {"notifications": notifications})
    assert len(findings([budget], policy="budget-alerts")) == expect


def test_findings_are_sorted_mandatory_first():
    graph = [res("aws:lb/listener:Listener", inputs={"protocol": "HTTP"}),
             res("aws:cloudwatch/logGroup:LogGroup")]
    out = evaluate(graph)
    assert [f.severity for f in out] == [MANDATORY, ADVISORY]
