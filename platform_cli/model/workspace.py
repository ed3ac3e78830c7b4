"""platform.yaml: the workspace a platform CLI works in."""

from __future__ import annotations

import re
import string
from ipaddress import IPv4Network
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from .base import REGION_PATTERN, Name, Region, Spec, SchemaVersion
from .network import NetworkPool

PARTITIONS = ("aws", "aws-cn", "aws-us-gov")

DEFAULT_REGIONS = [
    "us-east-1", "us-east-2", "us-west-2", "ca-central-1", "sa-east-1",
    "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1", "eu-south-1", "eu-south-2",
    "me-central-1", "il-central-1", "af-south-1",
    "ap-south-1", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-northeast-1", "ap-northeast-2",
    "ap-east-1", "cn-north-1", "cn-northwest-1", "mx-central-1",
]


class StateBackend(Spec):
    url: str = Field(
        "file://.platform/state",
        description="Pulumi state backend: file://PATH (relative to the workspace) for local use, s3://BUCKET[/PREFIX] for shared use.",
    )

    @field_validator("url")
    @classmethod
    def _scheme(cls, v: str) -> str:
        if not (v.startswith("file://") or v.startswith("s3://")):
            raise ValueError("expected file://PATH or s3://BUCKET[/PREFIX]")
        return v


class Secrets(Spec):
    provider: str = Field(
        "passphrase",
        description="Pulumi secrets provider: 'passphrase' (kept in passphrase_file) or awskms://alias/NAME?region=REGION for shared use.",
    )
    passphrase_file: str = Field(
        ".platform/passphrase",
        description="File (relative to the workspace, mode 0600) holding the passphrase when provider is 'passphrase'.",
    )

    @field_validator("provider")
    @classmethod
    def _provider(cls, v: str) -> str:
        if v != "passphrase" and not v.startswith("awskms://"):
            raise ValueError("expected 'passphrase' or awskms://alias/NAME?region=REGION")
        return v


class Cloud(Spec):
    target: Literal["local", "aws"] = Field(
        "local", description="'local' points every unit at the local cloud (moto server on 127.0.0.1); 'aws' at real AWS."
    )
    account_id: str = Field(
        "123456789012", pattern=r"^\d{12}$", description="AWS account id the spaces deploy to (the local cloud uses 123456789012)."
    )
    default_region: Region = Field("eu-central-1", description="Region of shared resources: state bucket, history table.")


class History(Spec):
    store: Literal["sqlite", "dynamodb"] = Field(
        "sqlite", description="Where deployments are recorded: a SQLite file in the workspace, or a DynamoDB table."
    )
    table: str = Field("platform-history", description="DynamoDB table name when store is dynamodb.")


ACCOUNT_EMAIL_FIELDS = ("org", "team", "env")
PINNED_IMAGE = r"^[a-z0-9][a-z0-9._/-]*(?::[0-9A-Za-z._-]{1,128})?@sha256:[0-9a-f]{64}$"
"""An image pinned by digest, with or without its tag: IMAGE[:TAG]@sha256:DIGEST."""


class Organization(Spec):
    """The AWS organization that vends an account per environment to spaces whose blueprint asks for it."""

    management_account_id: str = Field(pattern=r"^\d{12}$", description="Account id of the organization's management account (where the platform runs its Organizations calls, as organization.management_role or with that account's own credentials).")
    protected_ou: Name = Field("platform-protected", description="Organizational unit (under the root) that holds the accounts of protected environments.")
    unprotected_ou: Name = Field("platform-workloads", description="Organizational unit (under the root) that holds the accounts of unprotected environments.")
    account_email: str = Field(
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        description="Email of a vended account, with {org}, {team} and {env} filled in, e.g. aws+{org}-{team}-{env}@example.com; "
                    "each vended account needs an email of its own, so the pattern must use {team} and {env}.",
    )
    platform_role: str = Field(
        "OrganizationAccountAccessRole", pattern=r"^[\w+=,.@-]{1,64}$",
        description="Role Organizations creates in a vended account and the platform assumes to deploy into it.",
    )
    engine_role: str = Field(
        "platform-engine", pattern=r"^[\w+=,.@-]{1,64}$",
        description="Role (its name) in the platform account (cloud.account_id) that the engine runs as. When the "
                    "platform account is not the management account, each vended account's platform_role trusts this "
                    "role alone from the platform account (its ARN as the principal, matched exactly with "
                    "aws:PrincipalArn): the units' credentials must be a session of it. Vending and `platform "
                    "bootstrap` check that it exists first (exit 7 when it does not).",
    )
    create_timeout_seconds: int = Field(900, ge=30, le=7200, description="How long to wait for Organizations to create an account before reporting it as still in progress.")
    management_role: str | None = Field(
        None, pattern=r"^[\w+=,.@-]{1,64}$",
        description="Role (its name) in the management account that the platform assumes (sts:AssumeRole with the "
                    "workspace's credentials) for its Organizations and Cost Explorer calls and to reach vended accounts. "
                    "Absent: the credentials must be the management account's own, which is checked (sts "
                    "get-caller-identity) before anything is created or recorded.",
    )

    @field_validator("account_email")
    @classmethod
    def _email_pattern(cls, v: str) -> str:
        fields = {f for _, f, _, _ in string.Formatter().parse(v) if f is not None}
        unknown = sorted(fields - set(ACCOUNT_EMAIL_FIELDS))
        if unknown:
            raise ValueError(f"unknown placeholder {{{unknown[0]}}}; expected only {{org}}, {{team}} and {{env}}")
        if not {"team", "env"} <= fields:
            raise ValueError("expected both {team} and {env} in the pattern, so every vended account gets an email of its own")
        return v

    def email_for(self, org: str, team: str, env: str) -> str:
        return self.account_email.format(org=org, team=team, env=env)

    def ou_for(self, protected: bool) -> str:
        return self.protected_ou if protected else self.unprotected_ou


