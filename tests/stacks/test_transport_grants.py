"""The CI deploy role writes the TLS-only policies of its space's buckets, queues and topics, and nothing more.

Decided by the test evaluator on the rendered space (with the shared backend, see ``test_isolation``): the pipeline
puts and deletes the policy of its own buckets only; a bucket policy it could write (granting its role, or its
session, the objects) does not give it the objects, since its own policies deny every object action but emptying the
bucket; the state objects in the shared bucket stay reachable.
"""

from __future__ import annotations

import json

import pytest

from stacks import iam
from tests.iameval import Request, decide
from tests.stacks.test_iam_lint import _bucket_policy_cannot_grant_objects, parliament_findings
from tests.stacks.test_isolation import A, OTHER_PREFIX, PREFIX, STATE, decision, roles  # noqa: F401

CI = f"{PREFIX}--ci-deploy"
OWN_BUCKET = "arn:aws:s3:::acme--payments--prod--euc1--api--files--c1d4bd"
OTHER_BUCKET = f"arn:aws:s3:::acme--{OTHER_PREFIX}--api--files--c1d4bd"
IN_ACCOUNT = {"s3:ResourceAccount": A}


def test_the_pipeline_writes_the_policies_of_its_own_buckets_only(roles):  # noqa: F811
    for action in ("s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"):
        assert decision(roles, CI, action, OWN_BUCKET, IN_ACCOUNT) == "allow", action
        assert decision(roles, CI, action, OTHER_BUCKET, IN_ACCOUNT) != "allow", action
        assert decision(roles, CI, action, f"arn:aws:s3:::{STATE}", IN_ACCOUNT) != "allow", action
        # a bucket of the same name in another account
        assert decision(roles, CI, action, OWN_BUCKET, {"s3:ResourceAccount": "210987654321"}) != "allow", action


@pytest.mark.parametrize("principal", [f"arn:aws:iam::{A}:role/{PREFIX}--ci-deploy",
                                       f"arn:aws:sts::{A}:assumed-role/{PREFIX}--ci-deploy/gh-run-1", "*"])
def test_a_bucket_policy_the_pipeline_writes_does_not_give_it_the_objects(roles, principal):  # noqa: F811
    identity, boundary = roles[CI]
    grant = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": principal},
                                                     "Action": "s3:*", "Resource": [OWN_BUCKET, f"{OWN_BUCKET}/*"]}]}
    who = {"AWS": f"arn:aws:sts::{A}:assumed-role/{PREFIX}--ci-deploy/gh-run-1"}
    for action in ("s3:GetObject", "s3:PutObject", "s3:GetObjectVersion", "s3:PutObjectAcl", "s3:RestoreObject"):
        request = Request(action, f"{OWN_BUCKET}/data/customers.csv", IN_ACCOUNT, who)
        assert decide(request, identity, boundary=boundary, resource_policy=grant) == "explicit-deny", action
    # emptying the bucket before deleting it stays allowed, and the state objects are not the space's buckets
    assert decision(roles, CI, "s3:DeleteObject", f"{OWN_BUCKET}/data/customers.csv", IN_ACCOUNT) == "allow"
    state = f"arn:aws:s3:::{STATE}/.pulumi/stacks/service.payments.api/prod.eu-central-1.json"
    assert decision(roles, CI, "s3:PutObject", state, IN_ACCOUNT) == "allow"


def test_the_deny_covers_the_space_buckets_objects_and_nothing_else():
    deny = iam.deny_bucket_objects("aws", "acme--payments--prod--euc1--")
    doc = iam.doc(deny)
    for resource, denied in [(f"{OWN_BUCKET}/k", True), (OWN_BUCKET, False),  # the bucket's own calls: not objects
                             (f"{OTHER_BUCKET}/k", False), (f"arn:aws:s3:::{STATE}/.pulumi/meta.yaml", False)]:
        verdict = decide(Request("s3:GetObject", resource, {}), [doc])
        assert (verdict == "explicit-deny") is denied, resource


def _escalation(obj: str, bucket: str = "arn:aws:s3:::acme--payments--prod--euc1--*") -> str:
    return (f"Possible resource policy privilege escalation on {bucket} due to {obj} not being allowed, "
            "but does allow s3:PutBucketPolicy")


