"""`platform service plan`: a service's units in one environment, rendered offline."""

import click

from ._common import info, json_option, service_workspace
from .space_plan import preview_option


@click.command("plan")
@click.argument("service_dir", metavar="SERVICE_DIR", type=click.Path(exists=True, file_okay=True))
@click.option("--env", "-e", required=True, help="Environment to plan.")
@click.option("--version", "release", default=None, help="Image tag to plan (default: service.yaml's image.tag).")
@click.option("--image-digest", metavar="sha256:D", help="Plan the image by this digest (REPO@sha256:D), as "
              "`service deploy --image-digest` deploys it.")
@preview_option
@json_option
@click.pass_context
def plan(ctx, service_dir, env, release, image_digest, preview, as_json):
    """Plan SERVICE_DIR's units in ENV offline: resources, policy findings, monthly cost (exit 6 on mandatory findings)."""
    from ..plans import plan_service
    from .space_plan import engine_for_preview, show_plan

    ws = service_workspace(ctx, service_dir)
    engine = engine_for_preview(ws, preview)
    info(f"rendering {service_dir} ({env}) offline ...")
    show_plan(ws, plan_service(ws, service_dir, env, release=release, image_digest=image_digest), as_json, engine)
