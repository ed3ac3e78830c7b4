"""Inline SVG charts and the map of the report. Every text that comes from the workspace is
escaped; numbers are written into data-* attributes too, so a browser test can read them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from markupsafe import Markup, escape

from .geo import HEIGHT, WIDTH, land_path, region_xy

PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563"]
STATE_COLOURS = {"succeeded": "#16a34a", "failed": "#dc2626", "running": "#2563eb", "pending": "#9ca3af"}


def colour_of(values: list[str]) -> dict[str, str]:
    return {v: PALETTE[i % len(PALETTE)] for i, v in enumerate(values)}


def _attrs(**kv: Any) -> str:
    return "".join(f' {k.replace("_", "-")}="{escape(str(v))}"' for k, v in kv.items() if v is not None)


def bar_chart(rows: list[tuple[str, float]], *, chart: str, unit: str = "", width: int = 560) -> Markup:
    """Horizontal bars, one per (label, value), largest scale = the largest value."""
    if not rows:
        return Markup("")
    bar_h, gap, label_w = 22, 6, 170
    height = len(rows) * (bar_h + gap) + gap
    top = max(v for _, v in rows) or 1
    parts = [f'<svg class="chart" role="img"{_attrs(data_chart=chart)} viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">']
    for i, (label, value) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = max(1.0, (width - label_w - 90) * value / top)
        shown = f"{value:,.2f}" if isinstance(value, float) and unit == "$" else f"{value:g}"
        parts.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" class="lbl">{escape(label)}</text>'
                     f'<rect class="bar"{_attrs(data_label=label, data_value=value)} x="{label_w}" y="{y}" '
                     f'width="{w:.1f}" height="{bar_h}" fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(label)}: '
                     f'{escape(unit)}{escape(shown)}</title></rect>'
                     f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" class="val">{escape(unit)}{escape(shown)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def step_chart(points: list[tuple[str, float]], *, chart: str, width: int = 560, height: int = 180,
               maximum: float = 100.0, unit: str = "%") -> Markup:
    """A step line of values over time (e.g. adoption percent after each cohort)."""
    if not points:
        return Markup("")
    left, right, top, bottom = 40, 20, 14, 34
    n = len(points)
    xs = [left + (width - left - right) * (i / max(1, n - 1)) for i in range(n)]
    ys = [top + (height - top - bottom) * (1 - min(v, maximum) / maximum) for _, v in points]
    d = f"M{xs[0]:.1f},{ys[0]:.1f}" + "".join(f"H{xs[i]:.1f}V{ys[i]:.1f}" for i in range(1, n))
    parts = [f'<svg class="chart" role="img"{_attrs(data_chart=chart)} viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" xmlns="http://www.w3.org/2000/svg">',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" class="axis"/>',
             f'<text x="4" y="{top + 4}" class="val">{maximum:g}{escape(unit)}</text>',
             f'<text x="4" y="{height - bottom}" class="val">0</text>',
             f'<path d="{d}" fill="none" stroke="{PALETTE[0]}" stroke-width="2"/>']
    for (label, v), x, y in zip(points, xs, ys):
        parts.append(f'<circle class="point"{_attrs(data_label=label, data_value=v)} cx="{x:.1f}" cy="{y:.1f}" r="4" '
                     f'fill="{PALETTE[0]}"><title>{escape(label)}: {v:g}{escape(unit)}</title></circle>'
                     f'<text x="{x:.1f}" y="{height - 18}" text-anchor="middle" class="tick">{escape(label[:10])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def sparkline(values: list[float], *, chart: str, titles: list[str] | None = None, width: int = 160,
              height: int = 32) -> Markup:
    """Small bars, one per value (e.g. per week); TITLES become their tooltips."""
    if not values:
        return Markup("")
    top = max(values) or 1
    w = width / len(values)
    titles = titles or [""] * len(values)
    bars = "".join(f'<rect{_attrs(data_value=v)} x="{i * w + 1:.1f}" y="{height - (height - 2) * v / top:.1f}" '
                   f'width="{w - 2:.1f}" height="{max((height - 2) * v / top, 1):.1f}" fill="{PALETTE[0]}">'
                   f'<title>{escape(t)}</title></rect>'
                   for i, (v, t) in enumerate(zip(values, titles)))
    return Markup(f'<svg class="spark"{_attrs(data_chart=chart)} viewBox="0 0 {width} {height}" width="{width}" '
                  f'height="{height}" xmlns="http://www.w3.org/2000/svg">{bars}</svg>')


def world_map(data: dict[str, Any]) -> Markup:
    """The land outline with one circle per region and environment: area by units, colour by environment."""
    colours = colour_of(data["envs"])
    parts = [f'<svg id="map" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
             f'xmlns="http://www.w3.org/2000/svg"><rect width="{WIDTH}" height="{HEIGHT}" fill="#eef6fb"/>'
             f'<path class="land" d="{land_path()}" fill="#d6dde3" stroke="#aab4bd" stroke-width="0.4"/>']
    top = max((n for r in data["regions"] for n in r["envs"].values()), default=1)
    placed: list[tuple[float, float]] = []  # label anchors so far: nearby labels are stacked downwards
    for r in data["regions"]:
        xy = region_xy(r["region"])
        if xy is None:
            continue
        x, y = xy
        label_y = y - 8 + 13 * sum(1 for px, py in placed if abs(px - x) < 90 and abs(py - y) < 30)
        placed.append((x, y))
        countries = ", ".join(f"{c} {n}" for c, n in r["countries"].items()) or "no country listed"
        parts.append(f'<g class="region"{_attrs(data_region=r["region"], data_units=r["units"], data_countries=" ".join(r["countries"]))}>'
                     f'<title>{escape(r["name"])} ({escape(r["region"])}): {r["units"]} unit(s); '
                     f'{escape(", ".join(f"{e} {n}" for e, n in r["envs"].items()))}; serves {escape(countries)}</title>')
        dots = sorted(r["envs"].items(), key=lambda kv: -kv[1])  # biggest below, each env a little apart
        for i, (env, n) in enumerate(dots):
            radius = 4 + 10 * (n / top) ** 0.5
            cx = x + 6 * (i - (len(dots) - 1) / 2)
            parts.append(f'<circle class="unit-dot"{_attrs(data_env=env, data_units=n)} cx="{cx:.1f}" cy="{y}" r="{radius:.1f}" '
                         f'fill="{colours[env]}" fill-opacity="0.55" stroke="{colours[env]}" stroke-width="1.2"/>')
        label = r["region"] + (f" · {' '.join(r['countries'])}" if r["countries"] else "")
        parts.append(f'<text x="{x + 14}" y="{label_y}" class="maplbl">{escape(label)}</text></g>')
    legend_y = HEIGHT - 14 - 16 * len(data["envs"])
    for i, env in enumerate(data["envs"]):
        y = legend_y + 16 * i
        parts.append(f'<circle cx="20" cy="{y}" r="6" fill="{colours[env]}" fill-opacity="0.6"/>'
                     f'<text x="32" y="{y + 4}" class="maplbl">{escape(env)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _ts(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def rollout_timeline(rollout: dict[str, Any], *, width: int = 900) -> Markup:
    """One row per unit, grouped by wave (region by region), a bar from its start to its end
    coloured by state, and each wave's gates as marks (passed or failed) at the time they ran."""
    rows = [(w, u) for w in rollout["waves"] for u in w["units"]]
    if not rows:
        return Markup("")
    times = [t for _, u in rows for t in (_ts(u["started"]), _ts(u["ended"])) if t]
    times += [t for w in rollout["waves"] for g in w["gates"] if (t := _ts(g.get("ts")))]
    t0, t1 = (min(times), max(times)) if times else (None, None)
    span = max(((t1 - t0).total_seconds() if t0 else 0), 1.0)
    left, row_h = 210, 20
    gate_rows = sum(1 for w in rollout["waves"] if w["gates"])
    height = (len(rows) + gate_rows) * row_h + 30
    plot = width - left - 20
    parts = [f'<svg class="timeline"{_attrs(data_rollout=rollout["id"])} viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" xmlns="http://www.w3.org/2000/svg">']
    y = 6

    def x_of(t: datetime | None, default: float) -> float:
        return left + plot * ((t - t0).total_seconds() / span) if (t and t0) else default

    for wave in rollout["waves"]:
        for u in wave["units"]:
            if u is wave["units"][0]:
                parts.append(f'<line x1="0" y1="{y - 3}" x2="{width}" y2="{y - 3}" class="sep"/>')
            start = x_of(_ts(u["started"]), left)
            end = x_of(_ts(u["ended"]), start + 6) if u["ended"] else (start + 6 if u["started"] else left + 6)
            colour = STATE_COLOURS.get(u["state"], "#9ca3af")
            error = f" — {u['error']}" if u.get("error") else ""
            parts.append(f'<text x="{left - 8}" y="{y + 13}" text-anchor="end" class="lbl">wave {wave["wave"]} · '
                         f'{escape(u["region"])}</text>'
                         f'<rect class="unit-bar"{_attrs(data_unit=u["unit"], data_state=u["state"], data_wave=wave["wave"])} '
                         f'x="{start:.1f}" y="{y}" width="{max(end - start, 4):.1f}" height="{row_h - 6}" fill="{colour}">'
                         f'<title>{escape(u["unit"])}: {escape(u["state"])}{escape(error)}</title></rect>')
            y += row_h
        if wave["gates"]:
            parts.append(f'<text x="{left - 8}" y="{y + 13}" text-anchor="end" class="lbl">wave {wave["wave"]} gates</text>')
            names = " · ".join(f'{g["gate"]} {"passed" if g["passed"] else "FAILED"}' for g in wave["gates"])
            parts.append(f'<text x="{left + plot * 0.6:.1f}" y="{y + 13}" class="val">{escape(names)}</text>')
            for i, g in enumerate(wave["gates"]):
                gx = x_of(_ts(g.get("ts")), left) + 14 * i  # gates checked within a second stay apart
                colour = STATE_COLOURS["succeeded" if g["passed"] else "failed"]
                parts.append(f'<path class="gate"{_attrs(data_gate=g["gate"], data_passed=str(g["passed"]).lower(), data_wave=wave["wave"])} '
                             f'd="M{gx:.1f},{y + 1}l6,6l-6,6l-6,-6z" fill="{colour}"><title>{escape(g["gate"])}: '
                             f'{"passed" if g["passed"] else "failed"} {escape(g["detail"])}</title></path>')
            y += row_h
    if t0:
        parts.append(f'<text x="{left}" y="{height - 6}" class="tick">{escape(t0.isoformat(timespec="seconds"))}</text>'
                     f'<text x="{width - 20}" y="{height - 6}" text-anchor="end" class="tick">+{span:.0f} s</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
