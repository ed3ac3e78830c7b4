"""Loading, once, the pulumi_aws modules the stacks use, so render workers fork with them in memory.

pulumi_aws loads each service module (``pulumi_aws.ec2``, ...) lazily on first use, and loading
them is most of a unit's first render (hundreds of generated modules). The render pool's fork
server imports this module before it forks any worker; without it every worker would load them
again on its first unit. ``tests/render/test_warm.py`` checks that a render loads nothing more.
"""

from __future__ import annotations

import pulumi_aws

SERVICES = ("acm", "appautoscaling", "budgets", "cloudwatch", "dynamodb", "ec2", "ecr", "ecs", "elasticache", "iam",
            "kms", "lb", "rds", "route53", "s3", "secretsmanager", "sns", "sqs", "vpc")
"""The pulumi_aws service modules the stacks create resources from."""


def load() -> None:
    """Load every module of :data:`SERVICES` (an attribute access makes a lazy module load)."""
    for name in SERVICES:
        getattr(getattr(pulumi_aws, name), "__all__", None)


load()
