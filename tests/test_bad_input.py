"""Bad input of every kind: a clean error with the documented exit code, naming the file and
the field, no traceback, and nothing written or half-written."""

from __future__ import annotations

import contextlib
import os
import json
import signal
from pathlib import Path

import pytest

from platform_cli.errors import ConflictError, NotFoundError, SpecError, UsageError
from platform_cli.spaces import CreateSpaceRequest, add_region, create_space, list_spaces, show_space
from platform_cli.workspace import WorkspaceContext

# The exit codes documented by the error tree (README "Exit codes", `platform doctor --exit-codes`).
USAGE, SPEC, NOT_FOUND, CONFLICT = 2, 3, 4, 5


def test_documented_exit_codes_match_the_error_tree():
    from platform_cli.errors import exit_codes

    codes = {name: code for code, name, _ in exit_codes()}
    assert (codes["UsageError"], codes["SpecError"], codes["NotFoundError"], codes["ConflictError"]) == (
        USAGE, SPEC, NOT_FOUND, CONFLICT)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root with its content (the allocation lock file is runtime only)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != "allocations.lock"}


@contextlib.contextmanager
def time_limit(seconds: int):
    """Fail instead of hanging: hostile YAML must be refused quickly."""

    def boom(signum, frame):
        raise TimeoutError(f"took more than {seconds}s")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def check_clean_failure(result, code: int, *needles: str) -> None:
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert result.stderr.startswith("error: "), result.stderr
    assert "internal error" not in result.stderr
    for needle in needles:
        assert needle in result.stderr, f"{needle!r} not in:\n{result.stderr}"


def alias_bomb(levels: int = 9) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


# --- broken platform.yaml: every command that opens the workspace fails cleanly -----------------

