"""Fixtures of the lifecycle tests: deployments recorded in the workspace's history."""

from __future__ import annotations

import pytest

from tests.rollout.conftest import FakeEngine, aws, quiet  # noqa: F401  (fixtures shared with the rollout tests)


@pytest.fixture
def record(payments):
    """record(unit, action="up", result="succeeded", version=...) adds one deployment to payments' history."""
    from platform_cli.planning.names import parse_unit
    from platform_cli.rollout.history import Deployment, SQLiteHistory, sqlite_path

    store = SQLiteHistory(sqlite_path(payments.local_dir))
    clock = iter(range(10, 60))

    def add(unit: str, action: str = "up", result: str = "succeeded", version: str = "standard@1",
            who: str = "lead@example.com") -> None:
        p = parse_unit(unit)
        t = f"2026-01-01T10:{next(clock):02d}:00.000+00:00"
        store.add(Deployment(rollout="r-test", unit=unit, team=p["team"], env=p["env"], region=p["region"],
                             kind=p["kind"], what=p.get("service", "space"), action=action, version=version, who=who,
                             start=t, end=t, result=result))

    add.store = store
    return add


@pytest.fixture
def engine():
    return FakeEngine()

