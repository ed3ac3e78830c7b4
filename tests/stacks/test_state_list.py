"""The CI role lists only its own team's keys in the shared state bucket (no other team's state key names)."""

from __future__ import annotations

import pytest

from stacks import iam
from tests.iameval import Request, allowed

P, R, A = "aws", "eu-central-1", "123456789012"
KW = dict(bucket_prefix="acme--payments--prod--euc1--", boundary=None, team="payments", env="prod",
          state_bucket="acme-state", state_prefix="platform")
BUCKET = "arn:aws:s3:::acme-state"


def _documents():
    return list(iam.ci_deploy_policies(P, R, A, "payments--prod", "payments--prod--euc1", "arn:aws:ecr:x", **KW).values())


@pytest.mark.parametrize("prefix", ["platform/.pulumi/stacks/service.payments.api/",
                                    "platform/.pulumi/history/service.payments.api/prod.eu-central-1/",
                                    "platform/.pulumi/locks/organization/service.payments.api/prod.eu-central-1/",
                                    "platform/.pulumi/stacks/space.payments/", "platform/.pulumi/stacks/space.payments"])
def test_the_team_lists_its_own_keys(prefix):
    assert allowed(Request("s3:ListBucket", BUCKET, {"s3:prefix": prefix}), _documents())


@pytest.mark.parametrize("prefix", ["platform/.pulumi/", "platform/.pulumi/stacks/", "platform/", "",
                                    "platform/.pulumi/stacks/service.payments-api.web/",  # team payments-api
                                    "platform/.pulumi/stacks/service.search.api/",
                                    "platform/.pulumi/stacks/space.payments-api/",
                                    "platform/.pulumi/locks/organization/service.search.api/",
                                    "other/.pulumi/stacks/service.payments.api/"])
def test_no_other_teams_key_names(prefix):
    assert not allowed(Request("s3:ListBucket", BUCKET, {"s3:prefix": prefix}), _documents())
    assert not allowed(Request("s3:ListBucket", BUCKET, {}), _documents())  # no prefix: the whole bucket
