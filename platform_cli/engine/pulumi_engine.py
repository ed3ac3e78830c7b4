"""The Pulumi engine: implements ``platform_cli.units.Engine`` with the Automation API.

One Pulumi stack per unit (project and stack names from ``planning.names``), its program
run inline in its own OS process (``worker.run_unit``), at most ``max_workers`` at once.
Backend, secrets provider, config and environment come from ``platform.yaml`` through the
pure helpers of ``engine.settings``.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from ..errors import PULUMI_INSTALL_HINT, EngineMissingError, PlatformError, UsageError
from ..units import EventSink, UnitResult, UnitTarget
from .process import WorkerKilled, run_in_worker
from .pulumi_cli import RUN_PROGRAM_DESTROY, PulumiCli, find_pulumi, parse_version
from .settings import build_job

WORKER_ENTRY = "platform_cli.engine.worker:run_unit"


class PulumiEngine:
    """up / destroy / preview / refresh / outputs of units through the Automation API.

    Thread-safe: the rollout executor may call it from several threads; each call runs in
    its own process. ``cancel()`` stops every running call gracefully.
    """

    def __init__(self, ws, *, cli: PulumiCli, local_endpoint: str | None = None, max_workers: int | None = None):
        self.ws = ws
        self.cli = cli
        self.local_endpoint = local_endpoint
        self._slots = threading.BoundedSemaphore(max_workers or max(2, os.cpu_count() or 2))
        self._cancel = threading.Event()
        self._caller: str | None = None

    # Engine protocol ---------------------------------------------------------------
    def up(self, target: UnitTarget, on_event: EventSink) -> UnitResult:
        return self._run(target, "up", on_event)

    def destroy(self, target: UnitTarget, on_event: EventSink) -> UnitResult:
        return self._run(target, "destroy", on_event)

    def preview(self, target: UnitTarget, on_event: EventSink) -> UnitResult:
        return self._run(target, "preview", on_event)

    # more ------------------------------------------------------------------------------
    def refresh(self, target: UnitTarget, on_event: EventSink) -> UnitResult:
        return self._run(target, "refresh", on_event)

    def drift(self, target: UnitTarget, on_event: EventSink) -> dict[str, int] | None:
        """What a refresh would change (``pulumi refresh --preview-only``), by operation; None when the
        unit's stack does not exist."""
        data = self._data(target, "drift", on_event)
        return None if data.get("missing") else dict(data.get("summary") or {})

    def export(self, target: UnitTarget) -> dict[str, Any] | None:
        """The unit's stack export (``{"version": 3, "deployment": {"resources": [...]}}``); None when
        the stack does not exist."""
        data = self._data(target, "export", lambda unit, line: None)
        return None if data.get("missing") else data.get("state")

    def remove(self, target: UnitTarget) -> bool:
        """Remove the unit's (destroyed) stack from the backend (``pulumi stack rm``); False when there was none."""
        return not self._data(target, "remove", lambda unit, line: None).get("missing")

    def outputs(self, target: UnitTarget) -> dict[str, Any]:
        """The unit's stack outputs (secret values masked)."""
        return self._run(target, "outputs", lambda unit, line: None).outputs

    def cancel(self) -> None:
        """Ask every running unit to stop gracefully (Pulumi finishes in-flight operations)."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def _run(self, target: UnitTarget, action: str, on_event: EventSink) -> UnitResult:
        data = self._data(target, action, on_event)
        return UnitResult(unit=target.unit, outputs=dict(data.get("outputs") or {}),
                          summary=dict(data.get("summary") or {}))

    def _data(self, target: UnitTarget, action: str, on_event: EventSink) -> dict[str, Any]:
        if target.unit.startswith("service/") and not target.service_file and action in ("up", "preview"):
            raise UsageError(f"{target.unit}: a service unit needs its service.yaml (UnitTarget.service_file)")
        job = build_job(self.ws, target, action, local_endpoint=self.local_endpoint)
        if action == "destroy" and target.unit.startswith("service/"):
            from ..accounts.destroying import destroy_provider

            job.destroy_provider = destroy_provider(self.ws, target.unit, local_endpoint=self.local_endpoint,
                                                    caller_account=self._caller_account)
            if job.destroy_provider and (parse_version(self.cli.version) or (0, 0, 0)) < RUN_PROGRAM_DESTROY:
                need = ".".join(map(str, RUN_PROGRAM_DESTROY))
                raise EngineMissingError(
                    f"{target.unit}: destroying it from outside its account needs `pulumi destroy --run-program`, "
                    f"which the Pulumi CLI has from {need} on; this one is {self.cli.version}; nothing was destroyed",
                    hint=PULUMI_INSTALL_HINT)
        with self._slots:
            try:
                data = run_in_worker(WORKER_ENTRY, job.to_dict(), lambda line: on_event(target.unit, line),
                                     label=f"{action} {target.unit}", cancel=self._cancel)
            except WorkerKilled as exc:
                raise self._release_lock(target, exc) from None
        return data


    def _caller_account(self) -> str:
        """The account of the credentials the engine runs with (sts get-caller-identity, asked once)."""
        if self._caller is None:
            from ..aws.bootstrap import clients_for
            from ..aws.clients import caller_identity

            clients, _ = clients_for(self.ws, local_endpoint=self.local_endpoint)
            self._caller = caller_identity(clients)["Account"]
        return self._caller

    def _release_lock(self, target: UnitTarget, killed: WorkerKilled) -> PlatformError:
        """After a killed update (its pulumi CLI died with it) release the stack lock it held,
        so that the next run does not meet a lock nobody holds."""
        job = build_job(self.ws, target, "unlock", local_endpoint=self.local_endpoint)
        try:
            run_in_worker(WORKER_ENTRY, job.to_dict(), lambda line: None, label=f"unlock {target.unit}", grace=30)
        except PlatformError as exc:
            killed.hint = (f"the stack lock may still be held ({exc.message}); clear it with "
                           f"`pulumi cancel --stack {job.stack} --yes` in {job.work_dir}")
            return killed
        killed.hint = "the stack lock was released; run the same command again to continue (`pulumi refresh` " \
                      "first if resources were being changed)"
        return killed


def get_engine(ws, *, local_endpoint: str | None = None, max_workers: int | None = None) -> PulumiEngine:
    """The engine of workspace ``ws``.

    Raises EngineMissingError (with how to install it) when the ``pulumi`` CLI is not on
    PATH or does not answer ``pulumi version``; CloudError when the cloud target is local
    and the local cloud is not running.
    """
    cli = find_pulumi()
    if ws.config.cloud.target == "local" and local_endpoint is None:
        from ..aws.local_cloud import require_endpoint

        local_endpoint = require_endpoint(ws.local_dir)
    return PulumiEngine(ws, cli=cli, local_endpoint=local_endpoint, max_workers=max_workers)
