"""Gates between waves: CloudWatch alarms, an HTTP health check, manual approval.

Alarms and health run after a wave (after its bake time); a failing gate halts the
rollout. Approval runs before a wave of a protected environment: ``--approve`` grants
it (CI), a terminal asks, and without either the rollout halts and says how to go on.
Alarms of a unit are those whose names start with the space's resource prefix in that
region (``TEAM-ENV-SHORTREGION``, e.g. ``payments-prod-euc1``), which covers the
space's and its services' alarms.
"""

from __future__ import annotations

import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..errors import PlatformError
from ..planning.names import grant_prefix, parse_unit


@dataclass
class WaveContext:
    """What a gate sees: the wave and the outputs of its units."""

    wave: int
    units: list[str]
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def regions(self) -> list[str]:
        return [parse_unit(u)["region"] for u in self.units]


@dataclass
class GateResult:
    gate: str
    ok: bool
    detail: str = ""


class Gate(Protocol):
    name: str

    def check(self, ctx: WaveContext) -> GateResult: ...


def client_provider(ws):
    """A ClientProvider for the workspace's cloud target (the local cloud's endpoint when local)."""
    from ..aws.clients import ClientProvider

    if ws.config.cloud.target == "local":
        from ..aws.local_cloud import require_endpoint

        return ClientProvider.local(require_endpoint(ws.local_dir), ws.config.cloud.default_region)
    return ClientProvider(default_region=ws.config.cloud.default_region)


class AlarmsGate:
    """No CloudWatch alarm of the space or service in ALARM in the wave's regions."""

    name = "alarms"

    def __init__(self, clients: Callable[..., Any] | Callable[[], Callable[..., Any]], *, lazy: bool = False) -> None:
        self._clients = clients
        self._lazy = lazy

    def _provider(self):
        if self._lazy:
            self._clients, self._lazy = self._clients(), False
        return self._clients

    def check(self, ctx: WaveContext) -> GateResult:
        from ..aws.alarms import alarms_in_alarm

        firing = []
        try:
            provider = self._provider()
            for unit in ctx.units:
                p = parse_unit(unit)
                firing += alarms_in_alarm(provider("cloudwatch", p["region"]), p["region"],
                                          [grant_prefix(p["team"], p["env"], p["region"])])
        except PlatformError as exc:
            return GateResult(self.name, False, f"alarms could not be checked: {exc.message}")
        if firing:
            names = ", ".join(f"{a.name} ({a.region})" for a in firing)
            return GateResult(self.name, False, f"{len(firing)} alarm(s) in ALARM: {names}")
        return GateResult(self.name, True, f"no alarm in ALARM in {', '.join(ctx.regions)}")


def http_get_status(url: str, timeout: float) -> int:
    """Status code of GET url (0 when unreachable)."""
    req = urllib.request.Request(url, headers={"User-Agent": "platform-health-check"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (http/https URLs from stack outputs)
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError, ValueError):
        return 0


class HealthGate:
    """Every unit with a ``url`` output answers GET url+health_path with 2xx (a few attempts)."""

    name = "health"

    def __init__(self, path: str = "/healthz", *, attempts: int = 5, delay: float = 3.0, timeout: float = 5.0,
                 get: Callable[[str, float], int] = http_get_status, sleep: Callable[[float], None] = time.sleep) -> None:
        self.path, self.attempts, self.delay, self.timeout, self.get, self.sleep = path, attempts, delay, timeout, get, sleep

    def check(self, ctx: WaveContext) -> GateResult:
        bad, checked = [], 0
        for unit in ctx.units:
            url = (ctx.outputs.get(unit) or {}).get("url")
            if not url or not str(url).startswith(("http://", "https://")):
                continue
            checked += 1
            target = str(url).rstrip("/") + self.path
            status = 0
            for attempt in range(self.attempts):
                status = self.get(target, self.timeout)
                if 200 <= status < 300:
                    break
                if attempt + 1 < self.attempts:
                    self.sleep(self.delay)
            if not 200 <= status < 300:
                bad.append(f"{target} answered {status or 'nothing'}")
        if bad:
            return GateResult(self.name, False, "health check failed: " + "; ".join(bad))
        return GateResult(self.name, True, f"{checked} URL(s) healthy" if checked else "no URL output to check")


def terminal_ask(question: str) -> bool | None:
    """Ask on the terminal (stderr); None when there is no terminal."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return None
    import click

    return click.confirm(question, err=True, default=False)


class ApprovalGate:
    """Manual approval before a wave: granted by --approve, asked on a terminal, else the rollout halts."""

    name = "approval"

    def __init__(self, approved: bool = False, ask: Callable[[str], bool | None] = terminal_ask) -> None:
        self.approved, self.ask = approved, ask

    def check(self, ctx: WaveContext) -> GateResult:
        if self.approved:
            return GateResult(self.name, True, "approved with --approve")
        answer = self.ask(f"approve wave {ctx.wave} ({', '.join(ctx.regions)})?")
        if answer is None:
            return GateResult(self.name, False, f"wave {ctx.wave} needs approval and there is no terminal to ask; "
                                                "resume with --approve")
        if not answer:
            return GateResult(self.name, False, f"wave {ctx.wave} was not approved")
        return GateResult(self.name, True, "approved on the terminal")
