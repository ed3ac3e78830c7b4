"""The fleet of team spaces: blueprint adoption, what an upgrade changes in every space, and
upgrades a cohort of teams at a time. The service layer of `platform fleet` and `blueprint diff`."""

from .events import EVENTS_FILE, append_event, read_event_records, read_events
from .impact import SpaceImpact, diff_blueprints, guardrail_problems, impacts
from .status import fleet_status
from .upgrade import Candidate, UpgradePlan, UpgradeRequest, UpgradeResult, plan_fleet, plan_upgrade, upgrade_fleet

__all__ = ["EVENTS_FILE", "Candidate", "SpaceImpact", "UpgradePlan", "UpgradeRequest", "UpgradeResult", "append_event",
           "diff_blueprints", "fleet_status", "guardrail_problems", "impacts", "plan_fleet", "plan_upgrade",
           "read_event_records", "read_events", "upgrade_fleet"]
