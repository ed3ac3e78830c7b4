"""Organizations against moto's real server: OUs and SCPs by bootstrap, an account per environment, the
platform role in each, accounts kept apart, idempotent and resumable vending, closing.

moto (5.2) implements every Organizations call the platform makes, with two differences from AWS that the
tests below work around at the client, never in the product: CreateAccount succeeds at once (AWS takes
minutes: DescribeCreateAccountStatus says IN_PROGRESS first), and it never reports FAILED. The slow and
failed cases rewrite those answers of the real calls to moto with a botocore ``after-call`` hook.
moto does not enforce SCPs either: what they deny is proven with the IAM evaluator (tests/test_guardrails.py).
Organizations operations moto 5.2.5 lacks (none of them is called by the platform): AcceptHandshake,
CancelHandshake, CreateGovCloudAccount, DeclineHandshake, DeleteResourcePolicy, DescribeEffectivePolicy,
DescribeHandshake, DescribeResourcePolicy, DescribeResponsibilityTransfer, EnableAllFeatures,
InviteAccountToOrganization, InviteOrganizationToTransferResponsibility, LeaveOrganization,
ListAccountsWithInvalidEffectivePolicy, ListEffectivePolicyValidationErrors, ListHandshakesForAccount,
ListHandshakesForOrganization, ListInbound/OutboundResponsibilityTransfers, PutResourcePolicy,
Terminate/UpdateResponsibilityTransfer. IAM's AddClientIDToOpenIDConnectProvider is missing too: bootstrap
creates each vended account's providers with all their client ids at once, so it does not call it here.
"""

from __future__ import annotations

import json

import pytest

from platform_cli.accounts.vending import close_env_account, ensure_account
from platform_cli.aws.clients import ClientProvider
from platform_cli.aws.organizations import SCP_TYPE, assumed, find_ou, policies_of, root_id
from platform_cli.errors import CloudError, ConflictError, NotFoundError
from platform_cli.spaces import CreateSpaceRequest, create_space
from platform_cli.workspace import WorkspaceContext

from tests.isolation import isolate_workspace

ROLE = "OrganizationAccountAccessRole"


def _bootstrap(run_cli, ws):
    r = run_cli("-w", str(ws.root), "bootstrap", "--json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def _orgs(endpoint):
    return ClientProvider.local(endpoint)("organizations", "us-east-1")


def _spaces(ws):
    create_space(ws, CreateSpaceRequest(team="shop", blueprint="isolated@1", envs=["dev=eu-central-1", "prod=eu-west-1"],
                                        ci_repos=["acme/shop-api"]))
    assert ws.space("shop").environments["prod"].protected  # prod is protected by default
    create_space(ws, CreateSpaceRequest(team="blog", blueprint="isolated@1", envs=["dev=eu-central-1"],
                                        ci_repos=["gitlab:acme/blog"]))
    return WorkspaceContext.open(ws.root)


def test_bootstrap_creates_the_ous_and_scps_once(run_cli, org_ws, fresh_cloud):
    first = _bootstrap(run_cli, org_ws)
    orgs = _orgs(fresh_cloud)
    root = root_id(orgs)
    ous = {o["Name"]: o["Id"] for o in orgs.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]}
    assert set(ous) == {"platform-protected", "platform-workloads"}
    scps = {p["Name"]: p["Id"] for p in orgs.list_policies(Filter=SCP_TYPE)["Policies"]}
    assert {"acme--platform--regions", "acme--platform--baseline"} <= set(scps)
    for ou in ous.values():
        assert {"acme--platform--regions", "acme--platform--baseline"} <= set(policies_of(orgs, ou))
    regions = json.loads(orgs.describe_policy(PolicyId=scps["acme--platform--regions"])["Policy"]["Content"])
    # the fence is rendered from every account-isolated blueprint of the catalog (isolated@1 and any shipped one)
    from platform_cli.planning.guardrails import fence_regions

    fence = fence_regions(org_ws.config, org_ws.catalog.blueprints())
    assert {"eu-central-1", "eu-west-1"} <= set(fence)
    assert regions["Statement"][0]["Condition"]["StringNotEquals"]["aws:RequestedRegion"] == fence
    kinds = {(i["kind"], i["status"]) for i in first["items"]}
    assert ("organizational-unit", "created") in kinds and ("scp", "created") in kinds and ("scp-attachment", "attached") in kinds
    second = _bootstrap(run_cli, org_ws)
    assert second["changed"] is False and {i["status"] for i in second["items"]} == {"found", "skipped"}
    assert [i["kind"] for i in second["items"] if i["status"] == "skipped"] == ["cost-allocation-tags"]
    assert len(orgs.list_policies(Filter=SCP_TYPE)["Policies"]) == len(scps)


