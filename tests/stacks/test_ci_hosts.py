"""CI hosts from platform.yaml (``ci.hosts``): a role trusts a repository only on its own provider AND host.

A GitHub Enterprise or self-managed GitLab has an OIDC provider of its own (its issuer), and IAM names the provider
and the condition keys by that issuer, so a github.com token never assumes a role that trusts a GitHub Enterprise,
and the other way round; the same for gitlab.com and a self-managed GitLab. Decided by the test evaluator on the
trust policies, rendered offline and built by bootstrap's host lookup (:func:`oidc_host`, the one function all use).
"""

from __future__ import annotations

import json
import shutil

import pytest

from platform_cli.errors import SpecError
from platform_cli.model.workspace import CiHosts, Workspace
from platform_cli.planning.ci_hosts import github_issuer, oidc_host
from platform_cli.planning.names import ci_audience
from stacks import iam
from tests.iameval import may_assume
from tests.stacks.conftest import REFERENCE

P, A = "aws", "123456789012"
ROLE = f"arn:aws:iam::{A}:role/payments--prod--euc1--ci-deploy"
GHE = CiHosts.model_validate({"github": {"url": "https://ghe.acme.example"}})
DOTCOM = CiHosts()
SELF_MANAGED = CiHosts.model_validate({"gitlab": {"url": "https://gitlab.acme.example"}})


def token(key: str, sub: str, aud: str) -> tuple[dict, dict]:
    """(principal, context) of an AssumeRoleWithWebIdentity call with a token of the provider named KEY."""
    return {"Federated": iam.oidc_provider_arn(P, A, key)}, {f"{key}:sub": sub, f"{key}:aud": aud}


def github_token(key: str, repo: str = "acme/api", env: str = "prod", ref: str = "refs/heads/main",
                 aud: str = "sts.amazonaws.com"):
    return token(key, f"repo:{repo}:environment:{env}:ref:{ref}", aud)


def gitlab_token(key: str, url: str, project: str = "acme/api", env: str = "prod", ref: str = "main"):
    return token(key, f"project_path:{project}:ref_type:branch:ref:{ref}", ci_audience(url, env))


def assumes(trust, tok) -> bool:
    principal, context = tok
    return may_assume(trust, principal, "sts:AssumeRoleWithWebIdentity", context, ROLE)


def trust_on(hosts, repos, env="prod", protected=True):
    return iam.ci_trust(P, A, repos, env, protected=protected, github=oidc_host(hosts, "github"),
                        gitlab=oidc_host(hosts, "gitlab"))


# the issuers GitHub and GitLab document --------------------------------------------------------------
@pytest.mark.parametrize("url, issuer", [
    ("https://github.com", "https://token.actions.githubusercontent.com"),
    ("https://ghe.acme.example", "https://ghe.acme.example/_services/token"),  # GitHub Enterprise Server
    ("https://ghe.acme.example:8443", "https://ghe.acme.example:8443/_services/token"),
    ("https://acme.ghe.com", "https://token.actions.acme.ghe.com"),  # Enterprise Cloud with data residency
])
def test_the_github_issuer_follows_from_the_host(url, issuer):
    assert github_issuer(url) == issuer
    host = oidc_host(CiHosts.model_validate({"github": {"url": url}}), "github")
    assert (host.issuer, host.key, host.default_audience) == (issuer, issuer.removeprefix("https://"), "sts.amazonaws.com")


def test_an_enterprise_custom_issuer_and_audience_are_taken_as_given():
    hosts = CiHosts.model_validate({"github": {"issuer": "https://token.actions.githubusercontent.com/acme",
                                               "audience": "https://github.com/acme"}})
    host = oidc_host(hosts, "github")
    assert host.url == "https://github.com" and host.key == "token.actions.githubusercontent.com/acme"
    trust = iam.ci_trust(P, A, ["acme/api"], "prod", protected=True, github=host)
    assert assumes(trust, github_token(host.key, aud="https://github.com/acme"))
    assert not assumes(trust, github_token(host.key))  # the default audience is not the configured one
    assert not assumes(trust, github_token("token.actions.githubusercontent.com", aud="https://github.com/acme"))


