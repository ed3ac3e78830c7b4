"""`platform report`: one self-contained HTML page of the workspace (fleet, map, spaces,
rollouts, DORA, cost). :mod:`.data` gathers, :mod:`.svg` draws, :mod:`.html` writes."""

from .html import DEFAULT_FILE, ReportResult, write_report

__all__ = ["DEFAULT_FILE", "ReportResult", "write_report"]
