"""Gates: CloudWatch alarms on moto, a real HTTP health endpoint, manual approval."""

from __future__ import annotations

import http.server
import threading

import pytest

from platform_cli import deploy
from platform_cli.errors import RolloutHalted
from platform_cli.planning.names import service_unit, space_unit


def _alarm(clients, region, name, state="ALARM"):
    cw = clients("cloudwatch", region)
    cw.put_metric_alarm(AlarmName=name, MetricName="HTTPCode_Target_5XX_Count", Namespace="AWS/ApplicationELB",
                        Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=5,
                        ComparisonOperator="GreaterThanThreshold")
    cw.set_alarm_state(AlarmName=name, StateValue=state, StateReason="test: 5xx above threshold")


# payments prod = DE, FR, US -> wave 1: eu-central-1 (canary), wave 2: eu-west-3, us-east-1
def test_alarm_in_alarm_in_the_canary_region_halts_before_the_next_wave(payments, aws, fake_engine, quiet):
    _alarm(aws, "eu-central-1", "payments--prod--euc1--api-5xx")
    engine = fake_engine()
    with pytest.raises(RolloutHalted) as exc:
        deploy.apply_space(payments, "payments", "prod", approve=True, engine=engine, clients=aws, progress=quiet)
    assert "payments--prod--euc1--api-5xx" in str(exc.value) and "alarms" in str(exc.value)
    assert set(engine.applied) == {space_unit("payments", "prod", "eu-central-1")}
    # the alarm clears: resume passes the gate and finishes without re-applying the canary
    aws("cloudwatch", "eu-central-1").set_alarm_state(AlarmName="payments--prod--euc1--api-5xx", StateValue="OK",
                                                       StateReason="recovered")
    out = deploy.resume_rollout(payments, exc.value.outcome.id, approve=True, engine=engine, clients=aws, progress=quiet)
    assert out.status == "succeeded"
    assert engine.applied == {space_unit("payments", "prod", r): 1 for r in ("eu-central-1", "eu-west-3", "us-east-1")}


def test_alarm_in_a_later_wave_region_halts_the_rollout_there(payments, aws, fake_engine, quiet):
    _alarm(aws, "us-east-1", "payments--prod--use1--api-latency")
    with pytest.raises(RolloutHalted) as exc:
        deploy.apply_space(payments, "payments", "prod", approve=True, engine=fake_engine(), clients=aws, progress=quiet)
    assert "wave 2" in str(exc.value) and "payments--prod--use1--api-latency" in str(exc.value)


def test_alarms_of_other_spaces_regions_or_in_ok_state_do_not_halt(payments, aws, fake_engine, quiet):
    _alarm(aws, "eu-central-1", "checkout--prod--euc1--api-5xx")  # another team
    _alarm(aws, "eu-central-1", "payments--dev--euc1--api-5xx")  # another environment
    _alarm(aws, "ap-south-1", "payments--prod--aps1--api-5xx")  # a region outside the rollout
    _alarm(aws, "eu-central-1", "payments--prod--euc1x-api-5xx")  # not under the space's prefix and separator
    _alarm(aws, "eu-west-3", "payments--prod--euw3--api-5xx", state="OK")
    out = deploy.apply_space(payments, "payments", "prod", approve=True, engine=fake_engine(), clients=aws, progress=quiet)
    assert out.status == "succeeded"


def test_protected_env_without_approval_halts_and_resume_with_approve_continues(payments, aws, fake_engine, quiet):
    engine = fake_engine()
    with pytest.raises(RolloutHalted) as exc:
        deploy.apply_space(payments, "payments", "prod", engine=engine, clients=aws, progress=quiet, ask=lambda q: None)
    assert "approval" in str(exc.value) and "--approve" in exc.value.hint
    assert not engine.applied
    asked: list[str] = []
    with pytest.raises(RolloutHalted, match="not approved"):
        deploy.resume_rollout(payments, exc.value.outcome.id, engine=engine, clients=aws, progress=quiet,
                              ask=lambda q: asked.append(q) or (len(asked) == 1))
    assert asked[0].startswith("approve wave 1") and asked[1].startswith("approve wave 2")
    assert set(engine.applied) == {space_unit("payments", "prod", "eu-central-1")}
    out = deploy.resume_rollout(payments, exc.value.outcome.id, approve=True, engine=engine, clients=aws, progress=quiet)
    assert out.status == "succeeded" and max(engine.applied.values()) == 1


class _Health(http.server.BaseHTTPRequestHandler):
    status = {"/healthz": 200}

    def do_GET(self):  # noqa: N802
        code = self.status.get(self.path, 404)
        self.send_response(code)
        self.end_headers()
        self.wfile.write(b"ok" if code == 200 else b"no")

    def log_message(self, *args):
        return None


@pytest.fixture
def health_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield server
    server.shutdown()
    server.server_close()


def test_health_check_of_the_unit_url(payments, make_service, fake_engine, quiet, health_server, aws):
    svc = make_service(space="payments", env="dev", regions=["eu-central-1"], health="true", alarms="false")
    url = f"http://127.0.0.1:{health_server.server_port}"
    ok = fake_engine(outputs=lambda unit: {"url": url})
    assert deploy.deploy_service(payments, svc, "dev", "v1", engine=ok, progress=quiet).status == "succeeded"

    _Health.status = {"/healthz": 503}
    try:
        with pytest.raises(RolloutHalted) as exc:
            deploy.deploy_service(payments, svc, "dev", "v2", engine=fake_engine(outputs=lambda unit: {"url": url}),
                                  progress=quiet, sleep=lambda s: None, health_get=_fast_get)
        assert "503" in str(exc.value) and "health" in str(exc.value)
    finally:
        _Health.status = {"/healthz": 200}
    assert exc.value.outcome.state.units[service_unit("payments", "api", "dev", "eu-central-1")].state == "succeeded"


def _fast_get(url, timeout):
    from platform_cli.rollout.gates import http_get_status

    return http_get_status(url, 2)
