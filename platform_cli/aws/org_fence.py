"""The fence of one vended account: its own SCP attached, stale ones detached, and a check that it sits in its
OU with every SCP it should have before anything is recorded or created in it.

An account's SCP (:func:`platform_cli.planning.guardrails.account_policy`: its blueprint's regions and protected
security services) follows its space's blueprint: when the blueprint changes (a fleet upgrade, then `space apply` or
`platform bootstrap`) to one with other regions or services, :func:`fence_account` attaches the new one and detaches
the old one (every SCP of the workspace's account prefixes that is not the wanted one). The new one is attached
first, so the account is never without its fence, unless the account already holds the five SCPs Organizations
allows on one target: then the stale one is detached first (said in the report), and an account at the limit with no
stale SCP of the platform's is refused. No SCP of another author is touched. :func:`verify_fenced` reads back what
AWS has and refuses (CloudError, nothing recorded) when the account is not in its OU, the OU lacks one of its SCPs,
or the account lacks its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import CloudError
from .organizations import OrgItem, SCP_TYPE, _call, _pages, ensure_attached, ensure_policy, policies_of


@dataclass(frozen=True)
class Fence:
    """What one account must carry: its own SCP (name, description, text), the prefixes of the workspace's account
    SCPs, and the names of the SCPs its OU must carry."""

    name: str
    description: str
    text: str
    prefixes: tuple[str, ...]
    ou_policies: tuple[str, ...]


def fence_for(ws_config, blueprint) -> Fence:
    """The fence of an account of BLUEPRINT (rendered and checked: no call)."""
    from ..planning.guardrails import account_policy, account_policy_prefixes, policy_names

    policy = account_policy(ws_config, blueprint)
    return Fence(policy.name, policy.description, policy.text, account_policy_prefixes(ws_config.org),
                 tuple(policy_names(ws_config.org)))


def fence_account(orgs, account_id: str, label: str, fence: Fence, tags: dict[str, str]) -> list[OrgItem]:
    """Attach the account's own SCP (created or repaired first) and detach the workspace's other account SCPs."""
    from ..planning.guardrails import SCP_MAX_PER_TARGET

    policy = ensure_policy(orgs, fence.name, fence.description, fence.text, tags)
    items = [policy]
    attached = _pages(orgs, "list_policies_for_target", "Policies", f"listing the SCPs of {label}",
                      TargetId=account_id, Filter=SCP_TYPE)
    stale = [p for p in attached if p["Name"].startswith(fence.prefixes) and p["Name"] != fence.name]
    if policy.id not in {p["Id"] for p in attached} and len(attached) >= SCP_MAX_PER_TARGET and stale:
        first = stale.pop(0)  # no room for the new one beside it: the OU's SCPs hold the account meanwhile
        items.append(_detach(orgs, first, account_id, label, f"detached before {fence.name} was attached: the account "
                             f"held {len(attached)} SCPs, the most Organizations allows on one target"))
    items.append(ensure_attached(orgs, policy.id, fence.name, account_id, label))
    items += [_detach(orgs, p, account_id, label, "the space's blueprint fences the account otherwise now") for p in stale]
    return items


def _detach(orgs, policy: dict, account_id: str, label: str, why: str) -> OrgItem:
    _call(f"detaching SCP {policy['Name']} from {label}", orgs.detach_policy, PolicyId=policy["Id"], TargetId=account_id)
    return OrgItem("scp-attachment", f"{policy['Name']} -> {label}", "detached", [why])


def verify_fenced(orgs, account_id: str, label: str, ou_id: str, ou_name: str, fence: Fence) -> None:
    """Refuse (CloudError) unless the account is in its OU, the OU carries its SCPs and the account its own."""
    parents = _call(f"reading the parent of {label}", orgs.list_parents, ChildId=account_id)["Parents"]
    parent = parents[0]["Id"] if parents else None
    problems = []
    if parent != ou_id:
        problems.append(f"it is in {parent or 'no parent'}, not in OU {ou_name} ({ou_id})")
    missing_ou = sorted(set(fence.ou_policies) - set(policies_of(orgs, ou_id)))
    if missing_ou:
        problems.append(f"OU {ou_name} lacks SCP {', '.join(missing_ou)}")
    if fence.name not in policies_of(orgs, account_id):
        problems.append(f"it lacks its own SCP {fence.name}")
    if problems:
        raise CloudError(f"{label} is not fenced: {'; '.join(problems)}; it was not recorded as ready and nothing was "
                         "created in it",
                         hint="run `platform bootstrap` (it attaches the OUs' SCPs and every vended account's own), then "
                              "the same command again")


def unused_account_policies(orgs, prefixes: tuple[str, ...], wanted: set[str]) -> list[OrgItem]:
    """Delete the workspace's account SCPs (names starting with one of PREFIXES) no blueprint uses any more and
    nothing is attached to."""
    items = []
    for p in _pages(orgs, "list_policies", "Policies", "listing service control policies", Filter=SCP_TYPE):
        if not p["Name"].startswith(prefixes) or p["Name"] in wanted:
            continue
        targets = _pages(orgs, "list_targets_for_policy", "Targets", f"listing the targets of SCP {p['Name']}",
                         PolicyId=p["Id"])
        if targets:
            continue
        _call(f"deleting SCP {p['Name']}", orgs.delete_policy, PolicyId=p["Id"])
        items.append(OrgItem("scp", p["Name"], "deleted", ["no account and no blueprint uses it"], id=p["Id"]))
    return items
