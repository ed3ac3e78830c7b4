"""`platform bootstrap` against moto's real server: creates, verifies, repairs drift, changes nothing twice."""

from __future__ import annotations

import json

import pytest

from platform_cli.aws.bootstrap import bootstrap, shared_names
from platform_cli.aws.clients import ClientProvider
from platform_cli.aws.local_cloud import free_port
from platform_cli.errors import CloudError
from platform_cli.yamlio import RoundTrip


def _run(run_cli, ws):
    r = run_cli("-w", str(ws.root), "bootstrap", "--json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def _snapshot(boto, names):
    """Everything bootstrap may touch, read back with boto3."""
    s3, kms, ddb, iam = boto("s3"), boto("kms"), boto("dynamodb"), boto("iam")
    b = names.state_bucket
    return {
        "keys": sorted(k["KeyId"] for k in kms.list_keys()["Keys"]),
        "aliases": sorted(a["AliasName"] for a in kms.list_aliases()["Aliases"] if not a["AliasName"].startswith("alias/aws/")),
        "buckets": sorted(x["Name"] for x in s3.list_buckets()["Buckets"]),
        "versioning": s3.get_bucket_versioning(Bucket=b).get("Status"),
        "encryption": s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"]["Rules"],
        "pab": s3.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"],
        "policy": json.loads(s3.get_bucket_policy(Bucket=b)["Policy"]),
        "tables": ddb.list_tables()["TableNames"],
        "keyschema": ddb.describe_table(TableName=names.history_table)["Table"]["KeySchema"],
        "oidc": sorted(p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]),
    }


