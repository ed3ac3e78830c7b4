"""A damaged history row, as a table: every command that reads history rows for a list (`history`,
`service list`, `service preview list`, `catalog export`) leaves the damaged row out, shows every
good one, names the damaged one (file, table, row, id, field) on stderr and under "damaged" in
--json, writes nothing it would not write anyway, and with --exit-code exits 12.

The damage is each kind the history model (:class:`platform_cli.rollout.history._Row`) refuses:
a time that is not ISO 8601 with a zone or outside 2000..2099, a value of the wrong type (SQLite
keeps a blob in a TEXT column), a missing or empty field, a field over its length.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from tests.files.hostile import build, check, run

HISTORY = ".platform/history.sqlite"
SVC = "repos/api"
T1, T2 = "2025-02-01T10:00:00+00:00", "2025-02-02T10:00:00+00:00"
ROWS = {  # id -> (what, env, version, start): added to the one row (a space unit) the workspace has
    "api-dev-v1": ("api", "dev", "v1", T1), "api-dev-v2": ("api", "dev", "v2", T2),
    "api-prod-v1": ("api", "prod", "v1", T1),
    "pr7-up": ("api-pr7", "dev", "abc", T1), "pr8-up": ("api-pr8", "dev", "def", T2),
}
TARGETS = {"pr8-up": 6, "api-dev-v2": 3}  # the row damaged -> its rowid (the workspace's own row is 1)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    from platform_cli.rollout.history import Deployment, SQLiteHistory

    root = build(tmp_path_factory.mktemp("rows-base"))
    store = SQLiteHistory(root / HISTORY)
    for rid, (what, env, version, start) in ROWS.items():
        store.add(Deployment(rollout="r-rows", unit=f"service/payments/{what}/{env}/eu-central-1", team="payments",
                             env=env, region="eu-central-1", kind="service", what=what, action="up",
                             version=version, who="ci@example.com", start=start, end=start, result="succeeded",
                             id=rid))
    return root


def _sql(ws: Path, statement: str, *args) -> None:
    with sqlite3.connect(ws / HISTORY) as conn:
        conn.execute(statement, args)
    conn.close()


def _set(column: str, value):
    def damage(ws: Path, rid: str) -> None:
        _sql(ws, f'UPDATE deployments SET "{column}" = ? WHERE id = ?', value, rid)
    damage.__name__ = f"{column}={str(value)[:24]!r}"
    damage.field = column
    return damage


DAMAGE = [
    _set("start", "2025-02-02T10:00:00"),  # no zone
    _set("start", "1999-12-31T23:59:59+00:00"), _set("start", "2100-01-01T00:00:00+00:00"),  # outside 2000..2099
    _set("end", "yesterday"), _set("commit_time", "2025-13-01T00:00:00+00:00"),  # not a time
    _set("start", b"\x00\x01"), _set("unit", b"\xff"), _set("version", b"v2"),  # wrong type: a blob
    _set("who", None), _set("unit", None), _set("result", ""),  # missing, empty
    _set("error", "x" * 65537), _set("what", "w" * 4097),  # over the length
]


def _expected(target: str) -> dict:
    """What each command shows when TARGET is left out: computed from the rows, not from a command."""
    ids = ["row-1", *ROWS]
    good = [i for i in ids if i != target]
    previews = [ROWS[i][0] for i in ("pr7-up", "pr8-up") if i != target]
    dev = "v1" if target == "api-dev-v2" else "v2"
    return {"ids": good, "previews": previews, "releases": {"dev": dev, "prod": "v1"}}


def _named(line: str, target: str, field: str) -> None:
    assert HISTORY.rsplit("/", 1)[-1] in line and f"table deployments, row {TARGETS[target]}" in line, line
    assert f"(id {target!r})" in line and f"{field}:" in line, line


def _first_row_id(ws: Path) -> None:
    _sql(ws, "UPDATE deployments SET id = 'row-1' WHERE rowid = 1")  # a fixed id for the workspace's own row


@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("damage", DAMAGE, ids=lambda d: d.__name__)
def test_one_damaged_row_is_left_out_named_and_every_good_one_shown(ws, tmp_path, damage, target):
    _first_row_id(ws)
    want = _expected(target)
    damage(ws, target)
    field = damage.field
    svc = str(ws / SVC)

    r = check(ws, ["history", "--json", "--limit", "100"], None, expect_failure=False)
    data = json.loads(r.stdout)
    assert sorted(d["id"] for d in data["deployments"]) == sorted(want["ids"])
    [line] = data["damaged"]
    _named(line, target, field)
    assert f"warning: left out, damaged: {line}" in r.stderr

    r = check(ws, ["history"], None, expect_failure=False)
    assert "api-pr7" in r.stdout and "service/payments/api/prod" in r.stdout
    _named(r.stderr, target, field)

    r = check(ws, ["history", "--team", "payments", "--exit-code"], None, expect_failure=True)
    assert r.exit_code == 12 and "1 damaged record(s) left out of the history" in r.stderr, r.stderr
    assert "service/payments/api/prod" in r.stdout  # the output is all there before the exit

    r = check(ws, ["service", "list", "--json"], None, expect_failure=False)
    data = json.loads(r.stdout)
    [api] = [s for s in data["services"] if s["name"] == "api"]
    assert api["releases"] == want["releases"]
    [line] = data["damaged"]
    _named(line, target, field)
    r = check(ws, ["service", "list", "--exit-code"], None, expect_failure=True)
    assert r.exit_code == 12 and "1 damaged record(s)" in r.stderr

    r = check(ws, ["service", "preview", "list", svc, "--json"], None, expect_failure=False)
    data = json.loads(r.stdout)
    assert [p["name"] for p in data["previews"]] == want["previews"]
    [line] = data["damaged"]
    _named(line, target, field)
    r = check(ws, ["service", "preview", "list", svc, "--exit-code"], None, expect_failure=True)
    assert r.exit_code == 12 and "left out of the open previews" in r.stderr

    r = run(ws, "catalog", "export", str(tmp_path / "out"), "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    [line] = data["damaged"]
    _named(line, target, field)
    assert f"history record left out: {line}" in data["errors"]


def test_every_row_damaged_shows_none_and_names_each(ws, tmp_path):
    _sql(ws, "UPDATE deployments SET start = 'not a time'")
    count = 1 + len(ROWS)
    r = check(ws, ["history", "--json"], None, expect_failure=False)
    data = json.loads(r.stdout)
    assert data["deployments"] == [] and len(data["damaged"]) == count
    rows = sorted(int(re.search(r"table deployments, row (\d+) ", line).group(1)) for line in data["damaged"])
    assert rows == list(range(1, count + 1))  # each row named once
    r = check(ws, ["history"], None, expect_failure=False)
    assert f"no readable deployments: {count} damaged record(s) left out" in r.stderr
    assert "no deployments recorded yet" not in r.stderr
    assert r.stderr.count("warning: left out, damaged:") == count
    r = check(ws, ["history", "--exit-code"], None)
    assert r.exit_code == 12 and f"{count} damaged record(s)" in r.stderr

    r = check(ws, ["service", "list", "--json"], None, expect_failure=False)
    data = json.loads(r.stdout)
    assert [s["releases"] for s in data["services"] if s["name"] == "api"] == [{}] and len(data["damaged"]) == count
    r = check(ws, ["service", "preview", "list", str(ws / SVC), "--json"], None, expect_failure=False)
    data = json.loads(r.stdout)
    assert data["previews"] == [] and len(data["damaged"]) == count
    r = run(ws, "catalog", "export", str(tmp_path / "out"), "--json")
    assert r.exit_code == 0 and len(json.loads(r.stdout)["damaged"]) == count


def test_no_damage_means_an_empty_damaged_list_and_exit_0_with_exit_code(ws):
    for cmd in (["history", "--json", "--exit-code"], ["service", "list", "--json", "--exit-code"],
                ["service", "preview", "list", str(ws / SVC), "--json", "--exit-code"]):
        r = check(ws, cmd, None, expect_failure=False)
        assert json.loads(r.stdout)["damaged"] == [] and "warning" not in r.stderr


def test_the_service_api_without_a_damaged_list_still_refuses_naming_the_row(ws):
    """Callers of the Python API that pass no list to collect damage get the SpecError (exit 3) naming
    the row, as before: leaving a row out is what a caller asks for."""
    from platform_cli.deploy import history_list
    from platform_cli.errors import SpecError
    from platform_cli.services.preview import open_previews
    from platform_cli.services.registry import list_services
    from platform_cli.workspace import WorkspaceContext

    _set("start", "2025-02-02T10:00:00")(ws, "pr8-up")
    w = WorkspaceContext.open(ws)
    for call in (lambda: history_list(w), lambda: list_services(w), lambda: open_previews(w, "payments")):
        with pytest.raises(SpecError, match=r"history record 'pr8-up' is damaged"):
            call()
    services, _ = list_services(w, releases=False)  # what does not need the history does not read it
    assert "api" in [s.name for s in services]
