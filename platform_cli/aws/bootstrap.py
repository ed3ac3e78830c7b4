"""`platform bootstrap`: the shared resources every workspace needs, created or verified.

- the Pulumi state bucket: versioning, SSE-KMS with the platform key, public access block,
  bucket-owner-enforced ownership and a TLS-only bucket policy;
- a KMS key (rotation on) and its alias, for Pulumi secrets and the state bucket;
- the DynamoDB history table as the history store defines it (``history_dynamodb``: string
  keys ``pk``/``sk``, on-demand), encrypted with the platform key, point-in-time recovery on;
- the IAM OIDC providers CI deploy roles trust, of the hosts platform.yaml's ``ci.hosts`` names
  (:func:`~platform_cli.planning.ci_hosts.oidc_host`): the GitHub's (github.com:
  token.actions.githubusercontent.com; a GitHub Enterprise's own issuer) when a blueprint trusts
  GitHub, the GitLab's for every GitLab instance a blueprint enables. A GitLab provider's client
  ids (audiences) are the instance URL plus ``names.ci_audience(URL, ENV)`` of every environment
  of every readable space whose blueprint trusts that instance (each environment's deploy roles
  trust only its own audience); client ids already there stay, as another space may still use them.
  Blueprints with ``isolation: account`` add nothing here: their spaces' CI deploys into the
  environment's own account, where :mod:`.org_bootstrap` puts the providers it needs;
- with ``organization`` in platform.yaml, the OUs, service control policies and vended
  accounts' OIDC providers (:mod:`.org_bootstrap`).

Idempotent: each resource is looked up first; what exists and matches is reported
``found`` and left alone, what drifted is repaired and reported ``updated`` with what
changed, what is missing is ``created``. A second run reports everything ``found`` and
makes no change. It works against the local cloud (an endpoint) and AWS (no endpoint).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlparse

from ..errors import CloudError
from ..planning import names
from .clients import ClientProvider, translate
from .oidc import GITHUB_AUDIENCE, GITHUB_ISSUER, MAX_CLIENT_IDS, BootstrapItem, ensure_oidc_provider  # noqa: F401 (this module's API)
from .shared_tags import mark_tagged, shared_tags, tag_bucket, tag_kms_key, tag_table

MANAGED_TAG = "platform:managed-by"



def history_table_definition(table: str, key_arn: str, tags: dict[str, str]) -> dict[str, Any]:
    """create_table arguments: the history store's own definition (``history_dynamodb``),
    encrypted with the platform key, tagged, protected against deletion."""
    from .history_dynamodb import table_definition

    definition = table_definition(table)
    definition["SSESpecification"] = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key_arn}
    merged = {t["Key"]: t["Value"] for t in definition.get("Tags", [])} | tags
    definition["Tags"] = [{"Key": k, "Value": v} for k, v in merged.items()]
    definition["DeletionProtectionEnabled"] = True
    return definition


@dataclass
class BootstrapReport:
    target: str
    endpoint: str | None
    region: str
    account: str
    items: list[BootstrapItem] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(i.status not in ("found", "skipped") for i in self.items)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["changed"] = self.changed
        return data


@dataclass(frozen=True)
class SharedNames:
    """Names of the shared resources, all derived from platform.yaml."""

    region: str
    state_bucket: str
    state_prefix: str
    kms_key: str  # alias/NAME, or a key id / ARN given in platform.yaml
    kms_region: str
    history_table: str
    oidc_issuers: tuple[tuple[str, str], ...]  # (issuer URL, audience)


def shared_names(ws) -> SharedNames:
    """Pure: the shared resource names of a workspace (no AWS call)."""
    cfg = ws.config
    region = cfg.cloud.default_region
    url = cfg.state.url
    if url.startswith("s3://"):
        parsed = urlparse(url)
        bucket, prefix = parsed.netloc, parsed.path.strip("/")
    else:
        bucket = names.bucket_name(cfg.org, "platform", "shared", region, "state", cfg.cloud.account_id)
        prefix = ""
    provider = cfg.secrets.provider
    kms_region = region
    if provider.startswith("awskms://"):
        parsed = urlparse(provider)
        key = (parsed.netloc + parsed.path).strip("/")
        kms_region = parse_qs(parsed.query).get("region", [region])[0]
    else:
        key = f"alias/{names.resource_name(cfg.org, 'platform', 'secrets')}"
    return SharedNames(region=region, state_bucket=bucket, state_prefix=prefix, kms_key=key, kms_region=kms_region,
                       history_table=cfg.history.table, oidc_issuers=tuple(oidc_issuers(ws)))


def oidc_hosts(ws) -> list:
    """The CI hosts (:class:`~platform_cli.planning.ci_hosts.OidcHost`) whose providers the platform account needs:
    those the workspace's shared-isolation blueprints trust, GitHub's first, each issuer once."""
    from ..planning.ci_hosts import oidc_host
    from ..planning.ci_repos import PROVIDERS

    found: dict[str, object] = {}
    for name, version in ws.catalog.blueprint_refs():
        bp = ws.catalog.blueprint(f"{name}@{version}")
        if bp.isolation == "account":  # its spaces' CI deploys in their own accounts (org_bootstrap)
            continue
        for provider in PROVIDERS:
            host = oidc_host(ws.config.ci.hosts, provider, bp)
            if host is not None:
                found.setdefault(host.issuer, host)
    return sorted(found.values(), key=lambda h: (h.provider != "github", h.issuer))


def oidc_issuers(ws) -> list[tuple[str, str]]:
    """(issuer, default audience) of every CI OIDC provider the workspace's blueprints trust (:func:`oidc_hosts`)."""
    return [(h.issuer, h.default_audience) for h in oidc_hosts(ws)]


