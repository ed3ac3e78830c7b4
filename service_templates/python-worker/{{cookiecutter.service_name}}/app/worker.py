"""The worker: receive messages from the queue binding, handle them, delete them when done.

A message whose handling fails is not deleted: the queue delivers it again after its
visibility timeout, and moves it to the dead-letter queue after the plan's number of
receives.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from . import bindings

QUEUE_BINDING = "{{ cookiecutter.queue_binding }}"
HEARTBEAT_FILE = Path(os.environ.get("HEARTBEAT_FILE", "/tmp/worker-heartbeat"))  # noqa: S108

log = logging.getLogger(__name__)


@dataclass
class Message:
    id: str
    body: str
    receipt: str


class Queue(Protocol):
    def receive(self, max_messages: int, wait_seconds: int) -> list[Message]: ...

    def delete(self, message: Message) -> None: ...


class SqsQueue:
    """The SQS queue of a binding (keys ``url`` and ``arn``)."""

    def __init__(self, binding: dict[str, str], region: str | None = None) -> None:
        import boto3  # imported here so that tests and tools need no AWS SDK

        self.url = binding["url"]
        self.client = boto3.client("sqs", region_name=region or os.environ.get("AWS_REGION"))

    def receive(self, max_messages: int, wait_seconds: int) -> list[Message]:
        response = self.client.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=max_messages, WaitTimeSeconds=wait_seconds
        )
        return [Message(m["MessageId"], m["Body"], m["ReceiptHandle"]) for m in response.get("Messages", [])]

    def delete(self, message: Message) -> None:
        self.client.delete_message(QueueUrl=self.url, ReceiptHandle=message.receipt)


def handle(payload: dict[str, Any]) -> None:
    """Handle one message. Replace this with the service's work; raise to retry later."""
    log.info("handled message %s", payload.get("id", "?"))


def run_once(
    queue: Queue, handler: Callable[[dict[str, Any]], None] = handle, *, wait_seconds: int = 20
) -> tuple[int, int]:
    """Receive one batch; returns (handled, failed). Failed messages stay on the queue."""
    handled = failed = 0
    for message in queue.receive(max_messages=10, wait_seconds=wait_seconds):
        try:
            handler(json.loads(message.body))
        except Exception:
            failed += 1
            log.exception("message %s failed; it will be delivered again", message.id)
            continue
        queue.delete(message)
        handled += 1
    return handled, failed


def heartbeat(path: Path = HEARTBEAT_FILE) -> None:
    path.touch()


def run(queue: Queue, should_stop: Callable[[], bool], handler: Callable[[dict[str, Any]], None] = handle) -> None:
    """Poll until ``should_stop()``; touch the heartbeat after every poll."""
    while not should_stop():
        run_once(queue, handler)
        heartbeat()


def queue_from_bindings(environ: dict[str, str] | None = None) -> SqsQueue:
    name = (environ or os.environ).get("QUEUE_BINDING", QUEUE_BINDING)
    return SqsQueue(bindings.binding(name, environ))


def healthy(path: Path = HEARTBEAT_FILE, max_age_seconds: float = 120) -> bool:
    try:
        return time.time() - path.stat().st_mtime <= max_age_seconds
    except FileNotFoundError:
        return False
