"""Loading, once, everything a render runs (the SDK, the pulumi_aws modules the stacks use, the stacks'
programs), then freezing it out of the garbage collector's reach.

pulumi_aws loads each service module (``pulumi_aws.ec2``, ...) lazily on first use, and loading
them is most of a unit's first render (hundreds of generated modules). The render pool's fork
server imports this module before it forks any worker; without it every worker would load them
again on its first unit. ``tests/render/test_warm.py`` checks that a render loads nothing more.

What is loaded is a quarter of a million objects that live as long as the process. Left to the
collector, every full collection during a render walks them all, and in a forked worker that walk
writes into pages shared with the fork server, copying them (a quarter of a worker's time in a
fleet render went there). ``gc.freeze()`` moves them to a generation the collector never visits,
as the ``gc`` documentation advises before forking; a process rendering many units in itself
(a pool of one) does the same.
"""

from __future__ import annotations

import gc
import importlib

import pulumi_aws

SERVICES = ("acm", "appautoscaling", "budgets", "cloudwatch", "dynamodb", "ec2", "ecr", "ecs", "elasticache", "iam",
            "kms", "lb", "rds", "route53", "s3", "secretsmanager", "sns", "sqs", "vpc")
"""The pulumi_aws service modules the stacks create resources from."""

MODULES = ("platform_cli.render.runner", "stacks.programs", "stacks.space", "stacks.service")
"""The platform's render code and the stacks' programs."""


def load() -> None:
    """Load every module of :data:`SERVICES` (an attribute access makes a lazy module load) and of
    :data:`MODULES`, then freeze every object the process holds (see the module docstring)."""
    for name in SERVICES:
        getattr(getattr(pulumi_aws, name), "__all__", None)
    for name in MODULES:
        importlib.import_module(name)
    gc.collect()  # what is garbage now is not frozen with the rest
    gc.freeze()


load()
