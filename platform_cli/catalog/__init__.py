"""Loading and resolving the data Cloud & Tools maintains: blueprints, marketplace, markets, prices.

Files are read lazily and one at a time: asking for ``standard@2`` reads only
``blueprints/standard/2.yaml``, so a broken file elsewhere does not break the command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..errors import NotFoundError, SpecError, nearest
from ..model import Blueprint, Markets, Offering, PriceTable
from ..shipped import data_root



def builtin_blueprints() -> Path:
    return data_root("blueprints")


REF_RE = re.compile(r"^([a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9]))@([1-9][0-9]*)$")


def parse_ref(ref: str) -> tuple[str, int]:
    """'standard@2' -> ('standard', 2); a clean error otherwise."""
    m = REF_RE.fullmatch(ref.strip())
    if not m:
        raise SpecError(
            f"blueprint {ref!r} is not NAME@VERSION",
            hint="for example standard@1; `platform blueprint list` shows them",
        )
    return m.group(1), int(m.group(2))


@dataclass
class Catalog:
    """Blueprints, marketplace, markets and prices from one or more source folders.

    Later sources override earlier ones file by file (a workspace may add its own
    blueprint versions on top of the shipped ones).
    """

    sources: list[Path] = field(default_factory=lambda: [builtin_blueprints()])
    _blueprints: dict[tuple[str, int], Blueprint] = field(default_factory=dict, repr=False)
    _offerings: dict[str, Offering] = field(default_factory=dict, repr=False)

    def _find(self, rel: str) -> Path | None:
        for src in reversed(self.sources):
            p = src / rel
            if p.is_file():
                return p
        return None

    # blueprints ---------------------------------------------------------------
    def blueprint_refs(self) -> list[tuple[str, int]]:
        """Every NAME@VERSION present, without reading the files."""
        refs = set()
        for src in self.sources:
            if not src.is_dir():
                continue
            for p in src.glob("*/*.yaml"):
                if p.parent.name == "marketplace" or not REF_RE.fullmatch(f"{p.parent.name}@{p.stem}"):
                    continue  # listed by stray_files()
                refs.add((p.parent.name, int(p.stem)))
        return sorted(refs)

    def blueprints(self) -> list[Blueprint]:
        """Every blueprint present, read and validated (a broken one raises its SpecError)."""
        return [self.blueprint(f"{n}@{v}") for n, v in self.blueprint_refs()]

    def stray_files(self, under: str | None = None) -> list[str]:
        """Files in the sources that no command reads because they are not where the layout says:
        blueprints/NAME/VERSION.yaml, marketplace/OFFERING.yaml, markets.yaml, prices.yaml.
        Reported by the list commands so a misnamed file is never dropped silently."""
        stray = []
        for src in self.sources:
            if not src.is_dir():
                continue
            for p in sorted(src.rglob("*")):
                rel = p.relative_to(src)
                if p.is_dir() or rel.parts[0].startswith(".") or rel.name.startswith("."):
                    continue
                if p.suffix not in (".yaml", ".yml"):
                    continue
                parts = rel.parts
                if under is not None and parts[0] != under:
                    continue
                ok = (
                    (len(parts) == 1 and parts[0] in ("markets.yaml", "prices.yaml"))
                    or (len(parts) == 2 and parts[0] == "marketplace" and p.suffix == ".yaml")
                    or (len(parts) == 2 and parts[0] != "marketplace" and p.suffix == ".yaml"
                        and REF_RE.fullmatch(f"{parts[0]}@{p.stem}") is not None)
                )
                if not ok:
                    stray.append(f"{p}: not read: expected blueprints/NAME/VERSION.yaml (VERSION a whole number "
                                 "from 1), marketplace/OFFERING.yaml, markets.yaml or prices.yaml")
        return stray

    def blueprint(self, ref: str) -> Blueprint:
        name, version = parse_ref(ref)
        key = (name, version)
        if key not in self._blueprints:
            path = self._find(f"{name}/{version}.yaml")
            if path is None:
                refs = [f"{n}@{v}" for n, v in self.blueprint_refs()]
                near = nearest(f"{name}@{version}", refs)
                raise NotFoundError(f"blueprint {name}@{version} does not exist"
                                    + (f"; did you mean {near}?" if near else "") + f" (known: {', '.join(refs) or 'none'})",
                                    hint="`platform blueprint list` shows every blueprint and version")
            self._blueprints[key] = load_blueprint(path)
        return self._blueprints[key]

    def latest(self, name: str) -> Blueprint:
        versions = [v for n, v in self.blueprint_refs() if n == name]
        if not versions:
            raise NotFoundError(f"blueprint {name} does not exist", hint="`platform blueprint list` shows them")
        return self.blueprint(f"{name}@{max(versions)}")

    # marketplace --------------------------------------------------------------
    def offering_names(self) -> list[str]:
        names = set()
        for src in self.sources:
            if (src / "marketplace").is_dir():
                names.update(p.stem for p in (src / "marketplace").glob("*.yaml"))
        return sorted(names)

    def offering(self, name: str) -> Offering:
        if name not in self._offerings:
            path = self._find(f"marketplace/{name}.yaml")
            if path is None:
                raise NotFoundError(
                    f"offering {name!r} does not exist"
                    + (f"; did you mean {near!r}?" if (near := nearest(name, self.offering_names())) else "")
                    + f"; expected one of: {', '.join(self.offering_names())}",
                    hint="`platform marketplace list` shows offerings and plans",
                )
            off = Offering.load(path)
            if off.name != name:
                raise SpecError(f"{path}: name: {off.name!r} must equal the file name {name!r}", file=str(path))
            self._offerings[name] = off
        return self._offerings[name]

    # markets and prices -------------------------------------------------------
    @cached_property
    def markets(self) -> Markets:
        path = self._find("markets.yaml")
        if path is None:
            raise NotFoundError("markets.yaml not found in any blueprint source")
        return Markets.load(path)

    @cached_property
    def prices(self) -> PriceTable:
        path = self._find("prices.yaml")
        if path is None:
            raise NotFoundError("prices.yaml not found in any blueprint source")
        return PriceTable.load(path)

    def partition(self, region: str) -> str:
        info = self.markets.region(region)
        if info:
            return info.partition
        from ..planning.names import partition_of_region

        return partition_of_region(region)

    def resolve_place(self, token: str) -> tuple[str, str | None]:
        """A region code or a country code -> (region, country or None)."""
        t = token.strip()
        if re.fullmatch(r"[A-Za-z]{2}", t):
            market = self.markets.market(t.upper())
            if market is None:
                known = ", ".join(m.country for m in self.markets.markets)
                raise NotFoundError(f"unknown country {t!r}; known countries: {known}",
                                    hint="`platform market list` shows countries and their regions")
            return market.region, market.country
        if self.markets.region(t) is None:
            known = ", ".join(r.code for r in self.markets.regions)
            raise NotFoundError(f"unknown region {t!r}; expected a country code or one of: {known}",
                                hint="`platform market list` shows countries and their regions")
        return t, None


def load_blueprint(path: Path) -> Blueprint:
    """Load one blueprint file and check that its name and version match its path."""
    bp = Blueprint.load(path)
    if bp.name != path.parent.name:
        raise SpecError(f"{path}: name: {bp.name!r} must equal the folder name {path.parent.name!r}; a blueprint "
                        f"lives at blueprints/NAME/VERSION.yaml", file=str(path),
                        hint=f"move it to blueprints/{bp.name}/{bp.version}.yaml")
    if str(bp.version) != path.stem:
        raise SpecError(f"{path}: version: {bp.version} must equal the file name {path.stem}.yaml", file=str(path))
    return bp


def validate_paths(paths: list[Path]) -> list[tuple[str, str | None]]:
    """Validate blueprint-catalog files (any kind, told apart by location); (path, error or None)."""
    results: list[tuple[str, str | None]] = []
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(p.rglob("*.yaml")))
        else:
            files.append(p)
    for f in files:
        try:
            if f.name == "markets.yaml":
                Markets.load(f)
            elif f.name == "prices.yaml":
                PriceTable.load(f)
            elif f.parent.name == "marketplace":
                off = Offering.load(f)
                if off.name != f.stem:
                    raise SpecError(f"{f}: name: {off.name!r} must equal the file name {f.stem!r}", file=str(f))
            else:
                load_blueprint(f)
            results.append((str(f), None))
        except (SpecError, NotFoundError) as exc:
            results.append((str(f), exc.message))
    return results