BROKEN_CONFIG = {
    "malformed": (b"org: acme\nallowed_regions: [eu-central-1\n", "not valid YAML at line"),
    "empty": (b"", "file is empty"),
    "comments-only": (b"# nothing here\n", "file is empty"),
    "list": (b"- org: acme\n", "top level is a list"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is a binary file"),
    "latin-1": ("org: acme\ncloud: {target: caf\u00e9}\n".encode("latin-1"), "is not UTF-8 text"),
    "misspelled": (b"org: acme\nallowed_region: [eu-central-1]\n", "allowed_region: unknown key"),
    "wrong-type": (b"org: acme\nallowed_regions: eu-central-1\n", "allowed_regions: Input should be a valid list"),
    "nested-wrong-type": (b"org: acme\ncloud: {target: local, account_id: 12}\n", "cloud.account_id: "),
    "schema-version": (b"schema_version: 7\norg: acme\n", "schema_version: unsupported schema_version 7"),
    "deep": (b"org: acme\nx: " + b"[" * 10_000 + b"]" * 10_000 + b"\n", "nested deeper than"),
    "large": (b"org: acme\n" + b"# padding\n" * 300_000, "larger than"),
    "alias-bomb": (("org: acme\n" + alias_bomb() + "allowed_regions: *a8\n").encode(), "alias bomb"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_CONFIG))
def test_broken_platform_yaml(run_cli, payments, case):
    content, needle = BROKEN_CONFIG[case]
    (payments.root / "platform.yaml").write_bytes(content)
    before = snapshot(payments.root)
    for args in (["space", "list"], ["space", "show", "payments"],
                 ["space", "create", "orders", "--blueprint", "standard@1", "--env", "dev=DE"]):
        with time_limit(20):
            r = run_cli("-w", str(payments.root), *args)
        check_clean_failure(r, SPEC, str(payments.root / "platform.yaml"), needle)
    assert snapshot(payments.root) == before


# --- broken team space file ----------------------------------------------------------------------

BROKEN_SPACE = {
    "malformed": (b"team: payments\nblueprint: standard@1\nenvironments: {dev: [\n", "not valid YAML"),
    "empty": (b"\n", "file is empty"),
    "list": (b"- payments\n", "top level is a list"),
    "binary": (b"\x00\x01\x02\x03", "is a binary file"),
    "non-utf8": (b"team: payments\ndescription: \xff\xfe\n", "is not UTF-8 text"),
    "misspelled": (b"team: payments\nblueprnt: standard@1\nenvironments: {dev: {regions: [eu-central-1]}}\n",
                   "blueprnt: unknown key"),
    "wrong-type": (b"team: payments\nblueprint: standard@1\nenvironments: {dev: {regions: eu-central-1}}\n",
                   "environments.dev.regions: Input should be a valid list"),
    "schema-version": (b"schema_version: '2'\nteam: payments\nblueprint: standard@1\n"
                       b"environments: {dev: {regions: [eu-central-1]}}\n", "schema_version: unsupported"),
    "team-name": (b"team: Pay_Ments\nblueprint: standard@1\nenvironments: {dev: {regions: [eu-central-1]}}\n",
                  "team: 'Pay_Ments' is not a DNS-safe name"),
    "team-mismatch": (b"team: orders\nblueprint: standard@1\nenvironments: {dev: {regions: [eu-central-1]}}\n",
                      "team: 'orders' must equal the file name"),
    "no-regions": (b"team: payments\nblueprint: standard@1\nenvironments: {prod: {regions: []}}\n",
                   "environments.prod.regions: "),
    "alias-bomb": (("team: payments\n" + alias_bomb() + "owners: *a8\n").encode(), "alias bomb"),
    "deep": (b"team: payments\nowners: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nested deeper than"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_SPACE))
def test_broken_space_file(run_cli, payments, case):
    content, needle = BROKEN_SPACE[case]
    path = payments.space_path("payments")
    path.write_bytes(content)
    before = snapshot(payments.root)
    for args in (["space", "show", "payments"], ["space", "add-region", "payments", "--env", "dev", "FR"]):
        with time_limit(20):
            r = run_cli("-w", str(payments.root), *args)
        check_clean_failure(r, SPEC, str(path), needle)
    assert snapshot(payments.root) == before
    # the service function raises the same error
    with pytest.raises(SpecError) as info:
        show_space(WorkspaceContext.open(payments.root), "payments")
    assert str(path) in str(info.value)


# --- bad arguments of `space create` -------------------------------------------------------------

CREATE_CASES = {
    "team-not-dns-safe": (["Pay_Ments", "-b", "standard@1", "--env", "dev=DE"], USAGE, ["'Pay_Ments'", "DNS-safe"]),
    "team-too-long": (["a" * 33, "-b", "standard@1", "--env", "dev=DE"], USAGE, ["DNS-safe"]),
    "team-one-char": (["a", "-b", "standard@1", "--env", "dev=DE"], USAGE, ["DNS-safe"]),
    "team-leading-hyphen": (["-x-", "-b", "standard@1", "--env", "dev=DE"], None, []),
    "unknown-blueprint": (["orders", "-b", "golden@1", "--env", "dev=DE"], NOT_FOUND, ["golden@1", "standard@1"]),
    "unknown-version": (["orders", "-b", "standard@9", "--env", "dev=DE"], NOT_FOUND, ["standard@9", "standard@2"]),
    "blueprint-not-a-ref": (["orders", "-b", "standard", "--env", "dev=DE"], SPEC, ["NAME@VERSION"]),
    "unknown-country": (["orders", "-b", "standard@1", "--env", "dev=XX"], NOT_FOUND, ["'XX'", "country"]),
    "unknown-region": (["orders", "-b", "standard@1", "--env", "dev=eu-mars-1"], NOT_FOUND, ["'eu-mars-1'"]),
    # Japan's zone has no region minimal@1 allows (countries fall back only inside their zone)
    "region-not-allowed": (["orders", "-b", "minimal@1", "--env", "dev=JP"], SPEC,
                           ["ap-northeast-1", "minimal@1", "eu-central-1, eu-west-1", "env dev"]),
    "region-not-allowed-direct": (["orders", "-b", "minimal@1", "--env", "prod=eu-central-1,ap-south-1"], SPEC,
                                  ["ap-south-1", "minimal@1", "env prod"]),
    "env-without-regions": (["orders", "-b", "standard@1", "--env", "prod="], USAGE, ["'prod='", "no regions"]),
    "env-only-commas": (["orders", "-b", "standard@1", "--env", "prod=,,"], USAGE, ["no regions"]),
    "env-without-equals": (["orders", "-b", "standard@1", "--env", "prod"], USAGE, ["ENV=REGION_OR_COUNTRY"]),
    "env-name-not-dns-safe": (["orders", "-b", "standard@1", "--env", "Prod_1=DE"], USAGE, ["'Prod_1'"]),
    "env-twice": (["orders", "-b", "standard@1", "--env", "dev=DE", "--env", "dev=FR"], USAGE, ["twice"]),
    "bad-owner": (["orders", "-b", "standard@1", "--env", "dev=DE", "--owner", "not-an-email"], SPEC,
                  ["spaces/orders.yaml", "owners.0", "email"]),
    "bad-ci-repo": (["orders", "-b", "standard@1", "--env", "dev=DE", "--ci-repo", "no slash"], SPEC,
                    ["spaces/orders.yaml", "ci_repos.0"]),
    "duplicate-team": (["payments", "-b", "standard@1", "--env", "dev=DE"], CONFLICT, ["'payments'", "already exists"]),
}


@pytest.mark.parametrize("case", sorted(CREATE_CASES))
def test_space_create_rejects_bad_arguments(run_cli, payments, case):
    args, code, needles = CREATE_CASES[case]
    before = snapshot(payments.root)
    r = run_cli("-w", str(payments.root), "space", "create", *args)
    if code is None:  # click itself rejects it as a usage error
        assert r.exit_code == USAGE and "Traceback" not in r.stderr
    else:
        check_clean_failure(r, code, *needles)
    assert snapshot(payments.root) == before
    assert not payments.space_path("orders").exists()


SERVICE_CASES = {
    "team-not-dns-safe": (dict(team="Bad_Team", blueprint="standard@1", envs=["dev=DE"]), UsageError),
    "unknown-blueprint": (dict(team="orders", blueprint="golden@1", envs=["dev=DE"]), NotFoundError),
    "unknown-country": (dict(team="orders", blueprint="standard@1", envs=["dev=ZZ"]), NotFoundError),
    "region-not-allowed": (dict(team="orders", blueprint="minimal@1", envs=["dev=ap-south-1"]), SpecError),
    "env-without-regions": (dict(team="orders", blueprint="standard@1", envs=["prod="]), UsageError),
    "no-env": (dict(team="orders", blueprint="standard@1", envs=[]), UsageError),
    "duplicate-team": (dict(team="payments", blueprint="standard@1", envs=["dev=DE"]), ConflictError),
}


@pytest.mark.parametrize("case", sorted(SERVICE_CASES))
def test_create_space_service_function_rejects_bad_requests(payments, case):
    kwargs, error = SERVICE_CASES[case]
    before = snapshot(payments.root)
    with pytest.raises(error):
        create_space(payments, CreateSpaceRequest(**kwargs))
    assert snapshot(payments.root) == before


def test_add_region_rejects_bad_places(run_cli, payments):
    before = snapshot(payments.root)
    for args, code in ((["payments", "--env", "dev", "XX"], NOT_FOUND),
                       (["payments", "--env", "dev", "eu-mars-1"], NOT_FOUND),
                       (["payments", "--env", "Dev_", "FR"], USAGE),
                       (["nobody", "--env", "dev", "FR"], NOT_FOUND)):
        r = run_cli("-w", str(payments.root), "space", "add-region", *args)
        check_clean_failure(r, code)
    assert snapshot(payments.root) == before
    with pytest.raises(NotFoundError):
        add_region(payments, "payments", "dev", "XX")


def test_minimal_blueprint_allows_only_its_regions(payments):
    space = create_space(payments, CreateSpaceRequest(team="tools", blueprint="minimal@1",
                                                      envs=["dev=eu-central-1,eu-west-1,us-east-1"]))
    assert space.environments["dev"].regions == ["eu-central-1", "eu-west-1", "us-east-1"]
    before = snapshot(payments.root)
    with pytest.raises(SpecError, match="eu-west-2"):
        add_region(payments, "tools", "dev", "eu-west-2")
    assert snapshot(payments.root) == before


def test_workspace_allowed_regions_narrow_the_blueprint(run_cli, workspace):
    _edit_config(workspace, allowed_regions=["eu-central-1"])
    r = run_cli("-w", str(workspace.root), "space", "create", "orders", "-b", "standard@1", "--env", "dev=eu-west-3")
    check_clean_failure(r, SPEC, "eu-west-3", "allowed: eu-central-1")
    assert not (workspace.root / "spaces" / "orders.yaml").exists()


def _edit_config(ws: WorkspaceContext, **changes) -> None:
    from platform_cli.model import Workspace
    from platform_cli.yamlio import dump_spec

    cfg = ws.root / "platform.yaml"
    data = Workspace.load(cfg).to_data()
    data.update(changes)
    dump_spec(cfg, data, schema_name="platform")


def _set_pool(ws: WorkspaceContext, pool: str) -> None:
    _edit_config(ws, network_pool=pool)


def test_exhausted_cidr_pool(run_cli, workspace):
    _set_pool(workspace, "10.9.0.0/21")  # room for two /22 blocks of minimal@1, none of standard's /20
    ws = str(workspace.root)
    r = run_cli("-w", ws, "space", "create", "tools", "-b", "minimal@1", "--env", "dev=eu-central-1,eu-west-1")
    assert r.exit_code == 0, r.stderr
    before = snapshot(workspace.root)
    r = run_cli("-w", ws, "space", "create", "more", "-b", "minimal@1", "--env", "dev=eu-central-1")
    check_clean_failure(r, CONFLICT, "10.9.0.0/21", "no free /22", "network_pool in platform.yaml")
    assert "cannot be read" not in r.stderr  # no damaged space file to name
    r = run_cli("-w", ws, "space", "create", "big", "-b", "standard@1", "--env", "dev=DE")
    check_clean_failure(r, CONFLICT, "/20", "10.9.0.0/21", "network_pool in platform.yaml")
    r = run_cli("-w", ws, "space", "add-region", "tools", "--env", "dev", "us-east-1")
    check_clean_failure(r, CONFLICT, "no free /22", "network_pool in platform.yaml")
    assert snapshot(workspace.root) == before


def test_exhausted_pool_in_the_middle_of_a_create_writes_nothing(workspace):
    _set_pool(workspace, "10.9.0.0/21")
    ws = WorkspaceContext.open(workspace.root)
    before = snapshot(workspace.root)
    with pytest.raises(ConflictError, match="no free /22"):  # third region does not fit
        create_space(ws, CreateSpaceRequest(team="tools", blueprint="minimal@1",
                                            envs=["dev=eu-central-1,eu-west-1,us-east-1"]))
    assert snapshot(workspace.root) == before


# --- a broken file of another team ---------------------------------------------------------------

def test_broken_space_of_another_team_does_not_break_mine(run_cli, payments):
    ws = str(payments.root)
    other = payments.root / "spaces" / "other.yaml"
    # a half-edited file whose allocations are still readable as text
    other.write_text("team: other\nblueprint: [standard@1\nallocations:\n  - {env: dev, cidr: 10.0.64.0/20}\n"
                     "  - {env: prod, cidr: 10.0.96.0/19}\n", encoding="utf-8")
    r = run_cli("-w", ws, "space", "show", "payments", "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["team"] == "payments"

    r = run_cli("-w", ws, "space", "list", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert [s["team"] for s in data["spaces"]] == ["payments"]
    assert any("other.yaml" in e for e in data["errors"])
    r = run_cli("-w", ws, "space", "list")
    assert r.exit_code == 0 and "payments" in r.stdout
    assert "warning:" in r.stderr and "other.yaml" in r.stderr

    r = run_cli("-w", ws, "space", "create", "orders", "-b", "standard@1", "--env", "dev=DE,FR,US,IE", "--json")
    assert r.exit_code == 0, r.stderr
    from ipaddress import IPv4Network

    mine = [IPv4Network(u["cidr"]) for u in json.loads(r.stdout)["units"]]
    broken = [IPv4Network("10.0.64.0/20"), IPv4Network("10.0.96.0/19")]
    payments_blocks = [a.cidr for a in payments.space("payments").allocations]
    for block in mine:
        assert not any(block.overlaps(b) for b in broken + payments_blocks), block
    # the broken file is untouched
    assert "blueprint: [standard@1" in other.read_text()

    r = run_cli("-w", ws, "space", "add-region", "payments", "--env", "dev", "IE")
    assert r.exit_code == 0, r.stderr
    added = payments.__class__.open(payments.root).space("payments").cidr("dev", "eu-west-1")
    assert added is not None and not any(added.overlaps(b) for b in broken + mine)

    # the service layer agrees
    listing = list_spaces(WorkspaceContext.open(payments.root))
    assert sorted(s["team"] for s in listing["spaces"]) == ["orders", "payments"]
    assert len(listing["errors"]) == 1


def test_binary_file_of_another_team_does_not_break_mine(run_cli, payments):
    (payments.root / "spaces" / "zzz.yaml").write_bytes(b"\x00\xff" * 100)
    r = run_cli("-w", str(payments.root), "space", "list", "--json")
    assert r.exit_code == 0
    assert any("zzz.yaml" in e and "binary" in e for e in json.loads(r.stdout)["errors"])
    r = run_cli("-w", str(payments.root), "space", "create", "orders", "-b", "standard@1", "--env", "dev=DE")
    assert r.exit_code == 0, r.stderr


def test_no_workspace(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run_cli("space", "list")
    check_clean_failure(r, NOT_FOUND, "no workspace found", "platform.yaml")
    r = run_cli("-w", str(tmp_path / "nowhere"), "space", "list")
    check_clean_failure(r, NOT_FOUND, "nowhere")


def test_init_refuses_existing_workspace(run_cli, payments):
    before = snapshot(payments.root)
    r = run_cli("init", str(payments.root))
    check_clean_failure(r, CONFLICT, "already a workspace")
    assert snapshot(payments.root) == before


def test_debug_shows_the_traceback_only_when_asked(run_cli, payments):
    (payments.root / "platform.yaml").write_bytes(b"- x\n")
    r = run_cli("-w", str(payments.root), "space", "list")
    assert "Traceback" not in r.stderr
    r = run_cli("--debug", "-w", str(payments.root), "space", "list")
    assert r.exit_code == SPEC and "Traceback" in r.stderr


def test_unreadable_space_entry_does_not_break_other_teams(run_cli, payments):
    (payments.root / "spaces" / "weird.yaml").mkdir()  # a folder where a file belongs
    r = run_cli("-w", str(payments.root), "space", "create", "orders", "-b", "standard@1", "--env", "dev=DE")
    assert r.exit_code == 0, r.stderr
    r = run_cli("-w", str(payments.root), "space", "list", "--json")
    assert r.exit_code == 0 and any("weird.yaml" in e for e in json.loads(r.stdout)["errors"])
    r = run_cli("-w", str(payments.root), "fleet", "status", "--json")
    assert r.exit_code == 0 and any("weird.yaml" in e for e in json.loads(r.stdout)["errors"])


@pytest.mark.parametrize("damage", [b"description: caf\xe9\n", b"notes: \x00\n"])
def test_allocation_avoids_blocks_of_a_space_file_that_is_not_text(payments, damage):
    other = payments.root / "spaces" / "other.yaml"
    other.write_bytes(b"team: other\nblueprint: standard@1\n" + damage +
                      b"environments: {dev: {regions: [eu-west-1]}}\n"
                      b"allocations: [{env: dev, region: eu-west-1, cidr: 10.0.64.0/20}]\n")
    space = create_space(WorkspaceContext.open(payments.root),
                         CreateSpaceRequest(team="orders", blueprint="standard@1", envs=["dev=DE,FR"]))
    from ipaddress import IPv4Network

    for a in space.allocations:
        assert not a.cidr.overlaps(IPv4Network("10.0.64.0/20")), a.cidr


def test_allocation_avoids_the_blocks_a_wrecked_space_file_held_when_it_last_parsed(payments):
    """A space file overwritten with text that names none of its blocks: the blocks it held when a
    command last read it (the light index) stay taken, in that command and every later one."""
    from ipaddress import IPv4Network

    ws = WorkspaceContext.open(payments.root)
    held = [a.cidr for a in ws.space("payments").allocations]
    assert held
    list_spaces(ws)  # the light index now records what payments.yaml holds
    (payments.root / "spaces" / "payments.yaml").write_text("team: payments\n  wrecked: [\n", encoding="utf-8")
    made = []
    for team in ("orders", "billing"):
        space = create_space(WorkspaceContext.open(payments.root),
                             CreateSpaceRequest(team=team, blueprint="standard@1", envs=["dev=DE,FR,US,IE"]))
        made += [a.cidr for a in space.allocations]
    assert made and not any(b.overlaps(h) for b in made for h in held), (made, held)
    assert len({str(b) for b in made}) == len(made)

    # without the index's memory the scan alone finds nothing here, and a held block is handed out again
    (payments.root / ".platform" / "spaces.index.json").unlink(missing_ok=True)  # neither index remembers them
    (payments.root / ".platform" / "names.index.json").unlink()
    space = create_space(WorkspaceContext.open(payments.root),
                         CreateSpaceRequest(team="late", blueprint="standard@1", envs=["dev=DE,FR,US,IE"]))
    assert any(a.cidr.overlaps(h) for a in space.allocations for h in held)


def test_a_pool_taken_by_what_a_damaged_space_file_names_is_refused_naming_that_file(run_cli, payments):
    other = payments.root / "spaces" / "other.yaml"
    other.write_text("team: other\nblueprint: [standard@1\nallocations: [{cidr: 0.0.0.0/0}]\n", encoding="utf-8")
    before = snapshot(payments.root)
    r = run_cli("-w", str(payments.root), "space", "create", "orders", "-b", "standard@1", "--env", "dev=DE")
    assert r.exit_code == CONFLICT, r.stderr
    assert "no free /" in r.stderr and "other.yaml" in r.stderr and "cannot be read count as taken" in r.stderr
    assert "Traceback" not in r.stderr
    assert {k: v for k, v in snapshot(payments.root).items() if "index" not in k} == \
        {k: v for k, v in before.items() if "index" not in k}


def test_allocation_refuses_while_a_space_file_cannot_be_read(payments, monkeypatch):
    """Its blocks are unknown: handing out a block now could reuse one of them."""
    from platform_cli.errors import ConflictError

    locked = payments.root / "spaces" / "locked.yaml"
    locked.write_text("team: [broken\n")
    real_open = os.open

    def guarded(file, *args, **kwargs):  # the tests run as root, which chmod cannot lock out
        if str(file) == str(locked):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", guarded)
    before = sorted(p.name for p in (payments.root / "spaces").iterdir())
    with pytest.raises(ConflictError, match="locked.yaml: cannot be read"):
        create_space(WorkspaceContext.open(payments.root),
                     CreateSpaceRequest(team="orders", blueprint="standard@1", envs=["dev=DE"]))
    assert sorted(p.name for p in (payments.root / "spaces").iterdir()) == before


def test_a_folder_named_like_a_space_is_not_reported_missing(run_cli, payments):
    (payments.root / "spaces" / "weird.yaml").mkdir()
    r = run_cli("-w", str(payments.root), "space", "show", "weird")
    assert r.exit_code == SPEC and "is a folder, expected a regular file" in r.stderr and "does not exist" not in r.stderr