REQUIREMENTS_PATH = r"^[A-Za-z0-9_][A-Za-z0-9._/-]{0,199}\.txt$"
VCS_AT_COMMIT = r"^git\+https://[A-Za-z0-9.-]+(?::\d+)?/[A-Za-z0-9._/-]+@[0-9a-f]{40}(?:#[A-Za-z0-9_=&.-]+)?$"


class PlatformCliSource(Spec):
    """Where generated pipelines get the platform CLI: only what the workspace pins, checked by hash."""

    requirements: str = Field(
        "ci/platform-cli.requirements.txt", pattern=REQUIREMENTS_PATH,
        description="Requirements file in the workspace repository (relative path) that pins the platform CLI and "
                    "every dependency with --hash lines (pip-compile --generate-hashes, or `pip hash`); pipelines "
                    "install it with pip install --require-hashes.")
    index_url: str | None = Field(
        None, pattern=r"^https://[^\s'\"$`]+$",
        description="Private package index the pinned packages come from (pip --index-url); absent: PyPI. "
                    "Credentials, if any, come from the runner (netrc or keyring), never from this file.")
    vcs: str | None = Field(
        None, pattern=VCS_AT_COMMIT,
        description="The platform CLI from a Git repository at a commit, git+https://HOST/PATH@COMMIT (40 hex "
                    "digits): installed with --no-deps after the requirements file, which then pins its "
                    "dependencies (pip cannot hash a repository; the commit is the pin).")

    @field_validator("requirements")
    @classmethod
    def _inside(cls, v: str) -> str:
        if any(part in ("", ".", "..") for part in v.split("/")):
            raise ValueError("expected a path inside the workspace repository, without '.', '..' or empty parts")
        return v


class Images(Spec):
    """Container images generated GitLab pipelines run in, each pinned by digest (IMAGE:TAG@sha256:DIGEST)."""

    python: str = Field("python:3.12.8-slim-bookworm@sha256:2199a62885a12290dc9c5be3ca0681d367576ab7bf037da120e564723292a2f0",
                        pattern=PINNED_IMAGE, description="Image of the test and lint jobs.")
    python_git: str = Field("python:3.12.8-bookworm@sha256:68ca65265c466f4b64f8ddab669e13bcba8d4ba77ec4c26658d36f2b9d1b1cad",
                            pattern=PINNED_IMAGE, description="Image of the jobs that run the platform CLI (it needs git "
                                                               "to clone the workspace).")
    docker: str = Field("docker:27.4.1-cli@sha256:2a9c1ba4816ddafdcf49a561201a9af2c451017e263a16a4fb1f878c454e1c44",
                        pattern=PINNED_IMAGE, description="Image of the jobs that build and push the service image.")
    docker_daemon: str = Field("docker:27.4.1-dind@sha256:3c8fb358b82767a38189e54a89a2ba8d71109f0a17efa87fd009ef8283c46df6",
                               pattern=PINNED_IMAGE, description="Docker daemon service of the build jobs.")


HOST_URL = r"^https://[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?(?::\d{1,5})?(?:/[A-Za-z0-9._~-]+)*$"
"""An https URL without query, fragment or trailing slash: https://HOST[:PORT][/PATH]."""


class GitHubHost(Spec):
    """The GitHub that ``github:`` CI repositories are on, and its OIDC provider."""

    url: str = Field("https://github.com", pattern=r"^https://[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?(?::\d{1,5})?$",
                     description="Web URL of the GitHub: https://github.com, a GitHub Enterprise Server "
                                 "(https://HOST) or GitHub Enterprise Cloud with data residency (https://SUBDOMAIN.ghe.com).")
    issuer: str | None = Field(
        None, pattern=HOST_URL,
        description="OIDC issuer of its Actions tokens; absent: https://token.actions.githubusercontent.com for "
                    "github.com, https://token.actions.SUBDOMAIN.ghe.com for SUBDOMAIN.ghe.com, "
                    "https://HOST/_services/token for a GitHub Enterprise Server. Set it for an enterprise's custom "
                    "issuer (https://token.actions.githubusercontent.com/ENTERPRISE_SLUG).")
    audience: str = Field("sts.amazonaws.com", pattern=r"^[A-Za-z0-9._~:/-]{1,255}$",
                          description="Audience (aud) jobs request and the deploy roles require "
                                      "(aws-actions/configure-aws-credentials' default: sts.amazonaws.com).")