def test_bootstrap_twice_second_run_changes_nothing(run_cli, ws_on_cloud, boto):
    ws = ws_on_cloud
    names = shared_names(ws)
    first = _run(run_cli, ws)
    assert first["changed"] is True
    kinds = {(i["kind"], i["name"]): i["status"] for i in first["items"]}
    assert kinds[("kms-key", names.kms_key)] == "created"
    assert kinds[("state-bucket", names.state_bucket)] == "created"
    assert kinds[("history-table", "platform-history")] == "created"
    assert kinds[("oidc-provider", "token.actions.githubusercontent.com")] == "created"

    after_first = _snapshot(boto, names)
    key_arn = boto("kms").describe_key(KeyId=names.kms_key)["KeyMetadata"]["Arn"]
    assert after_first["versioning"] == "Enabled"
    rule = after_first["encryption"][0]["ApplyServerSideEncryptionByDefault"]
    assert rule == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}
    assert all(after_first["pab"].values()) and len(after_first["pab"]) == 4
    assert after_first["policy"]["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert {k["AttributeName"]: k["KeyType"] for k in after_first["keyschema"]} == {"pk": "HASH", "sk": "RANGE"}
    assert boto("kms").get_key_rotation_status(KeyId=key_arn)["KeyRotationEnabled"] is True
    github = [a for a in after_first["oidc"] if a.endswith("token.actions.githubusercontent.com")]
    assert github == ["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"]
    aud = boto("iam").get_open_id_connect_provider(OpenIDConnectProviderArn=github[0])["ClientIDList"]
    assert aud == ["sts.amazonaws.com"]

    second = _run(run_cli, ws)
    assert second["changed"] is False
    assert {i["status"] for i in second["items"]} == {"found"}
    assert [(i["kind"], i["name"]) for i in second["items"]] == [(i["kind"], i["name"]) for i in first["items"]]
    assert _snapshot(boto, names) == after_first


def test_bootstrap_repairs_drift_and_says_what_changed(ws_on_cloud, boto):
    ws = ws_on_cloud
    names = shared_names(ws)
    bootstrap(ws)
    s3 = boto("s3")
    s3.put_bucket_versioning(Bucket=names.state_bucket, VersioningConfiguration={"Status": "Suspended"})
    s3.delete_public_access_block(Bucket=names.state_bucket)

    report = bootstrap(ws)
    bucket = next(i for i in report.items if i.kind == "state-bucket")
    assert bucket.status == "updated"
    assert bucket.details == ["versioning on", "public access blocked"]
    assert [i.status for i in report.items if i.kind != "state-bucket"] == ["found"] * (len(report.items) - 1)
    assert s3.get_bucket_versioning(Bucket=names.state_bucket)["Status"] == "Enabled"
    assert bootstrap(ws).changed is False


def test_bootstrap_refuses_another_account_and_creates_nothing(run_cli, ws_on_cloud, boto):
    ws = ws_on_cloud
    with RoundTrip(ws.root / "platform.yaml") as doc:
        doc["cloud"]["account_id"] = "111111111111"
    r = run_cli("-w", str(ws.root), "bootstrap")
    assert r.exit_code == 7
    assert "123456789012" in r.stderr and "111111111111" in r.stderr
    assert boto("s3").list_buckets()["Buckets"] == []
    assert boto("kms").list_keys()["Keys"] == []


def test_history_table_with_other_keys_is_an_error(ws_on_cloud, boto):
    boto("dynamodb").create_table(
        TableName="platform-history", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    with pytest.raises(CloudError, match="platform-history exists with keys") as info:
        bootstrap(ws_on_cloud)
    assert "history.table" in info.value.hint


def test_local_target_without_a_running_cloud_says_how_to_start_it(run_cli, workspace):
    r = run_cli("-w", str(workspace.root), "bootstrap")
    assert r.exit_code == 7
    assert "local cloud is not running" in r.stderr
    assert "platform local up" in r.stderr


def test_unreachable_endpoint_is_a_clean_cloud_error(workspace):
    dead = ClientProvider(endpoint_url=f"http://127.0.0.1:{free_port()}", max_attempts=1)
    with pytest.raises(CloudError, match="sts get-caller-identity") as info:
        bootstrap(workspace, clients=dead)
    assert "Could not connect" in str(info.value)


def test_shared_names_follow_platform_yaml(workspace):
    with RoundTrip(workspace.root / "platform.yaml") as doc:
        doc["state"]["url"] = "s3://acme-pulumi-state/teams"
        doc["secrets"]["provider"] = "awskms://alias/acme-pulumi?region=eu-west-1"
        doc["history"]["table"] = "acme-deployments"
    from platform_cli.workspace import WorkspaceContext

    names = shared_names(WorkspaceContext.open(workspace.root))
    assert (names.state_bucket, names.state_prefix) == ("acme-pulumi-state", "teams")
    assert (names.kms_key, names.kms_region) == ("alias/acme-pulumi", "eu-west-1")
    assert names.history_table == "acme-deployments"
    assert names.oidc_issuers[0] == ("https://token.actions.githubusercontent.com", "sts.amazonaws.com")


def test_the_history_store_uses_the_bootstrapped_table(ws_on_cloud, boto):
    from platform_cli.aws.history_dynamodb import DynamoHistory
    from platform_cli.rollout.history import Deployment

    bootstrap(ws_on_cloud)
    store = DynamoHistory(boto("dynamodb"), shared_names(ws_on_cloud).history_table)
    record = Deployment(rollout="r1", unit="space/payments/dev/eu-central-1", team="payments", env="dev",
                        region="eu-central-1", kind="space", what="space", action="up", version="standard@1",
                        who="ci", start="2026-01-01T00:00:00+00:00", end="2026-01-01T00:05:00+00:00",
                        result="succeeded")
    store.add(record)
    assert [d.id for d in store.query(team="payments")] == [record.id]


# GitLab OIDC provider: one audience per environment --------------------------------------
GITLAB = "https://gitlab.com"
GITLAB_ARN = "arn:aws:iam::123456789012:oidc-provider/gitlab.com"


def _add_space(ws, team, envs, blueprint="standard@1"):
    from platform_cli.spaces import CreateSpaceRequest, create_space
    from platform_cli.workspace import WorkspaceContext

    create_space(ws, CreateSpaceRequest(team=team, blueprint=blueprint, envs=envs, owners=["lead@example.com"],
                                        cost_center="CC-1", ci_repos=[f"acme/{team}-api"]))
    return WorkspaceContext.open(ws.root)  # a fresh read of every space file


class _AddClientIdOnMoto:
    """The local cloud's clients, with IAM's AddClientIDToOpenIDConnectProvider, which the
    installed moto server does not implement, done as the same change would be: the provider
    recreated with the client id appended (URL, other client ids and tags kept). Every call is
    recorded in ``added``."""

    def __init__(self, provider):
        self.provider, self.endpoint_url, self.added = provider, provider.endpoint_url, []

    def __call__(self, service, region=None):
        client = self.provider(service, region)
        if service != "iam":
            return client
        shim = self

        class Iam:
            def __getattr__(self, name):
                return getattr(client, name)

            def add_client_id_to_open_id_connect_provider(self, OpenIDConnectProviderArn, ClientID):  # noqa: N803
                desc = client.get_open_id_connect_provider(OpenIDConnectProviderArn=OpenIDConnectProviderArn)
                assert ClientID not in desc["ClientIDList"]
                client.delete_open_id_connect_provider(OpenIDConnectProviderArn=OpenIDConnectProviderArn)
                client.create_open_id_connect_provider(Url=desc["Url"] if desc["Url"].startswith("https://") else f"https://{desc['Url']}",
                                                       ClientIDList=[*desc["ClientIDList"], ClientID],
                                                       Tags=desc.get("Tags", []))
                shim.added.append(ClientID)
                return {}

        return Iam()


def _gitlab_item(report):
    return next(i for i in report.items if i.kind == "oidc-provider" and i.name == "gitlab.com")


def _client_ids(boto):
    return boto("iam").get_open_id_connect_provider(OpenIDConnectProviderArn=GITLAB_ARN)["ClientIDList"]


def test_gitlab_provider_lists_every_environments_audience_and_adds_new_ones(ws_on_cloud, boto):
    from platform_cli.planning.names import ci_audience

    clients = _AddClientIdOnMoto(ClientProvider.local(boto.endpoint_url, region="eu-central-1"))
    ws = _add_space(ws_on_cloud, "payments", ["dev=DE", "prod=DE,FR"])
    first = _gitlab_item(bootstrap(ws, clients=clients))
    assert first.status == "created"
    assert sorted(_client_ids(boto)) == sorted([GITLAB, ci_audience(GITLAB, "dev"), ci_audience(GITLAB, "prod")])

    again = bootstrap(ws, clients=clients)  # no new environment: nothing changes
    assert _gitlab_item(again).status == "found" and again.changed is False

    ws = _add_space(ws, "search", ["staging=DE", "prod=FR"])  # a new environment name in another space
    added = _gitlab_item(bootstrap(ws, clients=clients))
    assert added.status == "updated" and clients.added == [ci_audience(GITLAB, "staging")]
    assert added.details == [f"audience {ci_audience(GITLAB, 'staging')} added"]
    assert ci_audience(GITLAB, "staging") in _client_ids(boto)
    assert _gitlab_item(bootstrap(ws, clients=clients)).status == "found"


def test_gitlab_provider_keeps_client_ids_it_already_had(ws_on_cloud, boto):
    from platform_cli.planning.names import ci_audience

    boto("iam").create_open_id_connect_provider(Url=GITLAB, ClientIDList=["https://gitlab.com/platform/retired"])
    clients = _AddClientIdOnMoto(ClientProvider.local(boto.endpoint_url, region="eu-central-1"))
    ws = _add_space(ws_on_cloud, "payments", ["dev=DE"])
    item = _gitlab_item(bootstrap(ws, clients=clients))
    assert item.status == "updated"
    assert sorted(_client_ids(boto)) == sorted(["https://gitlab.com/platform/retired", GITLAB, ci_audience(GITLAB, "dev")])
    assert sorted(clients.added) == sorted([GITLAB, ci_audience(GITLAB, "dev")])


def test_gitlab_provider_beyond_the_iam_client_id_limit_is_a_clear_error(ws_on_cloud, boto):
    full = [f"https://gitlab.com/platform/old-{i}" for i in range(99)]
    boto("iam").create_open_id_connect_provider(Url=GITLAB, ClientIDList=full)
    ws = _add_space(ws_on_cloud, "payments", ["dev=DE", "prod=DE"])
    with pytest.raises(CloudError, match="at most 100") as info:
        bootstrap(ws)
    assert "gitlab.com" in str(info.value) and "102" in str(info.value)
    assert sorted(_client_ids(boto)) == sorted(full)  # nothing half-added


def _shared_space_tags(boto, names) -> dict[str, str | None]:
    """The platform:space tag of every shared resource, read back with boto3."""
    kms, s3, ddb, iam = boto("kms"), boto("s3"), boto("dynamodb"), boto("iam")
    key = kms.describe_key(KeyId=names.kms_key)["KeyMetadata"]["KeyId"]
    table = ddb.describe_table(TableName=names.history_table)["Table"]["TableArn"]
    github = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    found = {
        "key": {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key)["Tags"]},
        "bucket": {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=names.state_bucket)["TagSet"]},
        "table": {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=table)["Tags"]},
        "oidc": {t["Key"]: t["Value"] for t in iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=github)["Tags"]},
    }
    return {kind: tags.get("platform:space") for kind, tags in found.items()}


