"""Why a service's scalable target keeps its ``platform:space`` tag (README, Isolation: One shared account).

Not tagging scalable targets would take ``application-autoscaling:TagResource`` out of every CI grant, but the tag is
the only thing IAM can tell one space's scalable targets apart by: their ARNs are generated ids, and the actions on an
existing target (deregistering it, putting or deleting its scaling policies and scheduled actions) know no other key
than ``aws:ResourceTag`` and the namespace and dimension, which every ECS service's target shares. An untagged target
would have to be granted to every space's CI, which could then deregister another team's scaling. These tests keep
the facts in view: IAM's own action table, the rendered target's tags, and the decisions of the rendered roles.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.iameval import Request, decide
from tests.stacks.test_isolation import CLAIM, OTHER, PREFIX, SPACE, arn, decision, roles  # noqa: F401 (fixture)

CI = f"{PREFIX}--ci-deploy"
EXISTING_TARGET_ACTIONS = ("DeregisterScalableTarget", "PutScalingPolicy", "DeleteScalingPolicy",
                           "PutScheduledAction", "DeleteScheduledAction")
ECS_TARGET = {"application-autoscaling:service-namespace": "ecs",
              "application-autoscaling:scalable-dimension": "ecs:service:DesiredCount"}
OWN = arn("application-autoscaling", "scalable-target/0own")
THEIRS = arn("application-autoscaling", "scalable-target/0theirs")


def _service():
    import parliament

    with open(os.path.join(os.path.dirname(parliament.__file__), "iam_definition.json")) as f:
        return next(s for s in json.load(f) if s["prefix"] == "application-autoscaling")


def test_iam_scopes_an_existing_scalable_target_by_its_tags_alone():
    """IAM's action table: the scalable target resource knows only ``aws:ResourceTag``; the actions on an existing
    target add only the namespace and the dimension (the same for every ECS service). Without the tag no key is
    left that tells the space's targets from another space's."""
    service = _service()
    (target,) = service["resources"]
    assert target["condition_keys"] == ["aws:ResourceTag/${TagKey}"]
    assert target["arn"].endswith(":scalable-target/${ResourceId}")  # a generated id: no name prefix to scope by
    privileges = {p["privilege"]: p for p in service["privileges"]}
    for name in EXISTING_TARGET_ACTIONS:
        keys = {k for r in privileges[name]["resource_types"] for k in r["condition_keys"]}
        assert keys == set(ECS_TARGET), (name, keys)


def test_the_rendered_scalable_target_carries_the_space_tag():
    """The fence the grants rely on: every service unit's scalable target is tagged with its space."""
    golden = os.path.join(os.path.dirname(__file__), "..", "render", "golden")
    targets = []
    for name in sorted(os.listdir(golden)):
        if name.startswith("service_") and name.endswith(".json"):
            with open(os.path.join(golden, name)) as f:
                graph = json.load(f)
            targets += [(name, r) for r in graph["resources"] if r["type"] == "aws:appautoscaling/target:Target"]
    assert targets, "no rendered service has a scalable target"
    for name, target in targets:
        tags = target["inputs"].get("tags") or {}
        assert tags.get("platform:space"), (name, target["name"])
        assert target["name"].startswith(tags["platform:space"]), (name, target["name"])


@pytest.mark.parametrize("action", EXISTING_TARGET_ACTIONS[:3])
def test_the_ci_role_changes_its_own_tagged_targets_only(roles, action):  # noqa: F811
    """By the tag: its own target allowed, another space's denied, an untagged one denied."""
    full = f"application-autoscaling:{action}"
    assert decision(roles, CI, full, OWN, {**ECS_TARGET, "aws:ResourceTag/platform:space": SPACE}) == "allow"
    assert decision(roles, CI, full, THEIRS, {**ECS_TARGET, "aws:ResourceTag/platform:space": OTHER}) != "allow"
    assert decision(roles, CI, full, THEIRS, ECS_TARGET) != "allow"


@pytest.mark.parametrize("action", EXISTING_TARGET_ACTIONS[:3])
def test_without_the_tag_a_grant_cannot_tell_the_spaces_targets_apart(roles, action):  # noqa: F811
    """The counterfactual: untagged, the space's own target and another team's are the same request to IAM (every
    key IAM has for them is equal), so any policy decides both alike: whatever lets the pipeline manage its own
    untagged target lets it deregister or rescale another team's."""
    full = f"application-autoscaling:{action}"
    identity, boundary = roles[CI]
    widened = [*identity, {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": full, "Resource": arn("application-autoscaling", "scalable-target/*"),
        "Condition": {"StringEquals": ECS_TARGET}}]}]
    widened_boundary = {"Version": "2012-10-17", "Statement": [*boundary["Statement"], *widened[-1]["Statement"]]}
    own = decide(Request(full, OWN, ECS_TARGET), widened, boundary=widened_boundary)
    theirs = decide(Request(full, THEIRS, ECS_TARGET), widened, boundary=widened_boundary)
    assert own == theirs == "allow"


def test_the_remaining_gap_is_tagging_an_untagged_target_of_another_tool(roles):  # noqa: F811
    """What tagging costs: TagResource at RegisterScalableTarget can only be granted by request tag, so an untagged
    target (one no space's stack made) can be tagged into the space; a target of another space cannot."""
    tag = "application-autoscaling:TagResource"
    assert decision(roles, CI, tag, THEIRS, CLAIM) == "allow"
    assert decision(roles, CI, tag, THEIRS, {**CLAIM, "aws:ResourceTag/platform:space": OTHER}) != "allow"
    assert decision(roles, CI, tag, THEIRS, {}) != "allow"
