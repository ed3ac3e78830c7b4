"""Changing a space: add-region refuses an unknown environment, remove-region, set."""

from __future__ import annotations

import pytest
import yaml

from platform_cli.errors import ConflictError, NotFoundError, RolloutHalted, UsageError
from platform_cli.lifecycle.regions import remove_region
from platform_cli.lifecycle.settings import SetSpaceRequest, set_space
from platform_cli.rollout.journal import Journal, rollouts_dir
from platform_cli.spaces import add_region, nearest_name
from platform_cli.workspace import WorkspaceContext
from tests.rollout.conftest import FakeEngine

UNIT = "space/payments/prod/eu-west-3"


def _text(ws):
    return ws.space_path("payments").read_text()


def _fresh(ws):
    return WorkspaceContext.open(ws.root).space("payments")


# add-region --------------------------------------------------------------------
def test_add_region_refuses_an_unknown_env_and_names_the_nearest(run_cli, payments):
    before = _text(payments)
    r = run_cli("-w", str(payments.root), "space", "add-region", "payments", "--env", "prd", "JP")
    assert r.exit_code == 4
    assert "no environment 'prd'" in r.stderr and "did you mean --env prod?" in r.stderr and "--new-env" in r.stderr
    assert _text(payments) == before


def test_add_region_new_env_creates_it(run_cli, payments):
    r = run_cli("-w", str(payments.root), "space", "add-region", "payments", "--env", "stage", "JP", "--new-env")
    assert r.exit_code == 0, r.stderr
    space = _fresh(payments)
    assert space.environments["stage"].regions == ["ap-northeast-1"]
    assert space.cidr("stage", "ap-northeast-1") is not None
    # an existing env needs no flag
    assert run_cli("-w", str(payments.root), "space", "add-region", "payments", "--env", "dev", "FR").exit_code == 0


def test_nearest_name_is_the_closest_existing_one():
    assert nearest_name("prd", ["dev", "prod", "staging"]) == "prod"
    assert nearest_name("stagin", ["dev", "prod", "staging"]) == "staging"
    assert nearest_name("x", []) is None


# remove-region -----------------------------------------------------------------
def test_remove_region_not_applied_releases_its_block_and_markets(payments):
    block = payments.space("payments").cidr("prod", "eu-west-3")
    result = remove_region(payments, "payments", "prod", "eu-west-3")
    assert result.removed and result.cidr == str(block) and result.markets_removed == ["FR"]
    space = _fresh(payments)
    assert space.environments["prod"].regions == ["eu-central-1", "us-east-1"]
    assert "FR" not in space.environments["prod"].markets and "DE" in space.environments["prod"].markets
    assert space.cidr("prod", "eu-west-3") is None
    assert block not in WorkspaceContext.open(payments.root).taken_cidrs()
    # the released block is handed out again
    again = add_region(WorkspaceContext.open(payments.root), "payments", "prod", "FR")
    assert again.space.cidr("prod", "eu-west-3") == block


def test_remove_region_refuses_while_applied_and_leaves_the_file(payments, record):
    record(UNIT)
    before = _text(payments)
    with pytest.raises(ConflictError) as e:
        remove_region(payments, "payments", "prod", "eu-west-3")
    assert UNIT in e.value.message and "is applied" in e.value.message and "--destroy" in e.value.hint
    assert _text(payments) == before


def test_remove_region_after_destroy_in_history_is_not_applied(payments, record):
    record(UNIT)
    record(UNIT, action="destroy")
    assert remove_region(payments, "payments", "prod", "eu-west-3").removed


def test_remove_region_destroy_runs_the_executor_then_removes(payments, record):
    record(UNIT)
    engine = FakeEngine()
    asked = []
    result = remove_region(payments, "payments", "prod", "eu-west-3", destroy=True, engine=engine,
                           confirm=asked.append, history=record.store)
    assert engine.calls == [("destroy", UNIT, "standard@1")]
    assert asked and "destroy space/payments/prod/eu-west-3" in asked[0]
    assert result.destroyed and result.removed
    st = Journal.open(rollouts_dir(payments.local_dir), result.destroyed).state()
    assert st.status == "succeeded" and st.spec["action"] == "destroy" and st.spec["lock"] == "payments/prod"
    last = record.store.query(team="payments")[-1]
    assert (last.unit, last.action, last.result) == (UNIT, "destroy", "succeeded")
    assert "eu-west-3" not in _fresh(payments).environments["prod"].regions


def test_remove_region_failed_destroy_leaves_the_file(payments, record):
    record(UNIT)
    before = _text(payments)
    with pytest.raises(RolloutHalted):
        remove_region(payments, "payments", "prod", "eu-west-3", destroy=True, engine=FakeEngine(fail={UNIT: 1}),
                      history=record.store)
    assert _text(payments) == before


