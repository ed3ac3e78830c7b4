"""The engine: the only package that imports ``pulumi.automation``.

``get_engine(ws)`` returns a :class:`PulumiEngine` implementing ``platform_cli.units.Engine``
(up, destroy, preview) plus refresh and outputs. Each unit is one Pulumi stack whose program
runs inline in its own OS process. Importing this package is cheap: pulumi is imported by
the worker processes only.
"""

from __future__ import annotations

from .pulumi_cli import PulumiCli, find_pulumi

__all__ = ["PulumiCli", "PulumiEngine", "find_pulumi", "get_engine"]


def __getattr__(name: str):
    if name in ("PulumiEngine", "get_engine"):
        from . import pulumi_engine

        return getattr(pulumi_engine, name)
    raise AttributeError(name)
