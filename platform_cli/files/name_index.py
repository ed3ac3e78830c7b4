"""The light index of the space files: per space, only what allocation and the name clash checks need (its
units with their derived names, its CIDR blocks, its domains) and what `space list` shows of it (blueprint,
cost center, owners), so that creating or listing spaces in a workspace of 1,000 never builds 1,000 full space
models and never derives 40,000 units' names again.

One entry per space file, valid only while the file's bytes are unchanged (as in :mod:`.index`). The index
names what its entries were derived with (the organisation, the code of the naming functions and the space
model): another organisation, a change of how names are made or of what a valid space is rebuilds it. Each
entry is validated with a small model, must be consistent (one block per unit, every kind of name) and
carries a check, the SHA-256 of its team, its file's digest and its content: an entry damaged or edited by
hand, or copied from another team's, is never served; the file is parsed again instead, so the space is
never hidden (a file that does not parse either is reported by name, and its blocks stay taken).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from ipaddress import IPv4Network
from pathlib import Path
from typing import Annotated, Any

from typing_extensions import TypedDict

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from ..model import Space
from ..model.base import Email, TagValue
from ..model.space import BLUEPRINT_REF
from ..planning import collisions, names
from .index import FileIndex, identity, model_digest

NAMES_INDEX = "names.index.json"  # in .platform/, beside the space index
FACTS_FORMAT = 2  # what an entry's facts hold; entries of another format are rebuilt

Units = list[tuple[collisions.SpaceUnitKey, dict[str, str]]]


_Short = Annotated[str, Field(max_length=64)]


class _Unit(TypedDict):
    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    env: _Short  # environment of the unit
    region: _Short  # region of the unit
    names: dict[str, Annotated[str, Field(max_length=256)]]  # its derived names by kind (collisions.space_unit_names)


class _Block(TypedDict):
    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    env: _Short  # environment of the block
    region: _Short  # region of the block
    block: tuple[Annotated[int, Field(ge=0, le=2**32 - 1)], Annotated[int, Field(ge=0, le=32)]]  # (address, prefix)


class _Domain(TypedDict):
    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    env: _Short  # environment serving the name
    name: Annotated[str, Field(max_length=253)]  # the DNS name


class _Summary(TypedDict):
    """What `space list` shows of a space besides its units (validated as the space model validates them)."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    blueprint: Annotated[str, Field(pattern=BLUEPRINT_REF)]  # NAME@VERSION
    cost_center: Annotated[TagValue, Field(min_length=1, max_length=64)]  # the cost center tag
    owners: list[Email]  # the owners' emails


