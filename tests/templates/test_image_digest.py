"""Deploys run the image by the digest its push got: the push script prints the registry's digest, generated CI hands
each region's digest to `platform service deploy --image-digest`, the unit's task definition names REPO@sha256:..., and
a protected environment refuses a deploy (or a rollback) without a digest, before anything is recorded."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from platform_cli.errors import SpecError, UsageError
from platform_cli.planning.images import digest_problem, service_image_ref, split_release, with_digest

from .test_generated_ci import generated  # noqa: F401 (fixture)

DIGEST = "sha256:" + "b" * 64
OTHER = "sha256:" + "a" * 64
REPO = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/payments--prod--euc1"


def test_the_image_reference_names_the_digest_when_the_release_carries_one():
    assert service_image_ref(REPO, "api", "1.4.0", own_repository=False) == f"{REPO}:api-1.4.0"
    assert service_image_ref(REPO, "api", f"1.4.0@{DIGEST}", own_repository=False) == f"{REPO}@{DIGEST}"
    assert service_image_ref("ghcr.io/acme/api", "api", f"1.4.0@{DIGEST}", own_repository=True) == \
        f"ghcr.io/acme/api@{DIGEST}"
    assert split_release(f"abc@{DIGEST}") == ("abc", DIGEST) and split_release("abc") == ("abc", None)
    assert with_digest("abc", None) == "abc"
    for bad in ("sha256:" + "b" * 63, "sha256:" + "B" * 64, "sha512:" + "b" * 64, "b" * 64):
        with pytest.raises(ValueError):
            with_digest("abc", bad)


def test_the_rule_breaks_on_each_side():
    assert digest_problem(f"v1@{DIGEST}", protected=True, env="prod") is None
    assert digest_problem("v1", protected=False, env="dev") is None
    assert "--image-digest is required: environment prod is protected" in digest_problem("v1", protected=True, env="prod")
    assert "expected sha256:" in digest_problem("v1@sha256:" + "b" * 63, protected=False, env="dev")
    assert "expected sha256:" in digest_problem("v1@latest", protected=True, env="prod")


# the push script -----------------------------------------------------------------------------------------------
def _fake_docker(tmp_path: Path, digests: str) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text("#!/bin/sh\nif [ \"$1\" = build ]; then exit 0; fi\n"
                      "if [ \"$1\" = push ]; then echo \"pushed $2\"; exit 0; fi\n"
                      f"if [ \"$1 $2\" = 'image inspect' ]; then printf '%s' '{digests}'; exit 0; fi\nexit 9\n")
    docker.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}


@pytest.mark.parametrize("digests, expected", [
    (f"{REPO}@{DIGEST}\n", DIGEST),
    (f"other.example/mirror/x@{OTHER}\n{REPO}@{DIGEST}\n", DIGEST),  # the pushed repository's, not another's
    (f"{REPO}-old@{OTHER}\n{REPO}@{DIGEST}\n", DIGEST),  # a repository whose name extends this one's is not it
    (f"other.example/x@{OTHER}\n", None),
    (f"{REPO}@sha256:{'b' * 63}\n", None),
    ("", None),
])
def test_push_image_prints_the_pushed_repositorys_digest_or_fails(generated, tmp_path, digests, expected):  # noqa: F811
    script = generated[("python-web", "github")][1] / ".platform/push_image.sh"
    assert "{%" not in script.read_text()
    run = subprocess.run(["sh", str(script), f"{REPO}:api-abc"], capture_output=True, text=True,
                         env=_fake_docker(tmp_path, digests))
    if expected is None:
        assert run.returncode != 0 and "no digest" in run.stderr and run.stdout == ""
    else:
        assert run.returncode == 0, run.stderr
        assert run.stdout == expected + "\n" and f"pushed {REPO}:api-abc" in run.stderr


# generated CI ---------------------------------------------------------------------------------------------------
WAVES = {"dev": [["eu-central-1"]], "prod": [["eu-central-1"], ["eu-west-3", "us-east-1"]]}


def _var(region: str) -> str:
    return region.replace("-", "_")


def _run_with_fake_platform(tmp_path: Path, script: str, env: dict[str, str]) -> str:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    stub = bin_dir / "platform"
    stub.write_text("#!/bin/sh\necho \"$@\"\n")
    stub.chmod(0o755)
    run = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                         env={"PATH": f"{bin_dir}:{os.environ['PATH']}", **env})
    assert run.returncode == 0, run.stderr
    return run.stdout


@pytest.mark.parametrize("template", ["python-web", "python-worker"])
def test_github_deploys_each_region_by_the_digest_its_publish_job_pushed(generated, template, tmp_path):  # noqa: F811
    wf = yaml.safe_load((generated[(template, "github")][1] / ".github/workflows/deploy.yml").read_text())
    for env, waves in WAVES.items():
        publish = wf["jobs"][f"{env}-publish"]
        regions = [r for w in waves for r in w]
        assert publish["outputs"] == {f"digest_{_var(r)}": f"${{{{ steps.push.outputs.digest_{_var(r)} }}}}"
                                      for r in regions}
        push = next(s for s in publish["steps"] if s.get("id") == "push")
        assert 'digest="$(sh .platform/push_image.sh "$image")"' in push["run"]
        assert '>> "$GITHUB_OUTPUT"' in push["run"] and "docker push" not in push["run"]
        for k, wave in enumerate(waves, start=1):
            job = wf["jobs"][f"{env}-wave-{k}"]
            assert f"{env}-publish" in job["needs"]
            deploy = next(s for s in job["steps"] if "platform service deploy" in s.get("run", ""))
            assert {k: v for k, v in deploy["env"].items() if k.startswith("IMAGE_DIGEST_")} == {
                f"IMAGE_DIGEST_{_var(r)}": f"${{{{ needs.{env}-publish.outputs.digest_{_var(r)} }}}}" for r in wave}
            for i, region in enumerate(wave):  # run the step: each region deploys its own digest
                values = {f"IMAGE_DIGEST_{_var(r)}": "sha256:" + str(j) * 64 for j, r in enumerate(wave)}
                out = _run_with_fake_platform(tmp_path, deploy["run"], {**values, "REGION": region, "PLATFORM_ENV": env,
                                                                        "GITHUB_SHA": "c0ffee"})
                assert f"--image-digest sha256:{str(i) * 64} --region {region}" in out
                assert "--version c0ffee" in out


@pytest.mark.parametrize("template", ["python-web", "python-worker"])
def test_gitlab_deploys_each_region_by_the_digest_its_build_job_pushed(generated, template, tmp_path):  # noqa: F811
    ci = yaml.safe_load((generated[(template, "gitlab")][1] / ".gitlab-ci.yml").read_text())
    for env, waves in WAVES.items():
        build = ci[f"build-{env}"]
        assert build["artifacts"]["reports"]["dotenv"] == "image.env"
        assert any('sh .platform/push_image.sh "$IMAGE"' in line for line in build["script"])
        assert not any(line.startswith("docker push") for line in build["script"])
        for k, wave in enumerate(waves, start=1):
            job = ci[f"deploy-{env}-wave-{k}"]
            assert f"build-{env}" in job["needs"]
            script = "\n".join(line for line in job["script"] if "AWS_" not in line)
            assert "--image-digest \"$IMAGE_DIGEST\"" in script
            for i, region in enumerate(wave):
                values = {f"IMAGE_DIGEST_{_var(r)}": "sha256:" + str(j) * 64 for j, r in enumerate(wave)}
                out = _run_with_fake_platform(tmp_path, "set -e\n" + script, {
                    **values, "REGION": region, "PLATFORM_ENV": env, "CI_COMMIT_SHA": "c0ffee"})
                assert f"--image-digest sha256:{str(i) * 64} --region {region}" in out
        # the build job's dotenv line names the region's variable
        line = next(x for x in build["script"] if "image.env" in x)
        out = subprocess.run(["sh", "-c", line + " && cat image.env"], capture_output=True, text=True, cwd=tmp_path,
                             env={**os.environ, "REGION": "eu-west-3", "DIGEST": DIGEST})
        assert out.stdout == f"IMAGE_DIGEST_eu_west_3={DIGEST}\n"


def test_a_missing_digest_fails_the_deploy_step(generated, tmp_path):  # noqa: F811
    wf = yaml.safe_load((generated[("python-web", "github")][1] / ".github/workflows/deploy.yml").read_text())
    deploy = next(s for s in wf["jobs"]["prod-wave-2"]["steps"] if "platform service deploy" in s.get("run", ""))
    run = subprocess.run(["bash", "-c", deploy["run"]], capture_output=True, text=True,
                         env={"PATH": os.environ["PATH"], "REGION": "us-east-1", "PLATFORM_ENV": "prod"})
    assert run.returncode != 0


# previews -------------------------------------------------------------------------------------------------------
REGISTRY, REPOSITORY = REPO.split("/")


def _with_fake_platform(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    stub = bin_dir / "platform"
    stub.write_text("#!/bin/sh\necho \"platform $*\"\n")
    stub.chmod(0o755)
    return env


@pytest.mark.parametrize("template", ["python-web", "python-worker"])
@pytest.mark.parametrize("digests, expected", [(f"{REPO}@{DIGEST}\n", DIGEST), ("", None)])
def test_github_previews_run_the_image_by_the_digest_their_push_got(generated, template, tmp_path, digests,
                                                                    expected):  # noqa: F811
    project = generated[(template, "github")][1]
    wf = yaml.safe_load((project / ".github/workflows/preview.yml").read_text())
    [job] = wf["jobs"].values()
    step = next(s for s in job["steps"] if "platform service preview up" in s.get("run", ""))
    assert "docker push" not in step["run"]
    env = _with_fake_platform(_fake_docker(tmp_path, digests), tmp_path)
    run = subprocess.run(["bash", "-c", step["run"]], capture_output=True, text=True, cwd=project, env={
        **env, "REGISTRY": REGISTRY, "ECR_REPOSITORY": REPOSITORY, "SERVICE_NAME": "orders-pr7", "PR": "7",
        "GITHUB_SHA": "c0ffee", "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")})
    if expected is None:  # no digest from the registry: the step fails before the preview is touched
        assert run.returncode != 0 and "platform service preview" not in run.stdout
        return
    assert run.returncode == 0, run.stderr
    assert f"platform service preview up . --pr 7 --version c0ffee --image-digest {expected} --summary" in run.stdout
    assert f"pushed {REPO}:orders-pr7-c0ffee" in run.stderr


@pytest.mark.parametrize("template", ["python-web", "python-worker"])
def test_gitlab_previews_run_the_image_by_the_digest_preview_build_pushed(generated, template, tmp_path):  # noqa: F811
    project = generated[(template, "gitlab")][1]
    ci = yaml.safe_load((project / ".gitlab-ci.yml").read_text())
    build, up = ci["preview-build"], ci["preview-up"]
    assert build["artifacts"]["reports"]["dotenv"] == "image.env" and "preview-build" in up["needs"]
    assert not any(line.startswith("docker push") for line in build["script"])
    script = "set -e\n" + "\n".join(line for line in build["script"] if "ecr_login" not in line)
    for digests, expected in ((f"{REPO}@{DIGEST}\n", f"IMAGE_DIGEST={DIGEST}\n"), ("", None)):
        work = tmp_path / ("ok" if expected else "none")
        (work / ".platform").mkdir(parents=True)
        (work / ".platform/push_image.sh").write_bytes((project / ".platform/push_image.sh").read_bytes())
        run = subprocess.run(["sh", "-c", script], capture_output=True, text=True, cwd=work, env={
            **_fake_docker(work, digests), "ECR_REGISTRY": REGISTRY, "ECR_REPOSITORY": REPOSITORY,
            "SERVICE_NAME": "orders-pr7", "CI_COMMIT_SHA": "c0ffee"})
        if expected is None:  # the job fails and reports no digest
            assert run.returncode != 0 and not (work / "image.env").exists()
        else:
            assert run.returncode == 0, run.stderr
            assert (work / "image.env").read_text() == expected
    [line] = [x for x in up["script"] if "platform service preview up" in x]
    env = _with_fake_platform(_fake_docker(tmp_path, ""), tmp_path)
    run = subprocess.run(["sh", "-c", line], capture_output=True, text=True,
                         env={**env, "IMAGE_DIGEST": DIGEST, "CI_MERGE_REQUEST_IID": "7", "CI_COMMIT_SHA": "c0ffee"})
    assert run.returncode == 0, run.stderr
    assert f"--pr 7 --version c0ffee --image-digest {DIGEST} --summary preview.md" in run.stdout


# the deploy and the stack ---------------------------------------------------------------------------------------
SERVICE = """\
schema_version: 1
name: api
space: payments
environments:
  dev:
    regions: [eu-central-1]
  prod:
    regions: [eu-central-1]
