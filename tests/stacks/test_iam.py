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


def test_ci_trust_limited_to_repos_and_environment():
    doc = iam.ci_trust(P, A, ["acme/payments-api"], "prod", protected=True, gitlab_url="https://gitlab.com")
    gh, gl = doc["Statement"]
    assert gh["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"] == ["repo:acme/payments-api:environment:prod"]
    assert gh["Condition"]["StringEquals"]["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    assert gl["Condition"]["StringLike"]["gitlab.com:sub"] == ["project_path:acme/payments-api:ref_type:branch:ref:main"]
    assert iam.ci_trust(P, A, [], "prod", protected=False)["Statement"][0]["Effect"] == "Deny"


def _gitlab_statement(env, *, protected, url="https://gitlab.example.com/"):
    doc = iam.ci_trust(P, A, ["acme/payments-api"], env, protected=protected, gitlab_url=url)
    return next(s for s in doc["Statement"] if s["Sid"] == "GitLabCI")


def test_gitlab_trust_requires_the_audience_of_its_own_environment():
    from platform_cli.planning.names import ci_audience

    url = "https://gitlab.example.com/"
    prod, dev = _gitlab_statement("prod", protected=True), _gitlab_statement("dev", protected=False)
    prod_aud = prod["Condition"]["StringEquals"]["gitlab.example.com:aud"]
    dev_aud = dev["Condition"]["StringEquals"]["gitlab.example.com:aud"]
    assert prod_aud == ci_audience(url, "prod") and dev_aud == ci_audience(url, "dev")
    # A job requesting dev's audience (any ref) cannot assume prod's role, and a job on main
    # requesting prod's audience cannot assume dev's role.
    assert prod_aud != dev_aud
    # The instance URL (GitLab's default audience) is trusted by neither.
    assert "https://gitlab.example.com" not in (prod_aud, dev_aud)
    # The subject conditions are unchanged: prod from main only.
    assert prod["Condition"]["StringLike"]["gitlab.example.com:sub"] == ["project_path:acme/payments-api:ref_type:branch:ref:main"]
    assert dev["Condition"]["StringLike"]["gitlab.example.com:sub"] == ["project_path:acme/payments-api:ref_type:*"]


def test_ci_audience_is_stable_and_per_environment():
    from platform_cli.planning.names import ci_audience

    assert ci_audience("https://gitlab.com/", "prod") == ci_audience("https://gitlab.com", "prod")
    assert ci_audience("https://gitlab.com", "prod") != ci_audience("https://gitlab.com", "staging")
    assert ci_audience("https://gitlab.com", "prod").startswith("https://gitlab.com/")


def test_github_trust_unchanged_by_gitlab_audience():
    doc = iam.ci_trust(P, A, ["acme/payments-api"], "dev", protected=False, gitlab_url="https://gitlab.com")
    gh = next(s for s in doc["Statement"] if s["Sid"] == "GitHubActions")
    assert gh["Condition"] == {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                                                "token.actions.githubusercontent.com:sub": ["repo:acme/payments-api:environment:dev"]}}
