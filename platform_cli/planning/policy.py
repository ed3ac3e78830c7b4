"""Policies on a rendered unit graph: the blueprint's guardrails and the platform's security rules.

Each policy is a pure function of the rendered graph (and the unit's inputs); it returns
findings. A *mandatory* finding fails ``plan`` (exit code 6, PolicyError); an *advisory*
one is shown only.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from .policy_base import ADVISORY, MANDATORY, Check, Finding, Graph, Policy, _as_list, _ident, _label, _of  # noqa: F401
from .transport import TLS_POLICIES, check_https_protected, check_secure_transport, check_tls  # noqa: F401


@lru_cache(maxsize=None)
def taggable(type_token: str) -> bool:
    """Whether a pulumi_aws resource type accepts tags (from the installed provider's classes).

    Read from the class's source file when it is where pulumi's code generator puts it: importing a
    provider module loads hundreds of generated modules (seconds), which a plan whose units all come
    from the render cache would otherwise spend here."""
    if not type_token.startswith("aws:"):
        return False
    try:
        _, path, cls_name = type_token.split(":")
    except ValueError:
        return False
    module = path.partition("/")[0]
    known = _taggable_from_source(module, path.partition("/")[2], cls_name)
    if known is not None:
        return known
    import importlib

    try:
        mod = importlib.import_module("pulumi_aws" if module == "index" else f"pulumi_aws.{module}")
        cls = getattr(mod, cls_name)
    except (ImportError, AttributeError, ValueError):
        return False
    return isinstance(getattr(cls, "tags", None), property)


def _taggable_from_source(module: str, name: str, cls_name: str) -> bool | None:
    """Whether the generated class CLS_NAME (in pulumi_aws/MODULE/NAME_IN_SNAKE_CASE.py) has a ``tags``
    output; None when the file is not there (or not as generated), so the class is imported instead."""
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("pulumi_aws")
    if module == "index" or spec is None or not spec.submodule_search_locations:
        return None
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    path = Path(next(iter(spec.submodule_search_locations))) / module / f"{snake}.py"
    try:
        text = path.read_text(encoding="utf-8") if path.is_file() and path.stat().st_size < 8 * 1024 * 1024 else None
    except OSError:
        return None
    start = text.find(f"\nclass {cls_name}(pulumi.CustomResource):") if text else -1
    if start < 0:
        return None
    return "\n    def tags(self) -> pulumi.Output" in text[start:]


# security policies -----------------------------------------------------------------------------

ENCRYPTION_RULES: dict[str, tuple[str, Callable[[dict[str, Any]], bool]]] = {
    "aws:cloudwatch/logGroup:LogGroup": ("kmsKeyId", lambda i: bool(i.get("kmsKeyId"))),
    "aws:rds/instance:Instance": ("storageEncrypted", lambda i: i.get("storageEncrypted") is True),
    "aws:sqs/queue:Queue": ("kmsMasterKeyId or sqsManagedSseEnabled",
                            lambda i: bool(i.get("kmsMasterKeyId")) or i.get("sqsManagedSseEnabled") is True),
    "aws:dynamodb/table:Table": ("serverSideEncryption.enabled",
                                 lambda i: bool((i.get("serverSideEncryption") or {}).get("enabled"))),
    "aws:elasticache/replicationGroup:ReplicationGroup": (
        "atRestEncryptionEnabled and transitEncryptionEnabled",
        lambda i: i.get("atRestEncryptionEnabled") is True and i.get("transitEncryptionEnabled") is True),
    "aws:sns/topic:Topic": ("kmsMasterKeyId", lambda i: bool(i.get("kmsMasterKeyId"))),
    "aws:secretsmanager/secret:Secret": ("kmsKeyId", lambda i: bool(i.get("kmsKeyId"))),
    "aws:ecr/repository:Repository": ("encryptionConfigurations", lambda i: bool(i.get("encryptionConfigurations"))),
}


def check_encryption(graph: Graph, inputs: Any, cost: float | None) -> list[Finding]:
    findings = []
    for r in graph:
        rule = ENCRYPTION_RULES.get(r["type"])
        if rule and not rule[1](r.get("inputs", {})):
            findings.append(Finding("encryption-at-rest", MANDATORY, _label(r), f"not encrypted at rest: set {rule[0]}"))
    sse_targets = {str(c["inputs"].get("bucket")) for c in _of(graph, "aws:s3/bucketServerSideEncryptionConfiguration:"
                                                                      "BucketServerSideEncryptionConfiguration")}
    for b in _of(graph, "aws:s3/bucket:Bucket"):
        if not (_ident(b) & sse_targets) and not b["inputs"].get("serverSideEncryptionConfiguration"):
            findings.append(Finding("encryption-at-rest", MANDATORY, _label(b), "bucket has no SSE-KMS configuration"))
    if inputs is not None and inputs.blueprint.baseline.kms_rotation:
        for k in _of(graph, "aws:kms/key:Key"):
            if k["inputs"].get("enableKeyRotation") is not True:
                findings.append(Finding("encryption-at-rest", MANDATORY, _label(k), "KMS key rotation is off (enableKeyRotation)"))
    return findings


def check_public_access_block(graph: Graph, inputs: Any, cost: float | None) -> list[Finding]:
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    blocked = {str(p["inputs"].get("bucket")) for p in _of(graph, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
               if all(p["inputs"].get(f) is True for f in flags)}
    return [Finding("bucket-public-access-block", MANDATORY, _label(b),
                    "bucket has no public access block with all four settings on")
            for b in _of(graph, "aws:s3/bucket:Bucket") if not (_ident(b) & blocked)]


def check_required_tags(graph: Graph, inputs: Any, cost: float | None) -> list[Finding]:
    required = list(inputs.blueprint.guardrails.required_tags) if inputs is not None else []
    findings = []
    for r in graph:
        if not taggable(r["type"]):
            continue
        tags = r.get("inputs", {}).get("tags") or {}
        missing = [t for t in required if not tags.get(t)]
        if missing:
            findings.append(Finding("required-tags", MANDATORY, _label(r), f"missing tags: {', '.join(missing)}"))
    return findings


POLICY_DOCUMENT_FIELDS: dict[str, str] = {
    "aws:iam/policy:Policy": "policy",
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:kms/key:Key": "policy",
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
}
SERVICE_WILDCARD = re.compile(r"^[a-z0-9-]+:\*$")
READ_ONLY_FAMILY = re.compile(r"^[a-z0-9-]+:(Describe|List|Get)\*$")
"""The only wildcard actions allowed: a read-only family (a permission boundary writes them; grants name actions)."""


def iam_problems(document: dict[str, Any], *, key_policy: bool = False) -> list[str]:
    """Least-privilege problems of one policy document (pure; tested on its own)."""
    from stacks.iam import NOT_READ_ONLY_FAMILIES, STAR_RESOURCE_ACTIONS, STAR_RESOURCE_FAMILIES

    problems = []
    for i, st in enumerate(_as_list(document.get("Statement"))):
        if st.get("Effect") != "Allow":
            continue
        sid = st.get("Sid") or f"statement {i}"
        if "NotAction" in st:
            problems.append(f"{sid}: Allow with NotAction grants everything else")
        actions = [str(a) for a in _as_list(st.get("Action"))]
        for a in actions:
            if a == "*" or SERVICE_WILDCARD.match(a):
                problems.append(f"{sid}: action {a!r} grants a whole service")
            elif ("*" in a or "?" in a) and (not READ_ONLY_FAMILY.match(a) or a in NOT_READ_ONLY_FAMILIES):
                problems.append(f"{sid}: action {a!r} is a wildcard other than a read-only family "
                                "(SERVICE:Describe*, SERVICE:List*, SERVICE:Get*)")
        if "NotResource" in st:
            problems.append(f"{sid}: Allow with NotResource")
        resources = [str(r) for r in _as_list(st.get("Resource"))]
        if "*" in resources and not key_policy and "Principal" not in st:
            loose = sorted(a for a in actions if a not in STAR_RESOURCE_ACTIONS and a not in STAR_RESOURCE_FAMILIES)
            if loose:
                problems.append(f"{sid}: resource '*' for {', '.join(loose)} (only {', '.join(sorted(STAR_RESOURCE_ACTIONS))} may use '*')")
    return problems


def check_iam(graph: Graph, inputs: Any, cost: float | None) -> list[Finding]:
    findings = []
    for r in graph:
        field = POLICY_DOCUMENT_FIELDS.get(r["type"])
        if not field:
            continue
        text = r.get("inputs", {}).get(field)
        if not text:
            continue
        try:
            document = json.loads(text) if isinstance(text, str) else text
        except ValueError:
            findings.append(Finding("iam-least-privilege", MANDATORY, _label(r), "policy is not valid JSON"))
            continue
        for problem in iam_problems(document, key_policy=r["type"] == "aws:kms/key:Key"):
            findings.append(Finding("iam-least-privilege", MANDATORY, _label(r), problem))
    return findings


def _containers(r: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The container definitions of a task definition, or None when they cannot be read."""
    raw = r["inputs"].get("containerDefinitions")
    try:
        containers = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return None
    if not isinstance(containers, list) or not all(isinstance(c, dict) for c in containers):
        return None
    return containers


def check_plaintext_secrets(graph: Graph, inputs: Any, cost: float | None) -> list[Finding]:
    """Secret values must reach the graph only as secrets; containers get them through valueFrom."""
    from ..model.service import SECRET_WORDS

    findings = []
    for r in _of(graph, "aws:secretsmanager/secretVersion:SecretVersion"):
        if r["inputs"].get("secretString") not in (None, "[secret]"):
            findings.append(Finding("no-plaintext-secrets", MANDATORY, _label(r), "secret value is not marked secret"))
    for r in _of(graph, "aws:elasticache/replicationGroup:ReplicationGroup", "aws:rds/instance:Instance"):
        for key in ("authToken", "password"):
            if r["inputs"].get(key) not in (None, "[secret]"):
                findings.append(Finding("no-plaintext-secrets", MANDATORY, _label(r), f"{key} is not marked secret"))
    for r in _of(graph, "aws:ecs/taskDefinition:TaskDefinition"):
        containers = _containers(r)
        if containers is None:
            findings.append(Finding("no-plaintext-secrets", MANDATORY, _label(r),
                                    "container definitions cannot be inspected (not a JSON list of containers)"))
            continue
        for c in containers:
            for e in c.get("environment") or []:
                if any(w in str(e.get("name", "")).upper() for w in SECRET_WORDS):
                    findings.append(Finding("no-plaintext-secrets", MANDATORY, _label(r),
                                            f"environment value {e.get('name')} looks like a secret; use a binding"))
    return findings


# guardrails of the blueprint --------------------------------------------------------------------

def check_region(graph: Graph, inputs: Any, cost: float | None) -> list[Finding]:
    allowed = inputs.blueprint.guardrails.allowed_regions if inputs is not None else []
    if allowed and inputs.region not in allowed:
        return [Finding("allowed-regions", MANDATORY, inputs.unit,
                        f"region {inputs.region} is not allowed by blueprint {inputs.blueprint.ref} "
                        f"(allowed: {', '.join(allowed)})")]
    return []


def check_offerings(graph: Graph, inputs: Any, cost: float | None) -> list[Finding]:
    if inputs is None:
        return []
    g = inputs.blueprint.guardrails
    findings = []
    for b in inputs.bindings:
        off, plan = b.offering.name, b.plan.name
        if g.allowed_offerings and off not in g.allowed_offerings:
            findings.append(Finding("allowed-offerings", MANDATORY, f"binding {b.name}",
                                    f"offering {off} is not allowed by blueprint {inputs.blueprint.ref} "
                                    f"(allowed: {', '.join(g.allowed_offerings)})"))
        elif off in g.allowed_plans and plan not in g.allowed_plans[off]:
            findings.append(Finding("allowed-offerings", MANDATORY, f"binding {b.name}",
                                    f"plan {off}/{plan} is not allowed by blueprint {inputs.blueprint.ref} "
                                    f"(allowed: {', '.join(g.allowed_plans[off])})"))
    return findings


def check_paid_plans(graph: Graph, inputs: Any, cost: float | None) -> list[Finding]:
    if inputs is None or inputs.blueprint.guardrails.allow_paid_plans:
        return []
    return [Finding("paid-plans", MANDATORY, f"binding {b.name}",
                    f"plan {b.offering.name}/{b.plan.name} is paid (${b.plan.monthly_usd:.0f}/month) and blueprint "
                    f"{inputs.blueprint.ref} allows free plans only")
            for b in inputs.bindings if b.plan.paid]


def check_cost_ceiling(graph: Graph, inputs: Any, cost: float | None) -> list[Finding]:
    if inputs is None or cost is None:
        return []
    ceiling = inputs.blueprint.guardrails.cost_ceiling_usd
    if cost > ceiling:
        return [Finding("cost-ceiling", MANDATORY, inputs.unit,
                        f"monthly estimate ${cost:.2f} exceeds the ceiling ${ceiling:.2f} of blueprint {inputs.blueprint.ref}")]
    return []


# advisories -------------------------------------------------------------------------------------

def check_resilience(graph: Graph, inputs: Any, cost: float | None) -> list[Finding]:
    if inputs is None or not inputs.protected:
        return []
    findings = []
    nats = _of(graph, "aws:ec2/natGateway:NatGateway")
    if inputs.kind == "space" and len(nats) == 1 and inputs.blueprint.network.azs > 1:
        findings.append(Finding("resilience", ADVISORY, _label(nats[0]),
                                "one NAT gateway serves every AZ of a protected environment; per_az NAT avoids a single point of failure"))
    for r in _of(graph, "aws:rds/instance:Instance"):
        if not r["inputs"].get("multiAz"):
            findings.append(Finding("resilience", ADVISORY, _label(r), "database of a protected environment is single-AZ"))
    return findings


def check_health(graph: Graph, inputs: Any, cost: float | None) -> list[Finding]:
    """A worker has no load balancer: without a container health check ECS never replaces a hung task."""
    findings = []
    for r in _of(graph, "aws:ecs/taskDefinition:TaskDefinition"):
        containers = _containers(r) or []
        has_lb = bool(_of(graph, "aws:lb/targetGroup:TargetGroup"))
        if containers and not has_lb and not any(c.get("healthCheck") for c in containers):
            findings.append(Finding("health", ADVISORY, _label(r),
                                    "worker has no container health check; set health_command in service.yaml"))
    return findings


def check_budget_recipients(graph: Graph, inputs: Any, cost: float | None) -> list[Finding]:
    return [Finding("budget-alerts", ADVISORY, _label(r),
                    "budget alerts go to nobody: add owners (emails) to the team space")
            for r in _of(graph, "aws:budgets/budget:Budget") if not r["inputs"].get("notifications")]


POLICIES: tuple[Policy, ...] = (
    Policy("encryption-at-rest", MANDATORY, "Encryption at rest wherever the resource supports it.", check_encryption),
    Policy("bucket-public-access-block", MANDATORY, "A public access block on every bucket.", check_public_access_block),
    Policy("required-tags", MANDATORY, "The blueprint's required tags on every taggable resource.", check_required_tags),
    Policy("iam-least-privilege", MANDATORY, "No '*' or 'service:*' actions; '*' resources only where AWS requires.", check_iam),
    Policy("no-plaintext-secrets", MANDATORY, "Secret values only as secrets, injected through valueFrom.", check_plaintext_secrets),
    Policy("allowed-regions", MANDATORY, "Regions allowed by the blueprint.", check_region),
    Policy("allowed-offerings", MANDATORY, "Offerings and plans allowed by the blueprint.", check_offerings),
    Policy("paid-plans", MANDATORY, "Paid plans only where the blueprint allows them.", check_paid_plans),
    Policy("https", MANDATORY, "In protected environments, load balancers serve HTTPS only (TLS 1.2+; port 80 "
           "redirects).", check_https_protected),
    Policy("secure-transport", MANDATORY, "Every bucket, queue and topic denies requests not sent over TLS.",
           check_secure_transport),
    Policy("cost-ceiling", MANDATORY, "The unit's monthly estimate within the blueprint's cost ceiling.", check_cost_ceiling),
    Policy("resilience", ADVISORY, "Protected environments without single points of failure.", check_resilience),
    Policy("tls", ADVISORY, "Load balancers outside protected environments serve HTTPS.", check_tls),
    Policy("health", ADVISORY, "Workers have a container health check.", check_health),
    Policy("budget-alerts", ADVISORY, "Budget alerts reach the space's owners.", check_budget_recipients),
)


def evaluate(graph: Graph, inputs: Any = None, *, monthly_cost: float | None = None) -> list[Finding]:
    """Every finding of every policy on one unit's rendered graph, mandatory first."""
    findings: list[Finding] = []
    for policy in POLICIES:
        findings.extend(policy.check(graph, inputs, monthly_cost))
    return sorted(findings, key=lambda f: (f.severity != MANDATORY, f.policy, f.resource, f.message))
