"""Resume must know whether a newer rollout superseded the one it continues: a later journal that
cannot be read is named and stops the resume (it might hold the newer release); older ones do not."""

from __future__ import annotations

import pytest

from platform_cli import deploy
from platform_cli.errors import ConflictError, RolloutHalted
from platform_cli.planning.names import service_unit
from platform_cli.rollout.journal import rollouts_dir
from tests.rollout.conftest import TWENTY

UNIT = service_unit("globex", "api", "live", TWENTY[2])


@pytest.fixture
def halted(wide, make_service, fake_engine, quiet):
    svc = make_service()
    with pytest.raises(RolloutHalted) as exc:
        deploy.deploy_service(wide, svc, "live", "v1", engine=fake_engine({UNIT: 1}), progress=quiet)
    return wide, svc, exc.value.outcome.id


def test_a_damaged_later_journal_stops_the_resume_and_is_named(halted, fake_engine, quiet):
    ws, svc, rid = halted
    later = rollouts_dir(ws.local_dir) / "29990101T000000000-globex-live-abcdef.jsonl"
    later.write_text("{not json\n")
    engine = fake_engine()
    with pytest.raises(ConflictError) as exc:
        deploy.resume_rollout(ws, rid, engine=engine, progress=quiet)
    assert str(later) in str(exc.value) and "cannot tell" in str(exc.value)
    assert not engine.applied  # nothing was deployed
    assert deploy.rollout_status(ws, rid)["status"] == "halted"  # and nothing journalled


def test_a_damaged_earlier_journal_does_not_stop_the_resume(halted, fake_engine, quiet):
    ws, svc, rid = halted
    (rollouts_dir(ws.local_dir) / "20000101T000000000-globex-live-abcdef.jsonl").write_text("{not json\n")
    out = deploy.resume_rollout(ws, rid, engine=fake_engine(), progress=quiet)
    assert out.status == "succeeded"
