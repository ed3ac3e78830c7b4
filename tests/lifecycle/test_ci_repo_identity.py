"""`space set` compares CI repositories, not strings: OWNER/REPO and github:OWNER/REPO are one repository."""

from __future__ import annotations

import pytest
import yaml

from platform_cli.errors import UsageError
from platform_cli.lifecycle.settings import SetSpaceRequest, set_space


def _repos(ws):
    return yaml.safe_load(ws.space_path("payments").read_text())["ci_repos"]


def test_removing_the_provider_form_removes_the_bare_entry(payments):
    assert _repos(payments) == ["acme/payments-api"]
    result = set_space(payments, "payments", SetSpaceRequest(remove_ci_repos=["github:acme/payments-api"]))
    assert result.ci_repos == {"added": [], "removed": ["acme/payments-api"]} and _repos(payments) == []
    assert [t["change"] for t in result.trust] == ["loses"]


def test_adding_a_repository_already_there_in_another_form_adds_nothing(payments):
    result = set_space(payments, "payments", SetSpaceRequest(add_ci_repos=["github:acme/payments-api"]))
    assert result.ci_repos == {"added": [], "removed": []} and not result.changed and not result.trust
    assert _repos(payments) == ["acme/payments-api"]
    # the same path on GitLab is another repository
    result = set_space(payments, "payments", SetSpaceRequest(add_ci_repos=["gitlab:acme/payments-api"]))
    assert result.ci_repos["added"] == ["gitlab:acme/payments-api"]
    assert _repos(payments) == ["acme/payments-api", "gitlab:acme/payments-api"]
    with pytest.raises(UsageError) as e:  # removing the GitHub one twice over is still one removal; GitLab stays
        set_space(payments, "payments", SetSpaceRequest(remove_ci_repos=["gitlab:acme/other"]))
    assert "not in the space" in e.value.message


@pytest.mark.parametrize("add, remove", [(["acme/x"], ["github:acme/x"]), (["github:acme/x"], ["acme/x"])])
def test_adding_and_removing_one_repository_in_two_forms_is_refused(payments, add, remove):
    before = payments.space_path("payments").read_text()
    with pytest.raises(UsageError) as e:
        set_space(payments, "payments", SetSpaceRequest(add_ci_repos=add, remove_ci_repos=remove))
    assert "both added and removed" in e.value.message
    assert payments.space_path("payments").read_text() == before


def test_a_malformed_entry_is_refused_naming_the_option(payments):
    with pytest.raises(UsageError) as e:
        set_space(payments, "payments", SetSpaceRequest(remove_ci_repos=["bitbucket:acme/x"]))
    assert "--remove-ci-repo" in e.value.message and "bitbucket:acme/x" in e.value.message
