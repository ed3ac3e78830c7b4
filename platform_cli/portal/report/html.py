"""The report as one self-contained HTML file: inline CSS, inline SVG, one small inline script
allowed by its hash in the page's Content-Security-Policy (nothing else may load, so the
page needs no network and injected markup could not run). Jinja2 autoescapes every value."""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ...errors import PlatformError, UsageError
from ...rollout.metrics import format_duration
from ...workspace import WorkspaceContext
from ...yamlio import write_text_atomic
from .geo import region_xy
from .svg import bar_chart, rollout_timeline, sparkline, step_chart, world_map
from .data import gather

DEFAULT_FILE = "platform-report.html"
TEMPLATE = "page.html.j2"

SCRIPT = """(function () {
  var box = document.getElementById('script-errors');
  window.addEventListener('error', function (e) { box.textContent += 'script error: ' + e.message + ' '; });
  var rows = {};
  document.querySelectorAll('#region-table tr[data-region]').forEach(function (tr) { rows[tr.dataset.region] = tr; });
  document.querySelectorAll('#map .region').forEach(function (g) {
    g.style.cursor = 'pointer';
    g.addEventListener('click', function () {
      Object.keys(rows).forEach(function (k) { rows[k].style.background = ''; });
      var tr = rows[g.dataset.region];
      if (tr) { tr.style.background = '#fef3c7'; tr.scrollIntoView({block: 'nearest'}); }
    });
  });
  document.body.dataset.regions = String(document.querySelectorAll('#map .region').length);
  document.body.dataset.ready = '1';
})();"""


def _week_title(week: str, m: dict[str, Any]) -> str:
    cfr = "–" if m["change_failure_rate"] is None else f"{100 * m['change_failure_rate']:.0f}%"
    return (f"week of {week}: {m['successful_deployments']} of {m['deployments']} deployment(s) succeeded; "
            f"lead time {format_duration(m['lead_time_seconds_median'])}, change failure rate {cfr}, "
            f"time to restore {format_duration(m['time_to_restore_seconds_median'])}")


def charts(d: dict[str, Any]) -> dict[str, Any]:
    versions = [(ref, n) for b in d["fleet"]["blueprints"] for ref, n in b["versions"].items()]
    out: dict[str, Any] = {
        "versions": bar_chart(versions, chart="versions"),
        "cohorts": step_chart(([("before", d["fleet"]["start"]["percent"])] if d["fleet"]["start"] else [])
                                  + [(c["time"], c["percent"]) for c in d["fleet"]["cohorts"]], chart="cohorts"),
        "map": world_map(d["map"]),
        "rollouts": [rollout_timeline(r) for r in d["rollouts"]],
        "dora": [sparkline([w["successful_deployments"] for w in t["weekly"]], chart=f"dora-{t['team']}",
                           titles=[_week_title(week, w) for week, w in zip(d["dora"]["weeks"], t["weekly"])])
                 for t in d["dora"]["teams"]],
    }
    for by in ("team", "env", "offering"):
        out[f"cost_{by}"] = bar_chart([(r[by], r["monthly_cost_usd"]) for r in d["cost"][f"by_{by}"]],
                                          chart=f"cost-{by}", unit="$")
    return out


def render(d: dict[str, Any]) -> str:
    """The page for gathered data ``d`` (see :func:`.data.gather`)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(Path(__file__).parent), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    missing = [r["region"] for r in d["map"]["regions"] if region_xy(r["region"]) is None]
    return env.get_template(TEMPLATE).render(d=d, charts=charts(d), script=SCRIPT, script_hash=f"sha256-{digest}",
                                             duration=format_duration, missing_coords=missing)


@dataclass
class ReportResult:
    path: Path
    data: dict[str, Any]

    def to_data(self) -> dict[str, Any]:
        d = self.data
        return {"path": str(self.path), "spaces": len(d["spaces"]), "units": d["cost"]["units"],
                "regions": len(d["map"]["regions"]), "rollouts": len(d["rollouts"]),
                "monthly_cost_usd": d["cost"]["total_usd"], "errors": d["errors"]}


def write_report(ws: WorkspaceContext, out: str | os.PathLike | None = None, *, now: datetime | None = None,
                 workers: int | None = None, planned_units: list | None = None) -> ReportResult:
    """Gather the workspace and write the report to OUT (default: WORKSPACE/platform-report.html)."""
    path = Path(out).expanduser() if out else ws.root / DEFAULT_FILE
    if path.is_dir():
        raise UsageError(f"--out {path} is a folder; expected the HTML file to write, e.g. {path / DEFAULT_FILE}")
    if not path.parent.is_dir():
        raise UsageError(f"--out {path}: folder {path.parent} does not exist")
    data = gather(ws, now=now or datetime.now(UTC), workers=workers, planned_units=planned_units)
    text = render(data)
    try:
        write_text_atomic(path, text)
    except OSError as exc:
        raise PlatformError(f"{path}: cannot be written: {exc.strerror or exc}",
                            hint="check the folder's permissions and free disk space") from None
    return ReportResult(path=path.resolve(), data=data)
