"""The CIDR blocks a space file that cannot be parsed may still hold.

Allocation stays safe around a broken file: its raw bytes are scanned for anything that looks like a
block (a file that is not valid UTF-8, too large or holds a NUL byte may still name blocks that must not
be handed out again). A file that cannot be read at all stops allocation: its blocks are unknown.
"""

from __future__ import annotations

import contextlib
import os
import re
from ipaddress import IPv4Network
from pathlib import Path

from ..errors import ConflictError, FileAccessError, SpecError
from .safe import read_bytes

SCAN_LIMIT = 16 * 1024 * 1024  # bytes of a broken space file scanned for CIDR blocks
CIDR = re.compile(r"\b(\d{1,3}(?:\.\d{1,3}){3}/\d{1,2})\b")


def scan_cidrs(path: Path) -> list[IPv4Network]:
    """Every block named in the bytes of PATH; none for a folder or a dangling link (no space file)."""
    try:
        text = read_bytes(path, limit=SCAN_LIMIT).decode("utf-8", errors="replace")
    except FileAccessError as exc:
        raise ConflictError(f"{exc.message}; its CIDR blocks are unknown, so no block is allocated until it can be read",
                            hint="fix its permissions, or remove it if the space is gone") from None
    except SpecError:
        if path.is_dir() and not path.is_symlink() or not os.path.lexists(path):
            return []  # a folder is no space file; a dangling link may be one on storage not mounted
        raise ConflictError(
            f"{path}: is not a regular space file of at most {SCAN_LIMIT // (1024 * 1024)} MiB; its CIDR "
            "blocks are unknown, so no block is allocated until it is fixed",
            hint="move it away, or remove it if the space is gone") from None
    blocks = []
    for m in CIDR.finditer(text):
        with contextlib.suppress(ValueError):
            blocks.append(IPv4Network(m.group(1), strict=False))
    return blocks


def remembered_cidrs(data: dict | None) -> list[IPv4Network]:
    """The blocks of a space's last parsed data (``allocations[].cidr``); entries that are not blocks
    are skipped (the data is a cache, only ever added to what is taken)."""
    blocks = []
    allocations = data.get("allocations") if isinstance(data, dict) else None
    for a in allocations if isinstance(allocations, list) else []:
        cidr = a.get("cidr") if isinstance(a, dict) else None
        if isinstance(cidr, str):
            with contextlib.suppress(ValueError):
                blocks.append(IPv4Network(cidr, strict=False))
    return blocks
