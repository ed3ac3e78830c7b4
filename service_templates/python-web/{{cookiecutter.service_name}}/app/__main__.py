"""Run the service until SIGTERM or SIGINT: `python -m app`."""

import logging
import os
import signal
import threading

from .server import make_server


def main() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "info").upper())
    server = make_server()

    def stop(signum: int, frame: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    logging.getLogger(__name__).info("listening on port %s", server.server_address[1])
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