def test_shared_resources_carry_the_reserved_space_tag_also_when_found_without_it(ws_on_cloud, boto):
    from platform_cli.planning.tags import SHARED_SPACE

    ws = ws_on_cloud
    names = shared_names(ws)
    bootstrap(ws)
    assert _shared_space_tags(boto, names) == dict.fromkeys(("key", "bucket", "table", "oidc"), SHARED_SPACE)
    # resources bootstrapped before the tag existed: the tag is added, nothing else is changed
    kms, s3, ddb, iam = boto("kms"), boto("s3"), boto("dynamodb"), boto("iam")
    key = kms.describe_key(KeyId=names.kms_key)["KeyMetadata"]["KeyId"]
    kms.untag_resource(KeyId=key, TagKeys=["platform:space"])
    s3.put_bucket_tagging(Bucket=names.state_bucket, Tagging={"TagSet": [{"Key": "owner", "Value": "ops"}]})
    table = ddb.describe_table(TableName=names.history_table)["Table"]["TableArn"]
    ddb.untag_resource(ResourceArn=table, TagKeys=["platform:space"])
    for provider in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        iam.untag_open_id_connect_provider(OpenIDConnectProviderArn=provider["Arn"], TagKeys=["platform:space"])
    assert set(_shared_space_tags(boto, names).values()) == {None}
    report = bootstrap(ws)
    assert _shared_space_tags(boto, names) == dict.fromkeys(("key", "bucket", "table", "oidc"), SHARED_SPACE)
    assert {(i.kind, i.status) for i in report.items if i.status != "updated"} == set()
    assert all(any("platform:space=platform:shared" in d for d in i.details) for i in report.items)
    bucket_tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=names.state_bucket)["TagSet"]}
    assert bucket_tags["owner"] == "ops"  # kept
    assert {i.status for i in bootstrap(ws).items} == {"found"}


