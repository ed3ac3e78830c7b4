"""Translating Automation API failures into the platform's error tree (duck-typed: the
classes are matched by name, so this module imports nothing from pulumi)."""

from __future__ import annotations

import re

from ..errors import PULUMI_INSTALL_HINT, ConflictError, EngineError, EngineMissingError, NotFoundError, PlatformError

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_NOISE = re.compile(
    r"^(Updating|Previewing|Destroying|Refreshing) \(|^View (in|Live)|^\s*(Type|Resources|Outputs|Duration|Diagnostics)\b"
    r"|^\s*[+~\-]{0,2}\s*(pulumi:pulumi:Stack|pulumi:providers)|^\s*[@.]+\s*(updating|previewing|destroying|refreshing)?\.*\s*$"
    r"|^\s*\d+ (to create|to update|to delete|created|updated|deleted|unchanged|changes?)\b|^\s*$|^Loading policy packs",
    re.IGNORECASE,
)
MAX_MESSAGE = 700


def meaningful_lines(text: str, limit: int = 4) -> list[str]:
    """The last lines that say something (errors first), without progress noise or colour codes."""
    lines = [_ANSI.sub("", line).strip() for line in (text or "").splitlines()]
    lines = [line for line in lines if line and not _NOISE.search(line)]
    errors = [line for line in lines if re.search(r"\berror\b|\bfailed\b|exception|panic", line, re.IGNORECASE)]
    chosen = errors or lines
    out: list[str] = []
    for line in chosen[-limit:]:
        if line not in out:
            out.append(line)
    return out


def _paragraph(stderr: str, stdout: str) -> str:
    lines = meaningful_lines(stderr) or meaningful_lines(stdout)
    text = " ".join(lines) or "no error output"
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


def _result_text(exc: BaseException) -> tuple[str, str]:
    """(stderr, stdout) of a CommandError: its str() is '\\n code: N\\n stdout: ...\\n stderr: ...'."""
    text = str(exc)
    m = re.search(r"\n stdout: (.*)\n stderr: (.*)\Z", text, re.DOTALL)
    if m:
        return m.group(2), m.group(1)
    return text, ""


def _mro_names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def translate_engine_error(exc: BaseException, *, unit: str, action: str, project: str = "", stack: str = "",
                           work_dir: str = "") -> PlatformError:
    """One PlatformError for a failure of the Automation API on ``unit``."""
    if isinstance(exc, PlatformError):
        return exc
    names = _mro_names(exc)
    if isinstance(exc, FileNotFoundError) or "InvalidVersionError" in names:
        return EngineMissingError(f"{unit}: the Pulumi CLI cannot be used: {exc}", hint=PULUMI_INSTALL_HINT)
    if "CommandError" not in names:
        return EngineError(f"{unit}: pulumi {action} failed: {type(exc).__name__}: {exc}")
    stderr, stdout = _result_text(exc)
    where = f"{project}/{stack}" if project else unit
    if "ConcurrentUpdateError" in names:
        return ConflictError(
            f"{unit}: another update of stack {where} is in progress (Pulumi holds its lock)",
            hint="wait for it to finish and retry; if the process that held it died, clear the lock with "
                 f"`pulumi cancel --stack {stack} --yes`" + (f" in {work_dir}" if work_dir else ""))
    if "StackNotFoundError" in names:
        return NotFoundError(f"{unit}: stack {where} does not exist in the state backend",
                             hint="apply the unit first (`platform space apply` / `platform service deploy`)")
    detail = _paragraph(stderr, stdout)
    hint = None
    if re.search(r"incorrect passphrase|passphrase must be set", stderr + stdout, re.IGNORECASE):
        hint = "the stack was encrypted with another passphrase: check secrets.passphrase_file in platform.yaml"
    elif "InlineSourceRuntimeError" in names:
        detail = f"the unit's program raised an error: {detail}"
    elif re.search(r"no valid credential|NoCredentialProviders|failed to refresh cached credentials", stderr + stdout):
        hint = "configure AWS credentials (AWS_PROFILE, OIDC in CI), or set cloud.target: local and `platform local up`"
    return EngineError(f"{unit}: pulumi {action} failed: {detail}", hint=hint)


def error_payload(err: PlatformError) -> dict:
    """A PlatformError as plain data (it crosses the process boundary)."""
    return {"class": type(err).__name__, "message": err.message, "hint": err.hint}


def error_from_payload(data: dict) -> PlatformError:
    """Rebuild the PlatformError a worker reported."""
    from .. import errors

    cls = getattr(errors, str(data.get("class")), None)
    if not (isinstance(cls, type) and issubclass(cls, PlatformError)):
        cls = EngineError
    return cls(str(data.get("message") or "engine error"), hint=data.get("hint"))
