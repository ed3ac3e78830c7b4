"""The workspace: finding it, creating it, and reading the spaces in it.

A workspace is a folder with ``platform.yaml`` and ``spaces/``. Commands find it from the
current folder upward, or from ``--workspace`` / ``PLATFORM_WORKSPACE``.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterator
from typing import Any
from dataclasses import dataclass, field
from functools import cached_property
from ipaddress import IPv4Network
from pathlib import Path

from .catalog import Catalog, builtin_blueprints
from .errors import ConflictError, NotFoundError, PlatformError, SpecError, UsageError, nearest
from .files.blocks import remembered_cidrs, scan_cidrs
from .files.index import FileIndex, model_digest, identity
from .files.safe import file_lock
from .model import Space, Workspace
from .model.base import DNS_NAME
from .planning.cidr import BlockIndex, allocation_problems
from .planning.domains import domain_problems
from .yamlio import RoundTrip, access_error, dump_spec, write_text_atomic

CONFIG = "platform.yaml"
SPACES = "spaces"
SCHEMAS = "schemas"
LOCAL_DIR = ".platform"
ENV_VAR = "PLATFORM_WORKSPACE"
SPACES_INDEX = "spaces.index.json"  # in .platform/: what each unchanged space file says (files.index)

GITIGNORE = """\
# Local state of the platform: Pulumi state, passphrase, local cloud, journals, history.
.platform/
"""


def find_root(explicit: str | os.PathLike | None = None, start: Path | None = None) -> Path:
    """The workspace folder: explicit path, else $PLATFORM_WORKSPACE, else upward from ``start``."""
    given = explicit or os.environ.get(ENV_VAR)
    if given:
        root = Path(given).expanduser().resolve()
        if not (root / CONFIG).is_file():
            raise NotFoundError(f"{root} is not a workspace: it has no {CONFIG}",
                                hint=f"create one with `platform init {given}`")
        return root
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG).is_file():
            return folder
    raise NotFoundError(
        f"no workspace found in {here} or any folder above it (looked for {CONFIG})",
        hint="run `platform init DIR` (or `platform quickstart`), or pass --workspace DIR / set PLATFORM_WORKSPACE",
    )


@dataclass
class WorkspaceContext:
    """An opened workspace: its root, its config and its catalog. Spaces are read on demand."""

    root: Path
    config: Workspace
    _spaces: dict[str, Space] = field(default_factory=dict, repr=False)
    _checked: set[str] = field(default_factory=set, repr=False)
    _blocks: dict[str, BlockIndex] | None = field(default=None, repr=False)
    _domains: list[tuple[str, str]] = field(default_factory=list, repr=False)
    _unreadable: set[str] = field(default_factory=set, repr=False)
    _index: FileIndex | None = field(default=None, repr=False)
    _pools: dict[str, tuple[str, IPv4Network]] = field(default_factory=dict, repr=False)  # pool_for, by region

    @classmethod
    def open(cls, explicit: str | os.PathLike | None = None, start: Path | None = None) -> "WorkspaceContext":
        root = find_root(explicit, start)
        return cls(root=root, config=Workspace.load(root / CONFIG))

    # locations ----------------------------------------------------------------
    @property
    def spaces_dir(self) -> Path:
        return self.root / SPACES

    @property
    def local_dir(self) -> Path:
        return self.root / LOCAL_DIR

    def state_url(self) -> str:
        """Pulumi backend URL with a local path made absolute."""
        url = self.config.state.url
        if url.startswith("file://"):
            path = Path(url[len("file://"):])
            if not path.is_absolute():
                path = self.root / path
            return "file://" + str(path)
        return url

    @property
    def uses_shared_table(self) -> bool:
        """Whether rollout locks (and the CI role's grant on them) live in the shared DynamoDB table:
        when history is kept there, or when the Pulumi state itself is shared (s3://), since then
        rollouts from several machines must see each other's locks."""
        return self.config.history.store == "dynamodb" or self.config.state.url.startswith("s3://")

    def passphrase_path(self) -> Path:
        p = Path(self.config.secrets.passphrase_file)
        return p if p.is_absolute() else self.root / p

    @cached_property
    def catalog(self) -> Catalog:
        sources = []
        for i, s in enumerate(self.config.blueprint_sources):
            if s == "builtin":
                sources.append(builtin_blueprints())
                continue
            p = Path(s).expanduser()
            p = p if p.is_absolute() else self.root / p
            if not p.is_dir():
                config = self.root / CONFIG
                what = "is not a folder" if p.exists() else "does not exist"
                raise SpecError(f"{config}: blueprint_sources.{i}: {s!r} {what} ({p}); expected a folder of "
                                "blueprints, marketplace/ and markets, or 'builtin'", file=str(config),
                                hint="create the folder, fix the path (relative to the workspace), or remove the entry")
            sources.append(p)
        return Catalog(sources=sources)

    # spaces -------------------------------------------------------------------
    def space_path(self, team: str) -> Path:
        return self.spaces_dir / f"{team}.yaml"

    def space_names(self) -> list[str]:
        """The team names of ``spaces/*.yaml``. A spaces/ folder that cannot be listed is an error,
        never an empty workspace: a block another space holds must not look free."""
        try:
            entries = list(os.scandir(self.spaces_dir))
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise access_error(self.spaces_dir, exc, "list") from None
        return sorted(e.name[: -len(".yaml")] for e in entries if e.name.endswith(".yaml") and len(e.name) > 5)

    def space(self, team: str) -> Space:
        """Read one team's space, with its blocks checked against the pool and the other spaces
        (a space file that cannot be read does not stop this one)."""
        space = self._read_space(team)
        if team not in self._checked:
            self._check_allocations(team, space)
            self._checked.add(team)
        return space

    @property
    def index(self) -> FileIndex:
        """What each space file said when it was last parsed, used while the file is unchanged."""
        if self._index is None:
            self._index = FileIndex(self.local_dir / SPACES_INDEX, schema_digest=model_digest(Space))
        return self._index

    def pool_for(self, region: str) -> tuple[str, IPv4Network]:
        """(key, pool) a unit in REGION takes its block from: ``network_pools.REGION``, its partition's,
        or ``network_pool``."""
        if region not in self._pools:  # asked for every block of every space a command reads
            key = self.config.pool_key(region, self.catalog.partition(region))
            self._pools[region] = key, self.config.pool(key)
        return self._pools[region]

    def _block_index(self) -> dict[str, BlockIndex]:
        """Every readable space's blocks by pool, indexed once per read of the workspace."""
        if self._blocks is None:
            by_pool: dict[str, list] = {}
            domains: list[tuple[str, str]] = []
            self._unreadable = set()
            for name in self.space_names():
                try:
                    other = self._read_space(name)
                except PlatformError:
                    self._unreadable.add(name)  # reported by the commands that read it; scanned for allocation
                    continue
                for a in other.allocations:
                    by_pool.setdefault(self.pool_for(a.region)[0], []).append(
                        (f"spaces/{name}.yaml {a.env}/{a.region}", a.cidr))
                domains.extend((f"spaces/{name}.yaml {env}", d.name) for env, e in other.environments.items()
                               for d in e.domains)
            self._blocks = {key: BlockIndex(blocks) for key, blocks in by_pool.items()}
            self._domains = domains
        return self._blocks

    def _check_allocations(self, team: str, space: Space) -> None:
        """Each block of the space inside its pool and distinct from every other block of that pool (the
        space's own blocks in other regions of the pool included)."""
        problems = []
        index = self._block_index()
        for i, a in enumerate(space.allocations):
            key, pool = self.pool_for(a.region)
            problems += allocation_problems([(f"allocations.{i}.cidr", a.cidr)], pool, index.get(key, BlockIndex([])),
                                            skip=f"spaces/{team}.yaml {a.env}/{a.region}",
                                            pool_name="network_pool" if key == "network_pool" else f"network_pools.{key}")
        mine_label = f"spaces/{team}.yaml "
        clashes = domain_problems([(f"environments.{env}.domains.{i}.name", d.name)
                                   for env, e in space.environments.items() for i, d in enumerate(e.domains)],
                                  [(label, name) for label, name in self._domains if not label.startswith(mine_label)])
        if clashes and not problems:
            path = self.space_path(team)
            raise SpecError(f"{path}: domains clash with the workspace's", file=str(path),
                            problems=[f"{path}: {p}" for p in clashes],
                            hint="each environment's CI writes the records of its domains: give each environment "
                                 "names of its own")
        if problems:
            path = self.space_path(team)
            raise SpecError(f"{path}: allocations do not fit the workspace", file=str(path),
                            problems=[f"{path}: {p}" for p in problems],
                            hint="blocks are handed out by `platform space create|add-region`; undo the hand edit")

    def _read_space(self, team: str) -> Space:
        """One space file, parsed and checked on its own."""
        if team not in self._spaces:
            if not re.fullmatch(DNS_NAME, team):
                raise UsageError(f"{team!r} is not a valid team name: expected 2-32 lowercase letters, digits and hyphens")
            path = self.space_path(team)
            if not os.path.lexists(path):  # anything else there is refused by the reader, naming it
                names = self.space_names()
                known = ", ".join(names) or "none yet"
                near = nearest(team, names)
                create = f"`platform space create {team} --blueprint standard@1 --env dev=eu-central-1`"
                raise NotFoundError(
                    f"team space {team!r} does not exist" + (f"; did you mean {near!r}?" if near else "")
                    + f" ({path} is missing; spaces: {known})",
                    hint=f"use {near!r}, or create {team!r} with {create}" if near else f"create it with {create}")
            space = self._indexed(team, path)
            if space is None:
                before = identity(path)
                space = Space.load(path)
                if space.team != team:
                    raise SpecError(f"{path}: team: {space.team!r} must equal the file name {team!r}", file=str(path))
                self.index.put(team, path, space.to_data(), before)
            self._spaces[team] = space
        return self._spaces[team]

    def _indexed(self, team: str, path: Path) -> Space | None:
        """The space the index holds for an unchanged file, validated again; None to parse the file."""
        data = self.index.get(team, path)
        if data is None:
            return None
        try:
            space = Space.model_validate(data)
        except ValueError:  # pydantic's ValidationError: an entry of another model version, or damaged
            return None
        return space if space.team == team else None

    def forget_space(self, team: str) -> None:
        """Drop the cached copy of a space edited outside :meth:`write_space`; the next read sees the file."""
        self._spaces.pop(team, None)
        self._checked.discard(team)
        self._blocks = None

    def _forget_all(self) -> None:
        self._spaces.clear()
        self._checked.clear()
        self._blocks = None

    def spaces(self) -> tuple[list[Space], list[PlatformError]]:
        """Every readable space, and the errors of the unreadable ones (they do not stop the others).
        A spaces/ folder that cannot be listed raises FileAccessError."""
        good, bad = [], []
        names = self.space_names()
        for name in names:
            try:
                good.append(self.space(name))
            except PlatformError as exc:
                bad.append(exc)  # its index entry stays: what the file held when it last parsed (taken_cidrs)
        self.index.keep_only(set(names))
        self.index.flush()
        return good, bad

    def taken_cidrs(self, *, exclude: str | None = None, region: str | None = None) -> list[IPv4Network]:
        """Every CIDR allocated in the workspace (with REGION: in the pool REGION takes its blocks from).
        A space file that cannot be read is scanned for anything that looks like a CIDR, and the blocks it
        held when it last parsed (the space index) count too, so allocation stays safe around a broken
        file (its blocks count in every pool)."""
        taken: list[IPv4Network] = []
        index = self._block_index()
        keys = [self.pool_for(region)[0]] if region is not None else list(index)
        mine = f"spaces/{exclude}.yaml "
        for key in keys:
            taken.extend(b for where, b in (index[key].entries() if key in index else []) if not where.startswith(mine))
        for name in sorted(self._unreadable):
            if name == exclude:
                continue
            try:
                now = self._read_space(name)
                taken.extend(a.cidr for a in now.allocations if region is None or self.pool_for(a.region)[0] in keys)
                continue  # readable by now
            except PlatformError:
                taken.extend(scan_cidrs(self.space_path(name)) + remembered_cidrs(self.index.last(name)))
        return taken

    def write_space(self, space: Space) -> Path:
        path = self.space_path(space.team)
        dump_spec(path, space.to_data(), schema_name=Space.SCHEMA_NAME, schemas_dir=self.root / SCHEMAS)
        self._spaces[space.team] = space
        self._blocks = None
        self.index.put(space.team, path, space.to_data(), identity(path))
        self.index.flush()
        return path

    @contextlib.contextmanager
    def allocation_lock(self) -> Iterator[None]:
        """The workspace lock: every read-modify-write of a workspace file (a space file, the CIDR
        blocks of every space) happens while it is held, between concurrent commands on this
        machine. Taking it drops every space read before, so what is read inside is fresh.
        Prefer :meth:`editing_space` / :meth:`editing_space_yaml`, which also read the file."""
        with file_lock(self.local_dir / "allocations.lock"):
            self._forget_all()
            try:
                yield
            finally:
                self._forget_all()

    @contextlib.contextmanager
    def editing_space(self, team: str) -> Iterator[Space]:
        """Take the workspace lock, THEN read ``spaces/TEAM.yaml``: the space yielded is the file as it
        is now, and no other command changes it until the block ends. Write the changed space with
        :meth:`write_space` inside the block::

            with ws.editing_space("payments") as space:
                ws.write_space(changed(space))
        """
        with self.allocation_lock():
            yield self.space(team)

    @contextlib.contextmanager
    def editing_space_yaml(self, team: str) -> Iterator[Any]:
        """Like :meth:`editing_space`, but yields the file's ruamel document (comments, order and
        indentation kept) to edit in place. At the end of the block the result is validated as a
        Space and written atomically when it changed; an exception in the block writes nothing."""
        from .model.base import plain

        with self.allocation_lock():
            self.space(team)  # exists, valid, named after its file
            path = self.space_path(team)
            edit = RoundTrip(path)
            doc = edit.load()
            yield doc
            text = edit.render()
            if text != edit.original.replace("\r\n", "\n"):
                Space.parse(plain(doc), source=str(path))
                write_text_atomic(path, text)


@dataclass
class InitResult:
    root: Path
    files: list[str]
    org: str = ""


def org_from_folder(name: str) -> str | None:
    """A DNS-safe organisation name made from a folder name ('Acme Corp' -> 'acme-corp'), or None."""
    org = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:32].strip("-")
    return org if re.fullmatch(DNS_NAME, org) else None


def init_workspace(folder: Path, *, org: str | None = None) -> InitResult:
    """Create a workspace with embedded defaults; the organisation is ``org`` or made from the
    folder's name. Refuses an existing workspace."""
    folder = folder.expanduser().resolve()
    if org is None:
        org = org_from_folder(folder.name)
        if org is None:
            raise UsageError(f"cannot make an organisation name from the folder name {folder.name!r}",
                             hint="pass --org NAME (2-32 lowercase letters, digits and hyphens)")
    if (folder / CONFIG).exists():
        raise ConflictError(f"{folder} is already a workspace ({CONFIG} exists); nothing was changed",
                            hint="use it as it is, or choose another folder")
    if folder.exists() and not folder.is_dir():
        raise ConflictError(f"{folder} exists and is not a folder")
    try:
        config = Workspace(org=org)
    except Exception as exc:  # pydantic ValidationError: the only input is org
        raise UsageError(f"--org {org!r} is not a DNS-safe name: expected 2-32 lowercase letters, digits and hyphens") from exc
    from .planning.aws_rules import check_part

    check_part("org", org)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SPACES).mkdir(exist_ok=True)
    local = folder / LOCAL_DIR
    local.mkdir(exist_ok=True, mode=0o700)
    (local / "state").mkdir(exist_ok=True)
    write_text_atomic(local / "passphrase", secrets.token_urlsafe(32) + "\n", mode=0o600)
    if not (folder / ".gitignore").exists():
        write_text_atomic(folder / ".gitignore", GITIGNORE)
    from .model.schemas import export_schemas

    export_schemas(folder / SCHEMAS)
    dump_spec(folder / CONFIG, config.to_data(), schema_name=Workspace.SCHEMA_NAME, schemas_dir=folder / SCHEMAS)
    return InitResult(root=folder, org=org, files=[CONFIG, f"{SPACES}/", f"{SCHEMAS}/ (JSON Schemas for editors)", ".gitignore",
                                          f"{LOCAL_DIR}/passphrase (0600)", f"{LOCAL_DIR}/state/"])
