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


BREAKERS = {
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
    assert {f.policy for f in findings} >= {"tls"}
    assert all(f.severity == "advisory" for f in findings)
