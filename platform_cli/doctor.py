"""`platform doctor`: what this machine and workspace can do, and how to fix what is missing.

Checks: Python, the platform, the workspace, the Pulumi CLI (and how to install it), the
Pulumi SDKs, AWS credentials (from the environment and files only; an STS call only with
``check_aws``), the local cloud, and moto. Missing optional things are reported, not fatal.
"""

from __future__ import annotations

import configparser
import importlib.util
import os
import sys
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from . import __version__
from .errors import PULUMI_INSTALL_HINT, PlatformError

MIN_PYTHON = (3, 11)

OK, MISSING, WARN, FAIL = "ok", "missing", "warn", "fail"


@dataclass
class Check:
    name: str
    status: str  # ok | missing | warn | fail
    detail: str
    hint: str | None = None
    required: bool = False  # a failed required check makes `platform doctor` exit non-zero


@dataclass
class DoctorReport:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(c.required and c.status in (MISSING, FAIL) for c in self.checks)

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)

    def to_dict(self) -> dict:
        return {"ok": self.ok, "checks": [asdict(c) for c in self.checks]}


def _version_of(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def check_python() -> Check:
    v = sys.version_info
    text = f"{v.major}.{v.minor}.{v.micro} ({sys.executable})"
    if (v.major, v.minor) < MIN_PYTHON:
        return Check("python", FAIL, text, hint="install Python 3.11 or newer", required=True)
    return Check("python", OK, text, required=True)


def check_workspace(explicit: str | None) -> tuple[Check, object | None]:
    from .workspace import WorkspaceContext

    try:
        ws = WorkspaceContext.open(explicit)
    except PlatformError as exc:
        status = MISSING if type(exc).__name__ == "NotFoundError" else FAIL
        return Check("workspace", status, exc.message, hint=exc.hint), None
    cfg = ws.config
    detail = f"{ws.root} (org {cfg.org}, cloud {cfg.cloud.target}, state {cfg.state.url}, secrets {cfg.secrets.provider})"
    return Check("workspace", OK, detail), ws


PASSPHRASE_LIMIT = 64 * 1024  # bytes; a passphrase is a line
CONFIG_FILE_LIMIT = 1024 * 1024  # bytes of an AWS credentials or config file read for its profile names
RESTORE = "restore it (stacks encrypted with it cannot be read without it), or set secrets.provider"


def check_passphrase(ws) -> Check | None:
    """The passphrase file: there, a regular file (a FIFO would stop every engine command), not
    empty, small, and readable by its owner only. Its content is never read."""
    from .files.safe import access_error, existing_file

    if ws.config.secrets.provider != "passphrase":
        return None
    path = ws.passphrase_path()
    try:
        if not existing_file(path):
            return Check("passphrase", FAIL, f"{path} is missing", hint=RESTORE)
        st = path.stat()
    except PlatformError as exc:
        return Check("passphrase", FAIL, exc.message, hint=exc.hint or RESTORE, required=True)
    except OSError as exc:
        err = access_error(path, exc)
        return Check("passphrase", FAIL, err.message, hint=err.hint, required=True)
    if not 0 < st.st_size <= PASSPHRASE_LIMIT:
        what = "empty" if not st.st_size else f"larger than {PASSPHRASE_LIMIT // 1024} KiB"
        return Check("passphrase", FAIL, f"{path}: is {what}, expected the passphrase", hint=RESTORE, required=True)
    mode = st.st_mode & 0o777
    if mode & 0o077:
        return Check("passphrase", WARN, f"{path} is readable by others (mode {mode:o})", hint=f"chmod 600 {path}")
    return Check("passphrase", OK, f"{path} (mode {mode:o})")


def check_pulumi() -> Check:
    from .engine.pulumi_cli import find_pulumi

    try:
        cli = find_pulumi()
    except PlatformError as exc:
        return Check("pulumi-cli", MISSING, exc.message + " (offline commands work without it)",
                     hint=exc.hint or PULUMI_INSTALL_HINT)
    return Check("pulumi-cli", OK, f"{cli.version} at {cli.path}")


def check_sdks() -> list[Check]:
    checks = []
    for dist in ("pulumi", "pulumi_aws", "boto3"):
        v = _version_of(dist)
        checks.append(Check(f"{dist.replace('_', '-')}-sdk", OK if v else MISSING, v or "not installed",
                            hint=None if v else "reinstall the platform: `pip install platform-cli`"))
    return checks


def _profiles(path: Path) -> list[str]:
    """The profile names of an AWS credentials or config file; a file that is not a regular UTF-8
    INI file of bounded size is a SpecError naming it (the AWS SDKs could not read it either)."""
    from .errors import SpecError
    from .files.safe import read_text

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(read_text(path, limit=CONFIG_FILE_LIMIT), source=str(path))
    except configparser.Error as exc:
        raise SpecError(f"{path}: is not an INI file the AWS SDKs can read: {str(exc).splitlines()[0]}",
                        file=str(path)) from None
    return [s.removeprefix("profile ").strip() for s in parser.sections()]


def aws_credential_source(environ: dict[str, str] | None = None) -> str | None:
    """Where AWS credentials would come from, judged from the environment and files only
    (no network call, no credential values read). A credentials or config file that is there but
    cannot be read as one is a PlatformError naming it."""
    from .files.safe import existing_file

    env = os.environ if environ is None else environ
    if env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
        return "environment variables (AWS_ACCESS_KEY_ID)"
    if env.get("AWS_WEB_IDENTITY_TOKEN_FILE") and env.get("AWS_ROLE_ARN"):
        return "web identity (OIDC) token file"
    if env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") or env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        return "container credentials endpoint"
    home = Path(env.get("HOME", str(Path.home())))
    cred_file = Path(env.get("AWS_SHARED_CREDENTIALS_FILE", home / ".aws" / "credentials"))
    config_file = Path(env.get("AWS_CONFIG_FILE", home / ".aws" / "config"))
    wanted = env.get("AWS_PROFILE") or env.get("AWS_DEFAULT_PROFILE") or "default"
    for path, label in ((cred_file, "credentials file"), (config_file, "config file")):
        if existing_file(path) and wanted in _profiles(path):
            return f"profile {wanted!r} in the {label} {path}"
    return None


def check_aws_credentials(environ: dict[str, str] | None = None) -> Check:
    try:
        source = aws_credential_source(environ)
    except PlatformError as exc:  # the AWS SDKs would fail on it (or wait on a FIFO) too
        return Check("aws-credentials", FAIL, exc.message, required=True,
                     hint=exc.hint or "repair the file or move it away; `aws configure` writes a new one")
    if source:
        return Check("aws-credentials", OK, f"found: {source} (not verified; --check-aws calls STS)")
    return Check("aws-credentials", MISSING, "no AWS credentials in the environment or ~/.aws (not needed for the local cloud)",
                 hint="for AWS: `aws configure` / AWS_PROFILE / OIDC in CI; without AWS: `platform local up`")


def check_aws_identity(expected_account: str | None) -> Check:
    from .aws.clients import caller_identity

    try:
        ident = caller_identity()
    except PlatformError as exc:
        return Check("aws-identity", FAIL, exc.message, hint=exc.hint, required=True)
    detail = f"account {ident['Account']} as {ident['Arn']}"
    if expected_account and ident["Account"] != expected_account:
        return Check("aws-identity", FAIL, detail + f"; platform.yaml expects account {expected_account}",
                     hint="use credentials of the workspace's account, or correct cloud.account_id", required=True)
    return Check("aws-identity", OK, detail, required=True)


def check_engine_role(ws) -> Check | None:
    """With an organization whose management account is not the platform account: the engine role exists there
    (required: vended accounts' platform role trusts only it) and the credentials are a session of it. One IAM call."""
    from .aws.platform_role import apart, engine_role_arn, require_engine_role

    org = ws.config.organization
    if org is None or not apart(ws):
        return None
    from .aws.clients import ClientProvider, caller_identity

    provider = ClientProvider(max_attempts=2)
    try:
        require_engine_role(ws, provider)
        ident = caller_identity(provider)
    except PlatformError as exc:
        return Check("engine-role", FAIL, exc.message, hint=exc.hint, required=True)
    partition = ws.catalog.partition(ws.config.cloud.default_region)
    arn = engine_role_arn(partition, ws.config.cloud.account_id, org.engine_role)
    session = f"arn:{partition}:sts::{ws.config.cloud.account_id}:assumed-role/{org.engine_role}/"
    if ident["Arn"].startswith(session):
        return Check("engine-role", OK, f"{arn} exists; the credentials are a session of it", required=True)
    return Check("engine-role", MISSING,
                 f"{arn} exists, but the credentials are {ident['Arn']}: vended accounts' {org.platform_role} trusts "
                 "only the engine role, so their region units would be refused",
                 hint=f"run `platform space apply` with credentials of {arn} (a profile with role_arn, or "
                      "`aws sts assume-role`)")


def check_local_cloud(ws) -> Check:
    from .aws.local_cloud import local_status

    try:
        status = local_status(ws.local_dir)
    except PlatformError as exc:  # a damaged record: reported, the other checks still run
        return Check("local-cloud", FAIL, exc.message, hint=exc.hint)
    if status.running:
        return Check("local-cloud", OK, f"running at {status.endpoint} (pid {status.pid})")
    hint = "`platform local up`" if ws.config.cloud.target == "local" else None
    return Check("local-cloud", MISSING if hint else OK,
                 "not running" + (" (the cloud target is aws: not needed)" if not hint else ""), hint=hint)


def check_python_images(ws) -> Check:
    """platform.yaml ``ci.images.python`` against every template's ``python_version`` (:mod:`.planning.images`)."""
    from .planning.images import python_image_problem
    from .scaffold.templates import list_templates

    image = ws.config.ci.images.python
    problems, checked = [], []
    try:
        templates = [(tpl.name, tpl.variables()) for tpl in list_templates(ws.root)]
    except PlatformError as exc:  # a damaged template: reported, the other checks still run
        return Check("python-image", FAIL, exc.message, hint=exc.hint)
    for name, variables in templates:
        if "image_python" not in variables or "python_version" not in variables:
            continue
        checked.append(f"{name} {variables['python_version']}")
        problem = python_image_problem(image, str(variables["python_version"]), name)
        if problem:
            problems.append(problem)
    if problems:
        return Check("python-image", FAIL, "; ".join(problems), required=True,
                     hint="pin ci.images.python in platform.yaml to the templates' Python (IMAGE:MAJOR.MINOR-VARIANT@sha256:DIGEST)")
    return Check("python-image", OK, f"{image} matches " + (", ".join(checked) or "no template"))


def check_github_actions(ws) -> Check:
    """The actions the templates' GitHub workflows pin, and whether the workspace's GitHub (``ci.hosts.github``) must be
    made to serve them: github.com does; a GitHub Enterprise Server only through GitHub Connect or a mirror."""
    from .planning.ci_hosts import oidc_host
    from .scaffold.templates import list_templates
    from .services.pipeline import actions_host_note, pinned_actions

    try:
        actions = sorted({a for tpl in list_templates(ws.root) for a in pinned_actions(tpl.path)})
    except (PlatformError, OSError) as exc:
        return Check("github-actions", FAIL, str(exc))
    github = oidc_host(ws.config.ci.hosts, "github")
    note = actions_host_note(github, actions)
    if note is None:
        return Check("github-actions", OK, f"{github.hostname} serves the {len(actions)} actions the workflows pin")
    return Check("github-actions", WARN, note, hint="enable GitHub Connect's automatic access to GitHub.com actions, "
                 "or sync each repository with actions-sync under the same owner/name (the README lists them)")


def check_moto() -> Check:
    v = _version_of("moto")
    missing = [m for m in ("moto", "flask", "flask_cors") if not _has_module(m)]
    if "moto" not in missing and not _moto_server_present():
        missing.append("moto.server")
    if v is None or missing:
        return Check("moto", MISSING, f"moto's server cannot run (missing: {', '.join(missing) or 'moto'})",
                     hint="pip install 'moto[server]' (needed for the local cloud only)")
    return Check("moto", OK, f"{v} (server available for the local cloud)")


def _moto_server_present() -> bool:
    """Whether moto ships its server module, found without importing moto (which loads boto3)."""
    spec = importlib.util.find_spec("moto")
    locations = list(spec.submodule_search_locations or []) if spec else []
    return any((Path(loc) / "server.py").is_file() for loc in locations)


def _has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def run_doctor(workspace: str | None = None, *, check_aws: bool = False) -> DoctorReport:
    """Every check; nothing is changed and no network call is made unless ``check_aws``."""
    report = DoctorReport()
    report.checks.append(check_python())
    report.checks.append(Check("platform", OK, f"{__version__} ({Path(__file__).parent})"))
    ws_check, ws = check_workspace(workspace)
    report.checks.append(ws_check)
    if ws is not None:
        passphrase = check_passphrase(ws)
        if passphrase:
            report.checks.append(passphrase)
        report.checks.append(check_python_images(ws))
        report.checks.append(check_github_actions(ws))
    report.checks.append(check_pulumi())
    report.checks.extend(check_sdks())
    report.checks.append(check_aws_credentials())
    if check_aws:
        report.checks.append(check_aws_identity(ws.config.cloud.account_id if ws is not None else None))
        engine = check_engine_role(ws) if ws is not None else None
        if engine is not None:
            report.checks.append(engine)
    report.checks.append(check_moto())
    if ws is not None:
        report.checks.append(check_local_cloud(ws))
    return report