class _Facts(TypedDict):
    """What an entry holds (validated as plain data: a space's 4 units and blocks in microseconds)."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    units: list[_Unit]  # every unit (env, region) of the space, in the file's order
    allocations: list[_Block]  # the space's blocks, in the file's order
    domains: list[_Domain]  # the environments' domain names
    summary: _Summary  # what `space list` shows


_FACTS = TypeAdapter(_Facts)


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facts: str = Field(max_length=16 * 1024 * 1024, description="The space's facts (_Facts) as JSON text.")
    check: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the team, the file's digest and FACTS.")


class SpaceFacts:
    """What one space file says that allocation, the clash checks and `space list` need."""

    __slots__ = ("team", "units", "blocks", "domains", "summary")

    def __init__(self, team: str, units: Units, blocks: list[tuple[str, str, IPv4Network]],
                 domains: list[tuple[str, str]], summary: dict[str, Any]) -> None:
        self.team, self.units, self.blocks, self.domains, self.summary = team, units, blocks, domains, summary

    def environments(self) -> dict[str, list[str]]:
        """Each environment's regions, in the file's order (every environment has a region, so a unit)."""
        out: dict[str, list[str]] = {}
        for key, _ in self.units:
            out.setdefault(key.env, []).append(key.region)
        return out


@functools.cache
def _code_digest() -> str:
    """SHA-256 of the code the names are derived with."""
    h = hashlib.sha256()
    for module in (names, collisions):
        h.update(Path(module.__file__).read_bytes())
    return h.hexdigest()


def derived_with(org: str) -> str:
    """What an index's entries depend on besides the space files: the organisation, the naming code and the
    space model (a file the model refuses now must not be served from an entry made before)."""
    return hashlib.sha256(f"{FACTS_FORMAT}\n{org}\n{_code_digest()}\n{model_digest(Space)}".encode()).hexdigest()


def _check(team: str, digest: str, facts: str) -> str:
    return hashlib.sha256(f"{team}\n{digest}\n{facts}".encode()).hexdigest()


class SpaceNames:
    """The light index of a workspace (``.platform/names.index.json``) for the organisation ORG."""

    def __init__(self, local_dir: Path, org: str) -> None:
        self.org = org
        self.index = FileIndex(Path(local_dir) / NAMES_INDEX, schema_digest=derived_with(org))
        self.derived = 0  # spaces whose entries were derived from a parsed space (not found in the index)
        self.refused: list[str] = []  # teams whose entry validated as a file entry but was not served
        self._kinds = set(collisions.space_unit_names(org, collisions.SpaceUnitKey("a", "b", "eu-west-1")))

    def facts(self, team: str, path: Path) -> SpaceFacts | None:
        """The entry of TEAM's file at PATH when the file is unchanged since it was made and the entry is whole;
        None to parse the file (an entry present but damaged is named in :attr:`damaged`)."""
        digest = identity(path)
        data = self.index.get(team, path, digest=digest)
        if data is None:
            return None
        found = self._valid(team, digest, data)
        if found is None:
            self.refused.append(team)
        return found

    @property
    def damaged(self) -> list[str]:
        """Teams whose entry was present but not served (damaged, edited by hand, another team's): their files
        were parsed again."""
        self.index._load()
        return sorted(set(self.index.damaged) | set(self.refused))

    def _valid(self, team: str, digest: str | None, data: dict[str, Any]) -> SpaceFacts | None:
        try:
            entry = _Entry.model_validate(data)
            if digest is None or entry.check != _check(team, digest, entry.facts):
                return None
            facts = _FACTS.validate_json(entry.facts)
        except ValidationError:
            return None
        units = [(u["env"], u["region"]) for u in facts["units"]]
        if (len(set(units)) != len(units) or any(u["names"].keys() != self._kinds for u in facts["units"])
                or sorted((b["env"], b["region"]) for b in facts["allocations"]) != sorted(units)
                or not {d["env"] for d in facts["domains"]} <= {e for e, _ in units}):
            return None
        try:
            blocks = [(b["env"], b["region"], IPv4Network(b["block"])) for b in facts["allocations"]]
        except ValueError:  # host bits set
            return None
        return SpaceFacts(team, [(collisions.SpaceUnitKey(team, *unit), u["names"]) for unit, u in zip(units, facts["units"])],
                          blocks, [(d["env"], d["name"]) for d in facts["domains"]], dict(facts["summary"]))

    def derive(self, space: Space, path: Path, before: str | None) -> SpaceFacts:
        """The facts of SPACE, parsed from PATH whose digest was BEFORE, recorded in the index (written by
        :meth:`record` or :meth:`flush`) when the file is still unchanged."""
        self.derived += 1
        units = [(k, collisions.space_unit_names(self.org, k))
                 for k in (collisions.SpaceUnitKey(space.team, env, region) for env, region in space.units())]
        summary = {"blueprint": space.blueprint, "cost_center": space.cost_center, "owners": list(space.owners)}
        facts = SpaceFacts(space.team, units, [(a.env, a.region, a.cidr) for a in space.allocations],
                           [(env, d.name) for env, e in space.environments.items() for d in e.domains], summary)
        text = json.dumps({"units": [{"env": k.env, "region": k.region, "names": n} for k, n in units],
                           "allocations": [{"env": e, "region": r, "block": [int(c.network_address), c.prefixlen]}
                                           for e, r, c in facts.blocks],
                           "domains": [{"env": e, "name": n} for e, n in facts.domains],
                           "summary": summary}, separators=(",", ":"))
        if before is not None:
            self.index.put(space.team, path, {"facts": text, "check": _check(space.team, before, text)}, before)
        return facts

    def remembered(self, team: str) -> list[IPv4Network]:
        """The blocks the entry of TEAM last held, whether or not its file changed since: only ever added to the
        blocks taken, never served (anything in a damaged entry that is no block is skipped)."""
        data = self.index.last(team)
        try:
            facts = json.loads(data["facts"]) if isinstance(data, dict) else None
        except (TypeError, ValueError):
            return []
        blocks = []
        allocations = facts.get("allocations") if isinstance(facts, dict) else None
        for a in allocations if isinstance(allocations, list) else []:
            with contextlib.suppress(TypeError, ValueError, KeyError):
                blocks.append(IPv4Network(tuple(a["block"])))
        return blocks

    def record(self, space: Space, path: Path, digest: str | None) -> None:
        """Add the entry of SPACE, just written to PATH (whose digest is DIGEST), and write the index."""
        self.derive(space, path, digest)
        self.index.flush()
