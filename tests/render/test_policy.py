"""Every policy: the reference renders pass it, and a fixture breaking it is found."""

from __future__ import annotations

import copy
import json

import pytest

from platform_cli.planning.policy import MANDATORY, POLICIES, evaluate

SPACE = "space/payments/prod/eu-central-1"
SERVICE = "service/payments/api/prod/eu-central-1"


def _mandatory(graph, inputs, cost=None):
    return [f for f in evaluate(graph, inputs, monthly_cost=cost) if f.severity == MANDATORY]


@pytest.mark.parametrize("unit", [SPACE, SERVICE, "space/lab/dev/eu-central-1", "space/search/prod/eu-west-1"])
def test_reference_units_have_no_mandatory_finding(rendered, reference_inputs, unit):
    assert _mandatory(rendered[unit].resources, reference_inputs[unit], 10.0) == []


def _first(graph, typ):
    return next(r for r in graph if r["type"] == typ)


def _break_encryption(g, i):
    _first(g, "aws:cloudwatch/logGroup:LogGroup")["inputs"].pop("kmsKeyId")
    return g, i


def _break_pab(g, i):
    g[:] = [r for r in g if r["type"] != "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"]
    return g, i


def _break_tags(g, i):
    _first(g, "aws:ec2/vpc:Vpc")["inputs"]["tags"].pop("cost-center")
    return g, i


def _break_iam(g, i):
    policy = _first(g, "aws:iam/rolePolicy:RolePolicy")
    doc = json.loads(policy["inputs"]["policy"])
    doc["Statement"].append({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    policy["inputs"]["policy"] = json.dumps(doc)
    return g, i


def _break_secrets(g, i):
    _first(g, "aws:secretsmanager/secretVersion:SecretVersion")["inputs"]["secretString"] = '{"password": "hunter2"}'
    return g, i


def _break_region(g, i):
    bp = i.blueprint.model_copy(update={"guardrails": i.blueprint.guardrails.model_copy(update={"allowed_regions": ["us-east-1"]})})
    return g, i.model_copy(update={"blueprint": bp})


def _break_offerings(g, i):
    bp = i.blueprint.model_copy(update={"guardrails": i.blueprint.guardrails.model_copy(update={"allowed_offerings": ["queue"]})})
    return g, i.model_copy(update={"blueprint": bp})


def _break_paid(g, i):
    plans = [b.model_copy(update={"plan": b.plan.model_copy(update={"paid": True})}) for b in i.bindings]
    return g, i.model_copy(update={"bindings": plans})


def _plain_http(g, i):
    for r in g:
        if r["type"] == "aws:lb/listener:Listener":
            r["inputs"].update(protocol="HTTP", port=80, defaultActions=[{"type": "forward"}])
            r["inputs"].pop("sslPolicy", None)
    return g, i


def _break_secure_transport(g, i):
    g[:] = [r for r in g if r["type"] != "aws:s3/bucketPolicy:BucketPolicy"]
    return g, i


BREAKERS = {
    "https": (SERVICE, _plain_http, None),
    "secure-transport": (SPACE, _break_secure_transport, None),
    "encryption-at-rest": (SPACE, _break_encryption, None),
    "bucket-public-access-block": (SPACE, _break_pab, None),
    "required-tags": (SPACE, _break_tags, None),
    "iam-least-privilege": (SPACE, _break_iam, None),
    "no-plaintext-secrets": (SERVICE, _break_secrets, None),
    "allowed-regions": (SPACE, _break_region, None),
    "allowed-offerings": (SERVICE, _break_offerings, None),
    "paid-plans": (SERVICE, _break_paid, None),
    "cost-ceiling": (SPACE, lambda g, i: (g, i), 10_000.0),
}


def test_every_mandatory_policy_has_a_failing_fixture():
    assert {p.id for p in POLICIES if p.severity == MANDATORY} == set(BREAKERS)


@pytest.mark.parametrize("policy", sorted(BREAKERS))
def test_broken_fixture_is_found(rendered, reference_inputs, policy):
    unit, breaker, cost = BREAKERS[policy]
    graph, inputs = breaker(copy.deepcopy(rendered[unit].resources), reference_inputs[unit])
    found = _mandatory(graph, inputs, cost if cost is not None else 10.0)
    assert found and {f.policy for f in found} == {policy}
    assert all(f.message and f.resource for f in found)


def test_advisories_are_shown_but_not_mandatory(rendered, reference_inputs):
    findings = evaluate(rendered[SERVICE].resources, reference_inputs[SERVICE], monthly_cost=1.0)
    assert all(f.severity == "advisory" for f in findings)
    # plain HTTP outside a protected environment: an advisory, not a mandatory finding
    graph, inputs = _plain_http(copy.deepcopy(rendered[SERVICE].resources), reference_inputs[SERVICE])
    findings = evaluate(graph, inputs.model_copy(update={"protected": False}), monthly_cost=1.0)
    assert [f.policy for f in findings if f.policy in ("tls", "https")] == ["tls"] * 2
    assert all(f.severity == "advisory" for f in findings)


def test_https_listener_below_tls_1_2_and_unguarded_queues_and_topics_are_found(rendered, reference_inputs):
    graph = copy.deepcopy(rendered[SERVICE].resources)
    https = next(r for r in graph if r["type"] == "aws:lb/listener:Listener" and r["inputs"]["protocol"] == "HTTPS")
    assert https["inputs"]["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06" and https["inputs"]["port"] == 443
    redirect = next(r for r in graph if r["type"] == "aws:lb/listener:Listener" and r["inputs"]["protocol"] == "HTTP")
    assert redirect["inputs"]["defaultActions"][0]["redirect"]["protocol"] == "HTTPS"
    https["inputs"]["sslPolicy"] = "ELBSecurityPolicy-2016-08"  # allows TLS 1.0
    found = _mandatory(graph, reference_inputs[SERVICE], 10.0)
    assert [f.policy for f in found] == ["https"] and "TLS 1.2" in found[0].message
    graph = [r for r in copy.deepcopy(rendered[SERVICE].resources)
             if r["type"] not in ("aws:sqs/queuePolicy:QueuePolicy", "aws:sns/topicPolicy:TopicPolicy")]
    found = _mandatory(graph, reference_inputs[SERVICE], 10.0)
    assert sorted(f.resource.split()[0] for f in found) == ["Queue", "Queue", "Topic"]
    # a policy that denies something else does not count
    graph = copy.deepcopy(rendered[SERVICE].resources)
    for r in graph:
        if r["type"] == "aws:sns/topicPolicy:TopicPolicy":
            doc = json.loads(r["inputs"]["policy"])
            doc["Statement"][0]["Condition"] = {"Bool": {"aws:SecureTransport": "true"}}
            r["inputs"]["policy"] = json.dumps(doc)
    assert [f.resource.split()[0] for f in _mandatory(graph, reference_inputs[SERVICE], 10.0)] == ["Topic"]
