"""Every journal line read back is validated by its event's model: a damaged line is a spec error naming
the file, the line and the field, and it never hides the other rollouts (`rollout list`, `rollout status`)."""

from __future__ import annotations

import json

import pytest

from platform_cli import deploy
from platform_cli.rollout.events import MAX_BAKE_MINUTES, MAX_PARALLEL, MAX_WAVES, BadEvent, parse_event
from platform_cli.rollout.journal import rollouts_dir

TS = "2025-01-01T00:00:00.000+00:00"
UNIT = "service/globex/api/live/eu-central-1"
SPEC = {"team": "globex", "env": "live", "waves": [[UNIT]]}


@pytest.fixture
def two_rollouts(wide, make_service, fake_engine, quiet):
    svc = make_service(regions=["eu-central-1", "eu-west-1"], batch=1, parallel=1)
    ids = [deploy.deploy_service(wide, svc, "live", v, engine=fake_engine(), progress=quiet).id for v in ("v1", "v2")]
    return wide, ids


def _append(ws, rid: str, line: str) -> str:
    path = rollouts_dir(ws.local_dir) / f"{rid}.jsonl"
    with open(path, "a") as fh:
        fh.write(line + "\n")
    return str(path)


DAMAGED = [
    pytest.param("{nope", "not valid JSON", id="bad-json"),
    pytest.param("[" * 100_000 + "]" * 100_000, "nested too deeply", id="nested-100000"),
    pytest.param('{"ts":"%s","event":"wave.passed","wave":%d}' % (TS, 2 ** 70), "wave.passed: wave: input should be less than or equal to 10000", id="wave-2**70"),
    pytest.param('{"ts":"%s","event":"wave.passed","wave":1e999}' % TS, "wave.passed: wave", id="wave-inf"),
    pytest.param('{"ts":"%s","event":"wave.passed","wave":%s}' % (TS, "9" * 5000), "not valid JSON", id="wave-5000-digits"),
    pytest.param('{"ts":"%s","event":"wave.passed","wave":0}' % TS, "wave.passed: wave: input should be greater than or equal to 1", id="wave-0"),
    pytest.param('{"ts":"%s","event":"wave.passed","wave":%d}' % (TS, MAX_WAVES + 1), "wave.passed: wave", id="wave-over-max"),
    pytest.param('{"ts":"%s","event":"unit.failed","unit":"%s","error":{"a":1}}' % (TS, UNIT), "unit.failed: error: input should be a valid string", id="error-object"),
    pytest.param('{"ts":"%s","event":"unit.started","unit":"%s","wave":true}' % (TS, UNIT), "unit.started: wave: input should be a valid integer", id="wave-bool"),
    pytest.param('{"ts":"%s","event":"unit.succeeded","unit":"%s","summary":{"create":-1}}' % (TS, UNIT), "unit.succeeded: summary.create", id="summary-negative"),
    pytest.param('{"ts":"%s","event":"unit.teleported","unit":"%s"}' % (TS, UNIT), "event: expected one of rollout.started", id="unknown-event"),
    pytest.param('{"ts":"%s","unit":"%s"}' % (TS, UNIT), "event: expected one of", id="no-event"),
    pytest.param('{"ts":"%s","event":"rollout.halted","reason":"x","by":"me"}' % TS, "rollout.halted: by: is not a field of a rollout.halted event", id="extra-field"),
    pytest.param('{"event":"rollout.halted","reason":"x"}', "rollout.halted: ts: is missing", id="no-ts"),
    pytest.param('{"ts":"yesterday","event":"rollout.succeeded"}', "rollout.succeeded: ts: expected an ISO 8601 time", id="ts-not-a-time"),
    pytest.param('{"ts":"2025-01-01T00:00:00","event":"rollout.succeeded"}', "ts: expected a time with its time zone", id="ts-no-zone"),
    pytest.param('{"ts":"99999-01-01T00:00:00+00:00","event":"rollout.succeeded"}', "ts: expected an ISO 8601 time", id="ts-year-99999"),
    pytest.param('{"ts":%d,"event":"rollout.succeeded"}' % 2 ** 70, "rollout.succeeded: ts: input should be a valid string", id="ts-number"),
    pytest.param('{"ts":"%s","event":"unit.failed","unit":"%s","error":"%s"}' % (TS, UNIT, "x" * 70_000), "unit.failed: error: string should have at most", id="error-too-long"),
]


@pytest.mark.parametrize(("line", "says"), DAMAGED)
def test_a_damaged_line_is_named_and_hides_no_other_rollout(two_rollouts, run_cli, line, says):
    ws, (old, new) = two_rollouts
    lines = len((rollouts_dir(ws.local_dir) / f"{new}.jsonl").read_text().splitlines())
    path = _append(ws, new, line)
    where = f"{path}:{lines + 1}"
    r = run_cli("-w", str(ws.root), "rollout", "status", new)
    assert r.exit_code == 3, r.output
    assert where in r.stderr and says in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr and len(r.stderr) < 4000
    r = run_cli("-w", str(ws.root), "rollout", "list", "--json")
    assert r.exit_code == 0, r.stderr
    assert [x["id"] for x in json.loads(r.stdout)["rollouts"]] == [old]
    assert json.loads(r.stdout)["errors"] and where in r.stderr
    r = run_cli("-w", str(ws.root), "rollout", "status", "--json")  # the latest readable one, with a warning
    assert r.exit_code == 0 and json.loads(r.stdout)["id"] == old
    assert f"warning: rollout {new} left out: {where}" in r.stderr


