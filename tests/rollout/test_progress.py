"""What a person sees while a rollout runs: a live per-region table in a terminal, plain lines in CI logs."""

from __future__ import annotations

import io
import re

from platform_cli import deploy
from platform_cli.rollout.progress import LiveProgress, PlainProgress


def test_live_view_shows_every_region_with_its_wave_and_final_status(wide, fake_engine, make_service):
    from rich.console import Console

    buf = io.StringIO()
    live = LiveProgress(console=Console(file=buf, force_terminal=True, width=140, color_system=None))
    try:
        deploy.deploy_service(wide, make_service(), "live", version="1.0.0", engine=fake_engine(), progress=live)
    finally:
        live.stop()
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", buf.getvalue())
    final = screen[screen.rfind("last event"):]  # the last frame drawn, from its header
    space = wide.space("globex")
    for region in space.environments["live"].regions:
        assert re.search(rf"\d+\s+│\s+{re.escape(region)}\s+│\s+succeeded", final), region
    assert "pending" not in final and "applying" not in final


def test_plain_lines_name_the_region_and_state_for_ci_logs(wide, fake_engine, make_service):
    buf = io.StringIO()
    deploy.deploy_service(wide, make_service(), "live", version="1.0.0", engine=fake_engine(), progress=PlainProgress(buf))
    lines = buf.getvalue().splitlines()
    assert lines[0].split("] ", 1)[1].startswith("rollout ")
    regions = wide.space("globex").environments["live"].regions
    for region in regions:
        assert any(re.search(rf"\] {re.escape(region)}: succeeded", line) for line in lines), region
    assert "\x1b[" not in buf.getvalue()  # no terminal escapes in logs
