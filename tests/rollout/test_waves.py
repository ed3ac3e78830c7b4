"""The wave planner: properties (Hypothesis), residency and partition checks, JSON and CI matrix output."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from platform_cli.catalog import Catalog
from platform_cli.errors import PolicyError, SpecError, UsageError
from platform_cli.planning.waves import plan_waves, resolve_regions, reverse

CATALOG = Catalog()
MARKETS = CATALOG.markets
AWS_REGIONS = [r.code for r in MARKETS.regions if r.partition == "aws"]


@st.composite
def policies(draw):
    regions = draw(st.lists(st.sampled_from(AWS_REGIONS), min_size=1, max_size=len(AWS_REGIONS), unique=True))
    canary = draw(st.one_of(st.none(), st.sampled_from(regions)))
    return regions, canary, draw(st.integers(1, 12)), draw(st.integers(1, 12))


@given(policies())
def test_every_region_once_canary_alone_first_batches_bounded_order_stable(policy):
    regions, canary, batch, parallel = policy
    plan = plan_waves(regions, canary=canary, batch_size=batch, max_parallel=parallel, partition_of=CATALOG.partition)
    flat = plan.regions
    assert sorted(flat) == sorted(regions) and len(flat) == len(set(flat))
    first = plan.waves[0]
    assert first.canary and first.regions == ((canary or regions[0]),)
    assert all(not w.canary for w in plan.waves[1:])
    assert all(1 <= len(w.regions) <= batch for w in plan.waves[1:])
    assert [r for r in regions if r != first.regions[0]] == flat[1:]  # declared order kept
    assert [w.number for w in plan.waves] == list(range(1, len(plan.waves) + 1))
    assert plan_waves(regions, canary=canary, batch_size=batch, max_parallel=parallel) == plan  # deterministic
    matrix = plan.matrix()["include"]
    assert [m["region"] for m in matrix] == flat
    for w in plan.waves:
        assert [m["region"] for m in plan.matrix(w.number)["include"]] == list(w.regions)
    back = reverse(plan)
    assert back.regions == list(reversed(flat))


def test_countries_resolve_without_duplicates_in_first_seen_order():
    regions, countries = resolve_regions(["DE", "AT", "eu-central-1", "FR", "BE", "US"], MARKETS)
    assert regions == ["eu-central-1", "eu-west-3", "us-east-1"]
    assert countries == ["DE", "AT", "FR", "BE", "US"]


def test_a_rollout_never_mixes_partitions():
    with pytest.raises(PolicyError, match="aws-cn: cn-north-1"):
        plan_waves(["eu-central-1", "cn-north-1"], partition_of=CATALOG.partition)
    plan = plan_waves(["cn-north-1", "cn-northwest-1"], partition_of=CATALOG.partition)
    assert plan.partition == "aws-cn"


def test_residency_mismatch_in_markets_is_refused():
    broken = MARKETS.model_copy(deep=True)
    # Germany served from Virginia: the data would leave the EU
    object.__setattr__(next(m for m in broken.markets if m.country == "DE"), "region", "us-east-1")
    with pytest.raises(PolicyError, match="DE needs data residency eu"):
        resolve_regions(["DE"], broken)


def test_bad_input_is_named():
    with pytest.raises(SpecError, match="canary region us-east-1 is not one of"):
        plan_waves(["eu-central-1"], canary="us-east-1")
    with pytest.raises(SpecError, match="regions repeat: eu-central-1"):
        plan_waves(["eu-central-1", "eu-central-1"])
    with pytest.raises(UsageError):
        plan_waves([])
    with pytest.raises(SpecError, match="unknown country 'XX'"):
        resolve_regions(["XX"], MARKETS)


# the command -----------------------------------------------------------------------
def _service(tmp_path, regions):
    folder = tmp_path / "payments-api"
    folder.mkdir()
    (folder / "service.yaml").write_text(
        "schema_version: 1\nname: api\nspace: payments\nenvironments:\n"
        f"  prod:\n    markets: [{', '.join(regions)}]\n"
        "rollout: {canary: eu-west-3, batch_size: 1, max_parallel: 1}\n")
    return folder


def test_cli_plan_json_and_github_matrix(payments, run_cli, tmp_path):
    svc = _service(tmp_path, ["DE", "FR", "US", "AT"])
    ws = str(payments.root)
    r = run_cli("-w", ws, "rollout", "plan", str(svc), "--env", "prod", "--json")
    assert r.exit_code == 0, r.stderr
    waves = json.loads(r.stdout)["waves"]
    assert [w["regions"] for w in waves] == [["eu-west-3"], ["eu-central-1"], ["us-east-1"]]
    r = run_cli("-w", ws, "rollout", "plan", str(svc), "--env", "prod", "--matrix", "github")
    include = json.loads(r.stdout)["include"]
    assert [(m["region"], m["wave"]) for m in include] == [("eu-west-3", 1), ("eu-central-1", 2), ("us-east-1", 3)]
    assert include[0]["unit"] == "service/payments/api/prod/eu-west-3"
    r = run_cli("-w", ws, "rollout", "plan", str(svc), "--env", "prod", "--matrix", "github", "--wave", "2")
    assert json.loads(r.stdout) == {"include": [{"region": "eu-central-1", "wave": 2,
                                                 "unit": "service/payments/api/prod/eu-central-1"}]}
    r = run_cli("-w", ws, "rollout", "plan", "--space", "payments", "--env", "prod")
    assert r.exit_code == 0 and "eu-central-1" in r.stdout and "canary" in r.stdout


def test_cli_plan_refuses_regions_outside_the_space(payments, run_cli, tmp_path):
    svc = _service(tmp_path, ["DE", "JP"])
    r = run_cli("-w", str(payments.root), "rollout", "plan", str(svc), "--env", "prod")
    assert r.exit_code == 3
    assert "ap-northeast-1" in r.stderr and "service.yaml" in r.stderr and "platform space add-region" in r.stderr
