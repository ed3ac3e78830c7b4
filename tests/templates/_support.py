"""What the template tests share: the templates, the CI providers, and the linters next to the interpreter."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = ["python-web", "python-worker"]
CIS = ["github", "gitlab"]
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not installed next to {sys.executable}; install the test extra")
    return str(path)
