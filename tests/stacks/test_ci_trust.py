"""Who may assume a space's CI deploy role, decided by the test evaluator on the trust policy.

A repository is trusted on its own CI provider only; a protected environment's role only from runs on the
protected branch (GitHub: the customized subject names the ref; GitLab: the subject names the ref); another
environment's runs never.
"""

from __future__ import annotations

import pytest

from platform_cli.planning.ci_hosts import OidcHost
from platform_cli.planning.ci_repos import CiRepo, has_repo, parse_ci_repo, repos_on
from stacks import iam
from tests.iameval import may_assume

P, A = "aws", "123456789012"
ROLE = f"arn:aws:iam::{A}:role/payments-prod-euc1-ci-deploy"
GH = "token.actions.githubusercontent.com"
GITLAB_URL = "https://gitlab.example.com"
GL = "gitlab.example.com"


def github_run(trust, repo: str, env: str, ref: str, *, aud: str = "sts.amazonaws.com", host: str = GH) -> bool:
    """Whether a GitHub Actions job of REPO in environment ENV on REF (customized subject) may assume the role."""
    return may_assume(trust, {"Federated": iam.oidc_provider_arn(P, A, host)}, "sts:AssumeRoleWithWebIdentity",
                      {f"{host}:sub": f"repo:{repo}:environment:{env}:ref:{ref}", f"{host}:aud": aud}, ROLE)


def gitlab_job(trust, project: str, env: str, ref: str, *, ref_type: str = "branch", host: str = GL) -> bool:
    """Whether a GitLab job of PROJECT on REF, requesting ENV's audience, may assume the role."""
    return may_assume(trust, {"Federated": iam.oidc_provider_arn(P, A, host)}, "sts:AssumeRoleWithWebIdentity",
                      {f"{host}:sub": f"project_path:{project}:ref_type:{ref_type}:ref:{ref}",
                       f"{host}:aud": iam.ci_audience(GITLAB_URL, env)}, ROLE)


GITLAB = OidcHost("gitlab", GITLAB_URL, GITLAB_URL, GITLAB_URL)


def trust(repos, env="prod", *, protected=True):
    return iam.ci_trust(P, A, repos, env, protected=protected, gitlab=GITLAB)


def test_a_repository_is_trusted_on_its_own_provider_only():
    on_github = trust(["acme/api"])  # bare: GitHub
    assert github_run(on_github, "acme/api", "prod", "refs/heads/main")
    assert not gitlab_job(on_github, "acme/api", "prod", "main")  # whoever owns acme/api on GitLab
    on_gitlab = trust(["gitlab:acme/api"])
    assert gitlab_job(on_gitlab, "acme/api", "prod", "main")
    assert not github_run(on_gitlab, "acme/api", "prod", "refs/heads/main")  # whoever owns acme/api on GitHub
    assert [st["Sid"] for st in on_gitlab["Statement"]] == ["GitLabCI"]
    both = trust(["github:acme/api", "gitlab:acme/group/worker"])
    assert github_run(both, "acme/api", "prod", "refs/heads/main") and gitlab_job(both, "acme/group/worker", "prod", "main")
    assert not github_run(both, "acme/group", "prod", "refs/heads/main")
    assert not gitlab_job(both, "acme/api", "prod", "main")


def test_a_protected_environment_is_assumed_from_the_protected_branch_only():
    gh, gl = trust(["acme/api"]), trust(["gitlab:acme/api"])
    assert github_run(gh, "acme/api", "prod", "refs/heads/main")
    for ref in ("refs/heads/feature", "refs/heads/main-x", "refs/tags/main", "refs/pull/1/merge"):
        assert not github_run(gh, "acme/api", "prod", ref), ref
    assert gitlab_job(gl, "acme/api", "prod", "main")
    assert not gitlab_job(gl, "acme/api", "prod", "feature")
    assert not gitlab_job(gl, "acme/api", "prod", "main", ref_type="tag")  # a tag named main
    assert not gitlab_job(gl, "acme/api", "prod", "main-x")


def test_an_unprotected_environment_is_assumed_from_any_ref_of_its_own_environment_only():
    gh, gl = trust(["acme/api"], "dev", protected=False), trust(["gitlab:acme/api"], "dev", protected=False)
    assert github_run(gh, "acme/api", "dev", "refs/heads/feature") and github_run(gh, "acme/api", "dev", "refs/tags/v1")
    assert not github_run(gh, "acme/api", "prod", "refs/heads/main")  # another GitHub environment
    assert not github_run(gh, "acme/apix", "dev", "refs/heads/main")
    assert gitlab_job(gl, "acme/api", "dev", "feature") and gitlab_job(gl, "acme/api", "dev", "v1", ref_type="tag")
    assert not gitlab_job(gl, "acme/other", "dev", "main")


