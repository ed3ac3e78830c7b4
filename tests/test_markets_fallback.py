"""A country whose own region a blueprint does not allow is served by the nearest allowed region
of its residency zone; services resolve the same countries to the same regions."""

import pytest

from platform_cli.errors import SpecError
from platform_cli.model import Markets
from platform_cli.spaces import CreateSpaceRequest, create_space


def _regions(ws, team, blueprint, envs):
    space = create_space(ws, CreateSpaceRequest(team=team, blueprint=blueprint, envs=envs))
    return {env: e.regions for env, e in space.environments.items()}


def test_countries_fall_back_inside_their_zone_when_the_blueprint_narrows_regions(workspace):
    # minimal@1 allows eu-central-1, eu-west-1 and us-east-1 only
    assert _regions(workspace, "mm", "minimal@1", ["dev=PT,DK,BE"]) == {"dev": ["eu-west-1", "eu-central-1"]}


def test_countries_keep_their_own_region_when_it_is_allowed(workspace):
    assert _regions(workspace, "st", "standard@1", ["dev=PT,DK,BE"]) == {"dev": ["eu-south-2", "eu-north-1", "eu-west-3"]}


def test_no_allowed_region_in_the_zone_is_still_refused(workspace):
    with pytest.raises(SpecError, match="not allowed by blueprint minimal@1"):
        _regions(workspace, "jp", "minimal@1", ["dev=JP"])


def test_a_service_resolves_its_markets_to_the_spaces_regions(workspace, tmp_path):
    from platform_cli.servicespec import load_service, service_regions

    _regions(workspace, "mm", "minimal@1", ["dev=PT"])
    svc = tmp_path / "svc"
    svc.mkdir()
    (svc / "service.yaml").write_text(
        "schema_version: 1\nname: api\nspace: mm\nenvironments:\n  dev: {markets: [PT]}\n")
    service, path = load_service(svc)
    assert service_regions(workspace, service, "dev", str(path)) == ["eu-west-1"]


def test_a_fallback_outside_the_residency_zone_is_refused():
    from platform_cli.catalog import Catalog

    data = Catalog().markets.model_dump(mode="json")
    pt = next(m for m in data["markets"] if m["country"] == "PT")
    pt["fallback"] = ["us-east-1"]
    with pytest.raises(SpecError, match="fallback.0: us-east-1 must be another known region in residency zone eu"):
        Markets.parse(data, source="markets.yaml")
