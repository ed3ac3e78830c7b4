"""Engine events of the Automation API as one-line progress messages (duck-typed, no pulumi import)."""

from __future__ import annotations

from typing import Any

_DONE = {"create": "created", "update": "updated", "delete": "deleted", "replace": "replaced",
         "create-replacement": "created replacement", "delete-replaced": "deleted replaced",
         "read": "read", "refresh": "refreshed", "import": "imported"}
_PLANNED = {"create": "would create", "update": "would update", "delete": "would delete",
            "replace": "would replace", "create-replacement": "would create replacement",
            "delete-replaced": "would delete replaced", "import": "would import"}
_QUIET = {"same", "read", "refresh", "discard", "discard-replaced", "remove-pending-replace", "read-replacement"}


def _op(value: Any) -> str:
    return str(getattr(value, "value", value))


def resource_label(urn: str, type_: str = "") -> str:
    """'urn:pulumi:dev::proj::aws:s3/bucket:Bucket::logs' -> 'aws:s3/bucket:Bucket logs'."""
    name = urn.rsplit("::", 1)[-1] if urn else "?"
    return f"{type_} {name}".strip()


def format_summary(changes: dict | None) -> str:
    items = sorted((_op(k), v) for k, v in (changes or {}).items() if v)
    return ", ".join(f"{k}={v}" for k, v in items) or "no changes"


def format_event(event: Any) -> str | None:
    """One line for an EngineEvent, or None for events not worth showing."""
    if getattr(event, "cancel_event", None) is not None:
        return "cancelled"
    pre = getattr(event, "resource_pre_event", None)
    if pre is not None:
        meta = pre.metadata
        op = _op(meta.op)
        if op in _QUIET:
            return None
        if getattr(pre, "planning", False):
            return f"{_PLANNED.get(op, op)} {resource_label(meta.urn, meta.type)}"
        return f"{op} {resource_label(meta.urn, meta.type)} ..."
    out = getattr(event, "res_outputs_event", None)
    if out is not None:
        meta = out.metadata
        op = _op(meta.op)
        if op in _QUIET or getattr(out, "planning", False):
            return None
        return f"{_DONE.get(op, op)} {resource_label(meta.urn, meta.type)}"
    failed = getattr(event, "res_op_failed_event", None)
    if failed is not None:
        meta = failed.metadata
        return f"failed to {_op(meta.op)} {resource_label(meta.urn, meta.type)}"
    diag = getattr(event, "diagnostic_event", None)
    if diag is not None and diag.severity in ("error", "warning"):
        text = " ".join(diag.message.split())
        for prefix in ("error:", "warning:"):
            text = text.removeprefix(prefix).strip()
        if not text:
            return None
        where = f" ({resource_label(diag.urn)})" if getattr(diag, "urn", None) else ""
        return f"{diag.severity}{where}: {text}"
    summary = getattr(event, "summary_event", None)
    if summary is not None:
        return f"summary: {format_summary(summary.resource_changes)} in {summary.duration_seconds}s"
    return None
