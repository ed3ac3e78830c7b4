"""AWS's naming rules for every resource type the stacks name, and the check of a name when it is given.

:data:`RULES` states each type's rule as AWS documents it (length, characters, first and last
character, consecutive hyphens, forbidden prefixes and suffixes, reserved words).
:func:`check_part` refuses a team, environment, service, binding or org name that would make
some derived name break one of them, naming the rule; the property test
(tests/planning/test_name_rules.py) proves that every name derived from accepted parts
satisfies every rule, and that every refusal is needed.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from ..errors import UsageError
from .names import SEP


@dataclass(frozen=True)
class NameRule:
    label: str  # what AWS calls the name
    max_len: int
    chars: str  # regex of one allowed character
    min_len: int = 1
    first: str = ""  # regex the first character must match
    last: str = ""  # regex the last character must match
    no_double_hyphen: bool = False
    forbidden_prefixes: tuple[str, ...] = ()
    forbidden_suffixes: tuple[str, ...] = ()
    reserved: frozenset[str] = field(default_factory=frozenset)
    pattern: str = ""  # a whole-name regex AWS documents (ECR)
    not_ip: bool = False

    def violations(self, name: str) -> list[str]:
        """What of this rule NAME breaks, in AWS's words (empty: it is valid)."""
        out = []
        if not self.min_len <= len(name) <= self.max_len:
            out.append(f"must be {self.min_len} to {self.max_len} characters long (is {len(name)})")
        bad = sorted({c for c in name if not re.fullmatch(self.chars, c)})
        if bad:
            out.append(f"may not contain {''.join(bad)!r}")
        if name and self.first and not re.fullmatch(self.first, name[0]):
            out.append(f"must begin with {_describe(self.first)}")
        if name and self.last and not re.fullmatch(self.last, name[-1]):
            out.append(f"must end with {_describe(self.last)}")
        if self.no_double_hyphen and "--" in name:
            out.append("may not contain two consecutive hyphens")
        out += [f"may not begin with {p!r}" for p in self.forbidden_prefixes if name.startswith(p)]
        out += [f"may not end with {s!r}" for s in self.forbidden_suffixes if name.endswith(s)]
        if name.lower() in self.reserved:
            out.append(f"may not be the reserved word {name!r}")
        if self.pattern and not re.fullmatch(self.pattern, name):
            out.append(f"must match {self.pattern}")
        if self.not_ip and _is_ip(name):
            out.append("may not be formatted as an IP address")
        return out


def _describe(regex: str) -> str:
    return {"[a-zA-Z]": "a letter", "[a-z]": "a letter", "[a-z0-9]": "a letter or digit",
            "[a-zA-Z0-9]": "a letter or digit"}.get(regex, regex)


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


# PostgreSQL's reserved key words (PostgreSQL documentation, appendix "SQL Key Words", column
# "PostgreSQL": reserved, and reserved "can be function or type"): RDS refuses them as DBName.
POSTGRES_RESERVED = frozenset("""
all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation
column concurrently constraint create cross current_catalog current_date current_role current_schema current_time
current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign freeze
from full grant group having ilike in initially inner intersect into is isnull join lateral leading left like limit
localtime localtimestamp natural not notnull null offset on only or order outer overlaps placing primary references
returning right select session_user similar some symmetric system_user table tablesample then to trailing true union
unique user using variadic verbose when where window with
""".split())

_ALNUM_HYPHEN = r"[a-zA-Z0-9-]"

