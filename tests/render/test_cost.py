"""Monthly cost estimates from the price table."""

from platform_cli.planning.cost import estimate


def test_space_cost_follows_nat_mode_and_region(rendered, reference_inputs, reference_ws):
    prices = reference_ws.catalog.prices
    single = estimate(rendered["space/payments/prod/eu-central-1"].resources,
                      reference_inputs["space/payments/prod/eu-central-1"], prices)
    per_az = estimate(rendered["space/search/prod/eu-west-1"].resources, reference_inputs["space/search/prod/eu-west-1"], prices)
    no_nat = estimate(rendered["space/lab/dev/eu-central-1"].resources, reference_inputs["space/lab/dev/eu-central-1"], prices)
    lines = {x.item: x for x in single.lines}
    assert lines["nat_gateway"].quantity == 1
    assert lines["nat_gateway"].unit_usd == prices.price("nat_gateway", "eu-central-1")
    assert {x.item: x for x in per_az.lines}["nat_gateway"].quantity == 3
    assert "nat_gateway" not in {x.item for x in no_nat.lines}
    assert no_nat.total < single.total < per_az.total


def test_service_cost_includes_fargate_and_plans(rendered, reference_inputs, reference_ws):
    unit = "service/payments/api/prod/eu-central-1"
    inputs = reference_inputs[unit]
    est = estimate(rendered[unit].resources, inputs, reference_ws.catalog.prices)
    items = {x.item: x for x in est.lines}
    assert items["fargate_vcpu"].quantity == inputs.service.scaling.min * inputs.service.cpu / 1024
    assert items["load_balancer"].quantity == 1
    for b in inputs.bindings:
        assert f"{b.offering.name}/{b.plan.name} ({b.name})" in items
    assert est.total == round(sum(x.amount for x in est.lines), 2)
