"""A CI-deployed service unit of an account-isolated environment destroyed from outside its account (`space delete
--with-services` from the platform account): the engine runs `pulumi destroy --run-program` with a program that
declares the unit's provider alone, assuming the platform role in the environment's account and pinned to it. The
Automation API is replaced by a fake stack here (the pulumi CLI cannot run on this machine)."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from platform_cli.accounts.destroying import destroy_provider
from platform_cli.engine import worker
from platform_cli.engine.settings import UnitJob, build_job
from platform_cli.units import UnitTarget
from platform_cli.workspace import WorkspaceContext

REFERENCE = Path(__file__).resolve().parents[1] / "render" / "reference_accounts"
PLATFORM, DEV = "210987654321", "222222222222"
ROLE = "platform-deploy"  # organization.platform_role of the reference workspace
API_DEV = "service/shop/api/dev/eu-central-1"


@pytest.fixture
def ws(tmp_path):
    shutil.copytree(REFERENCE, tmp_path / "ws")
    return WorkspaceContext.open(tmp_path / "ws")


def _never():
    raise AssertionError("the caller's account is asked only for a service unit of a vended account")


def test_from_the_platform_account_the_provider_assumes_the_platform_role_in_the_environments_account(ws):
    args = destroy_provider(ws, API_DEV, local_endpoint=None, caller_account=lambda: PLATFORM)
    assert args == {"region": "eu-central-1", "account_id": DEV, "local_endpoint": None,
                    "assume_role_arn": f"arn:aws:iam::{DEV}:role/{ROLE}",
                    "session": "platform-service-shop-api-dev-eu-central-1"}
    from stacks.provider import provider_args

    provider = provider_args(**{k: v for k, v in args.items() if k != "region"}, region=args["region"])
    assert provider["allowed_account_ids"] == [DEV]  # still pinned to the environment's account alone
    assert provider["assume_roles"] == [{"role_arn": f"arn:aws:iam::{DEV}:role/{ROLE}",
                                         "session_name": "platform-service-shop-api-dev-eu-central-1"}]


def test_the_states_provider_serves_inside_the_account_for_space_units_and_before_vending(ws):
    # CI destroying a preview runs with its deploy role in the account: the state's provider is right
    assert destroy_provider(ws, API_DEV, local_endpoint=None, caller_account=lambda: DEV) is None
    # space units assume the platform role already; prod has no account yet; books is another space's unit
    assert destroy_provider(ws, "space/shop/dev/eu-central-1", local_endpoint=None, caller_account=_never) is None
    assert destroy_provider(ws, "service/shop/api/prod/eu-central-1", local_endpoint=None, caller_account=_never) is None


def test_a_shared_spaces_service_unit_is_destroyed_with_its_states_provider(tmp_path):
    from platform_cli.workspace import init_workspace

    init_workspace(tmp_path / "plain", org="acme")
    plain = WorkspaceContext.open(tmp_path / "plain")
    from platform_cli.spaces import CreateSpaceRequest, create_space

    create_space(plain, CreateSpaceRequest(team="wiki", blueprint="standard@1", envs=["dev=eu-central-1"]))
    assert destroy_provider(WorkspaceContext.open(plain.root), "service/wiki/web/dev/eu-central-1", local_endpoint=None,
                            caller_account=_never) is None


class FakeStack:
    def __init__(self, program):
        self.program, self.destroyed = program, None
        self.workspace = SimpleNamespace(list_plugins=lambda: [SimpleNamespace(name="aws", version=_aws_version())],
                                         install_plugin=lambda *a: None)

    def get_all_config(self):
        return {}

    def set_all_config(self, *_a, **_kw):
        return None

    def destroy(self, **kwargs):
        self.destroyed = kwargs
        return SimpleNamespace(summary=SimpleNamespace(resource_changes={"delete": 3}))


def _aws_version():
    from importlib import metadata

    return metadata.version("pulumi_aws")


@pytest.mark.parametrize("provider_only", [True, False])
def test_the_worker_destroys_with_run_program_only_when_given_a_provider(ws, monkeypatch, provider_only):
    from pulumi import automation

    stacks = []

    def create_or_select_stack(*, stack_name, project_name, program, opts):
        stacks.append(FakeStack(program))
        return stacks[-1]

    monkeypatch.setattr(automation, "create_or_select_stack", create_or_select_stack)
    job = build_job(ws, UnitTarget(API_DEV), "destroy", local_endpoint=None)
    if provider_only:
        job.destroy_provider = destroy_provider(ws, API_DEV, local_endpoint=None, caller_account=lambda: PLATFORM)
    out = worker._run(UnitJob(**job.to_dict()), lambda line: None)
    (stack,) = stacks
    assert out["summary"] == {"delete": 3}
    if provider_only:
        assert stack.destroyed["run_program"] is True
        assert stack.program is not worker._noop_program and stack.program.__name__ == "program"
    else:
        assert "run_program" not in stack.destroyed and stack.program is worker._noop_program


def test_the_provider_only_program_declares_the_units_provider_and_nothing_else(ws):
    """Run under Pulumi's mocks: one resource, the explicit provider named ``aws`` at the stack's root (the URN every
    unit's provider has), with the platform role assumed in the environment's account."""
    import pulumi
    from pulumi.runtime import settings
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    from platform_cli.accounts.destroying import provider_only_program
    from platform_cli.render.runner import CapturingMonitor, _own_event_loop

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args):
            return f"{args.name}-id", dict(args.inputs)

        def call(self, args):
            return {}

    program = provider_only_program(destroy_provider(ws, API_DEV, local_endpoint=None, caller_account=lambda: PLATFORM))
    with _own_event_loop():
        settings.reset_options()
        mocks = Mocks()
        monitor = CapturingMonitor(mocks)
        pulumi.runtime.set_mocks(mocks, project="service.shop.api", stack="dev.eu-central-1", preview=False, monitor=monitor)
        try:
            _sync_await(run_pulumi_func(program))
        finally:
            settings.reset_options()
    (provider,) = [r for r in monitor.records if r["type"] != "pulumi:pulumi:Stack"]
    assert provider["type"] == "pulumi:providers:aws" and provider["name"] == "aws"
    inputs = provider["inputs"]
    assert f"arn:aws:iam::{DEV}:role/{ROLE}" in str(inputs["assumeRoles"]) and DEV in str(inputs["allowedAccountIds"])


def test_a_cli_without_destroy_run_program_is_refused_before_anything_runs(ws, monkeypatch):
    from platform_cli.engine import pulumi_engine
    from platform_cli.engine.pulumi_cli import PulumiCli
    from platform_cli.errors import EngineMissingError

    ran = []
    monkeypatch.setattr(pulumi_engine, "run_in_worker", lambda *a, **kw: ran.append(a) or {"summary": {"delete": 1}})
    old = pulumi_engine.PulumiEngine(ws, cli=PulumiCli(path="pulumi", version="3.159.0"))
    old._caller = PLATFORM
    with pytest.raises(EngineMissingError, match=r"needs `pulumi destroy --run-program`.*from 3\.160\.0 on; this one is "
                                                 r"3\.159\.0; nothing was destroyed"):
        old.destroy(UnitTarget(API_DEV), lambda unit, line: None)
    assert ran == []
    # the state's provider serves a shared space's or a space unit: no newer CLI needed there
    old.destroy(UnitTarget("space/shop/dev/eu-central-1"), lambda unit, line: None)
    assert len(ran) == 1
    new = pulumi_engine.PulumiEngine(ws, cli=PulumiCli(path="pulumi", version="3.160.0"))
    new._caller = PLATFORM
    new.destroy(UnitTarget(API_DEV), lambda unit, line: None)
    assert ran[-1][1]["destroy_provider"]["assume_role_arn"] == f"arn:aws:iam::{DEV}:role/{ROLE}"
