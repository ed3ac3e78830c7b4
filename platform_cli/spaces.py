"""Team spaces: create, extend, list and show. The service layer behind `platform space`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from .errors import ConflictError, NotFoundError, SpecError, UsageError
from .files.safe import existing_file
from .model import Blueprint, Space
from .model.base import DNS_NAME, format_validation_errors
from .planning import collisions
from .planning.aws_rules import check_part
from .planning.cidr import PoolExhausted, allocate
from .planning.waves import describe_partitions, partitions_of, serving_region
from .workspace import WorkspaceContext

PROTECTED_ENVS = ("prod", "production")


@dataclass
class CreateSpaceRequest:
    team: str
    blueprint: str
    envs: list[str]  # "ENV=PLACE[,PLACE...]" as typed on the command line
    owners: list[str] = field(default_factory=list)
    cost_center: str = "unassigned"
    ci_repos: list[str] = field(default_factory=list)
    description: str = ""


def parse_env_option(value: str) -> tuple[str, list[str]]:
    """'prod=DE,FR,us-east-1' -> ('prod', ['DE', 'FR', 'us-east-1'])."""
    if "=" not in value:
        raise UsageError(f"--env {value!r}: expected ENV=REGION_OR_COUNTRY[,...], for example prod=DE,FR,US")
    env, _, places = value.partition("=")
    env = env.strip()
    if not re.fullmatch(DNS_NAME, env):
        raise UsageError(f"--env {value!r}: environment name {env!r} is not DNS-safe (2-32 lowercase letters, digits, hyphens)")
    tokens = [t.strip() for t in places.split(",") if t.strip()]
    if not tokens:
        raise UsageError(f"--env {value!r}: environment {env!r} has no regions; expected at least one region or country")
    return env, tokens


def allowed_regions(ws: WorkspaceContext, bp: Blueprint) -> list[str]:
    regions = list(ws.config.allowed_regions)
    if bp.guardrails.allowed_regions:
        regions = [r for r in regions if r in bp.guardrails.allowed_regions]
    return regions


def resolve_places(ws: WorkspaceContext, bp: Blueprint, env: str, tokens: list[str]) -> tuple[list[str], list[str]]:
    """Countries and regions -> (regions without duplicates in order, countries), checked against the guardrails."""
    allowed = allowed_regions(ws, bp)
    regions: list[str] = []
    countries: list[str] = []
    for token in tokens:
        region, country = ws.catalog.resolve_place(token)
        if country:
            region = serving_region(ws.catalog.markets.market(country), allowed)
        if region not in allowed:
            via = f" (country {country} is served from {region})" if country else ""
            raise SpecError(
                f"env {env}: region {region}{via} is not allowed by blueprint {bp.ref} and the workspace; "
                f"allowed: {', '.join(allowed)}",
                hint="choose an allowed region, or ask Cloud & Tools for a blueprint that allows it",
            )
        if country and country not in countries:
            countries.append(country)
        if region not in regions:
            regions.append(region)
    return regions, countries


def check_one_partition(ws: WorkspaceContext, env: str, regions: list[str]) -> None:
    """An environment rolls out as one unit of waves, so all its regions share one AWS partition."""
    parts = partitions_of(regions, ws.catalog.partition)
    if len(parts) > 1:
        raise UsageError(f"env {env}: regions span AWS partitions ({describe_partitions(parts)})",
                         hint="an environment lives in one partition: put aws-cn regions (CN) in an environment of their "
                              "own, e.g. --env prod-cn=CN")


def validated_space(data: dict[str, Any], source: str) -> Space:
    try:
        return Space.model_validate(data)
    except ValidationError as exc:
        raise SpecError(f"{source}: the space would not be valid", file=source,
                        problems=format_validation_errors(exc, source)) from None


def create_space(ws: WorkspaceContext, req: CreateSpaceRequest) -> Space:
    """Write spaces/TEAM.yaml with a CIDR block per env x region. Nothing is written on error."""
    if not re.fullmatch(DNS_NAME, req.team):
        raise UsageError(f"team name {req.team!r} is not DNS-safe: expected 2-32 lowercase letters, digits and hyphens, "
                         "starting and ending with a letter or digit")
    check_part("team", req.team)
    path = ws.space_path(req.team)
    if existing_file(path):  # anything else there (a FIFO, a folder, a dangling link) is named
        raise ConflictError(f"team space {req.team!r} already exists ({path})",
                            hint=f"extend it with `platform space add-region {req.team} --env ENV REGION`")
    bp = ws.catalog.blueprint(req.blueprint)
    if not req.envs:
        raise UsageError("at least one --env ENV=REGION_OR_COUNTRY is needed")
    environments: dict[str, dict[str, Any]] = {}
    for value in req.envs:
        env, tokens = parse_env_option(value)
        if env in environments:
            raise UsageError(f"--env {env} is given twice; put all its regions in one --env {env}=A,B")
        regions, countries = resolve_places(ws, bp, env, tokens)
        check_one_partition(ws, env, regions)
        check_part("env", env)
        environments[env] = {"regions": regions, "markets": countries, "protected": env in PROTECTED_ENVS}
    data = {
        "schema_version": 1, "team": req.team, "description": req.description, "owners": req.owners,
        "cost_center": req.cost_center, "blueprint": bp.ref, "environments": environments,
        "ci_repos": req.ci_repos, "allocations": [],
    }
    source = f"spaces/{req.team}.yaml"
    validated_space(data, source)  # every field checked before any CIDR is taken
    with ws.allocation_lock():
        if existing_file(path):
            raise ConflictError(f"team space {req.team!r} was created meanwhile ({path})")
        refuse_name_collisions(ws, req.team, [(env, r) for env, e in environments.items() for r in e["regions"]])
        taken = PoolUsage(ws)
        for env, e in environments.items():
            for region in e["regions"]:
                data["allocations"].append({"env": env, "region": region,
                                            "cidr": str(taken.allocate(region, bp.network.cidr_prefix))})
        space = validated_space(data, source)
        ws.write_space(space)
    return space


class PoolUsage:
    """The blocks taken in each address pool of the workspace, read once per pool, and the next free block
    of a region's pool (see :meth:`WorkspaceContext.pool_for`)."""

    def __init__(self, ws: WorkspaceContext) -> None:
        self.ws = ws
        self.taken: dict[str, list] = {}

    def allocate(self, region: str, prefix: int):
        key, pool = self.ws.pool_for(region)
        if key not in self.taken:
            self.taken[key] = self.ws.taken_cidrs(region=region)
        try:
            block = allocate(pool, prefix, self.taken[key])
        except PoolExhausted as exc:
            # the blocks (or what looks like one) of space files that cannot be read count as taken: name them
            damaged = list(self.ws.holdings.unreadable.values())
            if not damaged:
                raise
            named = "; ".join(e.message.splitlines()[0] for e in damaged[:5]) + ("; ..." if len(damaged) > 5 else "")
            raise PoolExhausted(f"{exc.message}; the blocks of space files that cannot be read count as taken: {named}",
                                hint=f"fix or remove those files, or {exc.hint}") from None
        self.taken[key].append(block)
        return block