RULES: dict[str, NameRule] = {
    "s3-bucket": NameRule(
        "S3 general purpose bucket name", 63, r"[a-z0-9.-]", min_len=3, first="[a-z0-9]", last="[a-z0-9]", not_ip=True,
        forbidden_prefixes=("xn--", "sthree-", "amzn-s3-demo-"),
        forbidden_suffixes=("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")),
    "iam-role": NameRule("IAM role name", 64, r"[\w+=,.@-]"),
    "iam-policy": NameRule("IAM policy name", 128, r"[\w+=,.@-]"),
    "kms-alias": NameRule("KMS alias name", 256, r"[a-zA-Z0-9:/_-]", forbidden_prefixes=("alias/aws/",),
                          pattern=r"alias/.+"),
    "log-group": NameRule("CloudWatch Logs log group name", 512, r"[.\-_/#A-Za-z0-9]"),
    "ecr-repository": NameRule("ECR repository name", 256, r"[a-z0-9._/-]", min_len=2,
                               pattern=r"[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*"),
    "ecs-cluster": NameRule("ECS cluster name", 255, r"[a-zA-Z0-9_-]"),
    "ecs-service": NameRule("ECS service name", 255, r"[a-zA-Z0-9_-]", first="[a-zA-Z0-9]"),
    "ecs-task-family": NameRule("ECS task definition family", 255, r"[a-zA-Z0-9_-]"),
    "security-group": NameRule("EC2 security group name", 255, r"[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]",
                               forbidden_prefixes=("sg-",)),
    "load-balancer": NameRule("Elastic Load Balancing load balancer name", 32, _ALNUM_HYPHEN,
                              first="[a-zA-Z0-9]", last="[a-zA-Z0-9]", forbidden_prefixes=("internal-",)),
    "target-group": NameRule("Elastic Load Balancing target group name", 32, _ALNUM_HYPHEN,
                             first="[a-zA-Z0-9]", last="[a-zA-Z0-9]"),
    "rds-instance": NameRule("RDS DB instance identifier", 63, _ALNUM_HYPHEN, first="[a-zA-Z]", last="[a-zA-Z0-9]",
                             no_double_hyphen=True),
    "rds-snapshot": NameRule("RDS DB snapshot identifier", 255, _ALNUM_HYPHEN, first="[a-zA-Z]", last="[a-zA-Z0-9]",
                             no_double_hyphen=True),
    "rds-subnet-group": NameRule("RDS DB subnet group name", 255, r"[a-z0-9._ -]", reserved=frozenset({"default"})),
    "postgres-database": NameRule("RDS for PostgreSQL database name (DBName)", 63, r"[a-zA-Z0-9_]",
                                  first="[a-zA-Z]", reserved=POSTGRES_RESERVED),
    "elasticache-replication-group": NameRule(
        "ElastiCache replication group id", 40, _ALNUM_HYPHEN, first="[a-zA-Z]", last="[a-zA-Z0-9]",
        no_double_hyphen=True),
    "elasticache-subnet-group": NameRule("ElastiCache subnet group name", 255, _ALNUM_HYPHEN),
    "sqs-queue": NameRule("SQS queue name", 80, r"[a-zA-Z0-9_.-]", pattern=r"[a-zA-Z0-9_-]+(\.fifo)?"),
    "sns-topic": NameRule("SNS topic name", 256, r"[a-zA-Z0-9_.-]", pattern=r"[a-zA-Z0-9_-]+(\.fifo)?"),
    "dynamodb-table": NameRule("DynamoDB table name", 255, r"[a-zA-Z0-9_.-]", min_len=3),
    "secret": NameRule("Secrets Manager secret name", 512, r"[a-zA-Z0-9/_+=.@-]"),
    "budget": NameRule("AWS Budgets budget name", 100, r"[^:\\]"),
    "scaling-policy": NameRule("Application Auto Scaling policy name", 256, r"[ -~]"),
}


def database_name(binding: str) -> str:
    """The PostgreSQL database a postgres binding creates: its name with ``_`` for ``-``."""
    return re.sub(r"[^a-z0-9]", "_", binding)


class NameRefused(UsageError):
    """A given name some derived AWS name could not take; the message names the AWS rule."""

    def __init__(self, message: str) -> None:
        super().__init__(message + "; nothing was written", hint="choose another name")


def check_part(kind: str, value: str, *, offering: str | None = None) -> None:
    """Refuse VALUE as a KIND name (``org``, ``team``, ``env``, ``service``, ``binding``) when a name
    derived from it would break an AWS rule. Raises :class:`NameRefused` naming the rule."""
    if SEP in value:
        raise NameRefused(f"{kind} name {value!r} holds '--': it separates the parts of every resource name, "
                          f"and an {RULES['rds-instance'].label} may not contain two consecutive hyphens")
    if kind == "team":
        # Every resource name of the team's spaces begins with TEAM--.
        starts = value + SEP
        for rule in ("rds-instance", "elasticache-replication-group"):
            if not re.fullmatch(RULES[rule].first, value[0]):
                raise NameRefused(f"team name {value!r}: its databases and caches are named after it, and an "
                                  f"{RULES[rule].label} must begin with a letter")
        for rule in ("load-balancer", "security-group"):
            for p in RULES[rule].forbidden_prefixes:
                if starts.startswith(p):
                    raise NameRefused(f"team name {value!r}: its names would begin with {p!r}, and an "
                                      f"{RULES[rule].label} may not begin with {p!r}")
    if kind == "org":
        # Every bucket name begins with ORG--.
        for p in RULES["s3-bucket"].forbidden_prefixes:
            if (value + SEP).startswith(p):
                raise NameRefused(f"org name {value!r}: bucket names begin with it, and an "
                                  f"{RULES['s3-bucket'].label} may not begin with {p!r}")
    if kind == "binding" and offering == "postgres":
        problems = RULES["postgres-database"].violations(database_name(value))
        if problems:
            raise NameRefused(f"binding name {value!r} names the database {database_name(value)!r}, and an "
                              f"{RULES['postgres-database'].label} {problems[0]}")
