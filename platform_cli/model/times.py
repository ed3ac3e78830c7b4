"""Times read back from the platform's own records (journal events, history rows, lock holders).

The platform writes them as ISO 8601 text with a time zone (``2025-01-01T12:00:00.000+00:00``).
Read back, each is parsed and range-checked: a naive time (no zone) cannot be ordered against
the others, and one outside :data:`EARLIEST` .. :data:`LATEST` is a damaged or hand-made record
(no deployment happened in year 1 or 9999), so both are refused with the value named.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, Field

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
"""No record of the platform is older than this."""
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
"""No record of the platform is this new (an upper bound far from any clock's skew)."""


def check_time(value: str) -> str:
    """``value`` unchanged when it is an ISO 8601 time with a zone between EARLIEST and LATEST; else ValueError."""
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("expected an ISO 8601 time such as 2025-01-01T12:00:00.000+00:00") from None
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("expected a time with its time zone (such as +00:00)")
    if not EARLIEST <= when < LATEST:
        raise ValueError(f"expected a time from {EARLIEST.year} to {LATEST.year - 1}, found year {when.year}")
    return value


Timestamp = Annotated[str, Field(max_length=64), AfterValidator(check_time)]
"""An ISO 8601 time with a zone, from EARLIEST to LATEST, kept as the text it was written as."""
