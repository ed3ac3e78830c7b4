"""Names of units, Pulumi projects and stacks, state keys, secrets and AWS resources: pure functions.

One rule makes every derived name unique: the parts a name is built from (org, team, env,
region, service, binding, purpose) are joined by :data:`SEP`, ``--``, which no part may
contain (``check_part`` in :mod:`.aws_rules` refuses it when the name is given; it is also
RDS's rule). Splitting a name at ``--`` gives its parts back, so two different combinations
never render the same name, and a space's prefix followed by ``--`` starts no other space's
names (team ``shop`` env ``prod-eu`` is ``shop--prod-eu``; team ``shop-prod`` env ``eu`` is
``shop-prod--eu``).

* A name longer than its AWS limit keeps a readable start and ends with ``--`` and 8 hex
  digits of the full name's SHA-256 (:func:`shorten`). The workspace check
  (:mod:`.collisions`) refuses the rare combination whose shortened names meet another's.
* RDS identifiers and ElastiCache ids may not contain ``--``: :func:`flat_name` joins with
  single hyphens and always ends with the hash of the ``--`` name.
* Tag values, Pulumi projects, state keys and secret names use separators names cannot hold
  at all (``--``, ``.``, ``/``).
"""

from __future__ import annotations

import hashlib
import re

MANAGED_BY = "platform"
SEP = "--"
"""Separator of the parts of every resource name; no part may contain it."""
HASH_LEN = 8


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:HASH_LEN]


def join(*parts: str) -> str:
    """The injective core: non-empty parts joined by :data:`SEP`."""
    return SEP.join(p for p in parts if p)


def shorten(name: str, max_len: int, *, sep: str = SEP) -> str:
    """NAME when it fits MAX_LEN; else its start, SEP and 8 hex digits of NAME's SHA-256."""
    if len(name) <= max_len:
        return name
    keep = max_len - len(sep) - HASH_LEN
    return name[:keep].rstrip("-") + sep + _digest(name)


def _clean(part: str) -> str:
    return re.sub(r"[^a-z0-9-]", "-", part.lower()).strip("-")


def resource_name(*parts: str, max_len: int = 63) -> str:
    """PARTS (lowercased) joined by ``--``; shortened with a stable hash suffix when longer than MAX_LEN."""
    return shorten(join(*(_clean(p) for p in parts)), max_len)


def flat_name(*parts: str, max_len: int = 63) -> str:
    """For AWS types that forbid ``--`` (RDS identifiers, ElastiCache ids): PARTS joined by single
    hyphens, always ending with ``-`` and the hash of the ``--`` name, which keeps them apart."""
    canonical = resource_name(*parts, max_len=10**6)
    stem = re.sub(r"-+", "-", canonical)
    keep = max_len - 1 - HASH_LEN
    return stem[:keep].rstrip("-") + "-" + _digest(canonical)


def flat_prefix(prefix: str) -> str:
    """What every :func:`flat_name` under PREFIX starts with (before its ``-`` and the rest)."""
    return re.sub(r"-+", "-", prefix)


def space_name(team: str, env: str) -> str:
    """The space of a team in one environment: ``TEAM--ENV``, the value of every resource's
    ``platform:space`` tag, which IAM conditions compare against."""
    return join(team, env)


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


PROJECT_SEP = "."
"""Separator of Pulumi project names (``space.TEAM``, ``service.TEAM.SERVICE``): names hold no dot, so
no team's projects (and state keys) start with another team's prefix."""


def space_project(team: str) -> str:
    return f"space{PROJECT_SEP}{team}"


def service_project_prefix(team: str) -> str:
    """What every service project of TEAM starts with, and no other team's: ``service.TEAM.``."""
    return f"service{PROJECT_SEP}{team}{PROJECT_SEP}"


def pulumi_project(unit: str) -> str:
    """Pulumi project of a unit: one per space (``space.TEAM``), one per service (``service.TEAM.SERVICE``)."""
    p = parse_unit(unit)
    if p["kind"] == "space":
        return space_project(p["team"])
    return service_project_prefix(p["team"]) + p["service"]


def pulumi_stack(unit: str) -> str:
    """Pulumi stack of a unit within its project: ENV.REGION."""
    p = parse_unit(unit)
    return f"{p['env']}.{p['region']}"


