"""Transport policies on a rendered unit graph: HTTPS on load balancers, TLS-only buckets, queues and topics.

Registered in :data:`platform_cli.planning.policy.POLICIES` (``https``, ``tls``, ``secure-transport``).
"""

from __future__ import annotations

import json
from typing import Any

from .policy_base import ADVISORY, MANDATORY, Finding, Graph, _as_list, _ident, _label, _of

TLS_POLICIES = frozenset({
    # ELB security policies that negotiate TLS 1.2 or 1.3 only (Elastic Load Balancing's predefined policies)
    "ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06", "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06", "ELBSecurityPolicy-TLS-1-2-2017-01", "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-FS-1-2-2019-08", "ELBSecurityPolicy-FS-1-2-Res-2019-08", "ELBSecurityPolicy-FS-1-2-Res-2020-10",
})
TRANSPORT_RESOURCES: dict[str, tuple[str, str, str]] = {
    # resource type -> (policy resource type, the policy's field naming the resource, the resource's output it names)
    "aws:s3/bucket:Bucket": ("aws:s3/bucketPolicy:BucketPolicy", "bucket", "id"),
    "aws:sqs/queue:Queue": ("aws:sqs/queuePolicy:QueuePolicy", "queueUrl", "url"),
    "aws:sns/topic:Topic": ("aws:sns/topicPolicy:TopicPolicy", "arn", "arn"),
}


def _redirects_to_https(listener: dict[str, Any]) -> bool:
    actions = listener.get("inputs", {}).get("defaultActions") or []
    return bool(actions) and all(a.get("type") == "redirect" and (a.get("redirect") or {}).get("protocol") == "HTTPS"
                                 for a in actions)


def _plain_http(graph: Graph) -> list[dict[str, Any]]:
    return [r for r in _of(graph, "aws:lb/listener:Listener")
            if r["inputs"].get("protocol") == "HTTP" and not _redirects_to_https(r)]


def check_https_protected(graph: Graph, inputs: Any, cost: float | None) -> list[Finding]:
    """In a protected environment every listener is HTTPS with a TLS 1.2+ policy, or redirects to HTTPS."""
    if inputs is None or not inputs.protected:
        return []
    findings = [Finding("https", MANDATORY, _label(r), "plain-HTTP listener in a protected environment: set "
                        "environments.ENV.https (domain and hosted_zone_id or certificate_arns) in service.yaml")
                for r in _plain_http(graph)]
    return findings + [Finding("https", MANDATORY, _label(r), f"TLS policy {r['inputs'].get('sslPolicy')!r} allows "
                               f"versions below TLS 1.2: use one of {', '.join(sorted(TLS_POLICIES)[:2])}, ...")
                       for r in _of(graph, "aws:lb/listener:Listener")
                       if r["inputs"].get("protocol") == "HTTPS" and r["inputs"].get("sslPolicy") not in TLS_POLICIES]


def check_tls(graph: Graph, inputs: Any, cost: float | None) -> list[Finding]:
    if inputs is not None and inputs.protected:
        return []  # check_https_protected: mandatory there
    return [Finding("tls", ADVISORY, _label(r), "listener serves plain HTTP; add environments.ENV.https for HTTPS")
            for r in _plain_http(graph)]


def _denies_plain_transport(document: dict[str, Any]) -> bool:
    for st in _as_list(document.get("Statement")):
        cond = (st.get("Condition") or {}).get("Bool") or {}
        if st.get("Effect") == "Deny" and st.get("Principal") in ("*", {"AWS": "*"}) \
                and str(cond.get("aws:SecureTransport")).lower() == "false":
            return True
    return False


def check_secure_transport(graph: Graph, inputs: Any, cost: float | None) -> list[Finding]:
    """Every bucket, queue and topic has a resource policy denying requests not sent over TLS."""
    findings = []
    for kind, (policy_type, field, output) in TRANSPORT_RESOURCES.items():
        guarded = set()
        for p in _of(graph, policy_type):
            text = p["inputs"].get("policy")
            try:
                document = json.loads(text) if isinstance(text, str) else (text or {})
            except ValueError:
                continue
            if _denies_plain_transport(document):
                guarded.add(str(p["inputs"].get(field)))
        for r in _of(graph, kind):
            names = _ident(r) | {str(r.get("outputs", {}).get(output))}
            if not names & guarded:
                findings.append(Finding("secure-transport", MANDATORY, _label(r),
                                        "no resource policy denies requests without TLS (aws:SecureTransport false)"))
    return findings
