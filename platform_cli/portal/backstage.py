"""Backstage entities of the whole workspace. Pure: an inventory in, entity dicts out.

The entity references are the ones a service's own ``catalog-info.yaml`` uses (written by
the templates and kept in step by ``platform service bind|unbind``): the Component is
``component:SERVICE`` in ``system:TEAM`` owned by ``group:TEAM``, each binding is
``resource:SERVICE-BINDING``. So Backstage sees one entity per service whichever location
it reads first, and the export adds what a service repository cannot know: the org, the
teams and their owners, the team spaces and their units.

Names follow Backstage's rules (letters and digits separated by ``-``, ``_`` or ``.``, at
most 63 characters). A unit is ``TEAM.ENV.REGION``: service and binding names cannot hold a
dot, so no unit name can collide with theirs.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from ..planning.names import space_prefix, space_unit
from ..service_repo import ANNOTATION, backstage_resource_name
from .inventory import Inventory, KnownService

API_VERSION = "backstage.io/v1alpha1"
NAME_RE = re.compile(r"^[a-zA-Z0-9]+(?:[-_.][a-zA-Z0-9]+)*$")
MAX_NAME = 63


def entity_name(text: str) -> str:
    """TEXT as a Backstage name: other characters become '-', too long gets a stable hash suffix."""
    name = re.sub(r"[^a-zA-Z0-9_.-]+", "-", text)
    name = re.sub(r"[-_.]{2,}", "-", name).strip("-_.")
    if len(name) > MAX_NAME:
        digest = hashlib.sha256(text.encode()).hexdigest()[:8]
        name = name[: MAX_NAME - 9].rstrip("-_.") + "-" + digest
    return name


def user_name(email: str) -> str | None:
    """The User entity name of an owner's email (``lead@example.com`` -> ``lead_example.com``),
    or None when it cannot be one (such owners stay in the Group's annotation only)."""
    name = email.replace("@", "_", 1)
    return name if NAME_RE.fullmatch(name) and len(name) <= MAX_NAME else None


def unit_name(team: str, env: str, region: str) -> str:
    return entity_name(f"{team}.{env}.{region}")


def ref(kind: str, name: str) -> str:
    return f"{kind.lower()}:{name}"


def _entity(kind: str, name: str, spec: dict[str, Any], *, description: str = "", title: str | None = None,
            annotations: dict[str, str] | None = None, tags: list[str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if title:
        meta["title"] = title
    if description:
        meta["description"] = description
    if annotations:
        meta["annotations"] = dict(sorted(annotations.items()))
    if tags:
        meta["tags"] = tags
    return {"apiVersion": API_VERSION, "kind": kind, "metadata": meta, "spec": spec}


def org_entities(inv: Inventory) -> list[dict[str, Any]]:
    """The org as a Group (the teams' parent) and a Domain (the systems' domain)."""
    org = inv.ws.config.org
    children = [ref("group", s.team) for s in inv.spaces]
    return [
        _entity("Group", org, {"type": "organization", "children": children},
                description=f"The {org} organisation: every team with a team space",
                annotations={f"{ANNOTATION}/org": org}),
        _entity("Domain", org, {"owner": ref("group", org)},
                description=f"Team spaces of {org}, one System per team",
                annotations={f"{ANNOTATION}/org": org}),
    ]


def user_entities(inv: Inventory) -> list[dict[str, Any]]:
    """One User per owner email that can be a Backstage name, member of every team it owns."""
    teams_of: dict[str, list[str]] = {}
    emails: dict[str, str] = {}
    for s in inv.spaces:
        for email in s.owners:
            name = user_name(email)
            if name:
                teams_of.setdefault(name, []).append(ref("group", s.team))
                emails[name] = email
    return [_entity("User", name, {"profile": {"email": emails[name]}, "memberOf": sorted(set(teams_of[name]))})
            for name in sorted(teams_of)]


def _service_units(inv: Inventory, svc: KnownService) -> list[str]:
    """Unit entity names a service runs in (its regions per environment, resolved as for a plan)."""
    if svc.path is None:
        return []
    from ..errors import PlatformError
    from ..model import Service
    from ..servicespec import service_regions

    try:
        spec = Service.load(svc.path)
        return [unit_name(svc.team, env, r) for env in spec.environments
                for r in service_regions(inv.ws, spec, env, str(svc.path))]
    except PlatformError:
        return []


def service_entities(svc: KnownService) -> list[dict[str, Any]]:
    """The Component and binding Resources, as the service's own catalog-info.yaml has them."""
    annotations = {f"{ANNOTATION}/space": svc.team}
    if svc.source != "service.yaml":
        annotations[f"{ANNOTATION}/known-from"] = svc.source
    if svc.record is not None:  # as the repository's own catalog-info.yaml has them
        annotations[f"{svc.record.ci}.com/project-slug"] = svc.record.repository
        annotations[f"{ANNOTATION}/template"] = f"{svc.record.template}@{svc.record.template_version}"
    tags = ["python", svc.kind] if svc.kind else None
    component = _entity("Component", svc.name, {
        "type": "service", "lifecycle": "experimental", "owner": ref("group", svc.team), "system": svc.team,
        "dependsOn": [ref("resource", backstage_resource_name(svc.name, b.name)) for b in svc.bindings],
    }, description=svc.description, annotations=annotations, tags=tags)
    out = [component]
    for b in svc.bindings:
        out.append(_entity("Resource", backstage_resource_name(svc.name, b.name),
                           {"type": b.offering, "owner": ref("group", svc.team), "system": svc.team},
                           description=f"{b.offering} binding {b.name} (plan {b.plan}) of {svc.name}",
                           annotations={f"{ANNOTATION}/binding": b.name, f"{ANNOTATION}/offering": b.offering,
                                        f"{ANNOTATION}/plan": b.plan}))
    return out


def team_entities(inv: Inventory, team: str) -> list[dict[str, Any]]:
    """Group, System, one Resource per env x region unit, and the team's services."""
    ws = inv.ws
    space = next(s for s in inv.spaces if s.team == team)
    org = ws.config.org
    members = sorted({n for n in (user_name(e) for e in space.owners) if n})
    group_annotations = {f"{ANNOTATION}/cost-center": space.cost_center}
    if space.owners:
        group_annotations[f"{ANNOTATION}/owners"] = ", ".join(space.owners)
    out = [
        _entity("Group", team, {"type": "team", "parent": ref("group", org), "children": [],
                                "members": [ref("user", m) for m in members]},
                description=space.description or f"Team {team}", annotations=group_annotations),
        _entity("System", team, {"owner": ref("group", team), "domain": org},
                description=space.description or f"Team space of {team}",
                annotations={f"{ANNOTATION}/space": team, f"{ANNOTATION}/blueprint": space.blueprint,
                             f"{ANNOTATION}/space-file": f"spaces/{team}.yaml"}),
    ]
    services = inv.services_of(team)
    runs_in: dict[str, list[str]] = {}
    for svc in services:
        for u in _service_units(inv, svc):
            runs_in.setdefault(u, []).append(ref("component", svc.name))
    for env, region in space.units():
        name = unit_name(team, env, region)
        cidr = space.cidr(env, region)
        annotations = {
            f"{ANNOTATION}/space": team, f"{ANNOTATION}/env": env, f"{ANNOTATION}/region": region,
            f"{ANNOTATION}/unit": space_unit(team, env, region), f"{ANNOTATION}/blueprint": space.blueprint,
            f"{ANNOTATION}/partition": ws.catalog.partition(region),
            f"{ANNOTATION}/vpc": f"{space_prefix(team, env, region)}-vpc",
            f"{ANNOTATION}/status-command": f"platform space status {team} --env {env}",
            f"{ANNOTATION}/plan-command": f"platform space plan {team} --env {env} --region {region}",
        }
        if cidr is not None:
            annotations[f"{ANNOTATION}/vpc-cidr"] = str(cidr)
        account = space.account(env)
        if account is not None:  # isolation: account: the environment's own AWS account
            annotations[f"{ANNOTATION}/account-id"] = account.account_id
            if account.state != "active":
                annotations[f"{ANNOTATION}/account-state"] = account.state
        spec: dict[str, Any] = {"type": "team-space-unit", "owner": ref("group", team), "system": team}
        if runs_in.get(name):
            spec["dependencyOf"] = sorted(set(runs_in[name]))
        out.append(_entity("Resource", name, spec, title=f"{team} {env} {region}",
                           description=f"{env} of team space {team} in {region} ({space.blueprint})",
                           annotations=annotations, tags=[env, region]))
    for svc in services:
        out.extend(service_entities(svc))
    return out


def location_entity(org: str, targets: list[str]) -> dict[str, Any]:
    return _entity("Location", entity_name(f"{org}-platform"), {"type": "file", "targets": targets},
                   description=f"Every entity of the {org} platform workspace")


def duplicate_refs(entities: list[dict[str, Any]]) -> list[str]:
    """Entity references that occur more than once (kind and name, case-insensitive as Backstage compares)."""
    seen: dict[str, int] = {}
    for e in entities:
        key = f"{e['kind']}:{e['metadata']['name']}".lower()
        seen[key] = seen.get(key, 0) + 1
    return sorted(k for k, n in seen.items() if n > 1)