def test_the_gitlab_host_comes_from_platform_yaml_then_from_the_blueprint():
    from platform_cli.catalog import Catalog

    bp = Catalog().blueprint("standard@1")
    assert oidc_host(DOTCOM, "gitlab", bp).issuer == "https://gitlab.com"  # the blueprint's access.gitlab.url
    custom = bp.model_copy(update={"access": bp.access.model_copy(update={
        "gitlab": bp.access.gitlab.model_copy(update={"url": "https://git.old.example/"})})})
    assert oidc_host(DOTCOM, "gitlab", custom).issuer == "https://git.old.example"  # a blueprint written before hosts
    assert oidc_host(SELF_MANAGED, "gitlab", custom).issuer == "https://gitlab.acme.example"  # platform.yaml wins
    with_issuer = CiHosts.model_validate({"gitlab": {"url": "https://gitlab.acme.example/git",
                                                     "issuer": "https://id.acme.example"}})
    host = oidc_host(with_issuer, "gitlab", bp)
    assert (host.url, host.key, host.audience("prod")) == ("https://gitlab.acme.example/git", "id.acme.example",
                                                          "https://gitlab.acme.example/git/platform/prod")
    no_gitlab = bp.model_copy(update={"access": bp.access.model_copy(update={
        "gitlab": bp.access.gitlab.model_copy(update={"enabled": False}), "github_oidc": False})})
    assert oidc_host(SELF_MANAGED, "gitlab", no_gitlab) is None and oidc_host(GHE, "github", no_gitlab) is None


@pytest.mark.parametrize("field, value", [
    ("github.url", "http://ghe.acme.example"), ("github.url", "https://ghe.acme.example/path"),
    ("github.url", "https://ghe.acme.example/"), ("github.issuer", "https://x.example?a=1"),
    ("gitlab.url", "gitlab.acme.example"), ("gitlab.url", "https://GitLab.acme.example"),
    ("github.audience", "a b"), ("gitlab.audience", "x"),
])
def test_a_host_that_is_no_https_url_is_refused_naming_the_field(field, value):
    section, key = field.split(".")
    doc = {"schema_version": 1, "org": "acme", "ci": {"hosts": {section: {key: value} if section == "github" else
                                                               {"url": "https://gitlab.acme.example", key: value}}}}
    with pytest.raises(SpecError, match=rf"ci\.hosts\.{section}\.{key}"):
        Workspace.parse(doc, source="platform.yaml")


# the evaluator: own provider AND own host --------------------------------------------------------------
def test_a_github_com_token_cannot_assume_a_role_that_trusts_a_github_enterprise():
    ghe = trust_on(GHE, ["acme/api"])
    key = "ghe.acme.example/_services/token"
    assert [st["Principal"]["Federated"] for st in ghe["Statement"]] == [iam.oidc_provider_arn(P, A, key)]
    assert assumes(ghe, github_token(key))
    assert not assumes(ghe, github_token("token.actions.githubusercontent.com"))  # same repo path on github.com
    # github.com's provider presenting the enterprise's claim keys: not the trusted principal
    principal, _ = github_token("token.actions.githubusercontent.com")
    assert not assumes(ghe, (principal, github_token(key)[1]))
    assert not assumes(ghe, github_token(key, ref="refs/heads/feature"))  # and the branch rule still holds


def test_a_github_enterprise_token_cannot_assume_a_role_that_trusts_github_com():
    dotcom = trust_on(DOTCOM, ["acme/api"])
    assert assumes(dotcom, github_token("token.actions.githubusercontent.com"))
    for key in ("ghe.acme.example/_services/token", "token.actions.acme.ghe.com",
                "token.actions.githubusercontent.com/acme"):
        assert not assumes(dotcom, github_token(key)), key


def test_gitlab_com_and_a_self_managed_gitlab_never_assume_each_others_roles():
    own = trust_on(SELF_MANAGED, ["gitlab:acme/api"])
    assert assumes(own, gitlab_token("gitlab.acme.example", "https://gitlab.acme.example"))
    assert not assumes(own, gitlab_token("gitlab.com", "https://gitlab.com"))
    assert not assumes(own, gitlab_token("gitlab.com", "https://gitlab.acme.example"))  # the right audience, wrong host
    dotcom = trust_on(DOTCOM, ["gitlab:acme/api"])
    assert assumes(dotcom, gitlab_token("gitlab.com", "https://gitlab.com"))
    assert not assumes(dotcom, gitlab_token("gitlab.acme.example", "https://gitlab.acme.example"))


