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


_AFTER_RENDER = """
import asyncio, pickle, sys
from platform_cli.render.runner import run

inputs = pickle.load(open(sys.argv[1], "rb"))
mine = None
if sys.argv[2] == "own-loop":
    mine = asyncio.new_event_loop()
    asyncio.set_event_loop(mine)
run(inputs)
loop = asyncio.get_event_loop_policy().get_event_loop()  # raises when the render left "no loop" set
assert not loop.is_closed(), "the render left a closed loop current"
assert loop.run_until_complete(asyncio.sleep(0, result=7)) == 7
print("same" if loop is mine else "new")
"""


def test_an_in_process_render_puts_back_the_threads_event_loop_state(reference_inputs, tmp_path):
    # The SDK's own test helpers (@pulumi.runtime.test) call get_event_loop() in the main thread: after a render
    # it must give the loop the thread had before, or make one as it would have before the render.
    import pickle

    data = tmp_path / "inputs.pickle"
    data.write_bytes(pickle.dumps(reference_inputs["space/lab/dev/eu-central-1"]))
    seen = {}
    for case in ("no-loop", "own-loop"):
        r = subprocess.run([sys.executable, "-c", _AFTER_RENDER, str(data), case],
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr[-2000:]
        seen[case] = r.stdout.strip()
    assert seen == {"no-loop": "new", "own-loop": "same"}
