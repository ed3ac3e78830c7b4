"""Rendering a cookiecutter template safely: the only module that imports cookiecutter.

The template renders into a fresh temporary folder next to the destination; only when
rendering (hooks included) succeeded is the result moved into place with one rename. An
existing destination is never overwritten or deleted, and a failure leaves nothing behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConflictError, PlatformError, SpecError, UsageError


@dataclass
class RenderResult:
    path: Path  # where the project is (or would be, on a dry run)
    files: list[str]  # paths relative to the project, sorted
    context: dict[str, Any]  # the answers the template rendered with
    texts: dict[str, str] = field(default_factory=dict)  # rendered text of the files asked for with ``read``


MAX_TEMPLATE_FILE = 16 * 1024 * 1024
"""Bytes of one file of a template: cookiecutter reads each file whole."""


def check_template_tree(template: Path) -> None:
    """Refuse, naming it, what cookiecutter must not read in TEMPLATE: anything that is not a folder
    or a regular file of at most MAX_TEMPLATE_FILE bytes (it would wait on a FIFO and read a link to
    /dev/zero without end), and a link that leads out of the template (it would copy, say, a
    credentials file into the generated repository)."""
    from ..files.safe import regular_file

    top = Path(os.path.realpath(template))

    def inside(path: Path) -> None:
        if os.path.islink(path) and not Path(os.path.realpath(path)).is_relative_to(top):
            raise SpecError(f"{path}: is a link to {os.readlink(path)}, outside the template {template}",
                            file=str(path), hint="put the file itself into the template")

    for folder, dirs, files in os.walk(template):  # links to folders are not walked: checked as entries
        for name in [*dirs, *files]:
            path = Path(folder) / name
            if name in dirs and path.is_dir():
                inside(path)
                continue
            regular_file(path)  # names a FIFO, a device, a dangling link or a loop
            inside(path)
            if path.stat().st_size > MAX_TEMPLATE_FILE:
                raise SpecError(f"{path}: file is larger than {MAX_TEMPLATE_FILE // (1024 * 1024)} MiB, too large "
                                "for a template file", file=str(path))


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _context(template: Path, answers: dict[str, Any], replace: dict[str, Any]) -> dict[str, Any]:
    """Cookiecutter's context: defaults, overridden by ``answers`` (choices checked), with
    ``replace`` set verbatim (dict variables whose keys must not merge with the defaults)."""
    from cookiecutter.exceptions import CookiecutterException
    from cookiecutter.generate import generate_context
    from cookiecutter.prompt import prompt_for_config

    try:
        context = generate_context(context_file=str(template / "cookiecutter.json"), default_context={},
                                   extra_context=answers)
    except ValueError as exc:  # a choice outside its list
        raise UsageError(f"template {template.name}: {exc}") from None
    except CookiecutterException as exc:
        raise SpecError(f"template {template.name}: cookiecutter.json: {exc}") from None
    for key, value in replace.items():
        if key not in context["cookiecutter"]:
            raise SpecError(f"template {template.name}: has no variable {key!r}")
        context["cookiecutter"][key] = value
    try:
        context["cookiecutter"] = prompt_for_config(context, no_input=True)
    except CookiecutterException as exc:
        raise SpecError(f"template {template.name}: cannot render its variables: {exc}") from None
    context["cookiecutter"]["_template"] = str(template)
    context["cookiecutter"]["_repo_dir"] = str(template)
    context["cookiecutter"]["_checkout"] = None
    context["_cookiecutter"] = {k: v for k, v in context["cookiecutter"].items() if not k.startswith("_")}
    return context


def render_template(template: Path, destination: Path, *, answers: dict[str, Any],
                    replace: dict[str, Any] | None = None, dry_run: bool = False,
                    read: tuple[str, ...] = ()) -> RenderResult:
    """Render ``template`` to the folder ``destination`` (its name must be the rendered project's name).

    Raises ConflictError when ``destination`` exists; nothing is written on a dry run. The text of
    the files named in ``read`` (relative paths) is returned in ``texts``, on a dry run too.
    """
    from cookiecutter.exceptions import CookiecutterException, FailedHookException
    from cookiecutter.generate import generate_files
    from jinja2 import TemplateError

    destination = destination.absolute()
    check_template_tree(template)  # before anything is made
    if destination.exists() or destination.is_symlink():
        raise ConflictError(f"{destination} already exists; nothing was changed",
                            hint="choose another name or --output-dir, or remove the folder yourself")
    parent = destination.parent
    created: list[Path] = []
    if not dry_run:
        for folder in reversed([parent, *parent.parents]):
            if not folder.exists():
                try:
                    folder.mkdir()
                except OSError as exc:
                    _remove_created(created)
                    raise UsageError(f"cannot create {folder}: {exc.strerror}") from None
                created.append(folder)
    staging_parent = parent if not dry_run else None
    staging = Path(tempfile.mkdtemp(prefix=".platform-new-", dir=staging_parent))
    try:
        context = _context(template, answers, replace or {})
        context["cookiecutter"]["_output_dir"] = str(staging)
        try:
            project = Path(generate_files(repo_dir=str(template), context=context, output_dir=str(staging),
                                          overwrite_if_exists=False, accept_hooks=True))
        except FailedHookException as exc:
            raise UsageError(f"template {template.name} refused the answers: {exc}",
                             hint="check the service name (DNS-safe: lowercase letters, digits, hyphens) and --ci") from None
        except CookiecutterException as exc:
            raise SpecError(f"template {template.name} failed to render: {type(exc).__name__}: {exc}") from None
        except TemplateError as exc:
            raise SpecError(f"template {template.name} failed to render: {exc}") from None
        if project.name != destination.name:
            raise SpecError(f"template {template.name} rendered {project.name!r}, expected {destination.name!r}")
        files = _files(project)
        missing = [r for r in read if r not in files]
        if missing:
            raise SpecError(f"template {template.name} rendered no {', '.join(missing)}")
        texts = {r: (project / r).read_text(encoding="utf-8") for r in read}
        if not dry_run:
            if destination.exists() or destination.is_symlink():
                raise ConflictError(f"{destination} appeared while rendering; nothing was changed")
            os.rename(project, destination)
        return RenderResult(path=destination, files=files, context=dict(context["cookiecutter"]), texts=texts)
    except PlatformError:
        shutil.rmtree(staging, ignore_errors=True)
        _remove_created(created)
        raise
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        _remove_created(created)
        raise UsageError(f"cannot write {destination}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _remove_created(created: list[Path]) -> None:
    """Remove folders this render created (innermost first), only while they are empty."""
    for folder in reversed(created):
        try:
            folder.rmdir()
        except OSError:
            break
