"""The local cloud's server process: moto's own WSGI application, served the way ``python -m moto.server``
serves it (werkzeug, threaded, moto's request handler), behind a front door that answers two questions
without entering moto:

- ``GET /_platform/health``: constant cost whatever the server holds; it reads no resource, moto's
  request recorder does not see it, and it draws no random number, so the identifiers moto generates
  from its seeded random source stay the same when a recording is replayed.
- ``GET /_platform/counts``: how many resources each service holds, counted in memory (no
  serialisation, unlike ``/moto-api/data.json``), minus what a fresh moto backend already holds
  (default VPCs, moto's AMI catalogue, ...).

Every other request reaches moto one at a time, in the order moto's recorder writes them down. Moto
draws every generated id (and every response's request id) from one seeded random source, so handling
requests strictly in recorded order is what lets a replay of the recording hand out the same ids even
when the original requests came in parallel (a Pulumi apply). The recorder's own paths are exempt: its
replay sends the recorded requests back to this server one after another. SIGTERM waits for the request
in hand, then ends the process at once (every recorded request is already on disk, a line each).

Run as ``python -m platform_cli.aws.local_host -H 127.0.0.1 -p PORT``; :mod:`.local_cloud` starts it.
Everything below imports moto, so only the server process imports this module.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

HEALTH_PATH = "/_platform/health"
COUNTS_PATH = "/_platform/counts"
SERVER_NAME = "platform-local-cloud"

_baselines: dict[tuple[type, str, str], dict[str, int]] = {}
_baseline_lock = threading.Lock()


def _held(backend: object) -> dict[str, int]:
    """Per attribute of a backend, how many moto model objects it holds: in a dict or a list, in a dict
    of dicts (EC2's subnets per zone), or in a dict of version lists (one SSM parameter, all its versions)."""
    from moto.core.common_models import BaseModel

    counts: dict[str, int] = {}
    for name, value in list(vars(backend).items()):
        items: Iterable[Any]
        if isinstance(value, dict):
            items = list(value.values())
        elif isinstance(value, (list, set, tuple)):
            items = list(value)
        else:
            continue
        n = 0
        for item in items:
            if isinstance(item, BaseModel):
                n += 1
            elif isinstance(item, dict):
                n += sum(1 for inner in list(item.values()) if isinstance(inner, BaseModel))
            elif isinstance(item, list) and item and isinstance(item[-1], BaseModel):
                n += 1
        if n:
            counts[name] = n
    return counts


def _baseline(cls: type, account_id: str, region: str) -> dict[str, int]:
    """What a fresh backend of ``cls`` holds before any request (computed once per class and region).
    Building it must not disturb the server: moto's random state and its model registry are restored."""
    key = (cls, account_id, region)
    with _baseline_lock:
        if key in _baselines:
            return _baselines[key]
        from moto.core.model_instances import model_data
        from moto.moto_api._internal import mock_random

        state = mock_random.getstate()
        tracked = {m: len(m.instances_tracked) for models in model_data.values() for m in models.values()}
        try:
            fresh = cls(region, account_id=account_id)
            base = _held(fresh)
        except Exception:  # noqa: BLE001 (a backend that cannot be built bare: count it from zero)
            base = {}
        finally:
            mock_random.setstate(state)
            for model, n in tracked.items():
                del model.instances_tracked[n:]
        _baselines[key] = base
        return base


def resource_counts() -> dict[str, int]:
    """Resources per service across every account and region moto has a backend for."""
    from moto.core.base_backend import BackendDict

    counts: dict[str, int] = {}
    for service in list(BackendDict._instances):  # the services that received a request
        total = 0
        for account_id, per_account in list(dict.items(service)):
            for region, backend in list(dict.items(per_account)):
                held = _held(backend)
                base = _baseline(type(backend), account_id, region)
                total += sum(max(0, n - base.get(name, 0)) for name, n in held.items())
        if total:
            counts[service.service_name] = counts.get(service.service_name, 0) + total
    return dict(sorted(counts.items()))


class FrontDoor:
    """WSGI middleware: the platform's two paths, everything else to moto, one request at a time."""

    def __init__(self, app: Callable) -> None:
        self.app = app
        self.serial = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH:
            import moto

            return self._json(start_response, {"server": SERVER_NAME, "pid": os.getpid(), "moto": moto.__version__})
        if path.startswith("/moto-api/recorder/"):
            return self.app(environ, start_response)
        with self.serial:  # counts too: a baseline borrows moto's random state while it is built
            if path == COUNTS_PATH:
                return self._json(start_response, {"resources": resource_counts()})
            body = self.app(environ, start_response)
            try:
                return [b"".join(body)]  # produced before the next request starts
            finally:
                if hasattr(body, "close"):
                    body.close()

    def stop(self, *_signal: object) -> None:
        """End the process once the request in hand is done (SIGTERM)."""
        self.serial.acquire()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

    @staticmethod
    def _json(start_response: Callable, data: dict, status: str = "200 OK") -> list[bytes]:
        body = json.dumps(data).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="moto's server with the platform's health and counts paths")
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("MOTO_PORT", str(args.port))

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import run_simple

    app = DomainDispatcherApplication(create_backend_app)
    app.debug = True  # as moto.server sets it
    door = FrontDoor(app)
    signal.signal(signal.SIGTERM, door.stop)
    run_simple(args.host, args.port, door, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
