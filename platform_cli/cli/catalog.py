"""`platform catalog ...`: the workspace as a Backstage catalog."""

from ._lazy import lazy_group

command = lazy_group(
    "catalog",
    "The workspace as a Backstage catalog: org, teams, team spaces, units, services and bindings.",
    {
        "export": ("catalog_export:export", "Write Backstage entities of the whole workspace into a folder."),
    },
)
