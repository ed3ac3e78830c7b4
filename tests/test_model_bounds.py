"""Every numeric limit of the specs at its boundary: the limit itself is accepted, one step past it refused."""

from __future__ import annotations

import pytest

from platform_cli.errors import SpecError
from platform_cli.model import Blueprint, Service

SERVICE = {"name": "api", "space": "payments", "environments": {"dev": {"regions": ["eu-central-1"]}}}
BLUEPRINT = {"name": "tiny", "version": 1}


def _set(data: dict, path: str, value) -> dict:
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
    node = out
    keys = path.split(".")
    for k in keys[:-1]:
        node[k] = dict(node.get(k) or {})
        node = node[k]
    node[keys[-1]] = value
    return out


# (model, base data, field path, lowest accepted, highest accepted, step); None: no bound on that side
BOUNDS = [
    (Service, SERVICE, "port", 1, 65535, 1),
    (Service, _set(SERVICE, "scaling.max", 100), "scaling.min", 0, 100, 1),
    (Service, _set(SERVICE, "scaling.min", 1), "scaling.max", 1, 100, 1),
    (Service, SERVICE, "scaling.cpu_target", 10, 90, 1),
    (Service, SERVICE, "rollout.batch_size", 1, 50, 1),
    (Service, SERVICE, "rollout.max_parallel", 1, 50, 1),
    (Service, SERVICE, "rollout.bake_minutes", 0, 1440, 0.5),
    (Blueprint, BLUEPRINT, "network.cidr_prefix", 16, 26, 1),
    (Blueprint, BLUEPRINT, "network.azs", 1, 4, 1),
    (Blueprint, BLUEPRINT, "access.max_session_hours", 1, 12, 1),
    (Blueprint, BLUEPRINT, "baseline.registry.keep_images", 1, None, 1),
    (Blueprint, BLUEPRINT, "baseline.artifact_bucket.noncurrent_expiry_days", 1, None, 1),
    (Blueprint, BLUEPRINT, "version", 1, None, 1),
    (Blueprint, BLUEPRINT, "budget.monthly_limit_usd", 0.01, None, 0.01),
    (Blueprint, BLUEPRINT, "guardrails.cost_ceiling_usd", 0.01, None, 0.01),
]


def _ids(case):
    return f"{case[0].__name__}.{case[2]}"


@pytest.mark.parametrize("model, base, path, lo, hi, step", BOUNDS, ids=[_ids(c) for c in BOUNDS])
def test_numeric_limits_at_their_boundary(model, base, path, lo, hi, step):
    def parse(value):
        return model.parse(_set(base, path, value), source="x.yaml")

    parse(lo)
    below = round(lo - step, 6) if isinstance(step, float) else lo - step
    if path.endswith("_usd"):
        below = 0  # a price of zero is no limit
    with pytest.raises(SpecError, match=path.replace(".", r"\.")):
        parse(below)
    if hi is not None:
        parse(hi)
        with pytest.raises(SpecError, match=path.replace(".", r"\.")):
            parse(hi + step)


@pytest.mark.parametrize("days, ok", [(1, True), (2, False), (30, True), (31, False), (3653, True), (3654, False)])
def test_log_retention_is_one_of_cloudwatchs_values(days, ok):
    data = _set(BLUEPRINT, "baseline.log_retention_days", days)
    if ok:
        assert Blueprint.parse(data, source="x.yaml").baseline.log_retention_days == days
    else:
        with pytest.raises(SpecError, match="log_retention_days must be one of"):
            Blueprint.parse(data, source="x.yaml")


def test_scaling_min_above_max_is_refused_and_equal_is_fine():
    Service.parse(_set(_set(SERVICE, "scaling.min", 5), "scaling.max", 5), source="x.yaml")
    with pytest.raises(SpecError, match=r"min \(6\) must not exceed max \(5\)"):
        Service.parse(_set(_set(SERVICE, "scaling.min", 6), "scaling.max", 5), source="x.yaml")
