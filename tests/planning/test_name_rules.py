"""Names derived from org, team, env, region, service and binding: unique, prefix-free, and valid for AWS.

``derived_names`` states where each part goes in every name the stacks create (the golden test
below proves the rendered graphs hold exactly these names); the properties run over every name
the model accepts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from platform_cli.errors import UsageError
from platform_cli.model.base import DNS_NAME
from platform_cli.planning import names as n
from platform_cli.planning.aws_rules import POSTGRES_RESERVED, RULES, NameRefused, check_part, database_name

REGIONS = ["eu-central-1", "eu-west-1", "us-east-1", "us-west-2", "ap-southeast-2", "ap-northeast-1", "sa-east-1",
           "cn-north-1", "us-gov-west-1", "me-central-1", "ap-south-1", "ca-central-1", "il-central-1"]
OFFERINGS = ["postgres", "queue", "bucket", "table", "cache", "topic"]
ACCOUNT = "123456789012"
GOLDEN = Path(__file__).resolve().parents[1] / "render" / "golden"

names_st = st.from_regex(DNS_NAME, fullmatch=True)
regions_st = st.sampled_from(REGIONS)


def accepted(kind: str, value: str, **kw) -> bool:
    try:
        check_part(kind, value, **kw)
    except NameRefused:
        return False
    return True


def derived_names(org, team, env, region, service=None, binding=None, offering=None, fifo=False) -> list[tuple[str, str]]:
    """(rule, name) of every AWS name the stacks give a space unit, or a service unit with one binding."""
    p = n.space_prefix(team, env, region)
    out = [("s3-bucket", n.bucket_name(org, team, env, region, "artifacts", ACCOUNT)),
           ("kms-alias", f"alias/{p}"), ("log-group", f"/platform/{p}"), ("ecr-repository", p), ("ecs-cluster", p),
           ("budget", n.resource_name(org, team, env, max_len=100))]
    out += [("iam-role", n.resource_name(p, r, max_len=64)) for r in ("flow-logs", "developer", "read-only", "ci-deploy")]
    out += [("iam-policy", n.resource_name(p, *x, max_len=128))
            for x in (("boundary",), ("ci-boundary",), ("ci", "release"), ("ci", "deploy"), ("ci", "deploy-named"),
                      ("ci", "deploy-create"), ("ci", "deploy-tag"))]
    if service is None:
        return out
    sp = n.service_prefix(team, env, region, service)
    out += [("iam-role", n.resource_name(sp, "execution", max_len=64)), ("iam-role", n.resource_name(sp, "task", max_len=64)),
            ("security-group", n.resource_name(sp, "tasks")), ("security-group", n.resource_name(sp, "lb")),
            ("load-balancer", n.resource_name(sp, max_len=32)), ("target-group", n.resource_name(sp, max_len=32)),
            ("ecs-task-family", sp), ("ecs-service", service), ("scaling-policy", f"{service}-cpu"),
            ("iam-policy", "pull-and-log")]
    if binding is None:
        return out
    out += [("secret", n.secret_name(team, env, region, service, binding)), ("iam-policy", f"binding-{binding}"),
            ("iam-policy", f"binding-{binding}-secrets")]
    suffix = ".fifo" if fifo else ""
    by_offering = {
        "postgres": [("security-group", n.resource_name(sp, binding)), ("rds-subnet-group", n.resource_name(sp, binding)),
                     ("rds-instance", n.flat_name(sp, binding)),
                     ("rds-snapshot", n.flat_name(sp, binding, "final", max_len=255)),
                     ("postgres-database", database_name(binding))],
        "cache": [("security-group", n.resource_name(sp, binding)),
                  ("elasticache-subnet-group", n.flat_name(sp, binding, max_len=255)),
                  ("elasticache-replication-group", n.flat_name(sp, binding, max_len=40))],
        "queue": [("sqs-queue", n.resource_name(sp, binding, max_len=75) + suffix),
                  ("sqs-queue", n.resource_name(sp, binding, "dlq", max_len=75) + suffix)],
        "topic": [("sns-topic", n.resource_name(sp, binding, max_len=250) + suffix)],
        "table": [("dynamodb-table", n.resource_name(sp, binding, max_len=255))],
        "bucket": [("s3-bucket", n.bucket_name(org, team, env, region, service, ACCOUNT, binding))],
    }
    return out + by_offering[offering]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(org=names_st, team=names_st, env=names_st, region=regions_st, service=names_st, binding=names_st,
       offering=st.sampled_from(OFFERINGS), fifo=st.booleans())
def test_every_name_derived_from_accepted_parts_keeps_aws_rules(org, team, env, region, service, binding, offering, fifo):
    assume(accepted("org", org) and accepted("team", team) and accepted("env", env) and accepted("service", service)
           and accepted("binding", binding, offering=offering))
    for rule, name in derived_names(org, team, env, region, service, binding, offering, fifo):
        assert RULES[rule].violations(name) == [], (rule, name)


@settings(max_examples=100, deadline=None)
@given(org=names_st, team=names_st, env=names_st, region=regions_st, service=names_st, binding=names_st,
       offering=st.sampled_from(OFFERINGS))
def test_every_refusal_is_needed(org, team, env, region, service, binding, offering):
    """A part is refused only when some name derived from it would break an AWS rule."""
    parts = {"org": org, "team": team, "env": env, "service": service, "binding": binding}
    for kind, value in parts.items():
        if accepted(kind, value, offering=offering if kind == "binding" else None):
            continue
        offerings = [offering] if kind == "binding" else OFFERINGS  # a team or service may bind any offering
        broken = [(rule, name) for o in offerings
                  for rule, name in derived_names(org, team, env, region, service, binding, o)
                  if RULES[rule].violations(name)]
        # "--" is refused everywhere: it would make names ambiguous, and RDS refuses it
        assert broken or "--" in value, (kind, value)


def test_the_names_aws_rejects_are_refused_with_the_rule_named():
    cases = [
        ("team", "1shop", None, "RDS DB instance identifier must begin with a letter"),
        ("team", "internal", None, "may not begin with 'internal-'"),
        ("team", "internal-tools", None, "may not begin with 'internal-'"),
        ("team", "sg", None, "EC2 security group name may not begin with 'sg-'"),
        ("team", "a--b", None, "two consecutive hyphens"),
        ("env", "prod--eu", None, "two consecutive hyphens"),
        ("org", "xn", None, "S3 general purpose bucket name may not begin with 'xn--'"),
        ("org", "sthree", None, "may not begin with 'sthree-'"),
        ("org", "amzn-s3-demo", None, "may not begin with 'amzn-s3-demo-'"),
        ("binding", "1db", "postgres", "must begin with a letter"),
        ("binding", "select", "postgres", "reserved word 'select'"),
        ("binding", "order", "postgres", "reserved word 'order'"),
    ]
    for kind, value, offering, rule in cases:
        with pytest.raises(UsageError) as exc:
            check_part(kind, value, offering=offering)
        assert rule in exc.value.message, (value, exc.value.message)
        assert "nothing was written" in exc.value.message
    # the boundaries: one character away is accepted
    for kind, value, offering in [("team", "shop1", None), ("team", "internals", None), ("team", "sgx", None),
                                  ("team", "a-b", None), ("org", "xnx", None), ("binding", "db1", "postgres"),
                                  ("binding", "selects", "postgres"), ("binding", "select", "queue"),
                                  ("binding", "1db", "queue"), ("team", "x-internal", None)]:
        check_part(kind, value, offering=offering)
    assert "select" in POSTGRES_RESERVED and "orders" not in POSTGRES_RESERVED


@pytest.mark.parametrize("rule,bad,good", [
    ("rds-instance", "1db", "db1"), ("rds-instance", "a--b", "a-b"), ("rds-instance", "ab-", "ab"),
    ("rds-instance", "a" * 64, "a" * 63), ("load-balancer", "internal-x", "internalx"),
    ("load-balancer", "a" * 33, "a" * 32), ("s3-bucket", "xn--abc", "xn-abc"), ("s3-bucket", "ab", "abc"),
    ("s3-bucket", "abc-s3alias", "abc-s3alia"), ("s3-bucket", "abc--x-s3", "abc--x-s4"), ("s3-bucket", "192.168.5.4", "192.168.5.a"),
    ("postgres-database", "select", "selected"), ("postgres-database", "1db", "db1"),
    ("elasticache-replication-group", "a" * 41, "a" * 40), ("iam-role", "a" * 65, "a" * 64),
    ("ecr-repository", "a..b", "a.b"), ("security-group", "sg-1", "sgx-1"), ("kms-alias", "alias/aws/x", "alias/awsx"),
    ("sqs-queue", "a.b", "a.fifo"), ("dynamodb-table", "ab", "abc"),
])
def test_each_rule_breaks_at_its_boundary(rule, bad, good):
    assert RULES[rule].violations(bad)
    assert RULES[rule].violations(good) == []


pair = st.tuples(names_st, names_st, regions_st)


@settings(max_examples=200, deadline=None)
@given(a=pair, b=pair)
def test_different_spaces_never_share_a_name_a_tag_or_a_prefix(a, b):
    assume(a != b and all(accepted("team", x[0]) and accepted("env", x[1]) for x in (a, b)))
    (ta, ea, ra), (tb, eb, rb) = a, b
    if (ta, ea) != (tb, eb):
        assert n.space_name(ta, ea) != n.space_name(tb, eb)
        assert not n.secret_prefix(ta, ea).startswith(n.secret_prefix(tb, eb))
    ga, gb = n.grant_prefix(ta, ea, ra), n.grant_prefix(tb, eb, rb)
    assert not ga.startswith(gb) and not gb.startswith(ga)
    names_a = {name for _, name in derived_names("acme", ta, ea, ra, "api", "orders", "postgres")}
    names_b = {name for _, name in derived_names("acme", tb, eb, rb, "api", "orders", "postgres")}
    shared = names_a & names_b - {"api", "api-cpu", "binding-orders", "binding-orders-secrets", "orders", "pull-and-log"}
    if (ta, ea) == (tb, eb):  # one budget per environment, created in its first region
        shared -= {n.resource_name("acme", ta, ea, max_len=100)}
    assert not shared  # ECS service, scaling policy, role policy names and the database are per cluster/role/instance
    if ta != tb:
        assert not n.pulumi_project(n.service_unit(ta, "x", ea, ra)).startswith(n.service_project_prefix(tb))
        assert n.space_project(ta) != n.space_project(tb)


def test_the_reported_collision_is_gone():
    """Team shop env prod-eu and team shop-prod env eu rendered the same names and space tag."""
    a = {name for _, name in derived_names("acme", "shop", "prod-eu", "eu-west-1", "api", "db", "postgres")}
    b = {name for _, name in derived_names("acme", "shop-prod", "eu", "eu-west-1", "api", "db", "postgres")}
    assert n.space_name("shop", "prod-eu") == "shop--prod-eu" != n.space_name("shop-prod", "eu") == "shop-prod--eu"
    assert a & b == {"api", "api-cpu", "binding-db", "binding-db-secrets", "db", "pull-and-log"}
    assert n.pulumi_project("service/payments/api/prod/eu-west-1") == "service.payments.api"
    assert not "service.payments-api.web".startswith(n.service_project_prefix("payments"))
    assert n.secret_name("payments", "prod", "eu-west-1", "api", "db") == "platform/payments/prod/eu-west-1/api/db"
    assert not n.secret_prefix("payments-api").startswith(n.secret_prefix("payments"))


@settings(max_examples=100, deadline=None)
@given(team=names_st, env=names_st, region=regions_st, service=names_st)
def test_every_service_name_is_under_its_space_grant_prefix(team, env, region, service):
    assume(accepted("team", team) and accepted("env", env) and accepted("service", service))
    g = n.grant_prefix(team, env, region)
    sp = n.service_prefix(team, env, region, service)
    assert sp.startswith(g) and len(sp) <= n.SERVICE_PREFIX_MAX
    for name in (n.resource_name(sp, "execution", max_len=64), n.resource_name(sp, "task", max_len=64)):
        assert name.startswith(g)


def test_shortened_names_keep_a_hash_of_the_whole_name():
    long = n.space_prefix("a" * 32, "b" * 32, "eu-west-1")
    other = n.space_prefix("a" * 32, "b" * 31 + "c", "eu-west-1")
    assert len(long) == n.SPACE_PREFIX_MAX and long != other and re.search(r"--[0-9a-f]{8}$", long)


RENDERED_NAME_FIELDS = {
    "aws:s3/bucket:Bucket": {"bucket": "s3-bucket"}, "aws:iam/role:Role": {"name": "iam-role"},
    "aws:iam/policy:Policy": {"name": "iam-policy"}, "aws:iam/rolePolicy:RolePolicy": {"name": "iam-policy"},
    "aws:kms/alias:Alias": {"name": "kms-alias"}, "aws:cloudwatch/logGroup:LogGroup": {"name": "log-group"},
    "aws:ecr/repository:Repository": {"name": "ecr-repository"}, "aws:ecs/cluster:Cluster": {"name": "ecs-cluster"},
    "aws:ecs/service:Service": {"name": "ecs-service"}, "aws:ecs/taskDefinition:TaskDefinition": {"family": "ecs-task-family"},
    "aws:ec2/securityGroup:SecurityGroup": {"name": "security-group"},
    "aws:lb/loadBalancer:LoadBalancer": {"name": "load-balancer"}, "aws:lb/targetGroup:TargetGroup": {"name": "target-group"},
    "aws:rds/instance:Instance": {"identifier": "rds-instance", "finalSnapshotIdentifier": "rds-snapshot",
                                  "dbName": "postgres-database"},
    "aws:rds/subnetGroup:SubnetGroup": {"name": "rds-subnet-group"},
    "aws:elasticache/replicationGroup:ReplicationGroup": {"replicationGroupId": "elasticache-replication-group"},
    "aws:elasticache/subnetGroup:SubnetGroup": {"name": "elasticache-subnet-group"},
    "aws:sqs/queue:Queue": {"name": "sqs-queue"}, "aws:sns/topic:Topic": {"name": "sns-topic"},
    "aws:dynamodb/table:Table": {"name": "dynamodb-table"}, "aws:secretsmanager/secret:Secret": {"name": "secret"},
    "aws:budgets/budget:Budget": {"name": "budget"}, "aws:appautoscaling/policy:Policy": {"name": "scaling-policy"},
}


@pytest.mark.parametrize("golden", sorted(GOLDEN.glob("*.json")), ids=lambda p: p.stem)
def test_every_name_the_stacks_render_keeps_its_aws_rule_and_comes_from_the_naming_functions(golden):
    graph = json.loads(golden.read_text())
    unit = n.parse_unit(graph["unit"])
    expected: set[tuple[str, str]] = set()
    services = {unit["service"]} if unit["kind"] == "service" else set()
    seen = 0
    for r in graph["resources"]:
        for field_name, rule in RENDERED_NAME_FIELDS.get(r["type"], {}).items():
            name = r.get("inputs", {}).get(field_name)
            if not isinstance(name, str) or not name:
                continue
            seen += 1
            assert RULES[rule].violations(name) == [], (r["type"], name)
            expected.add((rule, name))
    assert seen
    org = "acme"
    derived = set(derived_names(org, unit["team"], unit["env"], unit["region"]))
    for svc in services:
        for offering in OFFERINGS:
            for b in ("orders", "db", "jobs", "events", "cache", "files", "store", "queue", "sessions"):
                for fifo in (False, True):
                    derived |= set(derived_names(org, unit["team"], unit["env"], unit["region"], svc, b, offering, fifo))
    unexplained = {x for x in expected if x not in derived and x[0] != "s3-bucket"}
    assert not unexplained, sorted(unexplained)
