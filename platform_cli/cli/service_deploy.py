"""`platform service deploy`: a service's version to an environment, wave by wave (or one region)."""

from __future__ import annotations

import click

from ._common import json_option, service_workspace


@click.command("deploy")
@click.argument("service_dir", type=click.Path(file_okay=True, dir_okay=True))
@click.option("--env", "-e", required=True, help="Environment to deploy to.")
@click.option("--version", "version", required=True, metavar="V", help="Release to deploy (the image tag).")
@click.option("--image-digest", metavar="sha256:D", help="Run the image by this digest (REPO@sha256:D), the one the "
              "pipeline's push printed; a protected environment needs it.")
@click.option("--region", metavar="R", help="Deploy only this region's unit (CI: one job per region of a wave).")
@click.option("--approve", "--yes", "-y", "approve", is_flag=True,
              help="Grant the manual approval of a protected environment without asking (needed in CI).")
@json_option
@click.pass_context
def deploy(ctx, service_dir, env, version, image_digest, region, approve, as_json):
    """Deploy version V of the service in SERVICE_DIR to ENV.

    \b
    Waves follow the service's rollout policy (canary, batch size, max parallel, bake
    time); after each wave the gates run. In CI, run one job per region of a wave:
      platform rollout plan SERVICE_DIR --env prod --matrix github --wave K
      platform service deploy SERVICE_DIR --env prod --version V --image-digest sha256:D --region R --approve
    """
    from ..deploy import deploy_service
    from .rollout import print_outcome, report

    with report(as_json):
        outcome = deploy_service(service_workspace(ctx, service_dir), service_dir, env, version, region=region,
                                 approve=approve, image_digest=image_digest)
    print_outcome(outcome, as_json, f"platform rollout status {outcome.id}")
