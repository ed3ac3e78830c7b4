"""The management account's side: the credentials every Organizations and Cost Explorer call of the platform runs
with, and the activation of the platform's cost allocation tags.

With ``organization.management_role`` the platform assumes that role in ``organization.management_account_id``
(sts:AssumeRole with the workspace's credentials, session ``platform-organizations``); without it the credentials
must be the management account's own, which :func:`management_clients` checks with sts get-caller-identity and
refuses otherwise (CloudError, exit 7), before any call that changes something.

Cost allocation tags are activated only in the management account of an organization (Billing and Cost
Management > Cost allocation tags; ``ce:UpdateCostAllocationTagsStatus``), and only once AWS has seen the tag key
in billing data (up to 24 hours after the first tagged resource): until then AWS answers the key with an error
that :func:`activate_cost_tags` reports, and the next `platform bootstrap` activates it.
"""

from __future__ import annotations

from ..errors import CloudError
from .clients import ClientProvider
from .oidc import BootstrapItem
from .organizations import _call, assumed

SESSION = "platform-organizations"


def ce_region(partition: str = "aws") -> str:
    """Cost Explorer's endpoint region (a global service)."""
    return "cn-northwest-1" if partition == "aws-cn" else "us-east-1"


def management_clients(clients: ClientProvider, cfg, partition: str = "aws") -> ClientProvider:
    """A client provider acting in the management account CFG (``Workspace.organization``) names."""
    if cfg.management_role:
        return assumed(clients, cfg.management_account_id, cfg.management_role, partition=partition, session_name=SESSION)
    ident = _call("reading the caller identity (sts get-caller-identity)", clients("sts").get_caller_identity)
    if ident.get("Account") != cfg.management_account_id:
        raise CloudError(
            f"the credentials belong to account {ident.get('Account')} ({ident.get('Arn')}), not to the organization's "
            f"management account {cfg.management_account_id}, and platform.yaml names no organization.management_role "
            "to assume there; nothing was created or recorded",
            hint="add organization.management_role (a role in the management account that the workspace's credentials "
                 "may assume) to platform.yaml, or run the command with the management account's credentials")
    return clients


COST_TAGS = ("platform:team", "platform:env", "platform:space", "cost-center")
"""The tag keys every resource of a unit carries (``planning.tags.unit_tags``) that cost reports and budgets group by."""


def activate_cost_tags(ce, keys: tuple[str, ...] = COST_TAGS) -> BootstrapItem:
    """KEYS active as cost allocation tags: "found" when they are, else one UpdateCostAllocationTagsStatus call for the
    others ("updated"); the keys AWS refuses (not yet seen in billing data) are reported ("incomplete"), not hidden."""
    listed = _call("reading the cost allocation tags (ce list-cost-allocation-tags)", ce.list_cost_allocation_tags,
                   TagKeys=list(keys), Type="UserDefined", MaxResults=len(keys))
    active = {t["TagKey"] for t in listed.get("CostAllocationTags", []) if t.get("Status") == "Active"}
    todo = [k for k in keys if k not in active]
    name = ", ".join(keys)
    if not todo:
        return BootstrapItem("cost-allocation-tags", name, "found", [f"{k}: active" for k in keys])
    answer = _call("activating the cost allocation tags (ce update-cost-allocation-tags-status)",
                   ce.update_cost_allocation_tags_status,
                   CostAllocationTagsStatus=[{"TagKey": k, "Status": "Active"} for k in todo])
    errors = {e.get("TagKey"): f"{e.get('Code', 'error')}: {e.get('Message', '')}".rstrip(": ")
              for e in answer.get("Errors", [])}
    details = [f"{k}: active" for k in keys if k in active] + [f"{k}: activated" for k in todo if k not in errors]
    details += [f"{k}: not activated ({why}); AWS activates a key only once it has seen it in billing data (up to 24 "
                "hours after the first tagged resource): run `platform bootstrap` again then" for k, why in errors.items()]
    return BootstrapItem("cost-allocation-tags", name, "incomplete" if errors else "updated", details)