rollout:
  gates: {alarms: false, health_check: false, manual_approval: never}
"""


@pytest.fixture
def service_dir(tmp_path):
    folder = tmp_path / "api"
    folder.mkdir()
    (folder / "service.yaml").write_text(SERVICE)
    return folder


def _journals(ws) -> list[str]:
    folder = ws.local_dir / "rollouts"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_a_protected_environment_refuses_a_deploy_without_a_digest_recording_nothing(payments, service_dir):
    from platform_cli import deploy
    from platform_cli.rollout.progress import NullProgress
    from tests.rollout.conftest import FakeEngine

    for digest, words in ((None, "--image-digest is required: environment prod is protected"),
                          ("sha256:" + "b" * 63, "expected sha256:")):
        with pytest.raises(UsageError) as err:
            deploy.deploy_service(payments, service_dir, "prod", "v1", approve=True, engine=FakeEngine(),
                                  progress=NullProgress(), image_digest=digest)
        assert words in err.value.message and "service/payments/api/prod/eu-central-1" in err.value.message
        assert _journals(payments) == []
    out = deploy.deploy_service(payments, service_dir, "prod", "v1", approve=True, engine=FakeEngine(),
                                progress=NullProgress(), image_digest=DIGEST)
    assert out.status == "succeeded" and [u.release for u in out.state.units.values()] == [f"v1@{DIGEST}"]
    dev = deploy.deploy_service(payments, service_dir, "dev", "v1", engine=FakeEngine(), progress=NullProgress())
    assert dev.status == "succeeded" and [u.release for u in dev.state.units.values()] == ["v1"]  # a tag is enough


def test_a_protected_rollback_to_a_release_without_a_digest_is_refused(payments, service_dir):
    from platform_cli import deploy
    from platform_cli.rollout.history import Deployment
    from platform_cli.rollout.progress import NullProgress
    from platform_cli.rollout.stores import open_history
    from tests.rollout.conftest import FakeEngine

    unit = "service/payments/api/prod/eu-central-1"
    open_history(payments).add(Deployment(rollout="old", unit=unit, team="payments", env="prod", region="eu-central-1",
                                          kind="service", what="api", action="up", version="v0", who="t",
                                          start="2026-01-01T00:00:00Z", end="2026-01-01T00:01:00Z", result="succeeded"))
    out = deploy.deploy_service(payments, service_dir, "prod", "v1", approve=True, engine=FakeEngine(),
                                progress=NullProgress(), image_digest=DIGEST)
    before = _journals(payments)
    with pytest.raises(UsageError) as err:
        deploy.rollback_rollout(payments, out.id, engine=FakeEngine(), progress=NullProgress())
    assert "not by the tag of release v0" in err.value.message and unit in err.value.message
    assert _journals(payments) == before


def test_resuming_a_protected_rollout_journalled_with_a_tag_is_refused_recording_nothing(payments, service_dir,
                                                                                        monkeypatch):
    """A prod rollout an earlier platform journalled by tag (before digests were required) halted: resuming it
    is refused before anything is journalled, naming the unit; one journalled by digest resumes."""
    from platform_cli import deploy
    from platform_cli.errors import RolloutHalted
    from platform_cli.rollout.progress import NullProgress
    from tests.rollout.conftest import FakeEngine

    unit = "service/payments/api/prod/eu-central-1"
    with monkeypatch.context() as m, pytest.raises(RolloutHalted) as halted:
        m.setattr(deploy, "require_digests", lambda *a, **kw: None)  # as the earlier platform journalled it
        deploy.deploy_service(payments, service_dir, "prod", "v1", approve=True, engine=FakeEngine({unit: 1}),
                              progress=NullProgress())
    old = halted.value.outcome
    assert [u.release for u in old.state.units.values()] == ["v1"]
    journal = payments.local_dir / "rollouts" / f"{old.id}.jsonl"
    before = journal.read_bytes()
    engine = FakeEngine()
    with pytest.raises(UsageError) as err:
        deploy.resume_rollout(payments, old.id, approve=True, engine=engine, progress=NullProgress())
    assert "not by the tag of release v1" in err.value.message and unit in err.value.message
    assert journal.read_bytes() == before and engine.calls == []
    with pytest.raises(RolloutHalted) as halted:
        deploy.deploy_service(payments, service_dir, "prod", "v2", approve=True, engine=FakeEngine({unit: 1}),
                              progress=NullProgress(), image_digest=DIGEST)
    new = halted.value.outcome
    resumed = deploy.resume_rollout(payments, new.id, approve=True, engine=engine, progress=NullProgress())
    assert resumed.status == "succeeded" and engine.releases[unit] == [f"v2@{DIGEST}"]


def test_the_unit_runs_the_image_by_digest(payments, service_dir):
    from platform_cli.render import build_unit_inputs, render_units
    from platform_cli.units import UnitTarget

    unit = "service/payments/api/prod/eu-central-1"
    inputs = build_unit_inputs(payments, UnitTarget(unit, release=f"v1@{DIGEST}",
                                                    service_file=str(service_dir / "service.yaml")))
    (rendered,) = render_units([inputs], workers=1)
    (task,) = [r for r in rendered.resources if r["type"] == "aws:ecs/taskDefinition:TaskDefinition"]
    image = json.loads(task["inputs"]["containerDefinitions"])[0]["image"]
    assert image.endswith(f"/payments--prod--euc1@{DIGEST}") and ":" not in image.split("/")[-1].split("@")[0]
    with pytest.raises(SpecError) as err:
        build_unit_inputs(payments, UnitTarget(unit, release="v1@sha256:123", service_file=str(service_dir / "service.yaml")))
    assert "release 'v1@sha256:123'" in err.value.message and "expected sha256:" in err.value.message


def test_service_deploy_cli_passes_the_digest(run_cli, payments, service_dir):
    r = run_cli("-w", str(payments.root), "service", "deploy", str(service_dir), "--env", "prod", "--version", "v1",
                "--approve")
    assert r.exit_code == 2 and "--image-digest is required" in r.stderr
    r = run_cli("-w", str(payments.root), "service", "deploy", str(service_dir), "--env", "prod", "--version", "v1",
                "--image-digest", "sha256:nope", "--approve")
    assert r.exit_code == 2 and "expected sha256:" in r.stderr
    assert _journals(payments) == []


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_service_upgrade_from_the_previous_version_brings_the_digest_deploys(payments, tmp_path, ci):
    from platform_cli.scaffold import find_template
    from platform_cli.scaffold.releases import versions
    from platform_cli.service_repo import new_service
    from platform_cli.services.upgrade import upgrade_service

    tpl = find_template("python-web")
    previous = versions(tpl.path, tpl.version)[-2]
    repo = new_service(payments, "orders", "payments", ci=ci, output_dir=tmp_path, version=previous).path
    pipeline = repo / (".github/workflows/deploy.yml" if ci == "github" else ".gitlab-ci.yml")
    assert "--image-digest" not in pipeline.read_text() and not (repo / ".platform/push_image.sh").exists()
    git = ["git", "-c", "user.name=T", "-c", "user.email=t@example.com", "-C", str(repo)]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "init"]):
        subprocess.run([*git, *args], check=True, capture_output=True)
    result = upgrade_service(payments, repo)
    outcome = {c.path: c.outcome for c in result.changes}
    assert result.to_version == tpl.version and outcome[".platform/push_image.sh"] == "added"
    assert outcome[pipeline.relative_to(repo).as_posix()] == "updated"
    assert "--image-digest" in pipeline.read_text() and (repo / ".platform/push_image.sh").is_file()


@pytest.mark.parametrize("release, refused", [("v1", True), ("v1@sha256:123", True), (f"v1@{DIGEST}", False)])
def test_the_stack_refuses_a_deployed_release_without_a_digest_in_a_protected_environment(payments, service_dir,
                                                                                           release, refused):
    """The engine sets the stack config platform:release to the release it deploys; the service program refuses
    one without a digest in a protected environment (prod), and renders it in dev."""
    import pulumi

    from platform_cli.render import build_unit_inputs, render_units
    from platform_cli.units import UnitTarget

    prod = build_unit_inputs(payments, UnitTarget("service/payments/api/prod/eu-central-1",
                                                  service_file=str(service_dir / "service.yaml")))
    dev = build_unit_inputs(payments, UnitTarget("service/payments/api/dev/eu-central-1",
                                                 service_file=str(service_dir / "service.yaml")))
    pulumi.runtime.set_config("platform:release", release)
    try:
        if refused:
            with pytest.raises(Exception) as err:
                render_units([prod], workers=1)
            assert "stack config platform:release" in str(err.value) and "sha256:" in str(err.value)
        else:
            (rendered,) = render_units([prod], workers=1)
            assert any(r["type"] == "aws:ecs/service:Service" for r in rendered.resources)
        if release == "v1":
            (rendered,) = render_units([dev], workers=1)  # unprotected: the tag is accepted
            assert any(r["type"] == "aws:ecs/service:Service" for r in rendered.resources)
    finally:
        pulumi.runtime.config.CONFIG.get().pop("platform:release", None)


def test_service_plan_renders_the_image_by_digest(run_cli, payments, service_dir):
    r = run_cli("-w", str(payments.root), "service", "plan", str(service_dir), "--env", "prod", "--version", "v1",
                "--image-digest", DIGEST, "--json")
    assert r.exit_code in (0, 6), r.stderr
    assert f"payments--prod--euc1@{DIGEST}" in r.stdout
    bad = run_cli("-w", str(payments.root), "service", "plan", str(service_dir), "--env", "prod", "--image-digest", "x")
    assert bad.exit_code == 3 and "expected sha256:" in bad.stderr
