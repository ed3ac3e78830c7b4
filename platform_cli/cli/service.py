"""`platform service ...`: the verbs live in their own modules and load lazily."""

from ._lazy import lazy_group

command = lazy_group(
    "service",
    "Services: generated from templates with CI/CD, bound to marketplace offerings, planned and deployed.",
    {
        "new": ("service_core:new", "Generate a service repository from a template, wired to a team space."),
        "list": ("service_core:list_", "List the services the workspace knows: template version, environments, last release."),
        "show": ("service_core:show", "Show a service: kind, environments, bindings and the names the app reads."),
        "bind": ("service_core:bind", "Bind a marketplace offering with a plan to a service."),
        "unbind": ("service_core:unbind", "Remove a binding from a service; its resource and data go at the next deploy."),
        "upgrade": ("service_upgrade:upgrade", "Merge a newer template version into a service repository (three ways)."),
        "preview": ("service_preview:command", "Previews of pull requests: plan, up, down, list (SERVICE-prN in the unprotected env)."),
        "plan": ("service_plan:plan", "Plan a service's units in one environment: resources, findings, cost."),
        "deploy": ("service_deploy:deploy", "Deploy a version of a service wave by wave with gates."),
    },
)
