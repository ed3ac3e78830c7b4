"""Numbers given on the command line are range-checked at their exact bounds: a clear error naming the
option and the range, exit code 2, nothing done."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from platform_cli.errors import UsageError
from platform_cli.rollout.metrics import SINCE_MAX, parse_since

USAGE = 2


@pytest.mark.parametrize(("args", "value", "ok"), [
    (["rollout", "list"], "0", False), (["rollout", "list"], "1", True), (["rollout", "list"], "100000", True),
    (["rollout", "list"], "100001", False), (["rollout", "list"], "-1", False), (["rollout", "list"], str(2 ** 70), False),
    (["history"], "0", False), (["history"], "1", True), (["history"], "100001", False),
])
def test_limits(run_cli, workspace, args, value, ok):
    r = run_cli("-w", str(workspace.root), *args, "--limit", value, "--json")
    if ok:
        assert r.exit_code == 0, r.output
    else:
        assert r.exit_code == USAGE and "--limit" in r.stderr and "1<=x<=100000" in r.stderr, r.output
        assert "Traceback" not in r.stderr and r.stdout == ""


@pytest.mark.parametrize(("wave", "ok"), [("0", False), ("-3", False), ("1", True)])
def test_matrix_wave_counts_from_one(run_cli, payments, wave, ok):
    r = run_cli("-w", str(payments.root), "rollout", "plan", "--space", "payments", "--env", "prod",
                "--matrix", "github", "--wave", wave)
    if ok:
        assert r.exit_code == 0 and '"wave":1' in r.stdout, r.output
    else:
        assert r.exit_code == USAGE and "--wave" in r.stderr and "x>=1" in r.stderr, r.output


@pytest.mark.parametrize(("pr", "ok"), [("0", False), ("1", True), ("9999999", True), ("10000000", False),
                                        ("-1", False), (str(2 ** 70), False)])
def test_pull_request_numbers(run_cli, payments, tmp_path, pr, ok):
    from platform_cli.service_repo import new_service

    svc = new_service(payments, "orders", "payments", output_dir=tmp_path / "repos").path
    r = run_cli("-w", str(payments.root), "service", "preview", "plan", str(svc), "--pr", pr, "--json")
    if ok:
        assert r.exit_code == 0, r.output
    else:
        assert r.exit_code == USAGE and "--pr" in r.stderr and "1<=x<=9999999" in r.stderr, r.output


def test_the_cli_bound_of_a_pull_request_is_the_preview_names_bound():
    from platform_cli.cli._common import PR_NUMBER
    from platform_cli.services.preview import PR_MAX, preview_name

    assert PR_NUMBER.max == PR_MAX - 1
    assert preview_name("orders", PR_NUMBER.max).endswith(f"-pr{PR_MAX - 1}")
    with pytest.raises(UsageError):
        preview_name("orders", PR_MAX)


NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(("unit", "per"), [("h", timedelta(hours=1)), ("d", timedelta(days=1)), ("w", timedelta(weeks=1))])
def test_since_reaches_back_at_most_its_bound(unit, per):
    most = SINCE_MAX // per
    assert parse_since(f"{most}{unit}", NOW) == NOW - most * per
    assert parse_since(f"1{unit}", NOW) == NOW - per
    for bad in (most + 1, 0, 10 ** 11):
        with pytest.raises(UsageError, match=rf"--since {bad}{unit}: expected 1 to {most}{unit}"):
            parse_since(f"{bad}{unit}", NOW)


def test_since_on_the_command_line(run_cli, workspace):
    r = run_cli("-w", str(workspace.root), "metrics", "dora", "--since", "99999999999d", "--json")
    assert r.exit_code == USAGE and "expected 1 to 3660d" in r.stderr and "OverflowError" not in r.stderr, r.output
    r = run_cli("-w", str(workspace.root), "metrics", "dora", "--since", "3660d", "--json")
    assert r.exit_code == 0, r.output
