"""Advisory findings: workers without a container health check, budgets alerting nobody."""

from __future__ import annotations

import json

from platform_cli.planning.policy import evaluate

WORKER = "service/payments/worker/dev/eu-central-1"
LAB = "space/lab/dev/eu-central-1"  # a space without owners
PAYMENTS = "space/payments/prod/eu-central-1"


def _policies(rendered, reference_inputs, unit):
    return {f.policy: f for f in evaluate(rendered[unit].resources, reference_inputs[unit], monthly_cost=1.0)}


def test_worker_without_health_command_is_advised(rendered, reference_inputs):
    found = _policies(rendered, reference_inputs, WORKER)
    assert found["health"].severity == "advisory"
    assert "health_command" in found["health"].message


def test_health_command_becomes_the_container_health_check(reference_inputs):
    from platform_cli.render import render_unit

    inputs = reference_inputs[WORKER].model_copy(deep=True)
    inputs.service.health_command = ["python", "-m", "app.healthcheck"]
    graph = render_unit(inputs).resources
    (task,) = [r for r in graph if r["type"] == "aws:ecs/taskDefinition:TaskDefinition"]
    (container,) = json.loads(task["inputs"]["containerDefinitions"])
    assert container["healthCheck"]["command"] == ["CMD", "python", "-m", "app.healthcheck"]
    assert "health" not in {f.policy for f in evaluate(graph, inputs, monthly_cost=1.0)}


def test_budget_without_owners_is_advised(rendered, reference_inputs):
    assert _policies(rendered, reference_inputs, LAB)["budget-alerts"].severity == "advisory"
    assert "budget-alerts" not in _policies(rendered, reference_inputs, PAYMENTS)


def test_uninspectable_container_definitions_are_a_mandatory_finding(rendered, reference_inputs):
    """The plaintext-secrets check fails closed: what it cannot read, it does not pass."""
    import copy

    graph = copy.deepcopy(rendered[WORKER].resources)
    for r in graph:
        if r["type"] == "aws:ecs/taskDefinition:TaskDefinition":
            r["inputs"]["containerDefinitions"] = "[secret]"
    before = {f.policy for f in evaluate(rendered[WORKER].resources, reference_inputs[WORKER], monthly_cost=1.0)
              if f.severity == "mandatory"}
    found = [f for f in evaluate(graph, reference_inputs[WORKER], monthly_cost=1.0)
             if f.severity == "mandatory" and f.policy not in before]
    assert [f.policy for f in found] == ["no-plaintext-secrets"]
    assert "cannot be inspected" in found[0].message