def test_a_repository_is_trusted_on_its_own_provider_of_the_configured_hosts_only():
    both = CiHosts.model_validate({"github": {"url": "https://ghe.acme.example"},
                                   "gitlab": {"url": "https://gitlab.acme.example"}})
    on_github, on_gitlab = trust_on(both, ["acme/api"]), trust_on(both, ["gitlab:acme/api"])
    assert assumes(on_github, github_token("ghe.acme.example/_services/token"))
    assert not assumes(on_github, gitlab_token("gitlab.acme.example", "https://gitlab.acme.example"))
    assert assumes(on_gitlab, gitlab_token("gitlab.acme.example", "https://gitlab.acme.example"))
    assert not assumes(on_gitlab, github_token("ghe.acme.example/_services/token"))


# rendered offline, and registered by bootstrap, with the same host ------------------------------------
def _set_hosts(root, hosts: dict) -> None:
    from platform_cli.yamlio import RoundTrip

    with RoundTrip(root / "platform.yaml") as doc:
        doc["ci"] = {"hosts": hosts}


@pytest.fixture(scope="module")
def enterprise_ws(tmp_path_factory):
    from platform_cli.workspace import WorkspaceContext

    root = tmp_path_factory.mktemp("hosts") / "ws"
    shutil.copytree(REFERENCE, root)
    _set_hosts(root, {"github": {"url": "https://ghe.acme.example"}, "gitlab": {"url": "https://gitlab.acme.example"}})
    return WorkspaceContext.open(root)


def test_the_rendered_ci_role_trusts_the_configured_hosts(enterprise_ws):
    from platform_cli.render import build_unit_inputs, render_units
    from platform_cli.units import UnitTarget

    inputs = build_unit_inputs(enterprise_ws, UnitTarget("space/payments/prod/eu-central-1"))
    graph = render_units([inputs], workers=1)[0]
    role = next(r for r in graph.resources if r["type"] == "aws:iam/role:Role"
                and r["inputs"]["name"].endswith("ci-deploy"))
    trust = json.loads(role["inputs"]["assumeRolePolicy"])
    assert sorted(st["Principal"]["Federated"].split("/", 1)[1] for st in trust["Statement"]) == [
        "ghe.acme.example/_services/token", "gitlab.acme.example"]
    assert assumes(trust, github_token("ghe.acme.example/_services/token", repo="acme/payments-api"))
    assert not assumes(trust, github_token("token.actions.githubusercontent.com", repo="acme/payments-api"))
    assert assumes(trust, gitlab_token("gitlab.acme.example", "https://gitlab.acme.example", "acme/payments/worker"))
    assert not assumes(trust, gitlab_token("gitlab.com", "https://gitlab.com", "acme/payments/worker"))


def test_bootstrap_and_vended_accounts_register_the_providers_of_the_configured_hosts(enterprise_ws):
    from platform_cli.aws.bootstrap import oidc_audiences, oidc_issuers
    from platform_cli.aws.org_bootstrap import ci_issuers

    issuers = oidc_issuers(enterprise_ws)
    assert issuers == [("https://ghe.acme.example/_services/token", "sts.amazonaws.com"),
                       ("https://gitlab.acme.example", "https://gitlab.acme.example")]
    gitlab = oidc_audiences(enterprise_ws)["https://gitlab.acme.example"]
    assert gitlab[0] == "https://gitlab.acme.example" and "https://gitlab.acme.example/platform/prod" in gitlab
    space = enterprise_ws.space("payments")
    assert ci_issuers(enterprise_ws, space, "prod") == [
        ("https://ghe.acme.example/_services/token", ["sts.amazonaws.com"]),
        ("https://gitlab.acme.example", ["https://gitlab.acme.example", "https://gitlab.acme.example/platform/prod"])]
