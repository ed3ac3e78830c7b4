"""Container health check: exit 0 when the worker's heartbeat is fresh."""

import sys

from .worker import healthy

if __name__ == "__main__":
    sys.exit(0 if healthy() else 1)