_REGION_SHORT = {"north": "n", "south": "s", "east": "e", "west": "w", "central": "c",
                 "northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw"}


def short_region(region: str) -> str:
    """eu-central-1 -> euc1, ap-southeast-2 -> apse2 (never a hyphen)."""
    parts = region.split("-")
    if len(parts) == 3:
        return parts[0] + _REGION_SHORT.get(parts[1], parts[1][:2]) + parts[2]
    return re.sub(r"[^a-z0-9]", "", region)


SPACE_PREFIX_MAX = 40
SERVICE_PREFIX_MAX = 50  # + '--execution' fits an IAM role name (64)


def space_prefix(team: str, env: str, region: str) -> str:
    """Prefix of every resource name of a space unit: ``TEAM--ENV--REGION`` (e.g. payments--prod--euc1)."""
    return resource_name(team, env, short_region(region), max_len=SPACE_PREFIX_MAX)


def grant_prefix(team: str, env: str, region: str) -> str:
    """What every name under a space unit's prefix starts with, and no other unit's names: the prefix
    and ``--``, for ARN patterns such as ``role/PREFIX--*``. (Resources named exactly the prefix, the
    ECS cluster and ECR repository, need the prefix itself.)"""
    return space_prefix(team, env, region) + SEP


def service_prefix(team: str, env: str, region: str, service: str) -> str:
    """Prefix of a service unit's resource names: the space prefix, ``--``, the service (its start and a
    hash when too long), so that every name of the service starts with :func:`grant_prefix`."""
    space = space_prefix(team, env, region)
    name = join(space, service)
    if len(name) <= SERVICE_PREFIX_MAX:
        return name
    keep = SERVICE_PREFIX_MAX - len(space) - len(SEP) - 1 - HASH_LEN
    digest = _digest(name)
    return join(space, f"{service[:keep].rstrip('-')}-{digest}" if keep > 0 else digest)


BUCKET_MAX = 63


def bucket_name(org: str, team: str, env: str, region: str, purpose: str, account_id: str, *more: str) -> str:
    """Globally unique S3 bucket name within the 63-character limit: ORG--TEAM--ENV--REGION--PURPOSE--HASH."""
    suffix = hashlib.sha256(f"{account_id}/{org}".encode()).hexdigest()[:6]
    return resource_name(org, team, env, short_region(region), purpose, *more, suffix, max_len=BUCKET_MAX)


def bucket_prefix(org: str, team: str, env: str, region: str) -> str:
    """What every :func:`bucket_name` of a space starts with (also when the name is shortened)."""
    stem = join(org, team, env, short_region(region)) + SEP
    keep = BUCKET_MAX - len(SEP) - HASH_LEN
    return stem if len(stem) < keep else stem[:keep].rstrip("-")


SECRET_ROOT = "platform"


def secret_prefix(team: str, env: str | None = None) -> str:
    """What every binding secret of TEAM (of ENV) starts with: ``platform/TEAM/`` (``platform/TEAM/ENV/``).
    Names hold no ``/``: no team's prefix is another team's."""
    return f"{SECRET_ROOT}/{team}/" + (f"{env}/" if env else "")


def secret_name(team: str, env: str, region: str, service: str, binding: str) -> str:
    """Secrets Manager name of a binding's keys: ``platform/TEAM/ENV/REGION/SERVICE/BINDING``."""
    return f"{secret_prefix(team, env)}{region}/{service}/{binding}"


def ci_audience(gitlab_url: str, env: str) -> str:
    """The OIDC audience (``aud``) of GitLab CI jobs deploying environment ENV:
    ``GITLAB_URL/platform/ENV`` (trailing slashes of the URL dropped), e.g.
    ``https://gitlab.com/platform/prod``.

    Deploy jobs request it (``id_tokens``), each environment's CI deploy role requires it, and the
    GitLab OIDC provider lists it as a client id. It labels the environment a token is for; it is
    not a boundary: a job chooses its own audience, so any job of a trusted project and ref can
    request any environment's. What IAM checks is the subject (project and ref, see
    ``stacks.iam.trust.gitlab_subjects``). Stable: changing it locks every pipeline out until
    roles and jobs agree again."""
    return f"{gitlab_url.rstrip('/')}/platform/{env}"