class GitLabHost(Spec):
    """The GitLab that ``gitlab:`` CI repositories are on, and its OIDC provider."""

    url: str = Field(pattern=HOST_URL, description="Web URL of the GitLab instance: https://gitlab.com, or a "
                                                   "self-managed https://HOST[/PATH].")
    issuer: str | None = Field(None, pattern=HOST_URL,
                               description="OIDC issuer of its ID tokens; absent: the instance URL (GitLab's default).")


class CiHosts(Spec):
    """Which GitHub and which GitLab the workspace's CI repositories are on."""

    github: GitHubHost = Field(default_factory=GitHubHost, description="The GitHub of ``github:OWNER/REPO`` (and bare "
                                                                       "``OWNER/REPO``) entries.")
    gitlab: GitLabHost | None = Field(
        None, description="The GitLab of ``gitlab:GROUP/PROJECT`` entries; absent: the blueprint's access.gitlab.url "
                          "(https://gitlab.com unless it says otherwise). When set, it wins over every blueprint's.")


class CiSupplyChain(Spec):
    """What generated pipelines install, and from where: nothing unpinned."""

    platform_cli: PlatformCliSource = Field(default_factory=PlatformCliSource, description="Source of the platform CLI.")
    pulumi_sha256: str | None = Field(
        None, pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 of pulumi-vVERSION-linux-x64.tar.gz of the Pulumi version the platform CLI is built "
                    "against (from the release's pulumi-VERSION-checksums.txt): pipelines check the archive against "
                    "it as well as against the checksums the release publishes.")
    images: Images = Field(default_factory=Images, description="Container images of generated GitLab pipelines.")
    hosts: CiHosts = Field(default_factory=CiHosts,
                           description="The GitHub and GitLab hosts CI repositories are on: their OIDC issuers and "
                                       "audiences, which the deploy roles trust and bootstrap registers.")


class Workspace(Spec):
    """The workspace: organisation, state, secrets, cloud target and what spaces may use."""

    SCHEMA_NAME: ClassVar[str] = "platform"

    schema_version: SchemaVersion = Field(1, description="Version of this file's format; only 1 exists.")
    org: Name = Field(description="Organisation name, used in resource names and tags.")
    state: StateBackend = Field(default_factory=StateBackend, description="Pulumi state backend.")
    secrets: Secrets = Field(default_factory=Secrets, description="Pulumi secrets provider.")
    cloud: Cloud = Field(default_factory=Cloud, description="Cloud target and account.")
    history: History = Field(default_factory=History, description="Deployment history store.")
    organization: Organization | None = Field(
        None, description="The AWS organization that vends accounts to spaces of blueprints with isolation: account; absent when no blueprint in use needs it.",
    )
    ci: CiSupplyChain = Field(default_factory=CiSupplyChain,
                              description="What generated pipelines install and run, each pinned: the platform CLI "
                                          "(hash-pinned), the Pulumi CLI (checked by SHA-256), container images (by digest).")
    allowed_regions: list[Region] = Field(
        default_factory=lambda: list(DEFAULT_REGIONS),
        min_length=1,
        description="Regions any space of this workspace may use (the blueprint may narrow them further).",
    )
    network_pool: NetworkPool = Field(
        IPv4Network("10.0.0.0/8"),
        description="Private range (inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10, /26 or larger) "
                    "from which every env x region gets its own CIDR block.",
    )
    network_pools: dict[str, NetworkPool] = Field(
        default_factory=dict,
        description="Address pools of their own for some regions or partitions (key: a region such as eu-central-1, or "
                    "a partition: aws, aws-cn, aws-us-gov). A unit's block comes from its region's pool, else its "
                    "partition's, else network_pool. Blocks are distinct within a pool; blocks of different pools may "
                    "repeat addresses, so VPCs of different pools cannot be peered or joined by a transit gateway "
                    "(reach them through PrivateLink or NAT instead).",
    )
    blueprint_sources: list[str] = Field(
        default_factory=lambda: ["builtin"],
        min_length=1,
        description="Folders holding blueprints, marketplace and markets, relative to the workspace; 'builtin' is the catalog shipped with the platform. Later sources override earlier ones.",
    )

    @field_validator("network_pools")
    @classmethod
    def _pool_keys(cls, pools: dict[str, IPv4Network]) -> dict[str, IPv4Network]:
        for key in pools:
            if key not in PARTITIONS and not re.fullmatch(REGION_PATTERN, key):
                raise ValueError(f"key {key!r}: expected a region such as eu-central-1 or a partition "
                                 f"({', '.join(PARTITIONS)})")
        return pools

    def pool_key(self, region: str, partition: str) -> str:
        """Which pool a unit in REGION (of PARTITION) takes its block from: the region's, the partition's, or
        ``network_pool``."""
        if region in self.network_pools:
            return region
        if partition in self.network_pools:
            return partition
        return "network_pool"

    def pool(self, key: str) -> IPv4Network:
        return self.network_pool if key == "network_pool" else self.network_pools[key]
