"""CloudWatch alarms of a space or service: which ones are in ALARM in a region."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .clients import translate


@dataclass(frozen=True)
class Alarm:
    name: str
    region: str
    reason: str


def alarms_in_alarm(client: Any, region: str, prefixes: Iterable[str]) -> list[Alarm]:
    """Metric and composite alarms whose name starts with one of ``prefixes`` and whose state is ALARM."""
    found: dict[str, Alarm] = {}
    try:
        paginator = client.get_paginator("describe_alarms")
        for prefix in prefixes:
            for page in paginator.paginate(StateValue="ALARM", AlarmNamePrefix=prefix,
                                           AlarmTypes=["MetricAlarm", "CompositeAlarm"]):
                for a in page.get("MetricAlarms", []) + page.get("CompositeAlarms", []):
                    # some implementations apply only one of the filters; check both here
                    if a.get("StateValue") != "ALARM" or not a["AlarmName"].startswith(prefix):
                        continue
                    found[a["AlarmName"]] = Alarm(a["AlarmName"], region, a.get("StateReason", ""))
    except Exception as exc:  # botocore errors become CloudError at this boundary
        raise translate(exc, f"read CloudWatch alarms in {region}") from None
    return sorted(found.values(), key=lambda a: a.name)
