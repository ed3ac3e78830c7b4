"""Automation API failures translated into the platform's errors; engine events as progress lines."""

from __future__ import annotations

from pulumi.automation import CommandResult
from pulumi.automation.errors import create_command_error
from pulumi.automation.events import EngineEvent

from platform_cli.engine.errors import error_from_payload, error_payload, meaningful_lines, translate_engine_error
from platform_cli.engine.events import format_event
from platform_cli.errors import ConflictError, EngineError, EngineMissingError, NotFoundError, SpecError

UNIT = "space/payments/dev/eu-central-1"


def _translate(stdout: str, stderr: str, code: int = 255):
    exc = create_command_error(CommandResult(stdout=stdout, stderr=stderr, code=code))
    return translate_engine_error(exc, unit=UNIT, action="up", project="space-payments",
                                  stack="dev.eu-central-1", work_dir="/ws/.platform/engine/x")


def test_locked_stack_is_a_conflict_with_how_to_clear_a_dead_lock():
    err = _translate("", "error: the stack is currently locked by 1 lock(s). Either wait for the other "
                         "process(es) to end or delete the lock file with `pulumi cancel`.")
    assert isinstance(err, ConflictError) and err.exit_code == 5
    assert "space-payments/dev.eu-central-1" in err.message
    assert "pulumi cancel --stack dev.eu-central-1" in err.hint


def test_service_conflict_text_is_a_conflict_too():
    err = _translate("", "[409] Conflict: Another update is currently in progress.")
    assert isinstance(err, ConflictError)


def test_other_failures_are_one_paragraph_with_the_meaningful_lines():
    stdout = "\n".join([
        "Updating (dev.eu-central-1):",
        "    pulumi:pulumi:Stack space-payments-dev.eu-central-1 running",
        " +  aws:s3/bucketV2:BucketV2 logs creating (0s)",
        " +  aws:s3/bucketV2:BucketV2 logs creating (1s) error: creating S3 Bucket: BucketAlreadyExists",
        "Diagnostics:",
        "  aws:s3/bucketV2:BucketV2 (logs):",
        "    error: creating S3 Bucket (acme-logs): BucketAlreadyExists: already exists",
        "Resources:",
        "    + 3 created",
        "Duration: 4s",
    ])
    err = _translate(stdout, "error: update failed")
    assert isinstance(err, EngineError) and err.exit_code == 9
    assert err.message.startswith(f"{UNIT}: pulumi up failed: ")
    assert "update failed" in err.message
    assert "\n" not in err.message
    lines = meaningful_lines(stdout)
    assert lines[-1] == "error: creating S3 Bucket (acme-logs): BucketAlreadyExists: already exists"
    assert not any(line.startswith(("Resources", "Duration", "Updating")) for line in lines)


def test_wrong_passphrase_gets_a_hint():
    err = _translate("", "error: getting secrets manager: incorrect passphrase")
    assert isinstance(err, EngineError) and "passphrase_file" in err.hint


def test_missing_stack_and_missing_cli():
    assert isinstance(_translate("", "error: no stack named 'dev' found"), NotFoundError)
    err = translate_engine_error(FileNotFoundError(2, "No such file or directory", "pulumi"), unit=UNIT, action="up")
    assert isinstance(err, EngineMissingError) and "pulumi.com" in err.hint


def test_very_long_output_is_bounded():
    err = _translate("", "error: " + "x" * 5000)
    assert len(err.message) < 800


def test_errors_survive_the_process_boundary():
    original = SpecError("service.yaml: bindings.0.plan: unknown plan", hint="see `platform marketplace show`")
    rebuilt = error_from_payload(error_payload(original))
    assert type(rebuilt) is SpecError and rebuilt.exit_code == 3
    assert (rebuilt.message, rebuilt.hint) == (original.message, original.hint)
    assert type(error_from_payload({"class": "NotAnError", "message": "m"})) is EngineError


def _event(**data):
    return EngineEvent.from_json({"sequence": 1, "timestamp": 0, **data})


def _meta(op, name="logs", type_="aws:s3/bucketV2:BucketV2"):
    return {"op": op, "urn": f"urn:pulumi:dev::space-payments::{type_}::{name}", "type": type_, "provider": ""}


def test_engine_events_become_progress_lines():
    assert format_event(_event(resourcePreEvent={"metadata": _meta("create")})) == \
        "create aws:s3/bucketV2:BucketV2 logs ..."
    assert format_event(_event(resOutputsEvent={"metadata": _meta("create")})) == "created aws:s3/bucketV2:BucketV2 logs"
    assert format_event(_event(resourcePreEvent={"metadata": _meta("update"), "planning": True})) == \
        "would update aws:s3/bucketV2:BucketV2 logs"
    assert format_event(_event(resourcePreEvent={"metadata": _meta("same")})) is None
    assert format_event(_event(resOpFailedEvent={"metadata": _meta("delete"), "status": 1, "steps": 1})) == \
        "failed to delete aws:s3/bucketV2:BucketV2 logs"
    diag = {"message": "error: access denied\n", "color": "never", "severity": "error"}
    assert format_event(_event(diagnosticEvent=diag)) == "error: access denied"
    assert format_event(_event(diagnosticEvent={**diag, "severity": "info"})) is None
    summary = {"maybeCorrupt": False, "durationSeconds": 7, "resourceChanges": {"create": 3, "same": 2},
               "PolicyPacks": {}}
    assert format_event(_event(summaryEvent=summary)) == "summary: create=3, same=2 in 7s"
    assert format_event(_event(cancelEvent={})) == "cancelled"
