"""The render cache: a rendered unit kept under a key made of everything that determines it.

The key is a SHA-256 over

- the unit's :class:`~.inputs.UnitInputs` as JSON: the space, the blueprint, the marketplace
  offerings and plans, the service spec and every workspace setting the program reads, as the
  catalog resolved them (an edit of a blueprint or catalog file that changes what it says changes
  the key; a comment does not);
- the code that turns inputs into a graph: every ``.py`` file of the ``stacks`` package and the
  render's own mocks, runner and graph modules;
- the versions of the Pulumi SDK and of pulumi-aws installed, and the cache's format.

Entries live in ``.platform/render-cache/KEY[:2]/KEY.json``. A read takes only a regular file of at
most :data:`ENTRY_LIMIT` bytes and validates it (format, key, unit and graph shape); anything else is
ignored and the unit renders again, and the entry is rewritten. Writes go through a temp file and
a rename, so concurrent writers of one key (whose content is the same) never leave half an entry.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from importlib import metadata, util
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import PlatformError
from ..files.safe import read_bytes, write_text_atomic
from .graph import RenderedUnit
from .inputs import UnitInputs

FORMAT = 1
ENTRY_LIMIT = 32 * 1024 * 1024  # bytes of one cache entry read
CACHE_DIR = "render-cache"
DISABLE_ENV = "PLATFORM_RENDER_CACHE"  # "off" renders every unit and leaves the cache alone

_RENDER_MODULES = ("graph.py", "inputs.py", "mocks.py", "runner.py")


class _Resource(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(min_length=1)
    name: str = Field(min_length=1)
    parent: str | None
    inputs: dict[str, Any]
    outputs: dict[str, Any]


class CacheEntry(BaseModel):
    """One cached render, as written and read back."""

    model_config = ConfigDict(extra="forbid")

    format: int = Field(description="Format of the entry; another one is ignored.")
    key: str = Field(pattern=r"^[0-9a-f]{64}$", description="The key the entry was written under.")
    unit: str = Field(min_length=1, description="The unit rendered.")
    resources: list[_Resource] = Field(description="The rendered graph.")
    outputs: dict[str, Any] = Field(description="The stack's outputs.")


def _files_digest(paths: list[Path], base: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(str(p.relative_to(base)).encode())
        h.update(b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def fingerprint(stacks_dir: Path, render_dir: Path, versions: dict[str, str]) -> str:
    """A digest of the stacks' code, the render's code and the given package versions."""
    code = [p for p in Path(stacks_dir).rglob("*.py") if "__pycache__" not in p.parts]
    parts = {
        "format": FORMAT,
        "stacks": _files_digest(code, Path(stacks_dir)),
        "render": _files_digest([Path(render_dir) / m for m in _RENDER_MODULES], Path(render_dir)),
        **versions,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def sdk_versions() -> dict[str, str]:
    return {"pulumi": metadata.version("pulumi"), "pulumi-aws": metadata.version("pulumi-aws")}


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """The fingerprint of the installed stacks, render code, Pulumi SDK and pulumi-aws (once per process)."""
    spec = util.find_spec("stacks")
    if spec is None or not spec.submodule_search_locations:
        raise PlatformError("the stacks package cannot be found, so no unit can be rendered")
    stacks = Path(next(iter(spec.submodule_search_locations)))
    return fingerprint(stacks, Path(__file__).resolve().parent, sdk_versions())


def cache_key(inputs: UnitInputs, fingerprint: str | None = None) -> str:
    h = hashlib.sha256()
    h.update((fingerprint or code_fingerprint()).encode())
    h.update(b"\0")
    h.update(inputs.model_dump_json().encode())
    return h.hexdigest()


class RenderCache:
    """Rendered units under ``root`` (``.platform/render-cache`` of a workspace)."""

    def __init__(self, root: Path, fingerprint: str | None = None) -> None:
        self.root = Path(root)
        self.fingerprint = fingerprint or code_fingerprint()

    @classmethod
    def for_workspace(cls, ws) -> "RenderCache | None":
        """The workspace's cache, or None when turned off (PLATFORM_RENDER_CACHE=off)."""
        if os.environ.get(DISABLE_ENV, "").lower() in ("off", "0", "no", "false"):
            return None
        return cls(ws.local_dir / CACHE_DIR)

    def key(self, inputs: UnitInputs) -> str:
        return cache_key(inputs, self.fingerprint)

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, inputs: UnitInputs, key: str | None = None) -> RenderedUnit | None:
        """The cached render of ``inputs``, or None (missing, unreadable, damaged or another unit's)."""
        key = key or self.key(inputs)
        path = self.path(key)
        if not os.path.lexists(path):
            return None
        try:
            entry = CacheEntry.model_validate_json(read_bytes(path, limit=ENTRY_LIMIT))
        except (PlatformError, ValidationError, ValueError):
            return None  # damaged, too large, not a regular file: rendered again and rewritten
        if entry.format != FORMAT or entry.key != key or entry.unit != inputs.unit:
            return None
        return RenderedUnit(unit=entry.unit, resources=[r.model_dump() for r in entry.resources],
                            outputs=entry.outputs)

    def put(self, inputs: UnitInputs, rendered: RenderedUnit, key: str | None = None) -> None:
        """Keep a render; a cache that cannot be written is skipped (the render itself is not lost)."""
        key = key or self.key(inputs)
        entry = {"format": FORMAT, "key": key, "unit": rendered.unit, "resources": rendered.resources,
                 "outputs": rendered.outputs}
        path = self.path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_text_atomic(path, json.dumps(entry, sort_keys=True, separators=(",", ":")), mode=0o600)
        except (PlatformError, OSError):
            return


def render_cached(units: list[UnitInputs], cache: RenderCache | None, workers: int | None = None
                  ) -> tuple[list[RenderedUnit], int]:
    """Render ``units`` in input order, taking what the cache holds and rendering (in the pool) only the
    rest, which is then cached. Returns the renders and how many units were rendered."""
    from . import render_units

    if cache is None:
        return render_units(units, workers), len(units)
    keys = [cache.key(u) for u in units]
    out: list[RenderedUnit | None] = [cache.get(u, k) for u, k in zip(units, keys)]
    missing = [i for i, r in enumerate(out) if r is None]
    # one unit that appears twice (the same inputs) renders once
    first: dict[str, int] = {}
    for i in missing:
        first.setdefault(keys[i], i)
    todo = list(first.values())
    fresh = render_units([units[i] for i in todo], workers)
    by_key = {}
    for i, r in zip(todo, fresh):
        cache.put(units[i], r, keys[i])
        by_key[keys[i]] = r
    for i in missing:
        out[i] = by_key[keys[i]]
    return [r for r in out if r is not None], len(todo)