def refuse_name_collisions(ws: WorkspaceContext, team: str, units: list[tuple[str, str]]) -> None:
    """Refuse new space units (ENV, REGION) of TEAM whose derived names would clash with those of any
    space of the workspace, TEAM's other environments included (read under the allocation lock; unreadable
    space files are skipped: their units are unknown). The units' names come from the light index
    (files.name_index), which the space's write then records."""
    new = [collisions.SpaceUnitKey(team, env, r) for env, r in units]
    collisions.refuse(ws.holdings.name_index().collisions(ws.config.org, new))


@dataclass
class AddRegionResult:
    space: Space
    added: list[str]
    already: list[str]


def nearest_name(name: str, names) -> str | None:
    """The existing name closest to NAME (difflib's ratio), or None when there are none."""
    import difflib

    names = list(names)
    if not names:
        return None
    return max(names, key=lambda n: (difflib.SequenceMatcher(None, name, n).ratio(), -names.index(n)))


def unknown_env_error(space: Space, env: str, *, create_hint: str | None = None) -> NotFoundError:
    """ENV is not an environment of SPACE: the error names the nearest existing one."""
    near = nearest_name(env, space.environments)
    hint = f"did you mean --env {near}?" if near else None
    if create_hint:
        hint = f"{hint} {create_hint}" if hint else create_hint
    return NotFoundError(f"team space {space.team} has no environment {env!r} "
                         f"(environments: {', '.join(space.environments)})", hint=hint)


def add_region(ws: WorkspaceContext, team: str, env: str, place: str, *, new_env: bool = False) -> AddRegionResult:
    """Add a region (or a country's region) to an environment. An environment that does not exist
    is refused (naming the nearest existing one) unless NEW_ENV. Existing allocations never move.

    The space file is read after the allocation lock is taken and written before it is released."""
    if not re.fullmatch(DNS_NAME, env):
        raise UsageError(f"--env {env!r} is not a DNS-safe environment name")
    check_part("env", env)
    tokens = [t.strip() for t in place.split(",") if t.strip()]
    if not tokens:
        raise UsageError(f"PLACE {place!r}: expected a region or a country code, e.g. eu-west-1 or FR")
    with ws.editing_space(team) as space:
        if env not in space.environments and not new_env:
            raise unknown_env_error(space, env, create_hint=f"to create environment {env!r}, add --new-env")
        bp = ws.catalog.blueprint(space.blueprint)
        regions, countries = resolve_places(ws, bp, env, tokens)
        data = space.to_data()
        e = data["environments"].setdefault(env, {"regions": [], "markets": [], "protected": env in PROTECTED_ENVS})
        check_one_partition(ws, env, list(dict.fromkeys([*e["regions"], *regions])))
        added, already = [], []
        refuse_name_collisions(ws, team, [(env, r) for r in regions if r not in e["regions"]])
        taken = PoolUsage(ws)
        for region in regions:
            if region in e["regions"]:
                already.append(region)
                continue
            block = taken.allocate(region, bp.network.cidr_prefix)
            e["regions"].append(region)
            data["allocations"].append({"env": env, "region": region, "cidr": str(block)})
            added.append(region)
        for c in countries:
            if c not in e.setdefault("markets", []):
                e["markets"].append(c)
        new = validated_space(data, f"spaces/{team}.yaml")
        if added or new != space:
            ws.write_space(new)
    return AddRegionResult(space=new, added=added, already=already)


def list_spaces(ws: WorkspaceContext) -> dict[str, Any]:
    """Every readable space's summary (from the light index while its file is unchanged: no full model is
    built), and the errors of the others."""
    good, bad = ws.holdings.listed()
    return {"spaces": [{"team": f.team, **f.summary, "environments": f.environments(), "units": len(f.units)}
                       for f in good], "errors": [e.message for e in bad]}


def show_space(ws: WorkspaceContext, team: str) -> dict[str, Any]:
    return space_details(ws, ws.space(team))


def space_details(ws: WorkspaceContext, space: Space) -> dict[str, Any]:
    """What `space show` prints of SPACE: the file's data and each unit with its block and partition."""
    out = space.to_data()
    out["units"] = [
        {"env": env, "region": region, "cidr": str(space.cidr(env, region)), "partition": ws.catalog.partition(region)}
        for env, region in space.units()
    ]
    return out