def oidc_audiences(ws) -> dict[str, list[str]]:
    """Issuer -> every audience its OIDC provider must list: the default audience of
    :func:`oidc_issuers`, then, for a GitLab instance, the audience of each environment of
    every readable space whose blueprint trusts that instance (sorted, no duplicates).
    Spaces or blueprints that cannot be read add nothing."""
    from ..errors import PlatformError
    from ..planning.ci_hosts import oidc_host

    wanted = {issuer: [audience] for issuer, audience in oidc_issuers(ws)}
    spaces, _unreadable = ws.spaces()
    extra: dict[str, set[str]] = {}
    for space in spaces:
        try:
            bp = ws.catalog.blueprint(space.blueprint)
        except PlatformError:
            continue
        if bp.isolation == "account":
            continue
        host = oidc_host(ws.config.ci.hosts, "gitlab", bp)
        if host is not None and host.issuer in wanted:
            extra.setdefault(host.issuer, set()).update(host.audiences(space.environments))
    for issuer, audiences in extra.items():
        wanted[issuer] += sorted(audiences - set(wanted[issuer]))
    return wanted


def clients_for(ws, *, local_endpoint: str | None = None) -> tuple[ClientProvider, str | None]:
    """The client provider of the workspace's cloud target (local cloud endpoint, or AWS)."""
    region = ws.config.cloud.default_region
    if ws.config.cloud.target == "local":
        if local_endpoint is None:
            from .local_cloud import require_endpoint

            local_endpoint = require_endpoint(ws.local_dir)
        return ClientProvider.local(local_endpoint, region=region), local_endpoint
    return ClientProvider(default_region=region), None


def _call(action: str, fn, **kwargs):
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return fn(**kwargs)
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc, action) from exc


def _code(exc: Exception) -> str:
    return getattr(exc, "response", {}).get("Error", {}).get("Code", "")


def bootstrap(ws, *, clients: ClientProvider | None = None, local_endpoint: str | None = None) -> BootstrapReport:
    """Create or verify the shared resources of the workspace. See the module doc."""
    endpoint = local_endpoint
    if clients is None:
        clients, endpoint = clients_for(ws, local_endpoint=local_endpoint)
    else:
        endpoint = clients.endpoint_url
    n = shared_names(ws)
    ident = _call("reading the caller identity (sts get-caller-identity)", clients("sts", n.region).get_caller_identity)
    account = ident["Account"]
    expected = ws.config.cloud.account_id
    if account != expected:
        raise CloudError(
            f"the credentials belong to account {account}, but platform.yaml says cloud.account_id: {expected}; "
            "nothing was created",
            hint="use credentials of the workspace's account, or correct cloud.account_id in platform.yaml")
    partition = ws.catalog.partition(n.region)
    tags = shared_tags({MANAGED_TAG: names.MANAGED_BY, "platform:org": ws.config.org})
    report = BootstrapReport(target=ws.config.cloud.target, endpoint=endpoint, region=n.region, account=account)
    if ws.config.organization is not None:  # OUs, SCPs and vended accounts' OIDC providers first: they render offline
        from .org_bootstrap import bootstrap_organization

        report.items += bootstrap_organization(ws, clients, tags)
    key_item, key_arn = _ensure_kms_key(clients("kms", n.kms_region), n.kms_key, tags)
    report.items.append(key_item)
    report.items.append(_ensure_state_bucket(clients("s3", n.region), n.state_bucket, n.region, key_arn, partition, tags))
    report.items.append(_ensure_history_table(clients("dynamodb", n.region), n.history_table, key_arn, tags))
    if ws.config.organization is not None:  # vended accounts' CI reaches its own team's state, key use and history
        from .platform_access import ensure_vended_ci_access

        report.items += ensure_vended_ci_access(ws, clients, n, key_arn, partition)
    iam = clients("iam", n.region)
    audiences = oidc_audiences(ws)
    for issuer, audience in n.oidc_issuers:
        report.items.append(ensure_oidc_provider(iam, issuer, audiences.get(issuer, [audience]), account,
                                                  partition, tags))
    return report


