"""The offline render leaves no event loop open.

The Pulumi SDK makes event loops that it never closes (one in the main thread, one in every
executor thread its mock monitor registers a resource from). The garbage collector finalises
them later, and when it reaches a loop after the loop's self-pipe socket,
``BaseEventLoop.__del__`` prints "Exception ignored ... ValueError: Invalid file descriptor: -1"
after `space plan` / `service plan`. The render owns and closes every such loop.
"""

from __future__ import annotations

import subprocess
import sys


def test_a_plan_prints_no_unclosed_loop_or_ignored_exception(reference_root):
    # -X dev shows every ResourceWarning, so an unclosed loop is reported on each run, not by chance
    code = "import sys; from platform_cli.cli import main; main(sys.argv[1:])"
    r = subprocess.run([sys.executable, "-X", "dev", "-W", "always::ResourceWarning", "-c", code,
                        "-w", str(reference_root), "space", "plan", "lab", "--env", "dev"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "unclosed event loop" not in r.stderr and "Exception ignored" not in r.stderr
