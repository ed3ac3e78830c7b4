"""What applying a new render over an old one does to each resource: create, update, replace, delete.

Pure: two rendered graphs of one unit in, one :class:`UnitChanges` out. A resource is known by
its type and name (its Pulumi URN also holds its parent's type, so a new parent is a new URN).

- only in the new graph: **create**; only in the old one: **delete**;
- in both, with different inputs: **replace** when an input that the provider cannot change in
  place differs (:data:`REPLACE_ON`), or its parent changed (a new URN: delete and create, unless
  the program gives an alias); **update** otherwise;
- moving a space between ``isolation: shared`` and ``isolation: account`` puts every resource in
  another AWS account: everything is replaced, and the data in databases, buckets, queues, tables,
  caches and topics does not move with it (:data:`STATEFUL`).

The engine's own preview (``platform space plan --preview``) is the authority once the Pulumi CLI is
there; this is what the offline render can tell without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Inputs whose change makes the AWS provider replace the resource (the Terraform AWS provider's
# arguments documented as "Forces new resource", which pulumi-aws bridges) for the resource types
# the stacks use. ``*`` means every input except tags: the resource is immutable.
REPLACE_ON: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in {
    "aws:appautoscaling/policy:Policy": {"name", "resourceId", "scalableDimension", "serviceNamespace"},
    "aws:appautoscaling/target:Target": {"resourceId", "scalableDimension", "serviceNamespace"},
    "aws:budgets/budget:Budget": {"name", "namePrefix", "accountId"},
    "aws:cloudwatch/logGroup:LogGroup": {"name", "namePrefix", "logGroupClass"},
    "aws:dynamodb/table:Table": {"name", "hashKey", "rangeKey"},
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": {"vpcId"},
    "aws:ec2/eip:Eip": {"domain", "address", "publicIpv4Pool"},
    "aws:ec2/flowLog:FlowLog": {"iamRoleArn", "logDestination", "logDestinationType", "trafficType", "vpcId",
                                "subnetId", "logFormat", "maxAggregationInterval"},
    "aws:ec2/internetGateway:InternetGateway": set(),
    "aws:ec2/natGateway:NatGateway": {"allocationId", "subnetId", "connectivityType", "privateIp"},
    "aws:ec2/route:Route": {"routeTableId", "destinationCidrBlock", "destinationIpv6CidrBlock"},
    "aws:ec2/routeTable:RouteTable": {"vpcId"},
    "aws:ec2/routeTableAssociation:RouteTableAssociation": {"subnetId", "gatewayId"},
    "aws:ec2/securityGroup:SecurityGroup": {"name", "namePrefix", "description", "vpcId"},
    "aws:ec2/subnet:Subnet": {"availabilityZone", "availabilityZoneId", "cidrBlock", "vpcId"},
    "aws:ec2/vpc:Vpc": {"cidrBlock", "instanceTenancy"},
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": {"repository"},
    "aws:ecr/repository:Repository": {"name", "encryptionConfigurations"},
    "aws:ecs/cluster:Cluster": {"name"},
    "aws:ecs/service:Service": {"name", "cluster", "launchType", "iamRole", "schedulingStrategy"},
    "aws:ecs/taskDefinition:TaskDefinition": {"*"},
    "aws:elasticache/replicationGroup:ReplicationGroup": {"replicationGroupId", "atRestEncryptionEnabled", "port",
                                                         "subnetGroupName", "kmsKeyId"},
    "aws:elasticache/subnetGroup:SubnetGroup": {"name"},
    "aws:iam/policy:Policy": {"name", "namePrefix", "path", "description"},
    "aws:iam/role:Role": {"name", "namePrefix", "path"},
    "aws:iam/rolePolicy:RolePolicy": {"name", "namePrefix", "role"},
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {"role", "policyArn"},
    "aws:kms/alias:Alias": {"name", "namePrefix"},
    "aws:kms/key:Key": {"customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId"},
    "aws:lb/listener:Listener": {"loadBalancerArn"},
    "aws:lb/loadBalancer:LoadBalancer": {"name", "namePrefix", "internal", "loadBalancerType"},
    "aws:lb/targetGroup:TargetGroup": {"name", "namePrefix", "port", "protocol", "targetType", "vpcId"},
    "aws:rds/instance:Instance": {"identifier", "identifierPrefix", "dbName", "kmsKeyId", "storageEncrypted",
                                  "username", "availabilityZone", "characterSetName"},
    "aws:rds/subnetGroup:SubnetGroup": {"name", "namePrefix"},
    "aws:s3/bucket:Bucket": {"bucket", "bucketPrefix"},
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": {"bucket", "expectedBucketOwner"},
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": {"bucket"},
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": {"bucket"},
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
        {"bucket", "expectedBucketOwner"},
    "aws:s3/bucketVersioning:BucketVersioning": {"bucket", "expectedBucketOwner"},
    "aws:secretsmanager/secret:Secret": {"name", "namePrefix"},
    "aws:secretsmanager/secretVersion:SecretVersion": {"secretId"},
    "aws:sns/topic:Topic": {"name", "namePrefix", "fifoTopic"},
    "aws:sqs/queue:Queue": {"name", "namePrefix", "fifoQueue"},
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {"securityGroupId"},
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {"securityGroupId"},
    "pulumi:providers:aws": {"region"},
}.items()}

# Resources that hold data a replacement does not carry over: what a team must migrate.
STATEFUL: dict[str, str] = {
    "aws:rds/instance:Instance": "database",
    "aws:dynamodb/table:Table": "table",
    "aws:s3/bucket:Bucket": "bucket",
    "aws:sqs/queue:Queue": "queue",
    "aws:elasticache/replicationGroup:ReplicationGroup": "cache",
    "aws:sns/topic:Topic": "topic (subscriptions)",
    "aws:ecr/repository:Repository": "container registry (images)",
    "aws:secretsmanager/secret:Secret": "secret",
    "aws:cloudwatch/logGroup:LogGroup": "log group (logs)",
    "aws:kms/key:Key": "KMS key (what it encrypted)",
}

ISOLATION_NOTE = (
    "moving from isolation: {old} to isolation: {new} puts the space in {where}: every resource is "
    "replaced, and databases, buckets, queues, tables, caches and topics are new and empty; their data "
    "must be migrated before the old resources are destroyed")


def isolation_note(old: str, new: str) -> str:
    where = "an AWS account of its own per environment" if new == "account" else "the shared platform account"
    return ISOLATION_NOTE.format(old=old, new=new, where=where)


@dataclass
class UnitChanges:
    """What one unit's resources go through; each entry is ``{type, name[, fields][, why]}``."""

    unit: str
    create: list[dict[str, Any]] = field(default_factory=list)
    update: list[dict[str, Any]] = field(default_factory=list)
    replace: list[dict[str, Any]] = field(default_factory=list)
    delete: list[dict[str, Any]] = field(default_factory=list)
    retagged: int = 0  # resources whose tags differ (the blueprint tag alone is not counted as an update)
    stateful: list[dict[str, Any]] = field(default_factory=list)  # replaced or deleted resources holding data

    def counts(self) -> dict[str, int]:
        return {"create": len(self.create), "update": len(self.update), "replace": len(self.replace),
                "delete": len(self.delete)}

    def to_data(self) -> dict[str, Any]:
        return {"unit": self.unit, "counts": self.counts(), "create": self.create, "update": self.update,
                "replace": self.replace, "delete": self.delete, "retagged": self.retagged,
                "data_lost": self.stateful}


