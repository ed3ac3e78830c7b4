"""Account isolation rendered offline: a provider per account, and no grant reaching another account but the
platform's state bucket, secrets key and history table, for the team's own items.

The workspace ``reference_accounts`` keeps its state, secrets key and history in the platform account
210987654321; team shop's blueprint (standard@3) gives each environment an account of its own: dev's is vended
(222222222222), prod's is not yet (assigned at apply); team books has 333333333333. The graph is walked, not
compared only: every ARN, principal and account condition of every rendered policy is checked.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from platform_cli.planning.accounts import ACCOUNT_PLACEHOLDER
from tests.render.conftest import golden_graphs

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "reference_accounts"
GOLDEN = HERE / "golden" / "accounts"
PLATFORM, DEV, BOOKS = "210987654321", "222222222222", "333333333333"
STATE = "acme-platform-state"
STATE_KEY_ALIAS = "alias/acme-platform-secrets"
TABLE = f"arn:aws:dynamodb:eu-central-1:{PLATFORM}:table/platform-history"
ROLE = "platform-deploy"  # organization.platform_role of the reference platform.yaml

UNITS = [  # unit, service folder, the account it deploys into
    ("space/shop/dev/eu-central-1", None, DEV),
    ("space/shop/prod/eu-central-1", None, ACCOUNT_PLACEHOLDER),
    ("space/shop/prod/us-east-1", None, ACCOUNT_PLACEHOLDER),
    ("service/shop/api/dev/eu-central-1", "api", DEV),
    ("space/books/dev/eu-central-1", None, BOOKS),
]
GOLDEN_UNITS = UNITS[:4]


@pytest.fixture(scope="module")
def accounts_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("reference-accounts") / "ws"
    shutil.copytree(REFERENCE, root)
    return root


@pytest.fixture(scope="module")
def inputs(accounts_root):
    from platform_cli.render.inputs import build_unit_inputs
    from platform_cli.units import UnitTarget
    from platform_cli.workspace import WorkspaceContext

    ws = WorkspaceContext.open(accounts_root)
    return {unit: build_unit_inputs(ws, UnitTarget(unit, service_file=str(accounts_root / "services" / svc / "service.yaml")
                                                   if svc else None)) for unit, svc, _ in UNITS}


@pytest.fixture(scope="module")
def graphs(inputs):
    from platform_cli.render import render_units

    units = list(inputs.values())
    return {u.unit: r for u, r in zip(units, render_units(units, workers=2))}


@pytest.mark.parametrize("unit", [u for u, _, _ in GOLDEN_UNITS])
def test_account_isolated_render_matches_golden(graphs, unit, update_goldens):
    expected, actual = golden_graphs(graphs[unit], unit, GOLDEN, update_goldens)
    assert actual == expected


# --- the provider ----------------------------------------------------------------------------------------------

def providers(graph) -> list[dict]:
    return [r for r in graph.resources if r["type"] == "pulumi:providers:aws"]


def provider_inputs(graph) -> dict:
    (provider,) = providers(graph)
    return {k: json.loads(v) if k in ("allowedAccountIds", "assumeRoles") else v for k, v in provider["inputs"].items()}


@pytest.mark.parametrize("unit, account", [(u, a) for u, _, a in UNITS])
def test_one_provider_per_unit_pinned_to_the_environments_account(graphs, unit, account):
    graph = graphs[unit]
    assert len(providers(graph)) == 1
    args = provider_inputs(graph)
    assert args["allowedAccountIds"] == [account]
    # every resource of the unit is deployed by that provider: none has a provider of its own
    assert all(r["type"] != "pulumi:providers:aws" or r["name"] == "aws" for r in graph.resources)
    if unit.startswith("space/"):  # the platform's role in that account, under a session named for the unit
        assert args["assumeRoles"] == [{"role_arn": f"arn:aws:iam::{account}:role/{ROLE}",
                                        "session_name": "platform-" + unit.replace("/", "-")}]
    else:  # CI's deploy role of that account runs it (OIDC): it never reaches the platform role
        assert "assumeRoles" not in args


def test_the_environments_of_a_space_have_their_own_accounts_and_outputs_name_them(graphs):
    dev, prod = graphs["space/shop/dev/eu-central-1"], graphs["space/shop/prod/eu-central-1"]
    assert dev.outputs["ci_role_arn"] == f"arn:aws:iam::{DEV}:role/shop--dev--euc1--ci-deploy"
    assert dev.outputs["ecr_repository_url"].startswith(f"{DEV}.dkr.ecr.eu-central-1.")
    assert prod.outputs["ci_role_arn"] == f"arn:aws:iam::{ACCOUNT_PLACEHOLDER}:role/shop--prod--euc1--ci-deploy"
    # globally unique names do not depend on the account: the plan's names are the names apply creates
    assert dev.outputs["artifact_bucket"].endswith(prod.outputs["artifact_bucket"][-6:])


ACCOUNT_ID = re.compile(r"(?<![0-9A-Za-z])\d{12}(?![0-9A-Za-z])")  # not the digits inside a hex id


def strings(value):
    if isinstance(value, str):
        yield value
        try:
            parsed = json.loads(value)
        except ValueError:
            return
        if not isinstance(parsed, str):
            yield from strings(parsed)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from strings(k)
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def test_before_vending_no_real_looking_account_id_appears_but_the_platforms(graphs):
    """prod's account is assigned at apply: its render names the placeholder, never a made-up 12-digit id; the only
    account id in it is the platform's (where the shared state, key and history are)."""
    for unit in ("space/shop/prod/eu-central-1", "space/shop/prod/us-east-1"):
        graph = graphs[unit]
        seen = {m for s in strings([graph.resources, graph.outputs]) for m in ACCOUNT_ID.findall(s)}
        assert seen == {PLATFORM}, unit
        assert any(ACCOUNT_PLACEHOLDER in s for s in strings(graph.outputs))


