"""The HTTP service: a health endpoint and a small JSON API, on the standard library only."""

from __future__ import annotations

import json
import logging
import os
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import bindings

SERVICE_NAME = "{{ cookiecutter.service_name }}"
HEALTH_PATH = "/healthz"

log = logging.getLogger(SERVICE_NAME)


class Handler(BaseHTTPRequestHandler):
    server_version = SERVICE_NAME

    def do_GET(self) -> None:  # noqa: N802 (the http.server API)
        if self.path == HEALTH_PATH:
            self._send(HTTPStatus.OK, {"status": "ok"})
        elif self.path == "/":
            self._send(HTTPStatus.OK, {"service": SERVICE_NAME, "bindings": bindings.names()})
        else:
            self._send(HTTPStatus.NOT_FOUND, {"error": f"no route for {self.path}"})

    def _send(self, status: HTTPStatus, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        log.info("%s %s", self.address_string(), format % args)


def make_server(host: str = "0.0.0.0", port: int | None = None) -> ThreadingHTTPServer:  # noqa: S104
    """The server, bound to ``port`` (default: $PORT or {{ cookiecutter.port }}; 0 picks a free one)."""
    if port is None:
        port = int(os.environ.get("PORT", "{{ cookiecutter.port }}"))
    return ThreadingHTTPServer((host, port), Handler)
