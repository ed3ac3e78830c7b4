"""Trust policies: who may assume the roles of a space (AWS services, the team's people, CI pipelines)."""

from __future__ import annotations

from typing import Any

from platform_cli.planning.ci_hosts import GITHUB_AUDIENCE, GITHUB_COM, GITHUB_COM_ISSUER, OidcHost
from platform_cli.planning.names import ci_audience  # noqa: F401 (this module's API)
from platform_cli.planning.ci_repos import GITHUB_SUBJECT_CLAIMS, PROTECTED_BRANCH, github_subject_command, repos_on  # noqa: F401

from .arns import oidc_provider_arn
from .documents import doc, service_principal

GITHUB_DOT_COM = OidcHost("github", GITHUB_COM, GITHUB_COM_ISSUER, GITHUB_AUDIENCE)
"""github.com's OIDC host (platform.yaml ``ci.hosts.github`` by default)."""


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


def github_subjects(repos: list[str], env: str, protected: bool) -> list[str]:
    """OIDC subjects of GitHub Actions jobs of these repositories running in the GitHub environment ENV: from the
    protected branch only when the environment is protected, from any ref otherwise."""
    ref = f"refs/heads/{PROTECTED_BRANCH}" if protected else "*"
    return [f"repo:{r}:environment:{env}:ref:{ref}" for r in repos]


def gitlab_subjects(repos: list[str], protected: bool) -> list[str]:
    """GitLab subjects (``project_path:GROUP/PROJECT:ref_type:TYPE:ref:REF``): protected environments deploy from the
    protected branch only, other environments from any branch or tag."""
    ref = f"ref_type:branch:ref:{PROTECTED_BRANCH}" if protected else "ref_type:*"
    return [f"project_path:{r}:{ref}" for r in repos]


def _oidc_condition(host: str, audience: str, subjects: list[str], *, exact: bool) -> dict[str, Any]:
    """The audience exactly; the subjects exactly (a protected environment) or as patterns (``ref:*``)."""
    if exact:
        return {"StringEquals": {f"{host}:aud": audience, f"{host}:sub": subjects}}
    return {"StringEquals": {f"{host}:aud": audience}, "StringLike": {f"{host}:sub": subjects}}


def _statement(sid: str, partition: str, account: str, host: OidcHost, env: str, subjects: list[str], *,
               protected: bool) -> dict[str, Any]:
    """Trust of HOST's provider, with HOST's condition keys: a token of another host matches neither."""
    return {"Sid": sid, "Effect": "Allow",
            "Principal": {"Federated": oidc_provider_arn(partition, account, host.key)},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": _oidc_condition(host.key, host.audience(env), subjects, exact=protected)}


def ci_trust(partition: str, account: str, repos: list[str], env: str, *, protected: bool,
             github: OidcHost | None = GITHUB_DOT_COM, gitlab: OidcHost | None = None) -> dict[str, Any]:
    """Trust of the CI deploy role: the space's repositories, each on its own CI provider and host only
    (:func:`platform_cli.planning.ci_repos.parse_ci_repo`; the hosts are platform.yaml's ``ci.hosts``, see
    :func:`platform_cli.planning.ci_hosts.oidc_host`; None: the blueprint does not trust that provider), for this
    environment only.

    GitHub: the subject names repository, GitHub environment and ref (:data:`GITHUB_SUBJECT_CLAIMS`), so a run of a
    protected environment must be on the protected branch. GitLab: IAM can check the subject, which names project
    and ref but not the environment, so a protected environment's role trusts the protected branch only; the
    audience a job requests (:func:`~platform_cli.planning.names.ci_audience`) is chosen by the job itself and
    separates nothing. Which jobs of the protected branch may deploy a protected environment is GitLab's protected
    environment setting."""
    statements = []
    on_github, on_gitlab = repos_on(repos, "github"), repos_on(repos, "gitlab")
    if github is not None and on_github:
        statements.append(_statement("GitHubActions", partition, account, github, env,
                                     github_subjects(on_github, env, protected), protected=protected))
    if gitlab is not None and on_gitlab:
        statements.append(_statement("GitLabCI", partition, account, gitlab, env,
                                     gitlab_subjects(on_gitlab, protected), protected=protected))
    if not statements:  # a role must trust someone: nobody but the account's own CI bootstrap
        statements.append({"Sid": "NoCiRepos", "Effect": "Deny", "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
                           "Action": "sts:AssumeRole"})
    return doc(*statements)