# --- no grant across accounts beyond the team's state, key and history ---------------------------------------

def policy_documents(graph):
    """(resource name, field, document) of every IAM document in the graph."""
    for r in graph.resources:
        for key in ("policy", "assumeRolePolicy"):
            value = r["inputs"].get(key)
            if isinstance(value, str) and value.startswith("{"):
                doc = json.loads(value)
                if "Statement" in doc:
                    yield r["name"], key, doc


def as_list(value):
    return value if isinstance(value, list) else [value]


def arn_account(arn: str) -> str | None:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 and parts[0] == "arn" else None


def crossings(graph, own: str):
    """Every place a document of the graph names something outside account OWN: (resource, sid, what)."""
    out = []
    for name, _, doc in policy_documents(graph):
        for st in doc["Statement"]:
            sid = st.get("Sid", "")
            for res in as_list(st.get("Resource", [])) + as_list(st.get("NotResource", [])):
                account = arn_account(res)
                if res.startswith("arn:aws:s3:::"):
                    bucket = res.removeprefix("arn:aws:s3:::").split("/")[0].rstrip("*")
                    if bucket.startswith(STATE[:-1]):
                        out.append((name, sid, f"bucket {bucket}"))
                elif account not in (None, "", "*", own, "aws"):
                    out.append((name, sid, res))
            for principal in (st.get("Principal") or {}).values() if isinstance(st.get("Principal"), dict) else []:
                for p in as_list(principal):
                    if arn_account(p) not in (None, own):
                        out.append((name, sid, f"principal {p}"))
            for op, keys in (st.get("Condition") or {}).items():
                for key, values in keys.items():
                    if key.lower() in ("s3:resourceaccount", "aws:sourceaccount", "aws:resourceaccount"):
                        for v in as_list(values):
                            if v != own:
                                out.append((name, sid, f"{key}={v}"))
    return out


