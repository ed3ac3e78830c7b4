"""Trust policies: who may assume the roles of a space (AWS services, the team's people, CI pipelines)."""

from __future__ import annotations

from typing import Any

from platform_cli.planning.names import ci_audience

from .arns import oidc_provider_arn
from .documents import GITHUB_OIDC_HOST, doc, service_principal


def service_trust(service: str, account: str) -> dict[str, Any]:
    """Trust policy for an AWS service principal, limited to this account (confused deputy)."""
    return doc({"Effect": "Allow", "Principal": {"Service": service_principal(service)}, "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account}}})


def team_trust(partition: str, account: str, team: str) -> dict[str, Any]:
    """People of the team (principals tagged platform:team=TEAM) with MFA may assume the team's roles."""
    return doc({
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
        "Action": ["sts:AssumeRole", "sts:TagSession"],
        "Condition": {"StringEquals": {"aws:PrincipalTag/platform:team": team},
                      "Bool": {"aws:MultiFactorAuthPresent": "true"}},
    })


def github_subjects(repos: list[str], env: str) -> list[str]:
    """OIDC subjects of GitHub Actions jobs of these repositories running in the GitHub environment ENV."""
    return [f"repo:{r}:environment:{env}" for r in repos]


def gitlab_subjects(repos: list[str], protected: bool) -> list[str]:
    """GitLab subjects: protected environments deploy from the default branch only."""
    ref = "ref_type:branch:ref:main" if protected else "ref_type:*"
    return [f"project_path:{r}:{ref}" for r in repos]


def ci_trust(partition: str, account: str, repos: list[str], env: str, *, protected: bool,
             github: bool = True, gitlab_url: str | None = None) -> dict[str, Any]:
    """Trust of the CI deploy role: only the space's repositories, only for this environment.

    GitHub's subject names the GitHub environment. GitLab's subject does not, so GitLab jobs
    must also present this environment's audience (:func:`ci_audience`) as ``aud``: a job of
    another environment, even on the same repository and branch, requests another audience."""
    statements = []
    if github and repos:
        statements.append({
            "Sid": "GitHubActions", "Effect": "Allow",
            "Principal": {"Federated": oidc_provider_arn(partition, account, GITHUB_OIDC_HOST)},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {f"{GITHUB_OIDC_HOST}:aud": "sts.amazonaws.com",
                                           f"{GITHUB_OIDC_HOST}:sub": github_subjects(repos, env)}},
        })
    if gitlab_url and repos:
        host = gitlab_url.removeprefix("https://").rstrip("/")
        statements.append({
            "Sid": "GitLabCI", "Effect": "Allow",
            "Principal": {"Federated": oidc_provider_arn(partition, account, host)},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {f"{host}:aud": ci_audience(gitlab_url, env)},
                          "StringLike": {f"{host}:sub": gitlab_subjects(repos, protected)}},
        })
    if not statements:  # a role must trust someone: nobody but the account's own CI bootstrap
        statements.append({"Sid": "NoCiRepos", "Effect": "Deny", "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
                           "Action": "sts:AssumeRole"})
    return doc(*statements)