BAD_SPECS = [
    pytest.param({"max_parallel": 0}, "spec.max_parallel: input should be greater than or equal to 1", id="parallel-0"),
    pytest.param({"max_parallel": MAX_PARALLEL + 1}, "spec.max_parallel", id="parallel-over-max"),
    pytest.param({"max_parallel": 2 ** 70}, "spec.max_parallel", id="parallel-2**70"),
    pytest.param({"bake_minutes": -0.5}, "spec.bake_minutes", id="bake-negative"),
    pytest.param({"bake_minutes": MAX_BAKE_MINUTES + 0.5}, "spec.bake_minutes", id="bake-over-max"),
    pytest.param({"bake_minutes": True}, "spec.bake_minutes: input should be a valid number", id="bake-bool"),
    pytest.param({"action": "explode"}, "spec.action", id="action"),
    pytest.param({"kind": "planet"}, "spec.kind", id="kind"),
    pytest.param({"releases": {UNIT: 7}}, "spec.releases", id="release-number"),
    pytest.param({"gates": {"alarms": []}}, "spec.gates.alarms", id="gate-list"),
    pytest.param({"commit_time": "last week"}, "spec.commit_time", id="commit-time"),
    pytest.param({"waves": [[UNIT, ""]]}, "spec.waves.0.1", id="empty-unit"),
]


@pytest.mark.parametrize(("change", "says"), BAD_SPECS)
def test_a_damaged_spec_is_named_with_its_field(two_rollouts, run_cli, change, says):
    ws, (old, new) = two_rollouts
    path = rollouts_dir(ws.local_dir) / f"{new}.jsonl"
    first, *rest = path.read_text().splitlines()
    rec = json.loads(first)
    rec["spec"].update(change)
    path.write_text("\n".join([json.dumps(rec), *rest]) + "\n")
    r = run_cli("-w", str(ws.root), "rollout", "status", new)
    assert r.exit_code == 3 and f"{path}:1: rollout.started: " in r.stderr and says in r.stderr, r.stderr
    r = run_cli("-w", str(ws.root), "rollout", "list", "--json")
    assert r.exit_code == 0 and [x["id"] for x in json.loads(r.stdout)["rollouts"]] == [old]


def _started(**spec):
    return {"ts": TS, "event": "rollout.started", "spec": {**SPEC, **spec}}


@pytest.mark.parametrize("spec", [{"max_parallel": 1}, {"max_parallel": MAX_PARALLEL}, {"bake_minutes": 0},
                                  {"bake_minutes": MAX_BAKE_MINUTES}, {"bake_minutes": 2}, {"note": {"any": "json"}}])
def test_the_spec_bounds_themselves_are_accepted(spec):
    ev = parse_event(_started(**spec))
    assert ev.spec.as_dict() == {**SPEC, **spec}  # only the keys the journal has (no defaults added)


@pytest.mark.parametrize("wave", [1, MAX_WAVES])
def test_the_wave_bounds_themselves_are_accepted(wave):
    assert parse_event({"ts": TS, "event": "wave.passed", "wave": wave}).wave == wave


@pytest.mark.parametrize("wave", [0, MAX_WAVES + 1, -1, 1.0, "1", None])
def test_waves_outside_the_bounds_or_not_integers_are_refused(wave):
    with pytest.raises(BadEvent, match="wave.passed: wave"):
        parse_event({"ts": TS, "event": "wave.passed", "wave": wave})


def test_every_event_a_real_rollout_writes_is_valid(wide, make_service, fake_engine, quiet):
    # a rollout with gates: alarms and health checks journal gate events
    svc = make_service(regions=["eu-central-1", "eu-west-1"], batch=1, parallel=1)
    rid = deploy.deploy_service(wide, svc, "live", "v1", engine=fake_engine(), progress=quiet).id
    lines = (rollouts_dir(wide.local_dir) / f"{rid}.jsonl").read_text().splitlines()
    kinds = [type(parse_event(json.loads(line))).__name__ for line in lines]
    assert kinds[0] == "RolloutStarted" and kinds[-1] == "RolloutSucceeded" and "UnitSucceeded" in kinds


def test_what_could_not_be_read_back_is_never_journalled(wide, make_service, fake_engine, quiet):
    from platform_cli.errors import SpecError

    svc = make_service(regions=["eu-central-1"], batch=1, parallel=1)
    with pytest.raises(SpecError, match=r"spec.release: string should have at most 1024 characters.*nothing was recorded"):
        deploy.deploy_service(wide, svc, "live", "v" * 1025, engine=fake_engine(), progress=quiet)
    assert list(rollouts_dir(wide.local_dir).glob("*.jsonl")) == []  # no journal, not even an empty one
    # the lock was released: the next deployment runs
    assert deploy.deploy_service(wide, svc, "live", "v" * 1024, engine=fake_engine(), progress=quiet).status == "succeeded"


def test_a_very_long_engine_error_is_journalled_shortened_and_stays_readable(wide, make_service, quiet):
    from platform_cli.errors import EngineError, RolloutHalted
    from platform_cli.rollout.events import TEXT

    class Verbose:
        def up(self, target, on_event):
            raise EngineError("x" * (TEXT * 3))

    svc = make_service(regions=["eu-central-1"], batch=1, parallel=1)
    with pytest.raises(RolloutHalted) as halted:
        deploy.deploy_service(wide, svc, "live", "v1", engine=Verbose(), progress=quiet)
    status = deploy.rollout_status(wide, halted.value.outcome.id)
    error = status["waves"][0]["units"][0]["error"]
    assert len(error) == TEXT and error.startswith("xxx") and error.endswith("\u2026")
