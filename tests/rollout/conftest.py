"""Fixtures of the rollout tests: a fake engine, a wide space and a service folder."""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from platform_cli.errors import EngineError
from platform_cli.units import UnitResult, UnitTarget

TWENTY = [
    "eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1", "eu-south-1", "eu-south-2",
    "eu-central-2", "us-east-1", "us-east-2", "us-west-2", "ca-central-1", "sa-east-1", "me-central-1",
    "il-central-1", "af-south-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1",
]


class FakeEngine:
    """Applies nothing; remembers what it was asked. ``fail`` maps unit -> how many calls fail first.

    ``hook(unit)`` runs before each apply (to cancel or crash mid-rollout); ``latency`` simulates work.
    """

    def __init__(self, fail: dict[str, int] | None = None, *, hook=None, latency: float = 0.0, outputs=None):
        self.fail = dict(fail or {})
        self.hook = hook
        self.latency = latency
        self.outputs = outputs or (lambda unit: {})
        self.calls: list[tuple[str, str, str | None]] = []
        self.applied: Counter[str] = Counter()
        self.releases: dict[str, list[str | None]] = defaultdict(list)
        self._lock = threading.Lock()

    def _run(self, action: str, target: UnitTarget, on_event) -> UnitResult:
        with self._lock:
            self.calls.append((action, target.unit, target.release))
        if self.hook:
            self.hook(target.unit)
        on_event(target.unit, f"{action} {target.unit}")
        if self.latency:
            time.sleep(self.latency)
        with self._lock:
            if self.fail.get(target.unit, 0) > 0:
                self.fail[target.unit] -= 1
                raise EngineError(f"{target.unit}: injected failure")
            self.applied[target.unit] += 1
            self.releases[target.unit].append(target.release)
        return UnitResult(unit=target.unit, outputs=self.outputs(target.unit), summary={"same": 1})

    def up(self, target, on_event):
        return self._run("up", target, on_event)

    def destroy(self, target, on_event):
        return self._run("destroy", target, on_event)

    def preview(self, target, on_event):
        return UnitResult(unit=target.unit)


@pytest.fixture
def fake_engine():
    return FakeEngine


@pytest.fixture
def wide(workspace):
    """Workspace with team 'globex' whose env 'live' (not protected) spans twenty regions."""
    from platform_cli.spaces import CreateSpaceRequest, create_space

    create_space(workspace, CreateSpaceRequest(team="globex", blueprint="standard@1", envs=["live=" + ",".join(TWENTY)]))
    return workspace


SERVICE = """\
schema_version: 1
name: api
space: {space}
environments:
  {env}:
    regions: [{regions}]
rollout:
  batch_size: {batch}
  max_parallel: {parallel}
  gates: {{alarms: {alarms}, health_check: {health}, manual_approval: {approval}}}
"""


@pytest.fixture
def make_service(tmp_path):
    def make(space="globex", env="live", regions=TWENTY, batch=4, parallel=3, alarms="false", health="false",
             approval="never", name="svc") -> Path:
        folder = tmp_path / name
        folder.mkdir(exist_ok=True)
        (folder / "service.yaml").write_text(SERVICE.format(space=space, env=env, regions=", ".join(regions),
                                                            batch=batch, parallel=parallel, alarms=alarms,
                                                            health=health, approval=approval))
        return folder

    return make


@pytest.fixture
def quiet():
    from platform_cli.rollout.progress import NullProgress

    return NullProgress()


@pytest.fixture
def aws(monkeypatch):
    """In-process moto (for the alarms gate)."""
    from moto import mock_aws

    from platform_cli.aws.clients import ClientProvider

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield ClientProvider(default_region="eu-central-1")


@pytest.fixture
def dynamodb(monkeypatch):
    """A DynamoDB client on moto with the history table (deployments and rollout locks)."""
    from moto import mock_aws

    from platform_cli.aws.clients import ClientProvider
    from platform_cli.aws.history_dynamodb import create_table

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = ClientProvider(default_region="eu-central-1")("dynamodb")
        create_table(client, "platform-history")
        yield client