def test_parliaments_bucket_policy_finding_is_set_aside_only_where_the_document_denies_the_objects():
    writes = iam.allow("Buckets", ["s3:PutBucketPolicy", "s3:GetBucketPolicy"], ["arn:aws:s3:::acme--payments--prod--euc1--*"])
    empties = iam.allow("EmptyBuckets", list(iam.OBJECT_DELETES), ["arn:aws:s3:::acme--payments--prod--euc1--*/*"])
    deny = iam.deny_bucket_objects("aws", "acme--payments--prod--euc1--")
    without = iam.doc(writes, empties)
    found = parliament_findings(json.dumps(without), "identity")
    assert any(f.startswith("RESOURCE_POLICY_PRIVILEGE_ESCALATION") for f in found)  # the finding is real there
    assert parliament_findings(json.dumps(iam.doc(writes, empties, deny)), "identity") == []
    # a deny of other objects, a conditional deny, or a deny that exempts the very action: not set aside
    narrower = {**deny, "Resource": ["arn:aws:s3:::acme--payments--prod--euc1--x/*"]}
    conditional = {**deny, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    exempting = {**deny, "NotAction": ["s3:GetObject", *iam.OBJECT_DELETES]}
    for bad in (narrower, conditional, exempting):
        assert not _bucket_policy_cannot_grant_objects(_escalation("s3:GetObject"), iam.doc(writes, bad)), bad
    assert _bucket_policy_cannot_grant_objects(_escalation("s3:PutObject"), iam.doc(writes, exempting))
    assert not _bucket_policy_cannot_grant_objects("something else", iam.doc(writes, deny))


# --- the services' alias records under the space's domains ---------------------------------------------

ZONE = "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ"


def _change(names: list[str], types: list[str] | None = None) -> dict:
    return {"route53:ChangeResourceRecordSetsNormalizedRecordNames": names,
            "route53:ChangeResourceRecordSetsRecordTypes": types or ["A"] * len(names),
            "route53:ChangeResourceRecordSetsActions": ["UPSERT"] * len(names)}


def test_the_pipeline_writes_alias_records_of_its_domains_only(roles):  # noqa: F811
    for names in (["api.payments.example.com"], ["payments.example.com"],
                  ["api.payments.example.com", "web.payments.example.com"]):
        assert decision(roles, CI, "route53:ChangeResourceRecordSets", ZONE, _change(names)) == "allow", names
    for names, types in ((["api.search.example.com"], None),  # another name in the same zone
                         (["api.payments.example.com", "www.example.com"], None),  # one foreign name in the batch
                         (["paymentsx.example.com"], None), (["example.com"], None),
                         (["api.payments.example.com"], ["CNAME"]), (["payments.example.com"], ["NS"]),
                         (["payments.example.com"], ["TXT"])):
        assert decision(roles, CI, "route53:ChangeResourceRecordSets", ZONE, _change(names, types)) != "allow", names
    assert decision(roles, CI, "route53:ChangeResourceRecordSets", ZONE, {}) != "allow"  # no names: not ours
    other_zone = "arn:aws:route53:::hostedzone/ZOTHER000000000001"
    assert decision(roles, CI, "route53:ChangeResourceRecordSets", other_zone,
                    _change(["api.payments.example.com"])) != "allow"
    for action in ("route53:GetHostedZone", "route53:ListResourceRecordSets"):
        assert decision(roles, CI, action, ZONE) == "allow" and decision(roles, CI, action, other_zone) != "allow"
    assert decision(roles, CI, "route53:GetChange", "arn:aws:route53:::change/C0123") == "allow"
    for action in ("route53:DeleteHostedZone", "route53:CreateHostedZone", "route53:AssociateVPCWithHostedZone",
                   "acm:RequestCertificate", "acm:DeleteCertificate"):
        assert decision(roles, CI, action, ZONE) != "allow", action
    # the team roles write no records
    assert decision(roles, f"{PREFIX}--developer", "route53:ChangeResourceRecordSets", ZONE,
                    _change(["api.payments.example.com"])) != "allow"


def test_no_domains_no_dns_grants():
    assert iam.dns_record_statements("aws", {}) == []
    kw = dict(bucket_prefix="acme--payments--prod--euc1--", boundary=None, team="payments", env="prod")
    docs = iam.ci_deploy_policies("aws", "eu-central-1", A, "payments--prod", PREFIX, "arn:aws:ecr:x", **kw)
    assert not [a for d in docs.values() for st in d["Statement"] for a in st.get("Action", []) if a.startswith("route53:")]