# ---------------------------------------------------------------------------- KMS
def _ensure_kms_key(kms, key: str, tags: dict[str, str]) -> tuple[BootstrapItem, str]:
    from botocore.exceptions import ClientError

    try:
        meta = kms.describe_key(KeyId=key)["KeyMetadata"]
    except ClientError as exc:
        if _code(exc) != "NotFoundException":
            raise translate(exc, f"reading KMS key {key}") from exc
        meta = None
    if meta is None:
        if not key.startswith("alias/"):
            raise CloudError(f"KMS key {key} (secrets.provider in platform.yaml) does not exist",
                             hint="point secrets.provider at an existing key, or at awskms://alias/NAME to let bootstrap create it")
        meta = _call("creating the KMS key", kms.create_key,
                     Description="Platform: Pulumi secrets, state bucket and history table encryption",
                     KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT",
                     Tags=[{"TagKey": k, "TagValue": v} for k, v in tags.items()])["KeyMetadata"]
        _call("enabling KMS key rotation", kms.enable_key_rotation, KeyId=meta["KeyId"])
        _call(f"creating KMS alias {key}", kms.create_alias, AliasName=key, TargetKeyId=meta["KeyId"])
        return BootstrapItem("kms-key", key, "created", [f"key {meta['KeyId']}", "rotation on"]), meta["Arn"]
    if meta.get("KeyState") != "Enabled":
        raise CloudError(f"KMS key {key} is {meta.get('KeyState')}; it must be Enabled",
                         hint="enable the key (or cancel its deletion) in KMS, then run `platform bootstrap` again")
    item = BootstrapItem("kms-key", key, "found", [f"key {meta['KeyId']}"])
    if meta.get("KeyManager") == "CUSTOMER":
        mark_tagged(item, tag_kms_key(kms, meta["KeyId"], tags, _call))
    if meta.get("KeyManager") == "CUSTOMER":
        rotation = _call("reading KMS key rotation", kms.get_key_rotation_status, KeyId=meta["KeyId"])
        if not rotation.get("KeyRotationEnabled"):
            _call("enabling KMS key rotation", kms.enable_key_rotation, KeyId=meta["KeyId"])
            item.status = "updated"
            item.details.append("rotation turned on")
    return item, meta["Arn"]


# ---------------------------------------------------------------------------- state bucket
def tls_only_policy(bucket: str, partition: str = "aws") -> dict:
    """Bucket policy that refuses every request not made over TLS."""
    arn = f"arn:{partition}:s3:::{bucket}"
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [arn, f"{arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }],
    }


_PAB = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}


