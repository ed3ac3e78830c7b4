"""`platform space ...`: the verbs live in their own modules and load lazily."""

from ._lazy import lazy_group

command = lazy_group(
    "space",
    "Team spaces: one per team, built from a blueprint, per environment and region.",
    {
        "create": ("space_core:create", "Create a team space from a blueprint over environments and regions."),
        "list": ("space_core:list_", "List the team spaces of the workspace."),
        "show": ("space_core:show", "Show one team space with its units and CIDR blocks."),
        "add-region": ("space_core:add_region", "Add a region or country to an environment of a space."),
        "status": ("space_status:status", "Per unit: applied, release, who and when, outputs, drift, orphans."),
        "remove-region": ("space_change:remove_region", "Take a region back from an environment; release its CIDR block."),
        "set": ("space_change:set_", "Edit owners, cost center, description and CI repositories (trust change shown)."),
        "delete": ("space_change:delete", "Delete a space: destroy its units in reverse order, release its blocks."),
        "plan": ("space_plan:plan", "Plan a space's units: resources, policy findings, monthly cost."),
        "apply": ("space_apply:apply", "Apply a space's units of one environment through the Pulumi engine."),
        "destroy": ("space_apply:destroy", "Destroy a space's units of one environment (reverse order)."),
    },
)
