"""One exception tree for the whole platform.

Every error the platform raises on purpose is a :class:`PlatformError`. It carries an
exit code (documented in README.md) and an optional hint that tells the user what to do
next. The CLI root catches the base class once and prints ``error: <message>`` followed
by the hint; a traceback only appears with ``--debug``.

Adapters (``aws/``, ``engine/``, ``scaffold/``, the YAML and spec loaders) translate the
errors of third-party libraries into this tree at their boundary.
"""

from __future__ import annotations


class PlatformError(Exception):
    """Base of every expected failure. Exit code 1 unless a subclass says otherwise."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(PlatformError):
    """A command was called with arguments that cannot work together."""

    exit_code = 2


class SpecError(PlatformError):
    """A file a person wrote does not match its model (or is not YAML at all)."""

    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        problems: list[str] | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = file
        self.problems = list(problems or [])
        full = message
        if self.problems:
            full = message + "\n" + "\n".join(f"  {p}" for p in self.problems)
        super().__init__(full, hint=hint)


class NotFoundError(PlatformError):
    """A named thing (workspace, space, blueprint, offering, region ...) does not exist."""

    exit_code = 4


class ConflictError(PlatformError):
    """The thing exists already, or somebody else holds the lock."""

    exit_code = 5


class LockError(ConflictError):
    """Another rollout or update holds the lock for this space and environment."""

    exit_code = 5


class PolicyError(PlatformError):
    """A plan has mandatory policy findings (guardrails of the blueprint)."""

    exit_code = 6


class CloudError(PlatformError):
    """AWS (or the local cloud) refused or failed a request."""

    exit_code = 7


class EngineMissingError(PlatformError):
    """The Pulumi CLI is not on PATH, so nothing can be applied."""

    exit_code = 8


class EngineError(PlatformError):
    """The Pulumi engine ran and failed."""

    exit_code = 9


class RolloutHalted(PlatformError):
    """A rollout stopped at a failed unit or gate; ``platform rollout resume`` continues it."""

    exit_code = 10


class UserAbort(PlatformError):
    """The user declined a confirmation, or no terminal was there to ask and no --yes given."""

    exit_code = 11


class StatusFindings(PlatformError):
    """`--exit-code` found drift, orphans or damaged records (for a scheduled CI job)."""

    exit_code = 12

class FileAccessError(PlatformError):
    """A file or folder cannot be read or written: permissions, a full disk, an I/O error."""

    exit_code = 13

    def __init__(self, message: str, *, path: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.path = path


INTERNAL_ERROR_EXIT = 70
"""Exit code for anything unexpected: a bug. Rerun with --debug for the traceback."""

PULUMI_INSTALL_HINT = (
    "install the Pulumi CLI (https://www.pulumi.com/docs/install/, for example "
    "`curl -fsSL https://get.pulumi.com | sh`) and make sure `pulumi` is on PATH; "
    "`platform doctor` checks it. Offline commands such as `platform space plan TEAM` "
    "work without it."
)


def exit_codes() -> list[tuple[int, str, str]]:
    """(code, class name, meaning) for every error class, for docs and `platform doctor`."""
    rows = [(0, "-", "success")]
    seen: set[int] = set()
    stack: list[type[PlatformError]] = [PlatformError]
    classes: list[type[PlatformError]] = []
    while stack:
        cls = stack.pop(0)
        classes.append(cls)
        stack.extend(cls.__subclasses__())
    for cls in sorted(classes, key=lambda c: c.exit_code):
        if cls.exit_code in seen:
            continue
        seen.add(cls.exit_code)
        doc = (cls.__doc__ or "").strip().splitlines()[0]
        rows.append((cls.exit_code, cls.__name__, doc))
    rows.append((INTERNAL_ERROR_EXIT, "internal", "an unexpected error (a bug); rerun with --debug"))
    return rows



def nearest(word: str, choices: "list[str] | tuple[str, ...] | set[str]") -> str | None:
    """The choice closest to a misspelled ``word`` (difflib's ratio of at least 0.6), or None."""
    import difflib

    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return close[0] if close else None
