"""A small IAM policy evaluator for the tests: decides one request against identity policies, a permission
boundary and a resource-based (trust) policy the way AWS documents it.

No Python library evaluates conditions (moto's access control matches actions and resources only; policyuniverse
and cloudsplaining classify, they do not decide), so this one is written here and tested against AWS's documented
evaluation cases in ``tests/test_iameval.py``:

- an explicit ``Deny`` in any policy wins; otherwise the identity policies must allow, and so must the boundary
  when the role has one (their intersection); a trust policy alone decides whether a principal may assume a role;
- ``Action``/``NotAction`` match case-insensitively with ``*`` and ``?``; ``Resource``/``NotResource`` and
  ``ArnLike`` case-sensitively, each of an ARN's six colon-separated parts on its own (``*`` spans ``/`` within one);
- a ``Condition`` holds when every operator holds, every key of an operator holds, and any value of a key
  matches (none, for a negated operator); a key absent from the request makes a condition false, except for
  negated operators (true), ``...IfExists`` (true), ``Null`` and ``ForAllValues:`` (true for an absent key);
- condition key names are case-insensitive, their values case-sensitive (except ``...IgnoreCase``).

Policy variables (``${aws:username}``) are refused: no document of the platform uses them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

ALLOW, EXPLICIT_DENY, IMPLICIT_DENY = "allow", "explicit-deny", "implicit-deny"


@dataclass(frozen=True)
class Request:
    """One API call: who, what, on which resource, with which context keys (lists for multi-valued keys)."""

    action: str
    resource: str
    context: dict[str, Any] = field(default_factory=dict)
    principal: dict[str, str] | None = None  # for resource policies: {"Federated": ARN} | {"AWS": ARN} | {"Service": ...}


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


@lru_cache(maxsize=4096)
def _pattern(glob: str, ignore_case: bool) -> re.Pattern[str]:
    if "${" in glob:
        raise ValueError(f"policy variables are not evaluated here: {glob!r}")
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile(f"^{body}$", re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def glob_match(glob: str, value: str, *, ignore_case: bool = False) -> bool:
    return bool(_pattern(glob, ignore_case).match(value))


def _arn_like(pattern: str, value: str) -> bool:
    """ArnLike: each of the six colon-separated parts matches on its own (wildcards do not cross parts)."""
    p, v = pattern.split(":", 5), value.split(":", 5)
    return len(p) == len(v) == 6 and all(glob_match(a, b) for a, b in zip(p, v))


def resource_match(pattern: str, arn: str) -> bool:
    """A Resource element against an ARN: ``*`` is every resource; otherwise part by part, like ArnLike."""
    return pattern == "*" or _arn_like(pattern, arn)


def _compare(base: str, policy_value: str, actual: Any) -> bool:
    """One policy value against one request value for a non-negated base operator."""
    a, pv = str(actual), str(policy_value)
    if base == "StringEquals":
        return a == pv
    if base == "StringEqualsIgnoreCase":
        return a.lower() == pv.lower()
    if base == "StringLike":
        return glob_match(pv, a)
    if base == "Bool":
        return a.lower() == pv.lower()
    if base in ("ArnEquals", "ArnLike"):
        return _arn_like(pv, a)
    if base.startswith("Numeric"):
        x, y = float(a), float(pv)
        return {"NumericEquals": x == y, "NumericLessThan": x < y, "NumericLessThanEquals": x <= y,
                "NumericGreaterThan": x > y, "NumericGreaterThanEquals": x >= y}[base]
    raise ValueError(f"condition operator not evaluated here: {base}")


NEGATED = {"StringNotEquals": "StringEquals", "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
           "StringNotLike": "StringLike", "ArnNotEquals": "ArnEquals", "ArnNotLike": "ArnLike",
           "NumericNotEquals": "NumericEquals"}


def _lookup(context: dict[str, Any], key: str) -> tuple[bool, list]:
    lowered = {k.lower(): v for k, v in context.items()}
    if key.lower() not in lowered:
        return False, []
    return True, _as_list(lowered[key.lower()])


def condition_holds(operator: str, key: str, policy_values: Any, context: dict[str, Any]) -> bool:
    values = [str(v) for v in _as_list(policy_values)]
    present, actual = _lookup(context, key)
    qualifier, _, op = operator.rpartition(":")
    if op == "Null":  # "true": the key is absent; "false": it is present
        return any(present == (v.lower() == "false") for v in values)
    if_exists = op.endswith("IfExists")
    op = op.removesuffix("IfExists")
    negated = op in NEGATED
    base = NEGATED.get(op, op)

    def one(a: Any) -> bool:  # does the request value a satisfy the operator?
        hit = any(_compare(base, v, a) for v in values)
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        return all(one(a) for a in actual)  # true for an absent key or an empty set
    if qualifier == "ForAnyValue":
        return present and any(one(a) for a in actual)
    if qualifier:
        raise ValueError(f"unknown set operator qualifier: {operator}")
    if not present:
        return if_exists or negated
    if len(actual) != 1:
        raise ValueError(f"{key} is multi-valued: a single-valued operator {operator} does not apply")
    return one(actual[0])


def statement_applies(st: dict[str, Any], req: Request) -> bool:
    if "Action" in st:
        if not any(glob_match(a, req.action, ignore_case=True) for a in _as_list(st["Action"])):
            return False
    elif any(glob_match(a, req.action, ignore_case=True) for a in _as_list(st.get("NotAction"))):
        return False
    if "Resource" in st:
        if not any(resource_match(r, req.resource) for r in _as_list(st["Resource"])):
            return False
    elif "NotResource" in st:
        if any(resource_match(r, req.resource) for r in _as_list(st["NotResource"])):
            return False
    elif "Principal" not in st and "NotPrincipal" not in st:
        return False  # an identity statement without Resource grants nothing
    if "Principal" in st and not _principal_matches(st["Principal"], req.principal):
        return False
    return all(condition_holds(op, key, value, req.context)
               for op, block in (st.get("Condition") or {}).items() for key, value in block.items())


def _principal_matches(principal: Any, actual: dict[str, str] | None) -> bool:
    if principal == "*":
        return True
    if not actual:
        return False
    return any(kind in principal and any(glob_match(p, value) for p in _as_list(principal[kind]))
               for kind, value in actual.items())


def _document(policy: dict[str, Any] | str) -> dict[str, Any]:
    return json.loads(policy) if isinstance(policy, str) else policy


def _effects(policy: dict[str, Any] | str, req: Request) -> set[str]:
    return {st["Effect"] for st in _as_list(_document(policy).get("Statement")) if statement_applies(st, req)}


def decide(req: Request, identity: list[dict[str, Any] | str], *, boundary: dict[str, Any] | str | None = None,
           resource_policy: dict[str, Any] | str | None = None) -> str:
    """ALLOW, EXPLICIT_DENY or IMPLICIT_DENY for a principal with these identity policies (and boundary) in the
    account that owns the resource. A resource policy's Allow for the principal allows on its own within one account
    (not for a role session's boundary-limited identity grants; the platform's resource policies name services)."""
    effects = [_effects(p, req) for p in identity]
    bound = _effects(boundary, req) if boundary is not None else None
    res = _effects(resource_policy, req) if resource_policy is not None else set()
    if any("Deny" in e for e in effects) or (bound is not None and "Deny" in bound) or "Deny" in res:
        return EXPLICIT_DENY
    if "Allow" in res:
        return ALLOW
    if any("Allow" in e for e in effects) and (bound is None or "Allow" in bound):
        return ALLOW
    return IMPLICIT_DENY


def allowed(req: Request, identity: list[dict[str, Any] | str], **kwargs: Any) -> bool:
    return decide(req, identity, **kwargs) == ALLOW


def may_assume(trust: dict[str, Any] | str, principal: dict[str, str], action: str, context: dict[str, Any],
               role_arn: str) -> bool:
    """Whether a trust policy lets PRINCIPAL call ACTION (sts:AssumeRole*) on the role with CONTEXT."""
    return decide(Request(action, role_arn, context, principal), [], resource_policy=trust) == ALLOW
