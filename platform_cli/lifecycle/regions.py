"""`platform space remove-region`: take a region back from an environment of a space.

Refused while the space's unit there is applied (unless ``destroy``, which destroys it first
through the rollout executor) or while a service is deployed there. Where the Pulumi CLI is there,
"applied" is what the state says (the unit's stack export holds resources), whatever the history
says; without it, the history decides. Then the region, its
markets and its CIDR block leave the space file in one atomic write, made under the
allocation lock with the file read again after the lock is taken. A failed destroy leaves
the file as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConflictError, NotFoundError, PlatformError
from ..model import Space
from ..planning.names import service_unit, space_unit
from ..planning.waves import serving_region
from ..rollout.history import HistoryStore
from ..rollout.stores import open_history
from ..spaces import allowed_regions, unknown_env_error, validated_space
from .applied import applied_units, deployed_services, state_engine, state_standing


@dataclass
class RemoveRegionResult:
    team: str
    env: str
    region: str
    cidr: str | None
    markets_removed: list[str] = field(default_factory=list)
    env_removed: bool = False
    destroyed: str | None = None  # the rollout id of the destroy, when one ran
    removed: bool = True  # False when the region was already gone

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _without_region(ws, space: Space, env: str, region: str) -> tuple[dict[str, Any], list[str], bool]:
    """The space's data without REGION in ENV (its block released, the countries it served dropped)."""
    data = space.to_data()
    e = data["environments"][env]
    e["regions"] = [r for r in e["regions"] if r != region]
    bp = ws.catalog.blueprint(space.blueprint)
    allowed = allowed_regions(ws, bp)
    dropped = []
    for country in list(e.get("markets", [])):
        try:
            served = serving_region(ws.catalog.markets.market(country), allowed)
        except PlatformError:
            continue  # a country that no longer resolves is left for the owner to fix
        if served == region:
            dropped.append(country)
    e["markets"] = [c for c in e.get("markets", []) if c not in dropped]
    env_removed = not e["regions"]
    if env_removed:
        del data["environments"][env]
    data["allocations"] = [a for a in data["allocations"] if not (a["env"] == env and a["region"] == region)]
    return data, dropped, env_removed


def _check(ws, space: Space, env: str, region: str) -> Space:
    """The space without REGION in ENV, validated; errors when the env or region is unknown, or it is the last."""
    if env not in space.environments:
        raise unknown_env_error(space, env)
    regions = space.environments[env].regions
    if region not in regions:
        raise NotFoundError(f"team space {space.team}/{env} has no region {region} (regions: {', '.join(regions)})")
    data, _, env_removed = _without_region(ws, space, env, region)
    if env_removed and not data["environments"]:
        raise ConflictError(f"{region} is the last region of {space.team}'s last environment; a space needs one",
                            hint=f"remove the whole space with `platform space delete {space.team}`")
    return validated_space(data, f"spaces/{space.team}.yaml")


def remove_region(ws, team: str, env: str, region: str, *, destroy: bool = False,
                  confirm: Callable[[str], None] | None = None, engine=None, progress=None, clients=None,
                  history: HistoryStore | None = None) -> RemoveRegionResult:
    """Remove REGION from TEAM's ENV and release its CIDR block.

    ``confirm(question)`` is asked once everything is checked and before anything changes; it
    raises (UserAbort) to leave the space as it is. With ``destroy`` an applied unit is destroyed
    first (the engine is looked up before anything else: EngineMissingError, exit 8)."""
    ws.forget_space(team)
    space = ws.space(team)
    _check(ws, space, env, region)
    store = history if history is not None else open_history(ws, clients)
    applied = applied_units(store, team, env)
    unit = space_unit(team, env, region)
    services = deployed_services(applied, env=env, region=region)
    engine = state_engine(ws, engine)
    service_units = sorted({u for units in services.values() for u in units}
                           | {service_unit(team, s.name, env, region) for s in space.services})
    state, _ = state_standing(engine, [unit, *service_units])
    if state is not None:  # the state decides: a unit whose stack holds resources is deployed
        services = {}
        for u in service_units:
            if state[u]:
                services.setdefault(u.split("/")[2], []).append(u)
    if services:
        raise ConflictError(
            f"{team}/{env}/{region}: services are still deployed there: "
            + "; ".join(f"{name} ({', '.join(units)})" for name, units in sorted(services.items())),
            hint=f"remove {region} from each service's service.yaml (environments.{env}) and destroy its unit first; "
                 "a space region goes only once no service runs in it")
    in_history = applied.get(unit)
    standing = bool(state[unit]) if state is not None else in_history is not None
    if standing and not destroy:
        if in_history is not None:
            last = in_history.last
            why = f"release {last.version}, by {last.who} at {last.end}"
        else:
            why = "its stack holds resources, though the history records no deployment"
        if state is not None:
            why += f"; {state[unit]} resource(s) in its state"
        raise ConflictError(f"{unit} is applied ({why}); "
                            "removing the region would leave its resources running with no unit to manage them",
                            hint=f"destroy it first: `platform space remove-region {team} --env {env} {region} --destroy`")
    if standing and engine is None:
        from ..engine import get_engine

        engine = get_engine(ws)  # EngineMissingError (exit 8) before anything is touched
    cidr = space.cidr(env, region)
    if confirm is not None:
        what = f"destroy {unit} and everything in it, then " if standing else ""
        confirm(f"{what}remove {region} from {team}/{env} and release its CIDR block {cidr}?")
    destroyed = None
    if standing:
        from ..deploy import destroy_units

        outcome = destroy_units(ws, team, env, [[unit]], release=space.blueprint, label=f"remove-{region}",
                                engine=engine, progress=progress, clients=clients, history=store)
        destroyed = outcome.id
    with ws.editing_space(team) as space:
        if env not in space.environments or region not in space.environments[env].regions:
            return RemoveRegionResult(team, env, region, None, destroyed=destroyed, removed=False)
        new = _check(ws, space, env, region)
        _, dropped, env_removed = _without_region(ws, space, env, region)
        ws.write_space(new)
    return RemoveRegionResult(team, env, region, str(cidr) if cidr else None, markets_removed=dropped,
                              env_removed=env_removed, destroyed=destroyed)
