"""CI repositories of a space and the CI provider each one is on: pure functions.

A space's ``ci_repos`` entry names its provider: ``github:OWNER/REPO`` or ``gitlab:GROUP/PROJECT``
(GitLab groups nest: ``gitlab:GROUP/SUBGROUP/PROJECT``). A bare ``OWNER/REPO`` is a GitHub
repository, so space files written before providers were named keep their meaning. The deploy
roles trust each repository on its own provider only: ``gitlab:acme/api`` is not trusted on
GitHub, where anyone may own ``acme/api``.
"""

from __future__ import annotations

from dataclasses import dataclass

PROVIDERS: tuple[str, ...] = ("github", "gitlab")
_SEGMENT = r"[A-Za-z0-9_.-]*[A-Za-z0-9_-][A-Za-z0-9_.-]*"  # no part is only dots
CI_REPO_PATTERN = rf"^(?:(?:github:)?{_SEGMENT}/{_SEGMENT}|gitlab:{_SEGMENT}(?:/{_SEGMENT})+)$"
"""What a ``ci_repos`` entry may be: ``github:OWNER/REPO``, ``OWNER/REPO`` (GitHub) or ``gitlab:GROUP/.../PROJECT``."""
REPO_PATH_PATTERN = rf"^{_SEGMENT}(?:/{_SEGMENT})+$"
"""A repository's path on its provider, without the provider: OWNER/REPO (GitLab groups may nest: GROUP/SUB/REPO)."""

PROTECTED_BRANCH = "main"
"""The only branch whose pipelines may assume a protected environment's deploy role."""


GITHUB_SUBJECT_CLAIMS: tuple[str, ...] = ("repo", "context", "ref")
"""The claims of the OIDC subject a generated GitHub repository uses (its OIDC subject customization, see
:func:`github_subject_command`): ``repo:OWNER/REPO:environment:ENV:ref:REF``. GitHub's default subject
(``repo:OWNER/REPO:environment:ENV``) does not name the branch, and any branch may declare any environment."""


def github_subject_command(repo: str, hostname: str = "github.com") -> str:
    """The command that makes repository OWNER/REPO issue :data:`GITHUB_SUBJECT_CLAIMS` subjects (GitHub's REST API
    ``PUT /repos/OWNER/REPO/actions/oidc/customization/sub``, run once by a repository admin); on a GitHub
    Enterprise (HOSTNAME other than github.com) ``gh api --hostname HOSTNAME``."""
    keys = " ".join(f"-f 'include_claim_keys[]={k}'" for k in GITHUB_SUBJECT_CLAIMS)
    host = "" if hostname == "github.com" else f" --hostname {hostname}"
    return f"gh api{host} --method PUT repos/{repo}/actions/oidc/customization/sub -F use_default=false {keys}"


@dataclass(frozen=True)
class CiRepo:
    provider: str  # github | gitlab
    path: str  # OWNER/REPO or GROUP/.../PROJECT

    @property
    def entry(self) -> str:
        """The entry as written in ``ci_repos`` (always with its provider)."""
        return f"{self.provider}:{self.path}"

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def parse_ci_repo(entry: str) -> CiRepo:
    """``github:acme/api`` / ``acme/api`` -> CiRepo('github', 'acme/api'); ``gitlab:g/s/p`` -> CiRepo('gitlab', 'g/s/p')."""
    provider, sep, path = entry.partition(":")
    if not sep:
        provider, path = "github", entry
    if provider not in PROVIDERS or not path:
        raise ValueError(f"CI repository {entry!r}: expected github:OWNER/REPO, gitlab:GROUP/PROJECT or OWNER/REPO")
    if provider == "github" and path.count("/") != 1:
        raise ValueError(f"CI repository {entry!r}: a GitHub repository is OWNER/REPO (write gitlab:{path} for GitLab)")
    return CiRepo(provider, path)


def repos_on(entries: list[str], provider: str) -> list[str]:
    """Paths of the entries on PROVIDER, in order, each once."""
    paths = [r.path for r in map(parse_ci_repo, entries) if r.provider == provider]
    return list(dict.fromkeys(paths))


def has_repo(entries: list[str], repo: CiRepo) -> bool:
    return any(parse_ci_repo(e) == repo for e in entries)
