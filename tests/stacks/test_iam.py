"""IAM documents of the platform are least-privilege by the same check the plan runs."""

import pytest

from platform_cli.planning.policy import iam_problems
from stacks import iam

P, R, A = "aws", "eu-central-1", "123456789012"
ECR = f"arn:aws:ecr:{R}:{A}:repository/payments-prod-euc1"
LOGS = f"arn:aws:logs:{R}:{A}:log-group:/platform/payments-prod-euc1"
KEY = f"arn:aws:kms:{R}:{A}:key/1234"


@pytest.mark.parametrize("document", [
    iam.permission_boundary(P, R, A, "payments-prod", "payments-prod-euc1", bucket_prefix="acme-payments-prod-euc1-"),
    iam.developer_policy(P, R, A, "payments-prod", "payments-prod-euc1"),
    iam.readonly_policy(P, R, A, "payments-prod", "payments-prod-euc1"),
    iam.ci_deploy_policy(P, R, A, "payments-prod", "payments-prod-euc1", ECR),
    iam.execution_policy(ECR, LOGS),
    iam.flow_logs_policy(LOGS),
    iam.secret_read_policy([f"arn:aws:secretsmanager:{R}:{A}:secret:x"], KEY),
    *[iam.binding_policy(o, [f"arn:aws:sqs:{R}:{A}:q"], [f"arn:aws:secretsmanager:{R}:{A}:secret:x"], KEY)
      for o in iam.BINDING_ACTIONS],
])
def test_platform_documents_are_least_privilege(document):
    assert iam_problems(document) == []


def test_key_policy_star_resource_only_in_key_policies():
    doc = iam.kms_key_policy(P, R, A)
    assert iam_problems(doc, key_policy=True) == []


@pytest.mark.parametrize("statement, fragment", [
    ({"Effect": "Allow", "Action": "*", "Resource": ECR}, "'*'"),
    ({"Effect": "Allow", "Action": ["s3:*"], "Resource": ECR}, "'s3:*'"),
    ({"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}, "resource '*'"),
    ({"Effect": "Allow", "NotAction": ["iam:*"], "Resource": ECR}, "NotAction"),
])
def test_loose_statements_are_found(statement, fragment):
    problems = iam_problems(iam.doc(statement))
    assert problems and fragment in problems[0]


def test_star_resource_allowed_for_listed_actions_only():
    assert iam_problems(iam.doc(iam.allow("x", ["ecr:GetAuthorizationToken"], "*"))) == []
    assert iam_problems(iam.doc(iam.allow("x", ["ecr:GetAuthorizationToken", "ecr:PutImage"], "*")))


def test_ci_audience_is_stable_and_per_environment():
    from platform_cli.planning.names import ci_audience

    assert ci_audience("https://gitlab.com/", "prod") == ci_audience("https://gitlab.com", "prod")
    assert ci_audience("https://gitlab.com", "prod") != ci_audience("https://gitlab.com", "staging")
    assert ci_audience("https://gitlab.com", "prod").startswith("https://gitlab.com/")