def test_remove_region_destroy_without_engine_exits_8_before_anything(run_cli, payments, record, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    record(UNIT)
    before = _text(payments)
    r = run_cli("-w", str(payments.root), "space", "remove-region", "payments", "--env", "prod", "eu-west-3",
                "--destroy", "--yes")
    assert r.exit_code == 8, r.stderr
    assert _text(payments) == before
    assert not list(rollouts_dir(payments.local_dir).glob("*.jsonl"))


def test_remove_region_refuses_while_a_service_is_deployed_there(payments, record):
    record("service/payments/orders/prod/eu-west-3", version="1.0.0")
    record("service/payments/orders/prod/us-east-1", version="1.0.0")
    before = _text(payments)
    for destroy in (False, True):
        with pytest.raises(ConflictError) as e:
            remove_region(payments, "payments", "prod", "eu-west-3", destroy=destroy, engine=FakeEngine())
        assert "orders (service/payments/orders/prod/eu-west-3)" in e.value.message
        assert "us-east-1" not in e.value.message
    assert _text(payments) == before
    # a service deployed in other regions only does not block
    record("service/payments/orders/prod/us-east-1", action="destroy")
    assert remove_region(payments, "payments", "prod", "us-east-1").removed


def test_remove_region_unknown_env_region_and_last_region(payments):
    before = _text(payments)
    with pytest.raises(NotFoundError) as e:
        remove_region(payments, "payments", "prd", "eu-west-3")
    assert "did you mean --env prod?" in e.value.hint
    with pytest.raises(NotFoundError) as e:
        remove_region(payments, "payments", "prod", "ap-northeast-1")
    assert "eu-central-1, eu-west-3, us-east-1" in e.value.message
    # dev's only region: the env goes with it
    result = remove_region(payments, "payments", "dev", "eu-central-1")
    assert result.env_removed and "dev" not in _fresh(payments).environments
    for region in ("eu-central-1", "eu-west-3"):
        remove_region(WorkspaceContext.open(payments.root), "payments", "prod", region)
    with pytest.raises(ConflictError) as e:
        remove_region(WorkspaceContext.open(payments.root), "payments", "prod", "us-east-1")
    assert "last region" in e.value.message and "space delete" in e.value.hint
    assert before != _text(payments) and _fresh(payments).environments["prod"].regions == ["us-east-1"]


def test_remove_region_cli_needs_yes_without_a_terminal(run_cli, payments):
    before = _text(payments)
    r = run_cli("-w", str(payments.root), "space", "remove-region", "payments", "--env", "prod", "eu-west-3")
    assert r.exit_code == 11 and "--yes" in r.stderr
    assert _text(payments) == before
    r = run_cli("-w", str(payments.root), "space", "remove-region", "payments", "--env", "prod", "eu-west-3", "--yes",
                "--json")
    assert r.exit_code == 0, r.stderr
    assert '"markets_removed": [\n    "FR"\n  ]' in r.stdout


# set ------------------------------------------------------------------------------
def test_set_shows_the_trust_change(run_cli, payments):
    r = run_cli("-w", str(payments.root), "space", "set", "payments", "--add-ci-repo", "acme/web",
                "--remove-ci-repo", "acme/payments-api", "--cost-center", "CC-7")
    assert r.exit_code == 0, r.stderr
    assert "acme/web gains the CI deploy role of 4 unit(s)" in r.stderr
    assert "acme/payments-api loses the CI deploy role of 4 unit(s)" in r.stderr
    assert "payments--prod--euw3--ci-deploy" in r.stderr
    assert "CC-42 -> CC-7" in r.stderr and "next: platform space apply payments --env prod" in r.stderr
    data = yaml.safe_load(_text(payments))
    assert data["ci_repos"] == ["acme/web"] and data["cost_center"] == "CC-7"


def test_set_refuses_bad_edits_and_writes_nothing(payments):
    before = _text(payments)
    with pytest.raises(UsageError) as e:
        set_space(payments, "payments", SetSpaceRequest(remove_owners=["nobody@example.com"]))
    assert "nobody@example.com" in e.value.message and "lead@example.com" in e.value.message
    with pytest.raises(UsageError):
        set_space(payments, "payments", SetSpaceRequest(add_ci_repos=["a/b"], remove_ci_repos=["a/b"]))
    with pytest.raises(UsageError):
        set_space(payments, "payments", SetSpaceRequest())
    from platform_cli.errors import SpecError

    with pytest.raises(SpecError) as e:
        set_space(payments, "payments", SetSpaceRequest(add_owners=["not-an-email"]))
    assert "owners" in e.value.message
    assert _text(payments) == before


def test_set_owners_and_nothing_changed(payments):
    r = set_space(payments, "payments", SetSpaceRequest(add_owners=["b@example.com"], remove_owners=["lead@example.com"]))
    assert r.changed and r.owners == {"added": ["b@example.com"], "removed": ["lead@example.com"]} and r.trust == []
    text = _text(payments)
    r = set_space(WorkspaceContext.open(payments.root), "payments", SetSpaceRequest(add_owners=["b@example.com"]))
    assert not r.changed and _text(payments) == text
