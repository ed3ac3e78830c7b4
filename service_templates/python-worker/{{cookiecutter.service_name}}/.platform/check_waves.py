"""Fail when the rollout plan no longer matches the deploy jobs of this repository's CI.

The CI configuration deploys the waves (lists of regions) it was generated with; they are
passed in $EXPECTED_WAVES as JSON. This compares them with the current rollout plan,
`platform rollout plan . --env $PLATFORM_ENV --json`, so that a region added to the team
space later (`platform space add-region`, then listed in service.yaml) or a changed batch
size stops the pipeline instead of being silently left out. Run it from the repository root.
"""

import json
import os
import subprocess
import sys

REGENERATE = (
    "regenerate the CI configuration: platform service new {{ cookiecutter.service_name }} "
    "--space {{ cookiecutter.team }} --template {{ cookiecutter._template_name }} --ci {{ cookiecutter.ci }} "
    "--output-dir /tmp/regenerated, then copy "
    "{{ '.github/' if cookiecutter.ci == 'github' else '.gitlab-ci.yml' }} "
    "from /tmp/regenerated/{{ cookiecutter.service_name }} into this repository"
)


def show(waves: list[list[str]]) -> str:
    return " -> ".join("[" + ", ".join(w) + "]" for w in waves) or "none"


def error(message: str) -> None:
    prefix = "::error::" if os.environ.get("GITHUB_ACTIONS") == "true" else "error: "
    print(prefix + message, file=sys.stderr)


def main() -> int:
    env = os.environ["PLATFORM_ENV"]
    expected = json.loads(os.environ["EXPECTED_WAVES"])
    command = ["platform", "rollout", "plan", ".", "--env", env, "--json"]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)  # noqa: S603, S607
    if done.returncode != 0:
        error(f"`{' '.join(command)}` failed with exit code {done.returncode}")
        return done.returncode
    actual = [list(wave["regions"]) for wave in json.loads(done.stdout)["waves"]]
    if actual == expected:
        print(f"{env}: the rollout plan's waves are the ones CI deploys: {show(actual)}")
        return 0
    planned = {r for wave in actual for r in wave}
    deployed = {r for wave in expected for r in wave}
    details = []
    if planned - deployed:
        details.append(f"never deployed by CI: {', '.join(sorted(planned - deployed))}")
    if deployed - planned:
        details.append(f"no longer planned: {', '.join(sorted(deployed - planned))}")
    error(
        f"environment {env}: the rollout plan has waves {show(actual)}, but this CI configuration deploys "
        f"{show(expected)}"
        + (f" ({'; '.join(details)})" if details else " (same regions, other waves)")
        + f"; {REGENERATE}"
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
