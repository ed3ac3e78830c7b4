"""The derived names of every space unit, kept beside the space index so that a new space is checked
for name clashes (:mod:`..planning.collisions`) without deriving 40,000 units' names again.

One entry per space file, valid only while the file's bytes are unchanged (as in :mod:`.index`),
holding the file's units (env, region) and their names. The index names what its names were
derived with (the organisation and the code of the naming functions): another organisation or a
change of how names are made rebuilds it. An entry is used only when it validates and lists exactly
the units the space (read under the workspace lock) has; anything else is derived again.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from ..model import Space
from ..planning import collisions, names
from .index import FileIndex, identity

NAMES_INDEX = "names.index.json"  # in .platform/, beside the space index


class _Unit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    env: str
    region: str
    names: dict[str, str]


class _Units(BaseModel):
    model_config = ConfigDict(extra="forbid")

    units: list[_Unit]


@functools.cache
def _code_digest() -> str:
    """SHA-256 of the code the names are derived with."""
    h = hashlib.sha256()
    for module in (names, collisions):
        h.update(Path(module.__file__).read_bytes())
    return h.hexdigest()


def derived_with(org: str) -> str:
    """What an index's names depend on besides the space files: the organisation and the naming code."""
    return hashlib.sha256(f"{org}\n{_code_digest()}".encode()).hexdigest()


class SpaceNames:
    """The name index of a workspace (``.platform/names.index.json``) for the organisation ORG."""

    def __init__(self, local_dir: Path, org: str) -> None:
        self.org = org
        self.index = FileIndex(Path(local_dir) / NAMES_INDEX, schema_digest=derived_with(org))
        self.derived = 0  # spaces whose names were derived (not found in the index)
        self._kinds = set(collisions.space_unit_names(org, collisions.SpaceUnitKey("a", "b", "eu-west-1")))

    def _entry(self, space: Space, path: Path) -> list[tuple[collisions.SpaceUnitKey, dict[str, str]]] | None:
        data = self.index.get(space.team, path)
        if data is None:
            return None
        try:
            units = _Units.model_validate(data).units
        except ValidationError:
            return None
        if [(u.env, u.region) for u in units] != _units(space) or any(set(u.names) != self._kinds for u in units):
            return None
        return [(collisions.SpaceUnitKey(space.team, u.env, u.region), u.names) for u in units]

    def of(self, space: Space, path: Path) -> list[tuple[collisions.SpaceUnitKey, dict[str, str]]]:
        """The units of SPACE (read from PATH) with their derived names, from the index when it holds them."""
        found = self._entry(space, path)
        if found is not None:
            return found
        self.derived += 1
        before = identity(path)
        found = [(k, collisions.space_unit_names(self.org, k))
                 for k in (collisions.SpaceUnitKey(space.team, env, region) for env, region in _units(space))]
        self.index.put(space.team, path, {"units": [{"env": k.env, "region": k.region, "names": n} for k, n in found]},
                       before)
        return found

    def name_index(self, spaces: Iterable[tuple[Space, Path]]) -> collisions.NameIndex:
        """The :class:`~..planning.collisions.NameIndex` of SPACES (entries of other files are dropped).
        Nothing is written until :meth:`record`: a refused command leaves the index as it was."""
        spaces = list(spaces)
        index = collisions.NameIndex(entry for space, path in spaces for entry in self.of(space, path))
        self.index.keep_only({space.team for space, _ in spaces})
        return index

    def record(self, space: Space, path: Path) -> None:
        """Add the names of SPACE, just written to PATH, and write the index when it changed."""
        self.of(space, path)
        self.index.flush()


def _units(space: Space) -> list[tuple[str, str]]:
    return [(env, region) for env, e in space.environments.items() for region in e.regions]
