"""remove-region asks the state (the units' stack exports) what is applied where the engine can read it."""

from __future__ import annotations

import pytest

from platform_cli.errors import ConflictError, EngineError
from platform_cli.lifecycle.regions import remove_region
from platform_cli.workspace import WorkspaceContext
from tests.rollout.conftest import FakeEngine

UNIT = "space/payments/prod/eu-west-3"
SERVICE = "service/payments/orders/prod/eu-west-3"


def export(*types):
    return {"version": 3, "deployment": {"resources": [
        {"urn": "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s", "type": "pulumi:pulumi:Stack", "custom": False},
        {"urn": "urn:pulumi:s::p::pulumi:providers:aws::aws", "type": "pulumi:providers:aws", "custom": True},
        *({"urn": f"urn:pulumi:s::p::{t}::r{i}", "type": t, "custom": True, "id": f"id-{i}"}
          for i, t in enumerate(types))]}}


class StateEngine(FakeEngine):
    """A fake engine whose stacks hold what ``stacks`` says (unit -> export; a missing unit has no stack)."""

    def __init__(self, stacks=None, *, broken=False):
        super().__init__()
        self.stacks = dict(stacks or {})
        self.broken = broken

    def export(self, target):
        if self.broken:
            raise EngineError("the backend cannot be read")
        return self.stacks.get(target.unit)


def regions(ws):
    return WorkspaceContext.open(ws.root).space("payments").environments["prod"].regions


def test_the_state_decides_over_the_history(payments, record):
    record(UNIT)  # the history says applied ...
    engine = StateEngine({UNIT: export()})  # ... but the stack holds nothing (destroyed outside the platform)
    assert remove_region(payments, "payments", "prod", "eu-west-3", engine=engine, history=record.store).removed
    assert "eu-west-3" not in regions(payments)
    assert engine.calls == []  # nothing destroyed


def test_resources_in_the_state_refuse_even_without_history(payments, record):
    engine = StateEngine({UNIT: export("aws:ec2/vpc:Vpc", "aws:s3/bucket:Bucket")})
    with pytest.raises(ConflictError) as err:
        remove_region(payments, "payments", "prod", "eu-west-3", engine=engine, history=record.store)
    assert "its stack holds resources" in err.value.message and "2 resource(s) in its state" in err.value.message
    assert "eu-west-3" in regions(payments)
    # --destroy destroys it through the executor, then the region goes
    result = remove_region(WorkspaceContext.open(payments.root), "payments", "prod", "eu-west-3", destroy=True,
                           engine=engine, history=record.store)
    assert result.removed and engine.calls == [("destroy", UNIT, "standard@1")]


def test_a_recorded_service_with_a_stack_there_refuses(payments, record):
    path = payments.space_path("payments")
    path.write_text(path.read_text().replace("services: []\n", "") + "services:\n- {name: orders, repository: acme/orders, ci: github, "
                                       "template: python-web, template_version: 1.0.0}\n")
    engine = StateEngine({SERVICE: export("aws:ecs/service:Service")})
    with pytest.raises(ConflictError, match=r"services are still deployed there: orders \(" + SERVICE):
        remove_region(WorkspaceContext.open(payments.root), "payments", "prod", "eu-west-3", engine=engine,
                      history=record.store)
    # the history alone would not have known
    assert remove_region(WorkspaceContext.open(payments.root), "payments", "prod", "eu-west-3",
                         engine=FakeEngine(), history=record.store).removed


def test_without_a_readable_state_the_history_decides(payments, record):
    record(UNIT)
    with pytest.raises(ConflictError, match="release standard@1, by lead@example.com"):
        remove_region(payments, "payments", "prod", "eu-west-3", engine=StateEngine(broken=True),
                      history=record.store)
    with pytest.raises(ConflictError, match="is applied"):
        remove_region(payments, "payments", "prod", "eu-west-3", history=record.store)  # no Pulumi CLI here
    assert "eu-west-3" in regions(payments)
