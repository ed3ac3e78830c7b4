"""What the spaces of a workspace hold that no other space may take: CIDR blocks (per address pool), domain
names and derived unit names. Read once per read of the workspace (the workspace lock drops it), from the
light index (:mod:`.name_index`) for a space file unchanged since its entry was made, and from the parsed
space otherwise, so a command that allocates never builds every space's full model.

A space file that cannot be parsed is not hidden: it is listed in :attr:`Holdings.unreadable` with its error
(allocation names it when the pool runs out), its names are
unknown (the clash check cannot use them), and its blocks stay taken (what its bytes name, and what it held
when it last parsed, from either index).
"""

from __future__ import annotations

from ipaddress import IPv4Network
from typing import Any

from ..errors import PlatformError, SpecError
from ..planning import collisions
from ..planning.cidr import BlockIndex, allocation_problems
from ..planning.domains import DomainIndex, domain_problems
from .blocks import remembered_cidrs, scan_cidrs
from .name_index import SpaceFacts

from ..model import Space


_NONE = BlockIndex([])  # the blocks of a pool no space takes from


class Holdings:
    """The blocks, domains and unit names of every readable space of WS, a workspace.WorkspaceContext (see the
    module docstring)."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.reset()

    def reset(self) -> None:
        """Forget everything read: the next question reads the files again."""
        self._facts: dict[str, SpaceFacts] = {}
        self._missed: set[str] = set()  # teams the light index does not serve
        self._blocks: dict[str, BlockIndex] | None = None
        self._domains = DomainIndex([])
        self.unreadable: dict[str, PlatformError] = {}  # team -> why its file cannot be read

    def forget(self, team: str) -> None:
        self._facts.pop(team, None)
        self._missed.discard(team)
        self._blocks = None

    def facts(self, team: str) -> SpaceFacts:
        """TEAM's blocks, domains and unit names: from the light index while its file is unchanged, else from
        the parsed file (recorded in the index when the command writes). Raises what reading the file raises."""
        found = self._served(team)
        if found is None:
            ws = self.ws
            found = self._facts[team] = ws.light.derive(ws.read_space(team), ws.space_path(team),
                                                        ws.parsed_digest(team))
        return found

    def _served(self, team: str) -> SpaceFacts | None:
        """TEAM's entry of the light index when it is served (see :meth:`SpaceNames.facts`)."""
        if team not in self._facts and team not in self._missed:
            found = self.ws.light.facts(team, self.ws.checked_space_path(team))
            if found is None:
                self._missed.add(team)
                return None
            self._facts[team] = found
        return self._facts.get(team)

    def _blocks_of(self, team: str) -> tuple[list[tuple[str, str, IPv4Network]], list[tuple[str, str]]]:
        space = self.ws.parsed.get(team)
        facts = self._served(team) if space is None else None
        if facts is not None:
            return facts.blocks, facts.domains
        space = space or self.ws.read_space(team)  # parsed (space list reads every space) or parsed now: no names
        return ([(a.env, a.region, a.cidr) for a in space.allocations],
                [(env, d.name) for env, e in space.environments.items() for d in e.domains])

    def block_index(self) -> dict[str, BlockIndex]:
        """Every readable space's blocks by pool, indexed once per read of the workspace."""
        if self._blocks is None:
            by_pool: dict[str, list] = {}
            domains: list[tuple[str, str]] = []
            self.unreadable = {}
            for name in self.ws.space_names():
                try:
                    blocks, named = self._blocks_of(name)
                except PlatformError as exc:
                    self.unreadable[name] = exc  # reported by the commands that read it; scanned for allocation
                    continue
                label = f"spaces/{name}.yaml "
                for env, region, cidr in blocks:
                    by_pool.setdefault(self.ws.pool_for(region)[0], []).append((f"{label}{env}/{region}", cidr))
                domains.extend((f"{label}{env}", d) for env, d in named)
            self._blocks = {key: BlockIndex(blocks) for key, blocks in by_pool.items()}
            self._domains = DomainIndex(domains)
        return self._blocks

    def name_index(self) -> collisions.NameIndex:
        """The derived names of every readable space's units (unreadable files are skipped: their units are
        unknown); entries of files that are gone leave the light index."""
        entries, names = [], self.ws.space_names()
        for name in names:
            try:
                entries.extend(self.facts(name).units)
            except PlatformError:
                continue
        self.ws.light.index.keep_only(set(names))
        return collisions.NameIndex(entries)

    def check_allocations(self, team: str, space: Space) -> None:
        """Each block of the space inside its pool and distinct from every other block of that pool (the
        space's own blocks in other regions of the pool included), and its domains apart from the others'."""
        self.check(team, [(a.env, a.region, a.cidr) for a in space.allocations],
                   [(env, d.name) for env, e in space.environments.items() for d in e.domains])

    def check(self, team: str, blocks: list[tuple[str, str, IPv4Network]], domains: list[tuple[str, str]]) -> None:
        """:meth:`check_allocations` of TEAM's BLOCKS (env, region, block) and DOMAINS (env, name), each in the
        file's order."""
        problems = []
        index = self.block_index()
        mine_label = f"spaces/{team}.yaml "
        for i, (env, region, cidr) in enumerate(blocks):
            key, pool = self.ws.pool_for(region)
            problems += allocation_problems([(f"allocations.{i}.cidr", cidr)], pool, index.get(key, _NONE),
                                            skip=f"{mine_label}{env}/{region}",
                                            pool_name="network_pool" if key == "network_pool" else f"network_pools.{key}")
        at: dict[str, int] = {}
        fields = []
        for env, name in domains:
            fields.append((f"environments.{env}.domains.{at.setdefault(env, 0)}.name", name))
            at[env] += 1
        clashes = domain_problems(fields, self._domains, skip=mine_label) if fields else []
        if not clashes and not problems:
            return
        path = self.ws.space_path(team)
        if not problems:  # clashes only
            raise SpecError(f"{path}: domains clash with the workspace's", file=str(path),
                            problems=[f"{path}: {p}" for p in clashes],
                            hint="each environment's CI writes the records of its domains: give each environment "
                                 "names of its own")
        if problems:
            raise SpecError(f"{path}: allocations do not fit the workspace", file=str(path),
                            problems=[f"{path}: {p}" for p in problems],
                            hint="blocks are handed out by `platform space create|add-region`; undo the hand edit")

    def listed(self) -> tuple[list[SpaceFacts], list[PlatformError]]:
        """The facts of every readable space, each checked against the workspace as :meth:`check_allocations`
        checks a space, and the errors of the others (they do not stop the rest). Entries of files that are
        gone leave the light index, and the entries made are written."""
        names = self.ws.space_names()
        self.block_index()
        good, bad = [], []
        for name in names:
            try:
                facts = self.facts(name)
                self.check(name, facts.blocks, facts.domains)
                good.append(facts)
            except PlatformError as exc:
                bad.append(exc)
        self.ws.light.index.keep_only(set(names))
        self.ws.light.index.flush()
        return good, bad

    def taken_cidrs(self, *, exclude: str | None = None, region: str | None = None) -> list[IPv4Network]:
        """Every CIDR allocated in the workspace (with REGION: in the pool REGION takes its blocks from).
        A space file that cannot be read is scanned for anything that looks like a CIDR, and the blocks it
        held when it last parsed (either index) count too, so allocation stays safe around a broken file
        (its blocks count in every pool)."""
        ws = self.ws
        taken: list[IPv4Network] = []
        index = self.block_index()
        keys = [ws.pool_for(region)[0]] if region is not None else list(index)
        mine = f"spaces/{exclude}.yaml "
        for key in keys:
            taken.extend(b for where, b in (index[key].entries() if key in index else []) if not where.startswith(mine))
        for name in sorted(self.unreadable):
            if name == exclude:
                continue
            try:
                now = ws.read_space(name)
                taken.extend(a.cidr for a in now.allocations if region is None or ws.pool_for(a.region)[0] in keys)
                continue  # readable by now
            except PlatformError:
                taken.extend(scan_cidrs(ws.space_path(name)) + remembered_cidrs(ws.index.last(name))
                             + ws.light.remembered(name))
        return taken