def test_bootstrap_repairs_a_changed_scp_and_refuses_another_management_account(run_cli, org_ws, fresh_cloud):
    _bootstrap(run_cli, org_ws)
    orgs = _orgs(fresh_cloud)
    pid = next(p["Id"] for p in orgs.list_policies(Filter=SCP_TYPE)["Policies"] if p["Name"] == "acme--platform--baseline")
    orgs.update_policy(PolicyId=pid, Content=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]}))
    repaired = _bootstrap(run_cli, org_ws)
    assert [i["status"] for i in repaired["items"] if i["name"] == "acme--platform--baseline"] == ["updated"]
    sids = [s["Sid"] for s in json.loads(orgs.describe_policy(PolicyId=pid)["Policy"]["Content"])["Statement"]]
    assert "DenyLeavingOrganization" in sids and "DenyIamUsersAndAccessKeys" in sids
    text = (org_ws.root / "platform.yaml").read_text().replace("management_account_id: '123456789012'",
                                                                "management_account_id: '999999999999'")
    text = text.replace("management_account_id: \"123456789012\"", "management_account_id: '999999999999'")
    text = text.replace("management_account_id: 123456789012", "management_account_id: '999999999999'")
    (org_ws.root / "platform.yaml").write_text(text)
    r = run_cli("-w", str(org_ws.root), "bootstrap")
    # the caller is checked first: not the management account, and no management_role to assume there
    assert r.exit_code == 7 and "credentials belong to account 123456789012" in r.stderr
    assert "not to the organization's management account 999999999999" in r.stderr and "management_role" in r.stderr


def test_two_spaces_get_an_account_per_environment_in_its_ou_and_a_second_apply_vends_nothing(run_cli, org_ws, fresh_cloud):
    _bootstrap(run_cli, org_ws)
    ws = _spaces(org_ws)
    for team, env in (("shop", "dev"), ("shop", "prod"), ("blog", "dev")):
        r = run_cli("-w", str(ws.root), "space", "apply", team, "--env", env)
        assert r.exit_code == 8, r.stderr  # the units need the engine; the account is vended before
        assert f"account {team}/{env}:" in r.stderr
    ws = WorkspaceContext.open(ws.root)
    ids = {(t, e): ws.space(t).account(e).account_id for t, e in (("shop", "dev"), ("shop", "prod"), ("blog", "dev"))}
    assert len(set(ids.values())) == 3 and "123456789012" not in ids.values()
    orgs = _orgs(fresh_cloud)
    root = root_id(orgs)
    protected, workloads = find_ou(orgs, root, "platform-protected"), find_ou(orgs, root, "platform-workloads")
    parent = {k: orgs.list_parents(ChildId=v)["Parents"][0]["Id"] for k, v in ids.items()}
    assert parent == {("shop", "dev"): workloads, ("shop", "prod"): protected, ("blog", "dev"): workloads}
    for ou in (protected, workloads):  # the guardrails sit on the OUs, so every account in them is fenced
        assert {"acme--platform--regions", "acme--platform--baseline"} <= set(policies_of(orgs, ou))
    shop_prod = orgs.describe_account(AccountId=ids[("shop", "prod")])["Account"]
    assert shop_prod["Email"] == "aws+acme-shop-prod@example.com" and shop_prod["Name"] == "acme/shop/prod"
    tags = {t["Key"]: t["Value"] for t in orgs.list_tags_for_resource(ResourceId=ids[("shop", "prod")])["Tags"]}
    assert tags["platform:space"] == "shop" and tags["platform:env"] == "prod"
    before = (ws.root / "spaces" / "shop.yaml").read_text()
    count = len(orgs.list_accounts()["Accounts"])
    r = run_cli("-w", str(ws.root), "space", "apply", "shop", "--env", "prod", "--yes")
    assert r.exit_code == 8
    assert len(orgs.list_accounts()["Accounts"]) == count and (ws.root / "spaces" / "shop.yaml").read_text() == before
    # a space file that lost its record (restored from an old copy) finds the account again: by email, no new one
    (ws.root / "spaces" / "shop.yaml").write_text(before.split("accounts:")[0])
    again = ensure_account(WorkspaceContext.open(ws.root), "shop", "prod")
    assert again.status == "found" and again.account_id == ids[("shop", "prod")]
    assert len(orgs.list_accounts()["Accounts"]) == count


