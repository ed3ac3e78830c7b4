"""Credentials of the service's bindings, read the way the platform injects them.

The platform creates each binding (a database, a queue, ...) with a secret holding the
servicebinding.io well-known keys and hands the keys to the container as secrets,
never as plain configuration. The app reads them in one of two ways:

* Environment variables ``BINDING_<NAME>_<KEY>``: the binding name and the key upper-cased,
  every character other than a letter or digit turned into ``_``. Binding ``orders-db``,
  key ``password`` -> ``BINDING_ORDERS_DB_PASSWORD``.
* Files, per https://servicebinding.io: when ``SERVICE_BINDING_ROOT`` is set, binding
  ``orders-db`` is the folder ``$SERVICE_BINDING_ROOT/orders-db`` with one file per key.
  Files win over environment variables.

{% if cookiecutter.bindings -%}
This service's bindings (``service.yaml``)::
{% for name, b in cookiecutter.bindings.items() %}
    {{ name }} ({{ b.offering }}): {{ b.env.values() | join(", ") | wordwrap(80, wrapstring="\n        ") }}
{%- endfor %}
{%- set first = cookiecutter.bindings | list | first %}

Usage::

    from app import bindings

    {{ first | replace("-", "_") }} = bindings.binding("{{ first }}")
    uri = {{ first | replace("-", "_") }}["uri"]
{% else -%}
This service has no bindings yet (``platform service bind . --offering postgres --plan dev
--name db`` adds one). Usage::

    from app import bindings

    db = bindings.binding("db")   # {"type": "postgresql", "host": ..., "password": ...}
    uri = db["uri"]
{% endif -%}
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

# The keys a binding can hold (servicebinding.io well-known keys and a few more).
KEYS = ("type", "provider", "host", "port", "uri", "username", "password", "database", "name", "arn", "url")


class BindingNotFoundError(LookupError):
    """The binding is not injected into this process."""


def _upper(part: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", part).upper()


def env_name(binding_name: str, key: str) -> str:
    """The environment variable holding ``key`` of ``binding_name``."""
    return f"BINDING_{_upper(binding_name)}_{_upper(key)}"


def _from_files(root: Path, name: str) -> dict[str, str]:
    folder = root / name
    if not folder.is_dir():
        return {}
    values = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            values[path.name] = path.read_text(encoding="utf-8").rstrip("\n")
    return values


def binding(name: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every key of binding ``name``; raises BindingNotFoundError when it is not injected."""
    environ = os.environ if environ is None else environ
    root = environ.get("SERVICE_BINDING_ROOT")
    if root:
        values = _from_files(Path(root), name)
        if values:
            return values
    values = {key: environ[env_name(name, key)] for key in KEYS if env_name(name, key) in environ}
    if not values:
        where = f"{root}/{name}/ or " if root else ""
        raise BindingNotFoundError(
            f"binding {name!r} is not injected: expected {where}{env_name(name, 'type')} and its other keys"
        )
    return values


def names(environ: Mapping[str, str] | None = None) -> list[str]:
    """Names of the bindings present (from SERVICE_BINDING_ROOT folders, else from *_TYPE variables)."""
    environ = os.environ if environ is None else environ
    found: set[str] = set()
    root = environ.get("SERVICE_BINDING_ROOT")
    if root and Path(root).is_dir():
        found.update(p.name for p in Path(root).iterdir() if p.is_dir() and not p.name.startswith("."))
    for var in environ:
        if var.startswith("BINDING_") and var.endswith("_TYPE"):
            found.add(var[len("BINDING_") : -len("_TYPE")].lower().replace("_", "-"))
    return sorted(found)


def of_type(binding_type: str, environ: Mapping[str, str] | None = None) -> dict[str, dict[str, str]]:
    """Bindings whose ``type`` is ``binding_type`` (e.g. postgresql, sqs), by name."""
    result = {}
    for name in names(environ):
        try:
            values = binding(name, environ)
        except BindingNotFoundError:
            continue
        if values.get("type") == binding_type:
            result[name] = values
    return result
