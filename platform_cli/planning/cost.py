"""Monthly cost estimate of a rendered unit from the price table Cloud & Tools keeps in blueprints/prices.yaml."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TYPE_ITEMS: dict[str, str] = {
    "aws:ec2/natGateway:NatGateway": "nat_gateway",
    "aws:ec2/eip:Eip": "public_ipv4",
    "aws:ec2/flowLog:FlowLog": "flow_logs",
    "aws:ec2/vpc:Vpc": "vpc",
    "aws:lb/loadBalancer:LoadBalancer": "load_balancer",
    "aws:kms/key:Key": "kms_key",
    "aws:cloudwatch/logGroup:LogGroup": "log_group",
    "aws:ecr/repository:Repository": "ecr_repository",
    "aws:ecs/cluster:Cluster": "ecs_cluster",
    "aws:secretsmanager/secret:Secret": "secret",
    "aws:budgets/budget:Budget": "budget",
}
"""Resource type -> price item (per resource and month)."""


@dataclass
class CostLine:
    item: str
    quantity: float
    unit_usd: float
    offering: str | None = None  # the marketplace offering of a binding's line

    @property
    def amount(self) -> float:
        return self.quantity * self.unit_usd


@dataclass
class CostEstimate:
    region: str
    lines: list[CostLine] = field(default_factory=list)

    @property
    def total(self) -> float:
        return round(sum(line.amount for line in self.lines), 2)

    def to_data(self) -> dict[str, Any]:
        return {"region": self.region, "monthly_cost_usd": self.total,
                "lines": [{"item": x.item, "quantity": x.quantity, "unit_usd": round(x.unit_usd, 4),
                           "amount_usd": round(x.amount, 2), **({"offering": x.offering} if x.offering else {})}
                          for x in self.lines]}


def estimate(graph: list[dict[str, Any]], inputs: Any, prices) -> CostEstimate:
    """Cost of one unit: priced resources of the graph, Fargate tasks at their minimum count, bindings' plans."""
    region = inputs.region
    est = CostEstimate(region=region)
    counts: dict[str, int] = {}
    for r in graph:
        item = TYPE_ITEMS.get(r["type"])
        if item:
            counts[item] = counts.get(item, 0) + 1
    # RDS keeps its master password in a secret of its own.
    counts["secret"] = counts.get("secret", 0) + sum(1 for r in graph if r["type"] == "aws:rds/instance:Instance")
    if inputs.kind == "space":
        counts["artifact_bucket"] = sum(1 for r in graph if r["type"] == "aws:s3/bucket:Bucket")
    for item, n in sorted(counts.items()):
        if n:
            est.lines.append(CostLine(item, n, prices.price(item, region)))
    svc = getattr(inputs, "service", None)
    if svc is not None:
        tasks = max(svc.scaling.min, 1)
        est.lines.append(CostLine("fargate_vcpu", tasks * svc.cpu / 1024, prices.price("fargate_vcpu", region)))
        est.lines.append(CostLine("fargate_gb", tasks * svc.memory / 1024, prices.price("fargate_gb", region)))
        factor = prices.region_multipliers.get(region, prices.default_multiplier)
        for b in inputs.bindings:
            est.lines.append(CostLine(f"{b.offering.name}/{b.plan.name} ({b.name})", 1, b.plan.monthly_usd * factor,
                                      offering=b.offering.name))
    return est