def test_the_platform_assumes_its_role_in_each_account_and_accounts_are_apart(run_cli, org_ws, fresh_cloud):
    _bootstrap(run_cli, org_ws)
    ws = _spaces(org_ws)
    a = ensure_account(ws, "shop", "dev").account_id
    b = ensure_account(WorkspaceContext.open(ws.root), "blog", "dev").account_id
    base = ClientProvider.local(fresh_cloud)
    in_a, in_b = assumed(base, a, ROLE), assumed(base, b, ROLE)
    for acct, provider in ((a, in_a), (b, in_b)):
        ident = provider("sts").get_caller_identity()
        assert ident["Account"] == acct and f"assumed-role/{ROLE}/" in ident["Arn"]
        trust = provider("iam").get_role(RoleName=ROLE)["Role"]["AssumeRolePolicyDocument"]
        assert "arn:aws:iam::123456789012:root" in json.dumps(trust)  # the management account may assume it
    in_b("s3").create_bucket(Bucket="blog-dev-data", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    in_b("s3").put_object(Bucket="blog-dev-data", Key="secret.txt", Body=b"b's data")
    in_b("secretsmanager").create_secret(Name="platform/blog/dev/db", SecretString="pw")
    in_a("s3").create_bucket(Bucket="shop-dev-data", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    assert [x["Name"] for x in in_a("s3").list_buckets()["Buckets"]] == ["shop-dev-data"]
    assert in_a("secretsmanager").list_secrets()["SecretList"] == []
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError, match="AccessDenied"):
        in_a("s3").get_object(Bucket="blog-dev-data", Key="secret.txt")
    with pytest.raises(ClientError, match="AccessDenied"):
        in_a("s3").list_objects_v2(Bucket="blog-dev-data")
    secret_arn = in_b("secretsmanager").describe_secret(SecretId="platform/blog/dev/db")["ARN"]
    with pytest.raises(ClientError, match="ResourceNotFound"):
        in_a("secretsmanager").get_secret_value(SecretId=secret_arn)
    assert in_b("s3").get_object(Bucket="blog-dev-data", Key="secret.txt")["Body"].read() == b"b's data"


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _rewrite(client, operation: str, change):
    """Rewrite the parsed answer of OPERATION (the real call to moto is still made)."""
    def hook(parsed, **_kw):
        change(parsed)
    client.meta.events.register(f"after-call.organizations.{operation}", hook)
    return hook


def test_a_slow_creation_times_out_clearly_and_the_next_apply_resumes_it(run_cli, org_ws, fresh_cloud):
    _bootstrap(run_cli, org_ws)
    ws = _spaces(org_ws)
    provider = ClientProvider.local(fresh_cloud)
    orgs = provider("organizations", "us-east-1")
    hook = _rewrite(orgs, "DescribeCreateAccountStatus", lambda p: p["CreateAccountStatus"].update(State="IN_PROGRESS"))
    clock, lines = Clock(), []
    before = (ws.root / "spaces" / "shop.yaml").read_text()
    with pytest.raises(CloudError) as err:
        ensure_account(ws, "shop", "dev", clients=provider, progress=lines.append, sleep=clock.sleep, clock=clock)
    assert "still being created after 900s" in err.value.message and "nothing was recorded" in err.value.message
    assert "run the same command again" in err.value.hint
    request_id = err.value.message.split("(request ")[1].split(",")[0]
    assert request_id.startswith("car-")
    assert lines[0] == "account acme/shop/dev: creating (aws+acme-shop-dev@example.com) ..."
    assert "in progress (0s of at most 900s)" in lines[1] and len(clock.sleeps) == 180
    assert (ws.root / "spaces" / "shop.yaml").read_text() == before
    # AWS is still creating it: the account is not listed yet, its request is; the next apply waits for that request
    orgs.meta.events.unregister("after-call.organizations.DescribeCreateAccountStatus", hook)
    _rewrite(orgs, "ListAccounts", lambda p: p.update(Accounts=[]))
    _rewrite(orgs, "ListAccountsForParent", lambda p: p.update(Accounts=[]))
    _rewrite(orgs, "ListCreateAccountStatus", lambda p: p.update(CreateAccountStatuses=[
        {"Id": request_id, "AccountName": "acme/shop/dev", "State": "IN_PROGRESS"}]))
    lines.clear()
    done = ensure_account(WorkspaceContext.open(ws.root), "shop", "dev", clients=provider, progress=lines.append,
                          sleep=clock.sleep, clock=clock)
    assert done.status == "resumed" and lines == [f"account acme/shop/dev: resuming creation request {request_id}"]
    plain = _orgs(fresh_cloud)
    assert [a["Email"] for a in plain.list_accounts()["Accounts"]].count("aws+acme-shop-dev@example.com") == 1
    assert WorkspaceContext.open(ws.root).space("shop").account("dev").account_id == done.account_id
    assert plain.list_parents(ChildId=done.account_id)["Parents"][0]["Id"] == find_ou(plain, root_id(plain), "platform-workloads")


def test_a_failed_creation_is_reported_with_its_reason_and_records_nothing(run_cli, org_ws, fresh_cloud):
    _bootstrap(run_cli, org_ws)
    ws = _spaces(org_ws)
    provider = ClientProvider.local(fresh_cloud)
    _rewrite(provider("organizations", "us-east-1"), "DescribeCreateAccountStatus", lambda p: p["CreateAccountStatus"].update(
        State="FAILED", FailureReason="ACCOUNT_LIMIT_EXCEEDED"))
    before = (ws.root / "spaces" / "blog.yaml").read_text()
    with pytest.raises(CloudError) as err:
        ensure_account(ws, "blog", "dev", clients=provider)
    assert "could not create the account of blog/dev (aws+acme-blog-dev@example.com): ACCOUNT_LIMIT_EXCEEDED" in err.value.message
    assert "ask AWS Support to raise it" in err.value.hint  # EMAIL_ALREADY_EXISTS: tests/aws/test_account_races.py
    assert (ws.root / "spaces" / "blog.yaml").read_text() == before


def test_vending_needs_the_ous_of_bootstrap_and_changes_nothing_without_them(org_ws, fresh_cloud):
    ws = _spaces(org_ws)
    orgs = _orgs(fresh_cloud)
    orgs.create_organization(FeatureSet="ALL")
    with pytest.raises(NotFoundError, match="no OU 'platform-workloads'") as err:
        ensure_account(ws, "shop", "dev")
    assert "platform bootstrap" in err.value.hint
    assert [a["Id"] for a in orgs.list_accounts()["Accounts"]] == ["123456789012"]


def test_closing_an_account_keeps_its_id_and_date(run_cli, org_ws, fresh_cloud):
    _bootstrap(run_cli, org_ws)
    ws = _spaces(org_ws)
    acct = ensure_account(ws, "blog", "dev").account_id
    closed = close_env_account(WorkspaceContext.open(ws.root), "blog", "dev")
    assert closed.status == "closed" and closed.account_id == acct
    assert _orgs(fresh_cloud).describe_account(AccountId=acct)["Account"]["Status"] == "SUSPENDED"
    rec = WorkspaceContext.open(ws.root).space("blog").account("dev")
    assert rec.state == "closed" and rec.account_id == acct and rec.closed_at.endswith("Z")
    assert close_env_account(WorkspaceContext.open(ws.root), "blog", "dev").status == "already closed"
    with pytest.raises(ConflictError, match="was closed on"):
        ensure_account(WorkspaceContext.open(ws.root), "blog", "dev")


def test_a_shared_space_vends_nothing(org_ws, fresh_cloud):
    create_space(org_ws, CreateSpaceRequest(team="wiki", blueprint="standard@1", envs=["dev=eu-central-1"]))
    assert ensure_account(WorkspaceContext.open(org_ws.root), "wiki", "dev") is None


def test_bootstrap_adds_only_the_oidc_providers_each_accounts_ci_uses(run_cli, org_ws, fresh_cloud):
    _bootstrap(run_cli, org_ws)
    ws = _spaces(org_ws)
    shop = ensure_account(ws, "shop", "dev").account_id
    blog = ensure_account(WorkspaceContext.open(ws.root), "blog", "dev").account_id
    report = _bootstrap(run_cli, ws)
    created = sorted(i["name"] for i in report["items"] if i["kind"] == "oidc-provider" and " in " in i["name"])
    assert created == [f"gitlab.com in {blog} (blog/dev)", f"token.actions.githubusercontent.com in {shop} (shop/dev)"]
    base = ClientProvider.local(fresh_cloud)
    def providers(acct):
        return sorted(p["Arn"].split("/", 1)[1] for p in
                      assumed(base, acct, ROLE)("iam").list_open_id_connect_providers()["OpenIDConnectProviderList"])
    assert providers(shop) == ["token.actions.githubusercontent.com"]
    assert providers(blog) == ["gitlab.com"]
    gitlab = assumed(base, blog, ROLE)("iam").get_open_id_connect_provider(
        OpenIDConnectProviderArn=f"arn:aws:iam::{blog}:oidc-provider/gitlab.com")
    assert "https://gitlab.com" in gitlab["ClientIDList"] and len(gitlab["ClientIDList"]) == 2
    # the platform account's state bucket, secrets key and history table admit both accounts' CI, each for its team
    status = {i["kind"]: i for i in report["items"] if i["kind"].endswith("-access")}
    assert {k: v["status"] for k, v in status.items()} == {
        "state-bucket-access": "updated", "kms-key-access": "updated", "history-table-access": "updated"}
    from platform_cli.aws.bootstrap import shared_names

    n = shared_names(ws)
    s3, kms, ddb = base("s3", n.region), base("kms", n.kms_region), base("dynamodb", n.region)
    bucket = json.loads(s3.get_bucket_policy(Bucket=n.state_bucket)["Policy"])
    assert bucket["Statement"][0]["Sid"] == "DenyInsecureTransport"
    principals = {s["Principal"]["AWS"] for s in bucket["Statement"][1:]}
    assert principals == {f"arn:aws:iam::{shop}:root", f"arn:aws:iam::{blog}:root"}
    key_id = kms.describe_key(KeyId=n.kms_key)["KeyMetadata"]["Arn"]
    key = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    assert key["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}  # the account's own stays
    assert [s["Condition"]["StringEquals"].get("kms:EncryptionContext:platform-team") for s in key["Statement"][1:]
            if "StringEquals" in s["Condition"]].count("shop") == 1
    table_arn = ddb.describe_table(TableName=n.history_table)["Table"]["TableArn"]
    table = json.loads(ddb.get_resource_policy(ResourceArn=table_arn)["Policy"])
    assert sorted(s["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"][0] for s in table["Statement"]) == [
        "team#blog", "team#shop"]
    again = _bootstrap(run_cli, ws)
    assert again["changed"] is False


def test_a_workspace_without_organization_is_told_what_to_add(ws_on_cloud):
    ws = isolate_workspace(ws_on_cloud)
    from platform_cli.yamlio import RoundTrip

    with RoundTrip(ws.root / "platform.yaml") as doc:
        del doc["organization"]
    ws = WorkspaceContext.open(ws.root)
    assert ws.config.organization is None
    create_space(ws, CreateSpaceRequest(team="shop", blueprint="isolated@1", envs=["dev=eu-central-1"]))
    from platform_cli.errors import UsageError

    with pytest.raises(UsageError, match="platform.yaml has no organization"):
        ensure_account(WorkspaceContext.open(ws.root), "shop", "dev")


def test_an_email_pattern_that_gives_two_environments_one_address_is_refused(run_cli, org_ws, fresh_cloud):
    _bootstrap(run_cli, org_ws)
    create_space(org_ws, CreateSpaceRequest(team="shop-eu", blueprint="isolated@1", envs=["dev=eu-central-1"]))
    create_space(org_ws, CreateSpaceRequest(team="shop", blueprint="isolated@1", envs=["eu-dev=eu-central-1"]))
    first = ensure_account(WorkspaceContext.open(org_ws.root), "shop-eu", "dev")
    assert first.email == "aws+acme-shop-eu-dev@example.com"
    with pytest.raises(ConflictError, match="which shop-eu/dev already has") as err:
        ensure_account(WorkspaceContext.open(org_ws.root), "shop", "eu-dev")
    assert "aws+{org}.{team}.{env}@example.com" in err.value.hint
    # without the record (another workspace, a lost file), the account's own tags say whose it is
    path = org_ws.root / "spaces" / "shop-eu.yaml"
    path.write_text(path.read_text().split("accounts:")[0])
    with pytest.raises(ConflictError, match=r"belongs to shop-eu/dev, not shop/eu-dev"):
        ensure_account(WorkspaceContext.open(org_ws.root), "shop", "eu-dev")
    assert WorkspaceContext.open(org_ws.root).space("shop").account("eu-dev") is None
    assert len(_orgs(fresh_cloud).list_accounts()["Accounts"]) == 2  # the management account and shop-eu's