def test_a_run_of_another_environment_cannot_assume_a_protected_role_on_github():
    gh = trust(["acme/api"])
    assert not github_run(gh, "acme/api", "dev", "refs/heads/main")
    # the default subject (no ref: the repository's OIDC customization not applied) is not trusted either
    assert not may_assume(gh, {"Federated": iam.oidc_provider_arn(P, A, GH)}, "sts:AssumeRoleWithWebIdentity",
                          {f"{GH}:sub": "repo:acme/api:environment:prod", f"{GH}:aud": "sts.amazonaws.com"}, ROLE)
    assert not github_run(gh, "acme/api", "prod", "refs/heads/main", aud="https://github.com/acme")


def test_no_other_principal_may_assume_the_ci_role():
    t = trust(["acme/api", "gitlab:acme/api"])
    root = {"AWS": f"arn:aws:iam::{A}:root"}
    assert not may_assume(t, root, "sts:AssumeRole", {}, ROLE)
    assert not github_run(t, "acme/api", "prod", "refs/heads/main", host="gitlab.com")
    assert not may_assume(iam.ci_trust(P, A, [], "prod", protected=True), root, "sts:AssumeRole", {}, ROLE)


def test_the_gitlab_audience_is_required_but_is_not_what_separates_environments():
    gl = trust(["gitlab:acme/api"])
    assert gl["Statement"][0]["Condition"]["StringEquals"][f"{GL}:aud"] == iam.ci_audience(GITLAB_URL, "prod")
    # a job on main that requests prod's audience gets prod's role whatever environment it declares:
    # GitLab's protected environment settings decide who may run it (see the generated README)
    assert gitlab_job(gl, "acme/api", "prod", "main")


def test_github_subject_command_sets_the_claims_the_trust_expects():
    command = iam.github_subject_command("acme/api")
    assert command.startswith("gh api --method PUT repos/acme/api/actions/oidc/customization/sub -F use_default=false")
    assert [part.split("=")[1].rstrip("'") for part in command.split() if part.startswith("'include_claim_keys")] == \
        list(iam.GITHUB_SUBJECT_CLAIMS) == ["repo", "context", "ref"]


@pytest.mark.parametrize("entry, provider, path", [
    ("acme/api", "github", "acme/api"), ("github:acme/api", "github", "acme/api"),
    ("gitlab:acme/api", "gitlab", "acme/api"), ("gitlab:acme/sub/api", "gitlab", "acme/sub/api")])
def test_ci_repo_entries_name_their_provider(entry, provider, path):
    assert parse_ci_repo(entry) == CiRepo(provider, path)


@pytest.mark.parametrize("entry", ["bitbucket:acme/api", "github:acme/sub/api", "acme/sub/api", "gitlab:", "acme"])
def test_ci_repo_entries_of_no_provider_or_shape_are_refused(entry):
    with pytest.raises(ValueError, match="CI repository"):
        parse_ci_repo(entry)


def test_bare_and_prefixed_github_entries_are_one_repository():
    assert has_repo(["acme/api"], CiRepo("github", "acme/api")) and not has_repo(["acme/api"], CiRepo("gitlab", "acme/api"))
    assert repos_on(["acme/api", "github:acme/api", "gitlab:acme/api"], "github") == ["acme/api"]


def test_a_space_file_takes_only_entries_of_a_known_provider(tmp_path):
    from platform_cli.errors import SpecError
    from platform_cli.model.space import Space

    base = {"schema_version": 1, "team": "payments", "blueprint": "standard@1", "owners": ["a@example.com"],
            "cost_center": "cc", "environments": {"dev": {"regions": ["eu-central-1"]}}}
    Space.parse({**base, "ci_repos": ["acme/api", "github:acme/web", "gitlab:acme/sub/worker"]}, source="spaces/payments.yaml")
    for bad in ("acme/sub/worker", "bitbucket:acme/api"):
        with pytest.raises(SpecError, match="ci_repos"):
            Space.parse({**base, "ci_repos": [bad]}, source="spaces/payments.yaml")