def test_bootstrap_registers_the_providers_of_the_hosts_platform_yaml_names(ws_on_cloud, boto):
    """A GitHub Enterprise Server's issuer has a path (HOST/_services/token): the provider is created under it,
    found on the second run, and github.com's provider is not created at all."""
    from platform_cli.workspace import WorkspaceContext

    with RoundTrip(ws_on_cloud.root / "platform.yaml") as doc:
        doc.setdefault("ci", {})["hosts"] = {"github": {"url": "https://ghe.acme.example"},
                                             "gitlab": {"url": "https://gitlab.acme.example"}}
    ws = _add_space(WorkspaceContext.open(ws_on_cloud.root), "payments", ["dev=DE"])
    first = {i.name: i.status for i in bootstrap(ws).items if i.kind == "oidc-provider"}
    assert first == {"ghe.acme.example/_services/token": "created", "gitlab.acme.example": "created"}
    arns = sorted(p["Arn"] for p in boto("iam").list_open_id_connect_providers()["OpenIDConnectProviderList"])
    assert arns == ["arn:aws:iam::123456789012:oidc-provider/ghe.acme.example/_services/token",
                    "arn:aws:iam::123456789012:oidc-provider/gitlab.acme.example"]
    ghe = boto("iam").get_open_id_connect_provider(OpenIDConnectProviderArn=arns[0])
    assert ghe["ClientIDList"] == ["sts.amazonaws.com"]
    second = {i.name: i.status for i in bootstrap(ws).items if i.kind == "oidc-provider"}
    assert second == {"ghe.acme.example/_services/token": "found", "gitlab.acme.example": "found"}
