"""Run the worker until SIGTERM or SIGINT: `python -m app`."""

import logging
import os
import signal
import threading

from .worker import heartbeat, queue_from_bindings, run


def main() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "info").upper())
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    queue = queue_from_bindings()
    heartbeat()
    logging.getLogger(__name__).info("consuming %s", queue.url)
    run(queue, stopping.is_set)


if __name__ == "__main__":
    main()
