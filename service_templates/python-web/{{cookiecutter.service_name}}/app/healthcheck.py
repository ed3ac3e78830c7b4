"""Container health check: exit 0 when the health endpoint answers 2xx."""

import os
import sys
import urllib.request

from .server import HEALTH_PATH


def main() -> int:
    url = f"http://127.0.0.1:{os.environ.get('PORT', '{{ cookiecutter.port }}')}{HEALTH_PATH}"
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (fixed local URL)
            return 0 if 200 <= response.status < 300 else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