CI_CROSSINGS = {  # (policy of the CI deploy role, sid, what): the team's state, key and history in the platform account
    ("ci-release", "StateList", f"bucket {STATE}"), ("ci-release", "StateList", f"s3:ResourceAccount={PLATFORM}"),
    ("ci-release", "StateRead", f"bucket {STATE}"), ("ci-release", "StateRead", f"s3:ResourceAccount={PLATFORM}"),
    ("ci-release", "StateWrite", f"bucket {STATE}"), ("ci-release", "StateWrite", f"s3:ResourceAccount={PLATFORM}"),
    ("ci-release", "StateSecretsKey", f"arn:aws:kms:eu-central-1:{PLATFORM}:key/*"),
    ("ci-release", "StateObjectsKey", f"arn:aws:kms:eu-central-1:{PLATFORM}:key/*"),
    ("ci-release", "DeployHistory", TABLE),
    ("ci-boundary", "", f"bucket {STATE}"), ("ci-boundary", "", f"s3:ResourceAccount={PLATFORM}"),
    ("ci-boundary", "", f"arn:aws:kms:eu-central-1:{PLATFORM}:key/*"), ("ci-boundary", "", TABLE),
}


@pytest.mark.parametrize("unit, own", [("space/shop/dev/eu-central-1", DEV), ("space/books/dev/eu-central-1", BOOKS),
                                       ("service/shop/api/dev/eu-central-1", DEV)])
def test_nothing_crosses_the_account_but_the_ci_roles_state_key_and_history(graphs, unit, own):
    found = {(name.split("-access-", 1)[-1], sid, what) for name, sid, what in crossings(graphs[unit], own)}
    if unit.startswith("service/"):
        assert found == set()  # a service's roles and bindings stay in the space's account
        return
    assert found == CI_CROSSINGS


def test_the_ci_grants_across_accounts_are_the_teams_own(graphs):
    """The state objects under the team's projects, the key with the team's encryption context and the history
    table's items of the team: no other team's."""
    docs = {name: doc for name, _, doc in policy_documents(graphs["space/shop/dev/eu-central-1"])}
    release = {st["Sid"]: st for st in docs["shop--dev--euc1-access-ci-release"]["Statement"]}
    assert release["StateWrite"]["Resource"] == [f"arn:aws:s3:::{STATE}/pulumi/.pulumi/*/service.shop.*/dev.eu-central-1*"]
    assert release["StateSecretsKey"]["Condition"]["StringEquals"] == {"kms:EncryptionContext:platform-team": "shop"}
    assert release["StateSecretsKey"]["Condition"]["ForAnyValue:StringEquals"] == {"kms:ResourceAliases": [STATE_KEY_ALIAS]}
    assert release["DeployHistory"]["Condition"]["ForAllValues:StringLike"] == {
        "dynamodb:LeadingKeys": ["team#shop", "lock#shop/*"]}
    books = {st["Sid"]: st for st in {n: d for n, _, d in policy_documents(graphs["space/books/dev/eu-central-1"])}[
        "books--dev--euc1-access-ci-release"]["Statement"]}
    assert books["StateWrite"]["Resource"] == [f"arn:aws:s3:::{STATE}/pulumi/.pulumi/*/service.books.*/dev.eu-central-1*"]


def test_the_ci_role_trusts_the_spaces_repositories_through_its_accounts_oidc_providers(graphs):
    docs = {name: doc for name, key, doc in policy_documents(graphs["space/shop/dev/eu-central-1"])
            if key == "assumeRolePolicy"}
    trust = docs["shop--dev--euc1-access-ci-deploy"]["Statement"]
    assert {st["Principal"]["Federated"] for st in trust} == {
        f"arn:aws:iam::{DEV}:oidc-provider/token.actions.githubusercontent.com",
        f"arn:aws:iam::{DEV}:oidc-provider/gitlab.com"}
    subjects = [s for st in trust for cond in st["Condition"].values() for k, v in cond.items() if k.endswith(":sub")
                for s in as_list(v)]
    assert subjects == ["repo:acme/shop-api:environment:dev:ref:*", "project_path:acme/shop/worker:ref_type:*"]


def test_the_budget_is_the_accounts_own(graphs):
    (budget,) = [r for r in graphs["space/shop/dev/eu-central-1"].resources if r["type"] == "aws:budgets/budget:Budget"]
    assert budget["inputs"]["accountId"] == DEV
    assert budget["inputs"]["tags"]["platform:space"] == "shop--dev" and budget["inputs"]["tags"]["cost-center"] == "CC-7"
    # the account holds this environment alone: the budget counts all it costs, untagged costs included
    assert "costFilters" not in budget["inputs"]


