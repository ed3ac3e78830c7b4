"""The public API resolves every name it promises, and mirrors the CLI."""

import subprocess
import sys

from platform_cli import api


def test_every_export_resolves_to_a_callable():
    for name in api.__all__:
        assert callable(getattr(api, name)), name


def test_importing_the_api_is_cheap():
    code = ("import sys, platform_cli.api; heavy = [m for m in ('pulumi', 'pulumi_aws', 'boto3', 'cookiecutter') "
            "if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_api_creates_and_plans_like_the_cli(workspace):
    space = api.create_space(workspace, api.CreateSpaceRequest(team="search", blueprint="minimal@1", envs=["dev=IE"]))
    assert space.environments["dev"].regions == ["eu-west-1"]
    assert api.show_space(workspace, "search")["units"][0]["cidr"] == str(space.allocations[0].cidr)
    waves = api.plan_rollout(workspace, env="dev", team="search")
    assert [list(w.regions) for w in waves.waves] == [["eu-west-1"]]
