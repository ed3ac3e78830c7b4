"""The CI hosts of a workspace and their OIDC providers: which GitHub and which GitLab ``github:`` and
``gitlab:`` CI repositories are on, what issuer their tokens carry and what audience the deploy roles
require. Pure functions; :func:`oidc_host` is the one lookup the trust policies, bootstrap (the
platform account's providers and every vended account's) and the generated CI all use.

Issuers, as GitHub and GitLab document them:

- github.com: ``https://token.actions.githubusercontent.com`` (an enterprise with a custom issuer:
  ``https://token.actions.githubusercontent.com/ENTERPRISE_SLUG``, set as ``issuer``);
- GitHub Enterprise Cloud with data residency (``https://SUBDOMAIN.ghe.com``):
  ``https://token.actions.SUBDOMAIN.ghe.com``;
- GitHub Enterprise Server (``https://HOST``): ``https://HOST/_services/token``;
- GitLab (gitlab.com or self-managed): the instance URL.

IAM names an OIDC provider, and the condition keys of a role trusting it (``KEY:sub``, ``KEY:aud``),
by the issuer without ``https://`` (:attr:`OidcHost.key`), so a role trusting one host's provider is
never assumed with a token of another host: not the same principal, not the same keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from .names import ci_audience

GITHUB_COM = "https://github.com"
GITHUB_COM_ISSUER = "https://token.actions.githubusercontent.com"
GITHUB_AUDIENCE = "sts.amazonaws.com"
GITLAB_COM = "https://gitlab.com"


@dataclass(frozen=True)
class OidcHost:
    """One CI host's OIDC provider."""

    provider: str  # github | gitlab
    url: str  # the host's web URL, e.g. https://github.com, https://gitlab.example.com
    issuer: str  # the ``iss`` of its tokens and the IAM provider's URL
    default_audience: str  # GitHub: the audience every job requests; GitLab: the instance URL (its default audience)

    @property
    def key(self) -> str:
        """The provider's name in IAM: its ARN's ``oidc-provider/KEY`` and the condition keys ``KEY:sub``/``KEY:aud``."""
        return self.issuer.removeprefix("https://")

    @property
    def hostname(self) -> str:
        return urlparse(self.url).netloc

    def audience(self, env: str) -> str:
        """The audience the jobs deploying ENV request and ENV's deploy roles require."""
        return self.default_audience if self.provider == "github" else ci_audience(self.url, env)

    def audiences(self, envs) -> list[str]:
        """Every client id (audience) the host's IAM provider lists for environments ENVS: GitHub's one audience;
        GitLab's instance URL and each environment's audience (sorted)."""
        return [self.default_audience, *sorted({self.audience(e) for e in envs} - {self.default_audience})]


def github_issuer(url: str) -> str:
    """The documented issuer of a GitHub's Actions tokens, from its web URL."""
    url = url.rstrip("/")
    host = urlparse(url).netloc
    if url == GITHUB_COM:
        return GITHUB_COM_ISSUER
    if host.endswith(".ghe.com"):
        return f"https://token.actions.{host}"
    return f"{url}/_services/token"


def oidc_host(hosts, provider: str, blueprint=None) -> OidcHost | None:
    """The OIDC host of PROVIDER (``github`` or ``gitlab``) from platform.yaml's ``ci.hosts`` (HOSTS, a
    :class:`~platform_cli.model.workspace.CiHosts`), or None when BLUEPRINT (if given) does not trust that provider.

    GitLab's URL is ``ci.hosts.gitlab.url`` when platform.yaml sets it, else the blueprint's ``access.gitlab.url``
    (https://gitlab.com by default), so workspaces written before hosts were configured keep their instance."""
    if provider == "github":
        if blueprint is not None and not blueprint.access.github_oidc:
            return None
        gh = hosts.github
        return OidcHost("github", gh.url.rstrip("/"), (gh.issuer or github_issuer(gh.url)).rstrip("/"), gh.audience)
    if provider == "gitlab":
        if blueprint is not None and not blueprint.access.gitlab.enabled:
            return None
        gl = hosts.gitlab
        url = (gl.url if gl is not None else blueprint.access.gitlab.url if blueprint is not None else GITLAB_COM)
        url = url.rstrip("/")
        return OidcHost("gitlab", url, ((gl.issuer if gl is not None else None) or url).rstrip("/"), url)
    raise ValueError(f"CI provider {provider!r}: expected github or gitlab")
