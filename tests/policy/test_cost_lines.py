"""The cost estimate line by line on small hand-made graphs and a price table of round numbers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from platform_cli.model import PriceTable
from platform_cli.planning.cost import TYPE_ITEMS, estimate

PRICES = PriceTable.model_validate({
    "items": {"nat_gateway": 30.0, "public_ipv4": 4.0, "load_balancer": 20.0, "kms_key": 1.0, "log_group": 2.0,
              "artifact_bucket": 1.5, "ecr_repository": 1.0, "ecs_cluster": 0.0, "flow_logs": 5.0, "vpc": 0.0,
              "secret": 0.5, "budget": 0.0, "fargate_vcpu": 40.0, "fargate_gb": 4.0},
    "region_multipliers": {"us-east-1": 1.0, "eu-central-1": 1.5}, "default_multiplier": 2.0})


def res(typ):
    return {"type": typ, "name": "r", "inputs": {}, "outputs": {}}


def unit(kind="space", region="us-east-1", service=None, bindings=()):
    return SimpleNamespace(kind=kind, region=region, service=service, bindings=list(bindings))


def lines(est):
    return {x.item: (x.quantity, x.unit_usd) for x in est.lines}


def test_each_priced_resource_is_counted_at_its_price():
    graph = [res(t) for t in TYPE_ITEMS] + [res("aws:ec2/natGateway:NatGateway")]
    est = estimate(graph, unit(region="eu-central-1"), PRICES)
    got = lines(est)
    assert got["nat_gateway"] == (2, 45.0)      # two of them, at the region's multiplier
    assert got["kms_key"] == (1, 1.5)
    assert "vpc" not in got or got["vpc"][1] == 0.0
    assert est.total == round(2 * 45.0 + 1.5 * (4 + 20 + 1 + 2 + 1 + 5 + 0.5), 2)


def test_unpriced_types_cost_nothing():
    assert estimate([res("aws:ec2/subnet:Subnet"), res("aws:iam/role:Role")], unit(), PRICES).lines == []


def test_a_database_adds_its_master_password_secret():
    graph = [res("aws:rds/instance:Instance"), res("aws:secretsmanager/secret:Secret")]
    assert lines(estimate(graph, unit(kind="service"), PRICES))["secret"] == (2, 0.5)
    assert "secret" not in lines(estimate([res("aws:s3/bucket:Bucket")], unit(kind="service"), PRICES))


def test_buckets_are_priced_as_artifact_buckets_in_spaces_only():
    graph = [res("aws:s3/bucket:Bucket"), res("aws:s3/bucket:Bucket")]
    assert lines(estimate(graph, unit(kind="space"), PRICES))["artifact_bucket"] == (2, 1.5)
    assert "artifact_bucket" not in lines(estimate(graph, unit(kind="service"), PRICES))


@pytest.mark.parametrize("min_tasks, tasks", [(0, 1), (1, 1), (3, 3)])
def test_fargate_at_the_minimum_task_count_and_at_least_one(min_tasks, tasks):
    svc = SimpleNamespace(scaling=SimpleNamespace(min=min_tasks), cpu=512, memory=2048)
    got = lines(estimate([], unit(kind="service", service=svc), PRICES))
    assert got["fargate_vcpu"] == (tasks * 0.5, 40.0)
    assert got["fargate_gb"] == (tasks * 2.0, 4.0)


def test_binding_plans_at_the_region_multiplier():
    svc = SimpleNamespace(scaling=SimpleNamespace(min=1), cpu=256, memory=512)
    b = SimpleNamespace(name="db", offering=SimpleNamespace(name="postgres"), plan=SimpleNamespace(name="small", monthly_usd=10.0))
    assert lines(estimate([], unit(kind="service", region="eu-central-1", service=svc, bindings=[b]),
                          PRICES))["postgres/small (db)"] == (1, 15.0)
    assert lines(estimate([], unit(kind="service", region="ap-south-1", service=svc, bindings=[b]),
                          PRICES))["postgres/small (db)"] == (1, 20.0)  # not listed: the default multiplier