def _ensure_state_bucket(s3, bucket: str, region: str, key_arn: str, partition: str, tags: dict[str, str]) -> BootstrapItem:
    from botocore.exceptions import ClientError

    item = BootstrapItem("state-bucket", bucket, "found")
    try:
        s3.head_bucket(Bucket=bucket)
        exists = True
    except ClientError as exc:
        code = _code(exc)
        if code in ("404", "NoSuchBucket", "NotFound"):
            exists = False
        elif code in ("403", "AccessDenied"):
            raise CloudError(f"state bucket {bucket} exists but this account cannot use it (bucket names are global)",
                             hint="set state.url in platform.yaml to s3://ANOTHER-NAME") from exc
        else:
            raise translate(exc, f"reading bucket {bucket}") from exc
    changes: list[str] = []
    if not exists:
        kwargs: dict[str, Any] = {"Bucket": bucket, "ObjectOwnership": "BucketOwnerEnforced"}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        _call(f"creating bucket {bucket}", s3.create_bucket, **kwargs)
        _call(f"tagging bucket {bucket}", s3.put_bucket_tagging, Bucket=bucket,
              Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]})
        item.status = "created"

    if exists:
        changes += tag_bucket(s3, bucket, tags, _call)
    # versioning
    versioning = _call(f"reading versioning of {bucket}", s3.get_bucket_versioning, Bucket=bucket)
    if versioning.get("Status") != "Enabled":
        _call(f"enabling versioning on {bucket}", s3.put_bucket_versioning, Bucket=bucket,
              VersioningConfiguration={"Status": "Enabled"})
        changes.append("versioning on")

    # encryption with the platform key
    try:
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    except ClientError as exc:
        if _code(exc) != "ServerSideEncryptionConfigurationNotFoundError":
            raise translate(exc, f"reading encryption of {bucket}") from exc
        rules = []
    default = rules[0].get("ApplyServerSideEncryptionByDefault", {}) if rules else {}
    if default.get("SSEAlgorithm") != "aws:kms" or default.get("KMSMasterKeyID") != key_arn:
        _call(f"setting SSE-KMS on {bucket}", s3.put_bucket_encryption, Bucket=bucket,
              ServerSideEncryptionConfiguration={"Rules": [{
                  "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn},
                  "BucketKeyEnabled": True}]})
        changes.append("SSE-KMS with the platform key")

    # public access block
    try:
        pab = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    except ClientError as exc:
        if _code(exc) != "NoSuchPublicAccessBlockConfiguration":
            raise translate(exc, f"reading the public access block of {bucket}") from exc
        pab = {}
    if any(not pab.get(k) for k in _PAB):
        _call(f"blocking public access to {bucket}", s3.put_public_access_block, Bucket=bucket,
              PublicAccessBlockConfiguration=dict(_PAB))
        changes.append("public access blocked")

    # TLS only
    wanted = tls_only_policy(bucket, partition)
    try:
        current = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except ClientError as exc:
        if _code(exc) != "NoSuchBucketPolicy":
            raise translate(exc, f"reading the policy of {bucket}") from exc
        current = None
    statements = (current or {}).get("Statement", [])
    if not any(s.get("Sid") == "DenyInsecureTransport" for s in statements):
        merged = {"Version": "2012-10-17", "Statement": [*statements, *wanted["Statement"]]}
        _call(f"setting the TLS-only policy of {bucket}", s3.put_bucket_policy, Bucket=bucket, Policy=json.dumps(merged))
        changes.append("TLS-only policy")

    if item.status == "found" and changes:
        item.status = "updated"
    item.details = changes if item.status != "found" else ["versioning, SSE-KMS, public access block, TLS-only"]
    return item


# ---------------------------------------------------------------------------- history table
def _ensure_history_table(ddb, table: str, key_arn: str, tags: dict[str, str]) -> BootstrapItem:
    from botocore.exceptions import ClientError

    try:
        desc = ddb.describe_table(TableName=table)["Table"]
    except ClientError as exc:
        if _code(exc) != "ResourceNotFoundException":
            raise translate(exc, f"reading table {table}") from exc
        desc = None
    item = BootstrapItem("history-table", table, "found")
    definition = history_table_definition(table, key_arn, tags)
    wanted = {(k["AttributeName"], k["KeyType"]) for k in definition["KeySchema"]}
    if desc is None:
        _call(f"creating table {table}", ddb.create_table, **definition)
        _call(f"waiting for table {table}", ddb.get_waiter("table_exists").wait, TableName=table,
              WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        item.status = "created"
        item.details.append("pk/sk string keys, on-demand, SSE-KMS")
    else:
        have = {(k["AttributeName"], k["KeyType"]) for k in desc.get("KeySchema", [])}
        if have != wanted:
            raise CloudError(f"table {table} exists with keys {sorted(have)}, but the history needs "
                             f"{sorted(wanted)}",
                             hint="set history.table in platform.yaml to a new table name")
        item.details.append("pk/sk string keys")
        mark_tagged(item, tag_table(ddb, table, tags, _call))
    backups = _call(f"reading backups of {table}", ddb.describe_continuous_backups, TableName=table)
    pitr = backups["ContinuousBackupsDescription"].get("PointInTimeRecoveryDescription", {})
    if pitr.get("PointInTimeRecoveryStatus") != "ENABLED":
        _call(f"enabling point-in-time recovery on {table}", ddb.update_continuous_backups, TableName=table,
              PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
        item.details.append("point-in-time recovery turned on")
        if item.status == "found":
            item.status = "updated"
    return item