def _without_blueprint_tag(tags: Any) -> Any:
    if not isinstance(tags, dict):
        return tags
    return {k: v for k, v in tags.items() if k != "platform:blueprint"}


def changed_fields(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Input names whose values differ; a change of only the ``platform:blueprint`` tag is left out
    (every resource carries it, so it would drown the real changes)."""
    out = []
    for k in sorted(set(a) | set(b)):
        x, y = a.get(k), b.get(k)
        if k in ("tags", "tagsAll"):
            x, y = _without_blueprint_tag(x), _without_blueprint_tag(y)
        if x != y:
            out.append(k)
    return out


def replace_reason(typ: str, fields: list[str]) -> str | None:
    """Why changing ``fields`` of a ``typ`` replaces it, or None when it updates in place."""
    forcing = REPLACE_ON.get(typ, frozenset())
    if "*" in forcing:
        hit = [f for f in fields if f not in ("tags", "tagsAll")]
        return f"{typ.rsplit(':', 1)[-1]} cannot change in place ({', '.join(hit)})" if hit else None
    hit = [f for f in fields if f in forcing]
    return f"{', '.join(hit)} cannot change in place" if hit else None


def compare(unit: str, before: list[dict[str, Any]], after: list[dict[str, Any]], *,
            isolation_change: bool = False) -> UnitChanges:
    """Classify every resource of two renders of ``unit`` (lists of ``{type, name, parent, inputs}``)."""
    a = {(r["type"], r["name"]): r for r in before}
    b = {(r["type"], r["name"]): r for r in after}
    out = UnitChanges(unit=unit)
    for key in sorted(set(b) - set(a)):
        out.create.append({"type": key[0], "name": key[1]})
    for key in sorted(set(a) - set(b)):
        out.delete.append({"type": key[0], "name": key[1]})
    for key in sorted(set(a) & set(b)):
        old, new = a[key], b[key]
        if old["inputs"].get("tags") != new["inputs"].get("tags"):
            out.retagged += 1
        fields = changed_fields(old["inputs"], new["inputs"])
        entry: dict[str, Any] = {"type": key[0], "name": key[1], "fields": fields}
        custom = key[0].startswith("aws:") or key[0].startswith("pulumi:providers:")
        if isolation_change and custom:
            entry["why"] = "another AWS account"
            out.replace.append(entry)
        elif old.get("parent") != new.get("parent"):
            entry["fields"] = fields + ["parent"]
            entry["why"] = f"parent {old.get('parent')} -> {new.get('parent')} (a new URN; give the resource an alias)"
            out.replace.append(entry)
        elif fields:
            why = replace_reason(key[0], fields)
            if why:
                entry["why"] = why
                out.replace.append(entry)
            else:
                out.update.append(entry)
    gone = {(r["type"], r["name"]) for r in out.replace + out.delete}
    out.stateful = [{"type": t, "name": n, "holds": STATEFUL[t]} for t, n in sorted(gone) if t in STATEFUL]
    return out
