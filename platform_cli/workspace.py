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
from .files.holdings import Holdings
from .files.index import FileIndex, model_digest, identity
from .files.name_index import SpaceNames
from .files.safe import existing_file, file_lock
from .model import Space, Workspace
from .model.base import DNS_NAME
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
    """The workspace folder: explicit path, else $PLATFORM_WORKSPACE, else upward from ``start``. A
    ``platform.yaml`` that is not a regular file (a FIFO, a folder, a dangling link) is named, never
    taken for "no workspace here" (SpecError)."""
    given = explicit or os.environ.get(ENV_VAR)
    if given:
        root = Path(given).expanduser().resolve()
        if not existing_file(root / CONFIG):
            raise NotFoundError(f"{root} is not a workspace: it has no {CONFIG}",
                                hint=f"create one with `platform init {given}`")
        return root
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if existing_file(folder / CONFIG):
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
    _digests: dict[str, str | None] = field(default_factory=dict, repr=False)  # of the bytes each space was parsed from
    _index: FileIndex | None = field(default=None, repr=False)
    _light: SpaceNames | None = field(default=None, repr=False)
    _pools: dict[str, tuple[str, IPv4Network]] = field(default_factory=dict, repr=False)  # pool_for, by region

    @cached_property
    def holdings(self) -> Holdings:
        """The blocks, domains and unit names every space holds (files.holdings)."""
        return Holdings(self)

    @classmethod
    def open(cls, explicit: str | os.PathLike | None = None, start: Path | None = None) -> "WorkspaceContext":
        root = find_root(explicit, start)
        return cls(root=root, config=Workspace.load(root / CONFIG))

    # locations ----------------------------------------------------------------
    @cached_property
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
        space = self.read_space(team)
        if team not in self._checked:
            self.holdings.check_allocations(team, space)
            self._checked.add(team)
        return space

    @property
    def index(self) -> FileIndex:
        """What each space file said when it was last parsed, used while the file is unchanged."""
        if self._index is None:
            self._index = FileIndex(self.local_dir / SPACES_INDEX, schema_digest=model_digest(Space))
        return self._index

    @property
    def light(self) -> SpaceNames:
        """The light index: each unchanged space file's blocks, domains and unit names (files.name_index)."""
        if self._light is None:
            self._light = SpaceNames(self.local_dir, self.config.org)
        return self._light

    @property
    def parsed(self) -> dict[str, Space]:
        """The spaces parsed since the workspace was last read afresh, by team."""
        return self._spaces

    def pool_for(self, region: str) -> tuple[str, IPv4Network]:
        """(key, pool) a unit in REGION takes its block from: ``network_pools.REGION``, its partition's,
        or ``network_pool``."""
        if region not in self._pools:  # asked for every block of every space a command reads
            key = self.config.pool_key(region, self.catalog.partition(region))
            self._pools[region] = key, self.config.pool(key)
        return self._pools[region]

    def checked_space_path(self, team: str) -> Path:
        """``spaces/TEAM.yaml`` of a valid team name whose file exists (or is a link); else the error."""
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
        return path

    def read_space(self, team: str) -> Space:
        """One space file, parsed and checked on its own (the workspace's checks are :meth:`space`'s)."""
        if team not in self._spaces:
            path = self.checked_space_path(team)
            before = identity(path)
            space = self._indexed(team, path, before)
            if space is None:
                space = Space.load(path)
                if space.team != team:
                    raise SpecError(f"{path}: team: {space.team!r} must equal the file name {team!r}", file=str(path))
                self.index.put(team, path, space.to_data(), before)
            self._spaces[team] = space
            self._digests[team] = before
        return self._spaces[team]

    def parsed_digest(self, team: str) -> str | None:
        """The digest of the bytes TEAM's parsed space was read from (None: unknown, or read while changing)."""
        return self._digests.get(team)

    def _indexed(self, team: str, path: Path, digest: str | None) -> Space | None:
        """The space the index holds for an unchanged file, validated again; None to parse the file."""
        data = self.index.get(team, path, digest=digest)
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
        self._digests.pop(team, None)
        self._checked.discard(team)
        self.holdings.forget(team)

    def _forget_all(self) -> None:
        self._spaces.clear()
        self._digests.clear()
        self._checked.clear()
        self.holdings.reset()

    def spaces(self) -> tuple[list[Space], list[PlatformError]]:
        """Every readable space, and the errors of the unreadable ones (they do not stop the others).
        A spaces/ folder that cannot be listed raises FileAccessError."""
        names = self.space_names()
        for name in names:  # every file parsed first: the workspace checks then need no other index
            with contextlib.suppress(PlatformError):
                self.read_space(name)
        good, bad = [], []
        for name in names:
            try:
                good.append(self.space(name))
            except PlatformError as exc:
                bad.append(exc)  # its index entry stays: what the file held when it last parsed (taken_cidrs)
        self.index.keep_only(set(names))
        self.index.flush()
        return good, bad

    def taken_cidrs(self, *, exclude: str | None = None, region: str | None = None) -> list[IPv4Network]:
        """Every CIDR allocated in the workspace (see :meth:`Holdings.taken_cidrs`)."""
        return self.holdings.taken_cidrs(exclude=exclude, region=region)

    def write_space(self, space: Space) -> Path:
        """Write SPACE's file atomically and record its blocks and names in the light index (the space index
        learns it when a command next parses every space)."""
        path = self.space_path(space.team)
        dump_spec(path, space.to_data(), schema_name=Space.SCHEMA_NAME, schemas_dir=self.root / SCHEMAS)
        self.forget_space(space.team)
        self._spaces[space.team] = space
        self._digests[space.team] = identity(path)
        self.light.record(space, path, self._digests[space.team])
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
    if os.path.lexists(folder / CONFIG):
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
