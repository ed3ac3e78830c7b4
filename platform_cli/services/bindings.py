"""Editing a service repository's bindings, and explaining them.

* :func:`bind`, :func:`unbind` edit ``service.yaml`` (comments and order kept) and the Backstage
  ``catalog-info.yaml`` as one crash-safe edit; only offerings and plans the space's blueprint
  allows are accepted.
* :func:`show` explains a service: its bindings and the names the app reads them under.
* :func:`editing_service` is the lock every read-modify-write of those two files happens under.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..errors import ConflictError, NotFoundError, SpecError, UsageError
from ..files.safe import file_lock, present
from ..files.together import FileEdit, recover, write_together
from ..model import Service
from ..model.base import DNS_NAME, plain
from ..planning import collisions
from ..planning.aws_rules import check_part
from ..service_repo import ANNOTATION, CATALOG_FILE, BindingInfo, backstage_resource_name, binding_info, check_binding
from ..servicespec import service_file
from ..yamlio import RoundTrip, load_yaml, parse_yaml_all
from .answers import ANSWERS_FILE


def _say(message: str) -> None:
    print(message, file=sys.stderr)


@contextlib.contextmanager
def editing_service(ws, service_dir: Path | str, notify: Callable[[str], None] | None = None) -> Iterator[Path]:
    """Lock the service folder, finish an edit a crash interrupted, THEN yield service.yaml's path
    for reading: every read-modify-write of service.yaml and catalog-info.yaml happens inside."""
    path = service_file(service_dir)
    with file_lock(path.parent):
        recover(_edits_dir(ws), str(path.parent), [path, path.parent / CATALOG_FILE], notify or _say)
        yield path


def _edits_dir(ws) -> Path:
    return ws.local_dir / "edits"


def _bindings_edit(ws, path: Path, what: str, edit: RoundTrip, svc: Service, bindings: list[tuple[str, str, str]]) -> None:
    """Write service.yaml (EDIT) and catalog-info.yaml (its binding resources) as one crash-safe edit."""
    Service.parse(plain(edit.doc), source=str(path))
    catalog = _catalog_edit(path.parent, svc.name, svc.space, bindings)
    edits = [FileEdit(path, edit.render(), edit.original)] + ([FileEdit(*catalog)] if catalog else [])
    write_together(_edits_dir(ws), str(path.parent), what, edits)


def bind(ws, service_dir: Path | str, offering: str, plan: str, name: str | None = None,
         notify: Callable[[str], None] | None = None) -> BindingInfo:
    """Add binding NAME (default: the offering's name) of OFFERING with PLAN to the service."""
    name = name or offering
    if not re.fullmatch(DNS_NAME, name):
        raise UsageError(f"binding name {name!r} is not DNS-safe: expected 2-32 lowercase letters, digits and hyphens")
    check_part("binding", name, offering=offering)
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    with editing_service(ws, service_dir, notify) as path:
        svc = Service.load(path)
        bp = ws.catalog.blueprint(ws.space(svc.space).blueprint)
        off, pl = check_binding(ws.catalog, bp, offering, plan)
        collisions.refuse(collisions.binding_collisions(svc.name, name))
        if any(b.name == name for b in svc.bindings):
            raise ConflictError(f"{path}: binding {name!r} exists already; nothing was changed",
                                hint="choose another --name, or `platform service unbind` it first")
        edit = RoundTrip(path)
        doc = edit.load()
        entry = CommentedMap([("name", name), ("offering", offering), ("plan", plan)])
        seq = doc.get("bindings")
        if seq is None:
            seq = CommentedSeq()
            keys = list(doc.keys())
            pos = keys.index("rollout") if "rollout" in keys else (keys.index("environments") if "environments" in keys else len(keys))
            doc.insert(pos, "bindings", seq)
        if len(seq) == 0:
            seq.fa.set_block_style()
        seq.append(entry)
        _bindings_edit(ws, path, f"service bind {name}", edit, svc,
                       [(b.name, b.offering, b.plan) for b in svc.bindings] + [(name, offering, plan)])
    return BindingInfo(name, offering, plan, list(off.binding_keys), pl.monthly_usd)


def unbind(ws, service_dir: Path | str, name: str,
           confirm: Callable[[BindingInfo], None] | None = None,
           notify: Callable[[str], None] | None = None) -> BindingInfo:
    """Remove binding NAME from the service: the next deploy deletes its resource, data included.

    ``confirm`` is called with the binding before anything is written (and before the service
    folder is locked); it raises (e.g. UserAbort) to keep the binding.
    """
    def find(svc: Service, path: Path) -> BindingInfo:
        found = next((b for b in svc.bindings if b.name == name), None)
        if found is None:
            raise NotFoundError(f"{path}: no binding {name!r}; bindings: {', '.join(b.name for b in svc.bindings) or 'none'}")
        return binding_info(ws.catalog, found.name, found.offering, found.plan)

    with editing_service(ws, service_dir, notify) as path:
        binding = find(Service.load(path), path)
    if confirm is not None:
        confirm(binding)
    with editing_service(ws, service_dir, notify) as path:
        svc = Service.load(path)  # read again under the lock: the file may have changed during the question
        if find(svc, path) != binding:
            raise ConflictError(f"{path}: binding {name!r} changed while you were asked; nothing was changed",
                                hint="run the command again")
        edit = RoundTrip(path)
        doc = edit.load()
        seq = doc["bindings"]
        for i, item in enumerate(seq):
            if item.get("name") == name:
                del seq[i]
                break
        if len(seq) == 0:
            seq.fa.set_flow_style()
        _bindings_edit(ws, path, f"service unbind {name}", edit, svc,
                       [(b.name, b.offering, b.plan) for b in svc.bindings if b.name != name])
    return binding


def show(ws, service_dir: Path | str) -> dict[str, Any]:
    """The service as the platform sees it, with the names its app reads each binding under.
    An edit of the service that a crash interrupted is finished first (and reported on stderr)."""
    if ws is not None:
        with editing_service(ws, service_dir) as path:
            svc = Service.load(path)
    else:
        path = service_file(service_dir)
        svc = Service.load(path)
    catalog = ws.catalog if ws is not None else None
    answers_path = path.parent / ANSWERS_FILE
    template = None
    if present(answers_path):
        data = load_yaml(answers_path)
        if isinstance(data, dict):
            template = {"name": data.get("template"), "version": data.get("template_version")}
    bindings = [(binding_info(catalog, b.name, b.offering, b.plan) if catalog else BindingInfo(b.name, b.offering, b.plan, []))
                for b in svc.bindings]
    return {
        "name": svc.name, "space": svc.space, "kind": svc.kind, "description": svc.description, "file": str(path),
        "template": template,
        "port": svc.port if svc.kind == "web" else None,
        "health_path": svc.health_path if svc.kind == "web" else None,
        "environments": {k: {"regions": e.regions, "markets": e.markets} for k, e in svc.environments.items()},
        "bindings": [b.to_json() for b in bindings],
    }


# Backstage catalog ------------------------------------------------------------------
def _catalog_edit(folder: Path, service: str, team: str,
                  bindings: list[tuple[str, str, str]]) -> tuple[Path, str, str] | None:
    """(path, new text, old text) of catalog-info.yaml with one Backstage Resource per binding
    (other documents, comments and indentation kept); None when the service has no catalog file.
    A catalog the edit cannot understand is a SpecError naming the file and field; nothing is
    written here."""
    path = folder / CATALOG_FILE
    if not present(path):
        return None
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    edit = RoundTrip(path, multi=True)
    _check_catalog(path, parse_yaml_all(edit.original, source=str(path)))
    docs = edit.load()
    kept = [d for d in docs if not (isinstance(d, dict) and d.get("kind") == "Resource"
                                    and f"{ANNOTATION}/binding" in ((d.get("metadata") or {}).get("annotations") or {}))]
    component = next((d for d in kept if isinstance(d, dict) and d.get("kind") == "Component"), None)
    refs = [f"resource:{backstage_resource_name(service, b[0])}" for b in bindings]
    if component is not None:
        if component.get("spec") is None:
            component["spec"] = CommentedMap()
        spec = component["spec"]
        old = list(spec.get("dependsOn") or [])
        others = [r for r in old if not str(r).startswith(f"resource:{service}-")]
        seq = CommentedSeq(others + refs)
        if not seq:
            seq.fa.set_flow_style()
        spec["dependsOn"] = seq
    for name, offering, plan in bindings:
        kept.append(CommentedMap([
            ("apiVersion", "backstage.io/v1alpha1"),
            ("kind", "Resource"),
            ("metadata", CommentedMap([
                ("name", backstage_resource_name(service, name)),
                ("description", f"{offering} binding {name} (plan {plan}) of {service}"),
                ("annotations", CommentedMap([(f"{ANNOTATION}/binding", name), (f"{ANNOTATION}/offering", offering),
                                              (f"{ANNOTATION}/plan", plan)])),
            ])),
            ("spec", CommentedMap([("type", offering), ("owner", f"group:{team}"), ("system", team)])),
        ]))
    docs[:] = kept
    return path, edit.render(), edit.original


def _check_catalog(path: Path, docs: list[Any]) -> None:
    """Refuse a catalog-info.yaml whose documents are not shaped like Backstage entities where
    the binding edit reads them: every document a mapping; metadata, metadata.annotations and
    spec mappings; spec.dependsOn a list."""

    def kind_of(value: Any) -> str:
        return "a list" if isinstance(value, list) else f"a {type(value).__name__}"

    problems = []
    for i, doc in enumerate(docs, start=1):
        where = f"{path}: document {i}"
        if doc is None:
            continue
        if not isinstance(doc, dict):
            problems.append(f"{where}: expected a mapping (a Backstage entity), found {kind_of(doc)}")
            continue
        where += f" ({doc['kind']})" if isinstance(doc.get("kind"), str) else ""
        for key in ("metadata", "spec"):
            value = doc.get(key)
            if value is not None and not isinstance(value, dict):
                problems.append(f"{where}: {key}: expected a mapping, found {kind_of(value)}")
        metadata, spec = doc.get("metadata"), doc.get("spec")
        if isinstance(metadata, dict):
            annotations = metadata.get("annotations")
            if annotations is not None and not isinstance(annotations, dict):
                problems.append(f"{where}: metadata.annotations: expected a mapping, found {kind_of(annotations)}")
        if doc.get("kind") == "Component" and isinstance(spec, dict):
            depends = spec.get("dependsOn")
            if depends is not None and not isinstance(depends, list):
                problems.append(f"{where}: spec.dependsOn: expected a list of entity references, found {kind_of(depends)}")
    if problems:
        raise SpecError(f"{path}: cannot record the bindings in the Backstage catalog; nothing was changed",
                        file=str(path), problems=problems,
                        hint=f"fix {path.name} (or remove it: the service then has no catalog entry) and run the command again")
