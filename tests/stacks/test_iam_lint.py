"""Every IAM document a space and a service (bound to every offering) create passes parliament.

Parliament audits identity policies: managed policies (the permission boundary) and role
policies are linted as they are. A trust policy (a role's ``assumeRolePolicy``) has no
``Resource`` by design; it governs assuming that one role, so it is linted with the role's
ARN as its resource, which lets parliament check its principals, actions and condition
keys. Resource policies (KMS key, bucket, queue, topic policies) are not identity policies
and are left to the platform's own least-privilege check, except for the wildcard-action
check below, which covers every document.

Findings are asserted at every severity. The only ones set aside are where parliament's
data is older or narrower than IAM, the members of a read-only family a permission boundary
writes as a wildcard (``SERVICE:Describe*``) whose resource types the statement does not name
(the boundary allows those members nowhere), and the bucket-policy escalation of the CI role's
own buckets where an explicit deny of their objects closes it (the CI role writes their TLS-only
policies), each named in :func:`_known_gap`.
"""

from __future__ import annotations

import json
import re

import pytest

from platform_cli.planning.policy import POLICY_DOCUMENT_FIELDS, READ_ONLY_FAMILY

from tests.stacks.conftest import UNITS

IDENTITY_POLICY_FIELDS = {
    "aws:iam/policy:Policy": "policy",
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
}
WILDCARD_ACTION = re.compile(r"^(\*|[A-Za-z0-9-]+:\*|\*:\*)$")
OIDC_PROVIDER = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/(?P<host>.+)$")


def _documents(rendered):
    """(label, kind, text, role arn) of every policy document in the graph; kind: identity, trust or resource."""
    out = []
    for r in rendered.resources:
        label = f"{r['type']} {r['name']}"
        inputs = r.get("inputs", {})
        if r["type"] in IDENTITY_POLICY_FIELDS:
            out.append((label, "identity", inputs[IDENTITY_POLICY_FIELDS[r["type"]]], None))
        elif r["type"] == "aws:iam/role:Role":
            out.append((label, "trust", inputs["assumeRolePolicy"], r["outputs"]["arn"]))
            for inline in inputs.get("inlinePolicies") or []:
                out.append((f"{label} inline {inline.get('name')}", "identity", inline["policy"], None))
        elif r["type"] in POLICY_DOCUMENT_FIELDS and inputs.get(POLICY_DOCUMENT_FIELDS[r["type"]]):
            out.append((label, "resource", inputs[POLICY_DOCUMENT_FIELDS[r["type"]]], None))
    return out


def _known_gap(finding, document: dict) -> bool:
    """Findings where parliament (1.6.x) is wrong about IAM; every other finding fails the test."""
    hosts = {m["host"] for st in document.get("Statement", [])
             for fed in _as_list(st.get("Principal", {}).get("Federated") if isinstance(st.get("Principal"), dict) else None)
             if (m := OIDC_PROVIDER.match(fed))}
    # Parliament knows SAML providers and four built-in web identity providers, not IAM OIDC providers
    # (arn:...:oidc-provider/HOST), which is how GitHub Actions and GitLab CI federate into AWS.
    if finding.issue == "UNKNOWN_FEDERATION_SOURCE" and OIDC_PROVIDER.match(str(finding.detail)):
        return True
    # HOST:aud and HOST:sub are the condition keys IAM defines for an OIDC provider HOST; parliament's
    # per-action key list for sts:AssumeRoleWithWebIdentity cannot name provider-specific keys.
    # Parliament expands a wildcard to every action of its family and reports the members the statement's
    # resources cannot name (an account-level Describe, a global table): a boundary allows those members
    # nowhere, which is what it should do. Set aside only when every such action is a member of a read-only
    # family of that very statement and is not named there explicitly.
    if finding.issue == "RESOURCE_MISMATCH" and isinstance(finding.detail, list):
        return _family_members_outside_scope(finding.detail, document) or _rule_creation(finding.detail, document)
    # elasticloadbalancing:CreateAction (tagging at creation: ELB's "API permissions to tag resources during creation")
    # is newer than parliament's data.
    if finding.issue == "UNKNOWN_CONDITION_FOR_ACTION" and str(finding.detail) == (
            "Unknown condition elasticloadbalancing:CreateAction for action elasticloadbalancing:AddTags"):
        return True
    if finding.issue == "RESOURCE_POLICY_PRIVILEGE_ESCALATION":
        return _bucket_policy_cannot_grant_objects(str(finding.detail), document)
    if finding.issue == "UNKNOWN_CONDITION_FOR_ACTION":
        m = re.fullmatch(r"Unknown condition (?P<key>\S+) for action sts:AssumeRoleWithWebIdentity", str(finding.detail))
        if m and m["key"] in {f"{h}:{k}" for h in hosts for k in ("aud", "sub")}:
            return True
    return False


