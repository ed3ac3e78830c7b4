"""The executor's rules at their boundary: the first failure halts the rollout (no later wave starts, no
further unit of its wave starts) and no more than max_parallel units run at once.

tests/rollout/test_wave_mutants.py breaks each of these rules in the code and checks that a test here fails."""

from __future__ import annotations

import threading

import pytest


def _deploy(ws, svc, engine, quiet):
    from platform_cli import deploy

    return deploy.deploy_service(ws, svc, "live", "v1", engine=engine, progress=quiet)


def test_the_first_failure_halts_no_later_wave_starts(wide, make_service, fake_engine, quiet):
    from platform_cli.errors import RolloutHalted

    regions = ["eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1"]
    svc = make_service(regions=regions, batch=2, parallel=2)
    bad = "service/globex/api/live/eu-west-1"  # wave 2
    engine = fake_engine({bad: 1})
    with pytest.raises(RolloutHalted, match=f"wave 2: {bad} failed"):
        _deploy(wide, svc, engine, quiet)
    started = {u for _, u, _ in engine.calls}
    assert "service/globex/api/live/eu-west-3" not in started and "service/globex/api/live/eu-north-1" not in started
    assert "service/globex/api/live/eu-central-1" in started


def test_a_failure_stops_the_units_of_its_wave_not_yet_started(wide, make_service, fake_engine, quiet):
    from platform_cli.errors import RolloutHalted

    regions = ["eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3"]
    svc = make_service(regions=regions, batch=3, parallel=1)  # one at a time inside wave 2
    engine = fake_engine({"service/globex/api/live/eu-west-1": 1})
    with pytest.raises(RolloutHalted):
        _deploy(wide, svc, engine, quiet)
    assert [u.rsplit("/", 1)[1] for _, u, _ in engine.calls] == ["eu-central-1", "eu-west-1"]


@pytest.mark.parametrize("parallel", [1, 2, 3])
def test_no_more_units_at_once_than_max_parallel(wide, make_service, fake_engine, quiet, parallel):
    regions = ["eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1"]
    svc = make_service(regions=regions, batch=4, parallel=parallel)
    lock, now, peak = threading.Lock(), [0], [0]

    def hook(unit):
        with lock:
            now[0] += 1
            peak[0] = max(peak[0], now[0])

    class Engine(fake_engine):
        def up(self, target, on_event):
            try:
                return super().up(target, on_event)
            finally:
                with lock:
                    now[0] -= 1

    engine = Engine(hook=hook, latency=0.15)
    assert _deploy(wide, svc, engine, quiet).status == "succeeded"
    assert peak[0] == parallel  # reached, never exceeded (wave 2 holds 4 units)
