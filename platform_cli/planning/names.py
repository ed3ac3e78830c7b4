"""Names of units, Pulumi projects and stacks, and AWS resources: pure functions."""

from __future__ import annotations

import hashlib
import re

MANAGED_BY = "platform"


def space_name(team: str, env: str) -> str:
    """The space of a team in one environment: the value of every resource's platform:space tag,
    which IAM conditions compare against."""
    return f"{team}-{env}"


def partition_of_region(region: str) -> str:
    """AWS partition of a region code, from its name alone (the markets file says it too)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def space_unit(team: str, env: str, region: str) -> str:
    return f"space/{team}/{env}/{region}"


def service_unit(team: str, service: str, env: str, region: str) -> str:
    return f"service/{team}/{service}/{env}/{region}"


def parse_unit(unit: str) -> dict[str, str]:
    """'space/payments/prod/eu-west-1' -> {'kind': 'space', 'team': ..., 'env': ..., 'region': ...}."""
    parts = unit.split("/")
    if parts[0] == "space" and len(parts) == 4:
        return {"kind": "space", "team": parts[1], "env": parts[2], "region": parts[3]}
    if parts[0] == "service" and len(parts) == 5:
        return {"kind": "service", "team": parts[1], "service": parts[2], "env": parts[3], "region": parts[4]}
    raise ValueError(f"not a unit id: {unit!r}")


def pulumi_project(unit: str) -> str:
    """Pulumi project of a unit: one per space, one per service."""
    p = parse_unit(unit)
    if p["kind"] == "space":
        return f"space-{p['team']}"
    return f"service-{p['team']}-{p['service']}"


def pulumi_stack(unit: str) -> str:
    """Pulumi stack of a unit within its project: ENV.REGION."""
    p = parse_unit(unit)
    return f"{p['env']}.{p['region']}"


_REGION_SHORT = {"north": "n", "south": "s", "east": "e", "west": "w", "central": "c",
                 "northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw"}


def short_region(region: str) -> str:
    """eu-central-1 -> euc1, ap-southeast-2 -> apse2."""
    parts = region.split("-")
    if len(parts) == 3:
        return parts[0] + _REGION_SHORT.get(parts[1], parts[1][:2]) + parts[2]
    return re.sub(r"[^a-z0-9]", "", region)


def resource_name(*parts: str, max_len: int = 63) -> str:
    """Join parts with '-', lowercase; shorten with a stable hash suffix when too long."""
    name = "-".join(p for p in parts if p).lower()
    name = re.sub(r"[^a-z0-9-]", "-", name)
    if len(name) <= max_len:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return name[: max_len - 9].rstrip("-") + "-" + digest


def space_prefix(team: str, env: str, region: str) -> str:
    """Prefix of every resource of a space unit, e.g. payments-prod-euc1."""
    return resource_name(team, env, short_region(region), max_len=40)


def bucket_name(org: str, team: str, env: str, region: str, purpose: str, account_id: str) -> str:
    """Globally unique S3 bucket name within the 63-character limit."""
    suffix = hashlib.sha256(f"{account_id}/{org}".encode()).hexdigest()[:6]
    return resource_name(org, team, env, short_region(region), purpose, suffix)


def bucket_prefix(org: str, team: str, env: str, region: str) -> str:
    """What every :func:`bucket_name` of a space starts with (also when the name is shortened)."""
    stem = resource_name(org, team, env, short_region(region), max_len=10**6)
    return (stem + "-")[:54].rstrip("-") + "-"


def ci_audience(gitlab_url: str, env: str) -> str:
    """The OIDC audience (``aud``) of GitLab CI jobs deploying environment ENV:
    ``GITLAB_URL/platform/ENV`` (trailing slashes of the URL dropped), e.g.
    ``https://gitlab.com/platform/prod``.

    GitLab's ``sub`` names project and ref but no environment, and IAM evaluates only ``aud``
    and ``sub`` of an OIDC token: the audience is what keeps a job of one environment from
    assuming another environment's deploy role. Deploy jobs request it (``id_tokens``), each
    environment's CI deploy role requires it, and the GitLab OIDC provider lists it as a
    client id. Stable: changing it locks every pipeline out until roles and jobs agree again."""
    return f"{gitlab_url.rstrip('/')}/platform/{env}"