BUCKET_POLICY_ESCALATION = re.compile(
    r"Possible resource policy privilege escalation on (?P<bucket>arn:aws[a-z-]*:s3:::\S+) due to "
    r"(?P<object>s3:\w+) not being allowed, but does allow s3:PutBucketPolicy")


def _bucket_policy_cannot_grant_objects(detail: str, document: dict) -> bool:
    """Parliament reads an object action that no statement allows on a bucket whose policy the document lets one
    write as a way to gain it (write a bucket policy that grants it). The CI deploy role writes the TLS-only policy of
    each of its space's buckets, and its documents deny it every object action but emptying the bucket there, with an
    unconditional Deny: an explicit deny in a role's own policies wins over whatever a bucket policy grants (to the
    role or to its session), so that path does not exist. Parliament counts the Deny only as "not allowed". Set aside
    only when this very document holds such a Deny covering the bucket's objects and that action."""
    from tests.iameval import glob_match

    m = BUCKET_POLICY_ESCALATION.fullmatch(detail)
    if not m:
        return False
    objects = f"{m['bucket']}/*"
    for st in _as_list(document.get("Statement")):
        if st.get("Effect") != "Deny" or "Condition" in st:
            continue
        if "NotAction" in st:
            covers = not any(glob_match(a, m["object"], ignore_case=True) for a in _as_list(st["NotAction"]))
        else:
            covers = any(glob_match(a, m["object"], ignore_case=True) for a in _as_list(st.get("Action")))
        if covers and any(glob_match(r, objects) for r in _as_list(st.get("Resource"))):
            return True
    return False


RULE_CREATING = {"ec2:authorizesecuritygroupingress", "ec2:authorizesecuritygroupegress"}


def _rule_creation(detail: list[dict], document: dict) -> bool:
    """Parliament 1.6.x knows only the security group as the resource of AuthorizeSecurityGroupIngress/Egress; IAM's
    service reference also lists the security group rule they create (``security-group-rule/*``), which the CI's
    creating statement names (the group itself is granted by its space tag in another statement). Set aside only
    for those two actions, in a statement whose resources are all security group rules."""
    rules = [st for st in _as_list(document.get("Statement"))
             if {a.lower() for a in _as_list(st.get("Action"))} & RULE_CREATING
             and all(":security-group-rule/" in r for r in _as_list(st.get("Resource")))]
    return bool(rules) and all(d["action"].lower() in RULE_CREATING for d in detail)


def _as_list(v):
    return v if isinstance(v, list) else [] if v is None else [v]


def _family_members_outside_scope(detail: list[dict], document: dict) -> bool:
    """Whether a RESOURCE_MISMATCH finding lists only members of read-only family wildcards of its statement."""
    from parliament import analyze_policy_string

    for st in _as_list(document.get("Statement")):
        solo = analyze_policy_string(json.dumps({"Version": "2012-10-17", "Statement": [st]}))
        if not any(f.issue == "RESOURCE_MISMATCH" and f.detail == detail for f in solo.findings):
            continue
        named = {a.lower() for a in _as_list(st.get("Action")) if "*" not in a and "?" not in a}
        families = [a.lower()[:-1] for a in _as_list(st.get("Action")) if READ_ONLY_FAMILY.match(a)]
        return all(d["action"].lower() not in named and d["action"].lower().startswith(tuple(families))
                   for d in detail) and bool(families)
    return False


def parliament_findings(text: str, kind: str, role_arn: str | None = None) -> list[str]:
    from parliament import analyze_policy_string, enhance_finding

    document = json.loads(text)
    if kind == "trust":
        document = {**document, "Statement": [{**st, "Resource": role_arn} for st in _as_list(document["Statement"])]}
    # Parliament's own auditors, as its CLI runs them. The opt-in community auditors list capabilities
    # rather than defects (they report ECR login tokens, the prefix-scoped iam:PassRole and every trust
    # policy's sts:AssumeRole* as "credentials exposure" / "permissions management"): all by design here.
    policy = analyze_policy_string(json.dumps(document))
    findings = [enhance_finding(f) for f in policy.findings]
    return [f"{f.issue} ({f.severity}): {f.detail}" for f in findings if not _known_gap(f, document)]


