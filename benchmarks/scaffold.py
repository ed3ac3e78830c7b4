"""`platform service new` against bare cookiecutter of the same template, in one run.

Both render python-web with GitHub CI/CD into fresh folders. The platform also opens the
workspace, reads the team space and its blueprint, plans the waves, checks the
guardrails, renders aside and moves the result into place. Prints the medians and the
ratio (target: <= 1.3x).

    python benchmarks/scaffold.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    from cookiecutter.main import cookiecutter

    from platform_cli.service_repo import new_service
    from platform_cli.spaces import CreateSpaceRequest, create_space
    from platform_cli.workspace import WorkspaceContext, init_workspace

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ["HOME"] = str(tmp)  # no user cookiecutter config or replay dir of the caller
        init_workspace(tmp / "ws", org="acme")
        create_space(WorkspaceContext.open(tmp / "ws"),
                     CreateSpaceRequest(team="payments", blueprint="standard@1", envs=["dev=DE", "prod=DE,FR,US"]))
        template = str(REPO / "service_templates" / "python-web")

        def bare(i: int) -> None:
            cookiecutter(template, no_input=True, output_dir=str(tmp / "bare" / str(i)),
                         extra_context={"service_name": "orders", "team": "payments", "ci": "github"})

        def platform(i: int) -> None:
            ws = WorkspaceContext.open(tmp / "ws")  # a command opens the workspace every time
            new_service(ws, "orders", "payments", template="python-web", ci="github",
                        output_dir=tmp / "platform" / str(i))

        bare(-1)
        platform(-1)  # warm imports and file caches for both
        times: dict[str, list[float]] = {"bare": [], "platform": []}
        for i in range(args.runs):  # interleaved so that machine noise hits both alike
            for name, fn in (("bare", bare), ("platform", platform)):
                start = time.perf_counter()
                fn(i)
                times[name].append(time.perf_counter() - start)
        b, p = statistics.median(times["bare"]), statistics.median(times["platform"])
        print(f"bare cookiecutter:     median {b * 1000:.1f} ms over {args.runs} runs")
        print(f"platform service new:  median {p * 1000:.1f} ms over {args.runs} runs")
        print(f"ratio: {p / b:.2f}x (target <= 1.3x)")


if __name__ == "__main__":
    main()