def test_a_shared_spaces_budget_counts_only_its_tagged_costs():
    import json

    golden = Path(__file__).resolve().parent / "golden" / "space_payments_prod_eu-central-1.json"
    (budget,) = [r for r in json.loads(golden.read_text())["resources"] if r["type"] == "aws:budgets/budget:Budget"]
    assert budget["inputs"]["costFilters"] == [{"name": "TagKeyValue", "values": ["user:platform:space$payments--prod"]}]


def test_crossings_are_found_when_a_grant_reaches_another_account(graphs):
    """The walk above sees a grant into another team's account (it would fail the test), not only the expected ones."""
    from platform_cli.render.graph import RenderedUnit

    graph = graphs["space/shop/dev/eu-central-1"]
    extra = {"type": "aws:iam/rolePolicy:RolePolicy", "name": "sneaky", "parent": None, "outputs": {},
             "inputs": {"policy": json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                             "Resource": f"arn:aws:sqs:eu-central-1:{BOOKS}:q"}]})}}
    widened = RenderedUnit(unit=graph.unit, resources=[*graph.resources, extra])
    assert ("sneaky", "", f"arn:aws:sqs:eu-central-1:{BOOKS}:q") in crossings(widened, DEV)


# --- shared isolation is what it was ---------------------------------------------------------------------------

def test_shared_spaces_assume_nothing_and_stay_in_the_platform_account(rendered):
    for unit, graph in rendered.items():
        args = provider_inputs(graph)
        assert args["allowedAccountIds"] == ["123456789012"] and "assumeRoles" not in args, unit


# --- what plans say, and what the engine refuses -------------------------------------------------------------

def test_space_plan_says_which_account_and_that_prods_is_assigned_at_apply(run_cli, accounts_root, monkeypatch):
    monkeypatch.chdir(accounts_root)
    result = run_cli("space", "plan", "shop", "--summary")
    assert result.exit_code == 0, result.stderr
    result = run_cli("space", "plan", "shop")
    assert result.exit_code == 0, result.stderr
    assert f"account {DEV} (account isolation, assumes arn:aws:iam::{DEV}:role/{ROLE})" in result.stdout
    assert result.stdout.count("account assigned at apply (account isolation)") == 2  # prod's two regions
    data = json.loads(run_cli("space", "plan", "shop", "--env", "prod", "--json").stdout)
    assert [u["account"] for u in data["units"]] == [
        {"isolation": "account", "account_id": None, "assigned_at_apply": True, "assumes_role": None,
         "platform_account_id": PLATFORM}] * 2


def test_the_engine_never_deploys_into_the_placeholder(inputs):
    from platform_cli.engine.worker import refuse_pending_account
    from platform_cli.errors import NotFoundError

    refuse_pending_account(inputs["space/shop/dev/eu-central-1"])  # vended: goes ahead
    with pytest.raises(NotFoundError, match="environment prod of space shop has no account yet") as err:
        refuse_pending_account(inputs["space/shop/prod/us-east-1"])
    assert "platform space apply shop --env prod" in err.value.hint


def test_a_closed_account_is_not_deployed_into(accounts_root, tmp_path):
    from platform_cli.render.inputs import build_unit_inputs
    from platform_cli.units import UnitTarget
    from platform_cli.workspace import WorkspaceContext

    root = tmp_path / "ws"
    shutil.copytree(accounts_root, root)
    space = root / "spaces" / "shop.yaml"
    space.write_text(space.read_text().replace("  created_at: '2026-12-01T09:00:00Z'\n",
                                               "  created_at: '2026-12-01T09:00:00Z'\n  state: closed\n"
                                               "  closed_at: '2026-12-02T09:00:00Z'\n"))
    got = build_unit_inputs(WorkspaceContext.open(root), UnitTarget("space/shop/dev/eu-central-1"))
    assert got.account_pending and got.account_id == ACCOUNT_PLACEHOLDER