def test_graph_holds_the_documents_to_lint(graphs):
    ws, units = graphs
    service_inputs, service = units["service/payments/api/prod/eu-central-1"]
    assert {b.offering.name for b in service_inputs.bindings} == set(ws.catalog.offering_names())
    kinds = [kind for _, r in units.values() for _, kind, _, _ in _documents(r)]
    policies = sum(1 for _, r in units.values() for t in IDENTITY_POLICY_FIELDS for _ in r.of_type(t))
    roles = sum(len(r.of_type("aws:iam/role:Role")) for _, r in units.values())
    assert kinds.count("identity") == policies > 10 and kinds.count("trust") == roles > 5
    # every offering's binding brings its own task policy, linted with the rest
    task_policies = [r for r in service.of_type("aws:iam/rolePolicy:RolePolicy") if r["name"].endswith("-task-policy")]
    assert len(task_policies) == len(service_inputs.bindings)


def with_role_denies(boundary: str | dict, identity: list[str | dict]) -> str:
    """A permission boundary as it bounds its role: with the unconditional denies of the role's identity policies.
    A boundary grants nothing by itself; what parliament reads as a way around it (a bucket policy granting object
    actions) is closed by those denies, which apply to every request of the role (see
    :func:`_bucket_policy_cannot_grant_objects`)."""
    load = lambda d: json.loads(d) if isinstance(d, str) else d  # noqa: E731
    denies = [st for d in identity for st in _as_list(load(d).get("Statement"))
              if st.get("Effect") == "Deny" and "Condition" not in st]
    document = load(boundary)
    return json.dumps({**document, "Statement": _as_list(document["Statement"]) + denies})


@pytest.mark.parametrize("unit", [u for u, _ in UNITS])
def test_identity_and_trust_policies_pass_parliament(graphs, unit):
    _, rendered = graphs[1][unit]
    problems = {}
    documents = _documents(rendered)
    ci_identity = [text for label, kind, text, _ in documents if kind == "identity" and "-ci-deploy" in label]
    for label, kind, text, role_arn in documents:
        if label.endswith("-ci-boundary"):
            text = with_role_denies(text, ci_identity)
        if kind in ("identity", "trust"):
            found = parliament_findings(text, kind, role_arn)
            if found:
                problems[label] = found
    assert problems == {}


@pytest.mark.parametrize("unit", [u for u, _ in UNITS])
def test_no_document_grants_a_wildcard_action(graphs, unit):
    _, rendered = graphs[1][unit]
    loose = []
    for label, _, text, _ in _documents(rendered):
        for st in _as_list(json.loads(text).get("Statement")):
            if st.get("Effect") == "Deny" and st.get("Sid") in ("DenyOtherSpaces", "DenyOtherTagKeys"):
                assert "NotAction" not in st, label  # a deny of every action: the CI's, of other spaces and tag keys
                continue
            if st.get("Effect") == "Deny" and st.get("Sid") == "DenyInsecureTransport":  # a resource's TLS-only
                assert st["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}, label  # policy: every action
                continue  # of its service, and only without TLS
            for action in _as_list(st.get("Action")) + _as_list(st.get("NotAction")):
                if WILDCARD_ACTION.match(action):
                    loose.append(f"{label} {st.get('Sid', '')}: {action}")
    assert loose == []


def test_parliament_check_finds_loose_documents():
    """The filter above sets aside only the named gaps: ordinary mistakes still fail."""
    star = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    assert any(p.startswith("RESOURCE_STAR") for p in parliament_findings(json.dumps(star), "identity"))
    typo = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMesage",
                                                     "Resource": "arn:aws:sqs:eu-central-1:123456789012:q"}]}
    assert any(p.startswith("UNKNOWN_ACTION") for p in parliament_findings(json.dumps(typo), "identity"))
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
        "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
        "Condition": {"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:acme/x:environment:prod",
                                       "other.example.com:sub": "x"}}}]}
    found = parliament_findings(json.dumps(trust), "trust", "arn:aws:iam::123456789012:role/r")
    assert found and all("other.example.com:sub" in p for p in found)


def test_only_family_members_outside_the_statement_are_set_aside():
    """A read-only family's members the statement's resources cannot name are set aside; a named action is not."""
    db = "arn:aws:rds:eu-central-1:123456789012:db:payments-prod-euc1-*"
    family = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["rds:Describe*"], "Resource": [db]}]}
    assert parliament_findings(json.dumps(family), "identity") == []
    for actions in (["rds:Describe*", "rds:DescribeAccountAttributes"],  # named explicitly: not a family member
                    ["rds:Describe*", "sqs:SendMessage"],  # another service on an RDS resource
                    ["rds:Modify*"]):  # not a read-only family
        loose = {**family, "Statement": [{**family["Statement"][0], "Action": actions}]}
        assert any(p.startswith("RESOURCE_MISMATCH") for p in parliament_findings(json.dumps(loose), "identity")), actions
    # the same family on resource "*": members with resource-level permissions are still found
    star = {**family, "Statement": [{**family["Statement"][0], "Resource": "*"}]}
    assert any(p.startswith("RESOURCE_STAR") for p in parliament_findings(json.dumps(star), "identity"))
