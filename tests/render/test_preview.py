"""`--preview`: the engine's change summary added to an offline plan."""

from __future__ import annotations

import json
import shutil

from platform_cli.units import UnitResult


class RecordingEngine:
    """An engine that answers preview with a fixed summary per unit and records the targets."""

    def __init__(self):
        self.previewed = []

    def preview(self, target, on_event):
        self.previewed.append(target)
        on_event(target.unit, "previewing")
        return UnitResult(unit=target.unit, summary={"create": len(target.unit), "same": 1})


def test_preview_adds_engine_summary_per_planned_unit(reference_root):
    from platform_cli.plans import plan_space, preview
    from platform_cli.workspace import WorkspaceContext

    ws = WorkspaceContext.open(reference_root)
    result = plan_space(ws, "payments", "prod", workers=1)
    engine = RecordingEngine()
    events = []
    preview(ws, result, engine=engine, on_event=lambda u, line: events.append((u, line)))
    planned = [u.unit for u in result.units]
    assert sorted(t.unit for t in engine.previewed) == sorted(planned)
    data = result.to_data()
    assert [p["unit"] for p in data["preview"]] == planned
    assert all(p["changes"]["create"] == len(p["unit"]) for p in data["preview"])
    assert sorted(u for u, _ in events) == sorted(planned)


def test_service_preview_targets_carry_the_service_file(reference_root):
    from platform_cli.plans import plan_service, preview
    from platform_cli.workspace import WorkspaceContext

    ws = WorkspaceContext.open(reference_root)
    result = plan_service(ws, reference_root / "services" / "api", "prod", release="1.2.3", workers=1)
    engine = RecordingEngine()
    preview(ws, result, engine=engine)
    assert engine.previewed and all(t.service_file and t.service_file.endswith("service.yaml") for t in engine.previewed)
    assert {t.release for t in engine.previewed} == {"1.2.3"}


def test_preview_without_pulumi_fails_cleanly(run_cli, reference_root, monkeypatch):
    if shutil.which("pulumi"):
        monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.chdir(reference_root)
    result = run_cli("space", "plan", "payments", "--env", "dev", "--preview", "--json")
    assert result.exit_code == 8
    assert "Pulumi CLI" in result.stderr and "hint:" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""  # nothing half-printed


def test_plan_without_preview_has_no_preview_key(run_cli, reference_root, monkeypatch):
    monkeypatch.chdir(reference_root)
    result = run_cli("space", "plan", "payments", "--env", "dev", "--json")
    assert result.exit_code == 0, result.stderr
    assert "preview" not in json.loads(result.stdout)