# --- linted like every other policy ----------------------------------------------------------------------------

@pytest.mark.parametrize("unit", [u for u, _, _ in UNITS])
def test_account_isolated_policies_pass_parliament(graphs, unit):
    from tests.stacks.test_iam_lint import _documents, parliament_findings, with_role_denies

    documents = _documents(graphs[unit])
    ci_identity = [text for label, kind, text, _ in documents if kind == "identity" and "-ci-deploy" in label]
    documents = [(label, kind, with_role_denies(text, ci_identity) if label.endswith("-ci-boundary") else text, role)
                 for label, kind, text, role in documents]
    assert any(kind == "trust" for _, kind, _, _ in documents)
    # Before vending the placeholder is no account id, which is what parliament says of it (INVALID_ARN): the
    # documents are linted with a stand-in id in its place, so that every other finding still counts.
    stand_in = "999999999999"
    assert all(stand_in not in text for _, _, text, _ in documents)
    problems = {label: found for label, kind, text, role in documents if kind in ("identity", "trust")
                and (found := [f for f in parliament_findings(text.replace(ACCOUNT_PLACEHOLDER, stand_in), kind,
                                                              role.replace(ACCOUNT_PLACEHOLDER, stand_in) if role else role)
                               if not resource_aliases_gap(f)])}
    assert problems == {}


RESOURCE_ALIASES_GAP = re.compile(r"UNKNOWN_CONDITION_FOR_ACTION \(MEDIUM\): Unknown condition kms:ResourceAliases for "
                                  r"action kms:(Decrypt|Encrypt|GenerateDataKey)")


def resource_aliases_gap(finding: str) -> bool:
    """Parliament 1.6.x knows kms:ResourceAliases as a KMS condition key but lists it for no cryptographic action; IAM's
    service reference has it on the key resource type of Decrypt, Encrypt and GenerateDataKey (KMS's ABAC). It comes
    from the shared secrets key's grant, which the shared reference (a local backend) does not render."""
    return bool(RESOURCE_ALIASES_GAP.fullmatch(finding))


def test_only_the_resource_aliases_gap_is_set_aside():
    from tests.stacks.test_iam_lint import parliament_findings

    key = "arn:aws:kms:eu-central-1:210987654321:key/*"
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": key,
                                                    "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": ["alias/x"]}}}]}
    found = parliament_findings(json.dumps(doc), "identity")
    assert found and all(resource_aliases_gap(f) for f in found)
    doc["Statement"][0]["Condition"] = {"StringEquals": {"kms:ResourceAlias": "alias/x"}}  # a typo: not set aside
    assert any(not resource_aliases_gap(f) for f in parliament_findings(json.dumps(doc), "identity"))


def test_blueprint_diff_from_shared_to_account_renders_into_the_new_account(run_cli, reference_root, monkeypatch):
    """standard@2 -> standard@3 moves the space into an account of its own: the diff renders the new blueprint
    there (assigned at apply), so what changes on each resource is where it is, not only its tag."""
    monkeypatch.chdir(reference_root)
    result = run_cli("blueprint", "diff", "standard@2", "--to", "standard@3", "--space", "search", "--json")
    assert result.exit_code == 0, result.stderr
    (unit,) = json.loads(result.stdout)["units"]
    replaced = {(c["type"], c["name"]): c["fields"] for c in unit["replace"]}
    assert {"allowedAccountIds", "assumeRoles"} <= set(replaced[("pulumi:providers:aws", "aws")])
    assert "accountId" in replaced[("aws:budgets/budget:Budget", "search--prod-budget-budget")]
    assert "assumeRolePolicy" in replaced[("aws:iam/role:Role", "search--prod--euw1-access-ci-deploy")]
    (same,) = json.loads(run_cli("blueprint", "diff", "standard@1", "--to", "standard@2", "--space", "search",
                                 "--json").stdout)["units"]
    moved = {(c["type"], c["name"]) for kind in ("update", "replace") for c in same[kind]}
    assert ("pulumi:providers:aws", "aws") not in moved
