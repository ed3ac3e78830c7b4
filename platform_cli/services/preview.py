"""Previews: a pull request's own short-lived copy of a service.

A preview of pull request N of service S is the service ``S-prN`` (bounded to a DNS name of 32
characters) in the space's first unprotected environment, in one region (the service's first
there). It shares that environment's network, never gets another environment's bindings: its
bindings are its own resources, named after the preview, with the cheapest plan of each offering
the blueprint allows, and it runs one task. The blueprint bounds how many previews a space may
have open and how long one lives (``previews.max_open``, ``previews.ttl_hours``).

Open previews are read from the deployment history (shared when the history is in DynamoDB):
a preview is open when the last successful record of its unit is a deployment, not a destroy.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import ConflictError, NotFoundError, PolicyError, SpecError, UsageError
from ..files.safe import file_lock, read_bytes
from ..model import Service
from ..model.base import format_validation_errors
from ..rollout.lock import Holder, holder_info
from ..planning.names import service_unit
from ..servicespec import load_service, service_regions
from ..yamlio import dump_spec, write_text_atomic

PR_MAX = 10**7
NAME_MAX = 32
PREVIEW_RE = re.compile(r"^(?P<base>[a-z0-9-]+)-pr(?P<pr>[1-9][0-9]*)$")


def preview_name(service: str, pr: int) -> str:
    """``SERVICE-prN``, within 32 characters: a long service name is cut and given 4 hex digits of
    its hash, so two long names that share a prefix still get different previews."""
    if not 1 <= pr < PR_MAX:
        raise UsageError(f"--pr {pr}: expected a pull request number from 1 to {PR_MAX - 1}")
    suffix = f"-pr{pr}"
    if len(service) + len(suffix) <= NAME_MAX:
        return service + suffix
    digest = hashlib.sha256(service.encode()).hexdigest()[:4]
    head = service[: NAME_MAX - len(suffix) - 5].rstrip("-")
    return f"{head}-{digest}{suffix}"


@dataclass
class PreviewTarget:
    service: Service  # the preview's own spec
    base: str  # the service it previews
    pr: int
    env: str
    region: str
    unit: str
    plans: dict[str, tuple[str, str]]  # binding -> (plan of the service, plan of the preview)
    max_open: int
    ttl_hours: int
    tag_prefix: str = ""  # the preview runs image tag PREFIX+VERSION (SERVICE-COMMIT, as CI tags every build)

    def release(self, version: str) -> str:
        return self.tag_prefix + version

    def to_json(self) -> dict[str, Any]:
        return {"name": self.service.name, "service": self.base, "pr": self.pr, "env": self.env,
                "region": self.region, "unit": self.unit, "max_open": self.max_open, "ttl_hours": self.ttl_hours,
                "bindings": {b: {"service_plan": p[0], "preview_plan": p[1]} for b, p in self.plans.items()}}


def _cheapest(ws, bp, offering: str) -> str:
    from ..service_repo import allowed_plans

    plans = allowed_plans(bp, ws.catalog.offering(offering))
    if not plans:
        raise PolicyError(f"blueprint {bp.ref} allows no plan of {offering}; a preview cannot bind it")
    return min(plans, key=lambda p: (p.monthly_usd, p.name)).name


def preview_target(ws, service_dir: Path | str, pr: int) -> PreviewTarget:
    """The preview of pull request PR of the service in SERVICE_DIR (pure: nothing is written)."""
    svc, path = load_service(service_dir)
    space = ws.space(svc.space)
    bp = ws.catalog.blueprint(space.blueprint)
    if not bp.previews.enabled:
        raise PolicyError(f"blueprint {bp.ref} of space {svc.space} does not allow previews (previews.enabled is false)")
    env = next((e for e, spec in space.environments.items() if not spec.protected and e in svc.environments), None)
    if env is None:
        raise NotFoundError(f"service {svc.name} has no environment that is unprotected in space {svc.space}; "
                            "previews run only there", hint="add an unprotected environment (e.g. dev) to service.yaml")
    region = service_regions(ws, svc, env, str(path))[0]
    name = preview_name(svc.name, pr)
    data = svc.model_dump(mode="json", exclude_none=True)
    plans = {}
    for b in data.get("bindings", []):
        cheap = _cheapest(ws, bp, b["offering"])
        plans[b["name"]] = (b["plan"], cheap)
        b["plan"] = cheap
    data.update(name=name, description=f"Preview of {svc.name} for pull request {pr}.",
                environments={env: {"regions": [region]}})
    if "scaling" in data:
        data["scaling"] = {**data["scaling"], "min": 1, "max": 1}
    prefix = ""
    if not svc.image.repository:  # the image CI pushed for the commit: SERVICE-COMMIT in the region's ECR
        from ..planning.accounts import env_account
        from ..service_repo import ecr_repository_name

        domain = "amazonaws.com.cn" if ws.catalog.partition(region) == "aws-cn" else "amazonaws.com"
        account = env_account(ws.config, bp, space, env, ws.catalog.partition(region)).account_id  # the space's ECR
        data["image"] = {**data.get("image", {}), "repository": f"{account}.dkr.ecr.{region}."
                                                                  f"{domain}/{ecr_repository_name(svc.space, env, region)}"}
        prefix = f"{svc.name}-"
    preview = Service.parse(data, source=f"{path} (preview of pull request {pr})")
    return PreviewTarget(preview, svc.name, pr, env, region, service_unit(svc.space, name, env, region), plans,
                         bp.previews.max_open, bp.previews.ttl_hours, prefix)


def _write_spec(target: PreviewTarget, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    dump_spec(folder / "service.yaml", target.service.to_data(), schema_name=Service.SCHEMA_NAME)
    return folder


def plan_preview(ws, service_dir: Path | str, pr: int):
    """Offline plan of the preview: exactly the resources it creates, their findings and monthly cost."""
    from ..plans import plan_service

    target = preview_target(ws, service_dir, pr)
    with tempfile.TemporaryDirectory(prefix=".platform-preview-") as tmp:
        result = plan_service(ws, _write_spec(target, Path(tmp) / target.service.name), target.env)
    return target, result


def open_previews(ws, team: str, history=None, now: datetime | None = None,
                  damaged: list[str] | None = None) -> list[dict[str, Any]]:
    """The previews of TEAM's space whose last successful record is a deployment. A damaged history
    record is left out and described in DAMAGED when that is given, else a SpecError naming it."""
    from ..planning.names import parse_unit
    from ..rollout.stores import open_history

    store = history if history is not None else open_history(ws)
    state: dict[str, Any] = {}
    for rec in store.query(team=team, damaged=damaged):
        if rec.kind != "service" or rec.result != "succeeded" or not PREVIEW_RE.fullmatch(rec.what):
            continue
        if rec.action == "destroy":
            state.pop(rec.unit, None)
        elif rec.action == "up":
            first = state.get(rec.unit, {}).get("since", rec.start)
            state[rec.unit] = {"unit": rec.unit, "name": rec.what, "version": rec.version, "since": first,
                               "updated": rec.end}
    bp = ws.catalog.blueprint(ws.space(team).blueprint)
    now = now or datetime.now(timezone.utc)
    out = []
    for item in state.values():
        u = parse_unit(item["unit"])
        m = PREVIEW_RE.fullmatch(item["name"])
        expires = _parse(item["since"]) + timedelta(hours=bp.previews.ttl_hours)
        out.append({**item, "pr": int(m.group("pr")), "env": u["env"], "region": u["region"],
                    "expires": expires.isoformat().replace("+00:00", "Z"), "expired": expires <= now})
    return sorted(out, key=lambda p: (p["since"], p["pr"]))


def _parse(stamp: str) -> datetime:
    when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def check_quota(target: PreviewTarget, open_now: list[dict[str, Any]], team: str) -> None:
    """Refuse a new preview when the space has ``max_open`` open already (updating one is fine)."""
    if any(p["unit"] == target.unit for p in open_now):
        return
    if len(open_now) >= target.max_open:
        names = ", ".join(p["name"] for p in open_now)
        raise ConflictError(f"space {team} has {len(open_now)} open previews ({names}); its blueprint allows "
                            f"{target.max_open} (previews.max_open)",
                            hint="close one: `platform service preview down DIR --pr N`")


OPENING = ".opening"  # previews/TEAM/.opening/NAME.json: a preview whose deployment runs now
OPENING_LIMIT = 64 * 1024


class Opening(BaseModel):
    """The record of a preview being deployed: counted against the quota until its deployment ends
    (then the history says whether it is open), or until its process is gone."""

    model_config = ConfigDict(strict=True, extra="forbid")
    unit: str = Field(min_length=1, max_length=512)
    name: str = Field(min_length=1, max_length=64)
    holder: Holder


def _openings(folder: Path) -> list[dict[str, Any]]:
    """The previews being deployed now by live processes, as open_previews lists them (unit, name)."""
    from ..procs import holder_gone

    out = []
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.json")):
        try:
            rec = Opening.model_validate(json.loads(read_bytes(path, limit=OPENING_LIMIT)))
        except (ValueError, RecursionError) as exc:
            why = format_validation_errors(exc, str(path)) if isinstance(exc, ValidationError) else [str(exc)[:200]]
            raise SpecError(f"{path}: the record of a preview being deployed is damaged", file=str(path), problems=why,
                            hint=f"if no `service preview up` runs for it, remove {path}") from None
        if holder_gone(rec.holder.model_dump()):
            continue  # its command ended without removing it (killed): nothing is deploying
        out.append({"unit": rec.unit, "name": rec.name})
    return out


@contextlib.contextmanager
def opening(ws, target: PreviewTarget, history=None, damaged: list[str] | None = None) -> Iterator[None]:
    """Check the space's quota of open previews and record this one as opening, both under the space's
    preview lock, so that two previews started together cannot both pass the check; the record is
    removed when the block ends (the history then says whether the preview is open)."""
    team = target.service.space
    folder = ws.local_dir / "previews" / team
    mine = folder / OPENING / f"{target.service.name}.json"
    with file_lock(folder / ".lock"):
        now = {p["unit"]: p for p in open_previews(ws, team, history, damaged=damaged)}
        for p in _openings(folder / OPENING):
            now.setdefault(p["unit"], p)
        check_quota(target, list(now.values()), team)
        rec = Opening(unit=target.unit, name=target.service.name, holder=Holder.model_validate(holder_info()))
        mine.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(mine, rec.model_dump_json() + "\n", mode=0o600)
    try:
        yield
    finally:
        mine.unlink(missing_ok=True)


def preview_up(ws, service_dir: Path | str, pr: int, version: str, *, image_digest: str | None = None, engine=None,
               history=None, progress=None, damaged: list[str] | None = None):
    """Deploy the preview of pull request PR at VERSION (by IMAGE_DIGEST when given, REPO@sha256:...: what CI
    pushed, whatever later happens to the tag). Needs the engine: checked before anything
    is recorded (exit 8 without it). The quota of open previews is checked and the preview recorded
    as opening under one lock (:func:`opening`); a damaged history record is not counted (with
    DAMAGED given it is described there, else a SpecError)."""
    from ..deploy import deploy_service
    from ..engine import get_engine
    from ..planning.images import digest_problem

    engine = engine if engine is not None else get_engine(ws)
    target = preview_target(ws, service_dir, pr)
    team = target.service.space
    if image_digest is not None and (problem := digest_problem(f"{version}@{image_digest}", protected=False,
                                                               env=target.env)):
        raise UsageError(f"{problem}; nothing was recorded")
    with opening(ws, target, history, damaged):
        folder = _write_spec(target, ws.local_dir / "previews" / team / target.service.name)
        outcome = deploy_service(ws, folder, target.env, target.release(version), region=target.region,
                                 approve=True, engine=engine, history=history, progress=progress,
                                 image_digest=image_digest)
    return target, outcome


def preview_url(target: PreviewTarget, outcome) -> str | None:
    """The preview's URL, from its unit's outputs."""
    unit = outcome.state.units.get(target.unit) if outcome is not None else None
    url = (unit.outputs or {}).get("url") if unit is not None else None
    return str(url) if url else None


def summary_markdown(target: PreviewTarget, url: str | None) -> str:
    """The job summary (or merge request note) of a deployed preview."""
    lines = [f"### Preview of pull request {target.pr}", "",
             f"- service: `{target.service.name}` in `{target.env}` ({target.region})",
             f"- URL: {url or '(the service has no URL: a worker)'}",
             f"- destroyed when the pull request closes, or {target.ttl_hours} hours after it first came up"]
    for b, (plan, cheap) in target.plans.items():
        lines.append(f"- binding `{b}`: its own {cheap} plan" + (f" (the service uses {plan})" if plan != cheap else ""))
    return "\n".join(lines) + "\n"


def expired_previews(ws, service_dir: Path | str, history=None, now: datetime | None = None,
                     damaged: list[str] | None = None) -> list[int]:
    """Pull request numbers of this service's open previews whose time to live is over."""
    svc, _ = load_service(service_dir)
    return [p["pr"] for p in open_previews(ws, svc.space, history, now, damaged)
            if p["expired"] and p["name"] == preview_name(svc.name, p["pr"])]


def preview_down(ws, service_dir: Path | str, pr: int, *, engine=None, history=None, progress=None,
                 damaged: list[str] | None = None):
    """Destroy the preview of pull request PR (through the journalled executor). Needs the engine:
    checked before anything is recorded."""
    from ..deploy import destroy_units
    from ..engine import get_engine

    engine = engine if engine is not None else get_engine(ws)
    target = preview_target(ws, service_dir, pr)
    team = target.service.space
    if not any(p["unit"] == target.unit for p in open_previews(ws, team, history, damaged=damaged)):
        raise NotFoundError(f"no open preview {target.service.name} of space {team}"
                            + (f" in the readable history ({len(damaged)} damaged record(s) left out, the first: "
                               f"{damaged[0]})" if damaged else ""),
                            hint=f"`platform service preview list {service_dir}` shows the open ones")
    outcome = destroy_units(ws, team, target.env, [[target.unit]], release=None, label=f"{target.service.name}-down",
                            engine=engine, history=history, progress=progress)
    return target, outcome
