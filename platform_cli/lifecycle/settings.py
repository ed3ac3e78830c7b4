"""`platform space set`: edit a space's owners, cost center, description and CI repositories.

The space file is read after the allocation lock is taken (the lock every writer of space
files holds) and written atomically before it is released. The result says what changed and
what it means: which repositories gain or lose the CI deploy role of which units, whose
budget alerts start or stop, and that a new cost center retags every resource on the next apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import UsageError
from ..service_repo import ci_role_name
from ..spaces import validated_space


@dataclass
class SetSpaceRequest:
    add_owners: list[str] = field(default_factory=list)
    remove_owners: list[str] = field(default_factory=list)
    add_ci_repos: list[str] = field(default_factory=list)
    remove_ci_repos: list[str] = field(default_factory=list)
    cost_center: str | None = None
    description: str | None = None

    def empty(self) -> bool:
        return not (self.add_owners or self.remove_owners or self.add_ci_repos or self.remove_ci_repos
                    or self.cost_center is not None or self.description is not None)


@dataclass
class SetSpaceResult:
    team: str
    changed: bool
    owners: dict[str, list[str]]  # added / removed
    ci_repos: dict[str, list[str]]
    cost_center: dict[str, str] | None  # before / after
    description_changed: bool
    trust: list[dict[str, Any]]  # one row per repo gaining or losing the deploy roles
    envs: list[str]

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _edit(current: list[str], add: list[str], remove: list[str], what: str) -> tuple[list[str], list[str], list[str]]:
    both = sorted(set(add) & set(remove))
    if both:
        raise UsageError(f"{what} {', '.join(both)}: both added and removed")
    missing = [x for x in remove if x not in current]
    if missing:
        raise UsageError(f"{what} {', '.join(missing)}: not in the space (it has: {', '.join(current) or 'none'})")
    new = [x for x in current if x not in remove] + [x for x in dict.fromkeys(add) if x not in current]
    return new, [x for x in new if x not in current], [x for x in current if x not in new]


def _edit_repos(current: list[str], add: list[str], remove: list[str]) -> tuple[list[str], list[str], list[str]]:
    """:func:`_edit` for ``ci_repos``, comparing repositories, not strings: ``acme/x`` and ``github:acme/x`` are the
    same repository (a bare OWNER/REPO is GitHub's, :func:`platform_cli.planning.ci_repos.parse_ci_repo`), so
    removing either removes it and adding either when it is there adds nothing."""
    from ..planning.ci_repos import parse_ci_repo

    def repo(entry: str, option: str):
        try:
            return parse_ci_repo(entry)
        except ValueError as exc:
            raise UsageError(f"{option} {exc}") from None

    adding = {repo(x, "--add-ci-repo"): x for x in add}
    removing = {repo(x, "--remove-ci-repo"): x for x in remove}
    both = sorted(adding[r] for r in set(adding) & set(removing))
    if both:
        raise UsageError(f"CI repository {', '.join(both)}: both added and removed")
    have = {parse_ci_repo(x): x for x in current}
    missing = [x for r, x in removing.items() if r not in have]
    if missing:
        raise UsageError(f"CI repository {', '.join(missing)}: not in the space (it has: {', '.join(current) or 'none'})")
    kept = [x for x in current if parse_ci_repo(x) not in removing]
    added = [x for r, x in adding.items() if r not in have]
    return kept + added, added, [x for x in current if parse_ci_repo(x) in removing]


def set_space(ws, team: str, req: SetSpaceRequest) -> SetSpaceResult:
    """Apply REQ to spaces/TEAM.yaml (nothing is written when it changes nothing or is invalid)."""
    if req.empty():
        raise UsageError("nothing to set: give --add-owner, --remove-owner, --add-ci-repo, --remove-ci-repo, "
                         "--cost-center or --description")
    with ws.editing_space(team) as space:
        owners, owners_added, owners_removed = _edit(space.owners, req.add_owners, req.remove_owners, "owner")
        repos, repos_added, repos_removed = _edit_repos(space.ci_repos, req.add_ci_repos, req.remove_ci_repos)
        data = space.to_data()
        data["owners"], data["ci_repos"] = owners, repos
        if req.cost_center is not None:
            data["cost_center"] = req.cost_center
        if req.description is not None:
            data["description"] = req.description
        new = validated_space(data, f"spaces/{team}.yaml")
        changed = new != space
        if changed:
            ws.write_space(new)
    roles = [ci_role_name(team, env, region) for env, region in new.units()]
    trust = ([{"repo": r, "change": "gains", "roles": roles} for r in repos_added]
             + [{"repo": r, "change": "loses", "roles": roles} for r in repos_removed])
    cc = ({"before": space.cost_center, "after": new.cost_center} if new.cost_center != space.cost_center else None)
    return SetSpaceResult(team=team, changed=changed, owners={"added": owners_added, "removed": owners_removed},
                          ci_repos={"added": repos_added, "removed": repos_removed}, cost_center=cc,
                          description_changed=new.description != space.description, trust=trust,
                          envs=list(new.environments))
