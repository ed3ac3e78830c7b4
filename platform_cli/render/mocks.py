"""A mock AWS provider for the offline render: realistic ids, ARNs and outputs per resource type.

Everything is derived from a hash of the unit and the resource's name, so a render is
deterministic (goldens stay stable) and partition, region and account aware.
"""

from __future__ import annotations

import hashlib
import re
import threading
from typing import Any

import pulumi

from ..planning.names import short_region
from .inputs import UnitInputs

SECRET_MARK = "[secret]"


def _h(*parts: str, n: int = 17) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:n]


def _uuid(*parts: str) -> str:
    h = _h(*parts, n=32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def dns_suffix(partition: str) -> str:
    return "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"


class PlatformMocks(pulumi.runtime.Mocks):
    """Answers resource registrations and provider calls of one unit's program."""

    def __init__(self, inputs: UnitInputs) -> None:
        self.inputs = inputs
        self.partition = inputs.partition
        self.account = inputs.account_id
        self._lock = threading.Lock()

    # calls ------------------------------------------------------------------------------------
    def call(self, args: pulumi.runtime.MockCallArgs):
        region = args.args.get("region") or self.inputs.region
        if args.token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            letters = "abc" if not region.startswith("us-east-1") else "abcdef"
            names = [f"{region}{c}" for c in letters]
            return {"names": names, "zoneIds": [f"{region[:3]}{region.split('-')[1][:2]}{region[-1]}-az{i + 1}"
                                                  for i in range(len(names))], "id": region, "state": "available"}
        if args.token == "aws:secretsmanager/getRandomPassword:getRandomPassword":
            return {"randomPassword": _h(self.inputs.unit, "password", n=40), "id": "random"}
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": self.account, "arn": f"arn:{self.partition}:iam::{self.account}:root",
                    "userId": self.account, "id": self.account}
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": self.partition, "dnsSuffix": dns_suffix(self.partition), "id": self.partition}
        if args.token == "aws:index/getRegion:getRegion":
            return {"name": region, "region": region, "id": region}
        return {}

    # resources --------------------------------------------------------------------------------
    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        if args.typ == "pulumi:pulumi:StackReference":
            return self._stack_reference(args)
        if not args.custom and not args.typ.startswith("pulumi:providers:"):
            return "", dict(args.inputs)  # components: no state of their own
        rid, extra = self.synthesise(args.typ, args.name, args.inputs)
        state = {**args.inputs, **extra}
        return rid, state

    def synthesise(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """(id, outputs the cloud would compute) for one resource."""
        p, a = self.partition, self.account
        r = inputs.get("region") or self.inputs.region
        unit = self.inputs.unit
        sfx = dns_suffix(p)
        h = _h(unit, typ, name)

        def named(default_len: int = 7) -> str:
            given = inputs.get("name")
            return given if isinstance(given, str) and given else f"{name}-{h[:default_len]}"

        def arn(service: str, resource: str, *, region: str | None = r, account: str | None = a) -> str:
            return f"arn:{p}:{service}:{region or ''}:{account or ''}:{resource}"

        short = typ.split(":")[1] if ":" in typ else typ
        kind = typ.split(":")[-1]
        if typ.startswith("pulumi:providers:"):
            return _uuid(unit, "provider", name), {}
        if short.startswith("ec2/"):
            prefixes = {"Vpc": "vpc", "Subnet": "subnet", "InternetGateway": "igw", "NatGateway": "nat", "Eip": "eipalloc",
                        "RouteTable": "rtb", "Route": "r", "RouteTableAssociation": "rtbassoc", "FlowLog": "fl",
                        "SecurityGroup": "sg", "DefaultSecurityGroup": "sg"}
            rid = f"{prefixes.get(kind, kind.lower())}-{h}"
            # EC2's ARN resource types are hyphenated (security-group/sg-..., internet-gateway/igw-...)
            resource_type = re.sub(r"(?<!^)(?=[A-Z])", "-", kind.removeprefix("Default")).lower()
            extra: dict[str, Any] = {"id": rid, "arn": arn("ec2", f"{resource_type}/{rid}"), "ownerId": a}
            if kind == "Eip":
                extra.update(allocationId=rid, publicIp=f"3.{int(h[:2], 16)}.{int(h[2:4], 16)}.{int(h[4:6], 16)}")
            if kind == "NatGateway":
                extra.update(publicIp=f"3.{int(h[:2], 16)}.{int(h[2:4], 16)}.{int(h[4:6], 16)}")
            if kind in ("Vpc",):
                extra.update(defaultSecurityGroupId=f"sg-{_h(h, 'd')}", mainRouteTableId=f"rtb-{_h(h, 'm')}")
            if kind == "SecurityGroup":
                extra.update(name=named())
            return rid, extra
        if short.startswith("vpc/"):
            rid = f"sgr-{h}"
            return rid, {"id": rid, "arn": arn("ec2", f"security-group-rule/{rid}"), "securityGroupRuleId": rid}
        if short == "kms/key":
            key_id = _uuid(unit, name)
            return key_id, {"keyId": key_id, "arn": arn("kms", f"key/{key_id}")}
        if short == "kms/alias":
            return inputs.get("name", name), {"arn": arn("kms", inputs.get("name", name)),
                                              "targetKeyArn": arn("kms", f"key/{inputs.get('targetKeyId', '')}")}
        if short == "cloudwatch/logGroup":
            n = named()
            return n, {"name": n, "arn": arn("logs", f"log-group:{n}")}
        if short == "s3/bucket":
            n = inputs.get("bucket") or f"{name}-{h[:7]}"
            return n, {"bucket": n, "arn": f"arn:{p}:s3:::{n}", "bucketDomainName": f"{n}.s3.{sfx}",
                       "bucketRegionalDomainName": f"{n}.s3.{r}.{sfx}", "region": r, "hostedZoneId": "Z21DNDUVLTQW6Q"}
        if short.startswith("s3/"):
            return str(inputs.get("bucket", name)), {}
        if short == "ecr/repository":
            n = named()
            return n, {"name": n, "arn": arn("ecr", f"repository/{n}"), "registryId": a,
                       "repositoryUrl": f"{a}.dkr.ecr.{r}.{sfx}/{n}"}
        if short == "ecr/lifecyclePolicy":
            return str(inputs.get("repository", name)), {"registryId": a}
        if short == "ecs/cluster":
            n = named()
            cid = arn("ecs", f"cluster/{n}")
            return cid, {"name": n, "arn": cid}
        if short == "ecs/taskDefinition":
            fam = inputs.get("family", name)
            return fam, {"arn": arn("ecs", f"task-definition/{fam}:1"), "revision": 1,
                         "arnWithoutRevision": arn("ecs", f"task-definition/{fam}")}
        if short == "ecs/service":
            n = named()
            cluster = str(inputs.get("cluster", "")).rsplit("/", 1)[-1]
            sid = arn("ecs", f"service/{cluster}/{n}")
            return sid, {"name": n, "arn": sid}
        if short == "iam/role":
            n = named()
            return n, {"name": n, "arn": f"arn:{p}:iam::{a}:role/{n}", "uniqueId": "AROA" + h.upper()[:17],
                       "createDate": "2025-01-01T00:00:00Z"}
        if short == "iam/policy":
            n = named()
            pid = f"arn:{p}:iam::{a}:policy/{n}"
            return pid, {"name": n, "arn": pid, "policyId": "ANPA" + h.upper()[:17], "attachmentCount": 0}
        if short == "iam/rolePolicy":
            n = named()
            return f"{inputs.get('role', '')}:{n}", {"name": n}
        if short == "budgets/budget":
            n = named()
            return f"{a}:{n}", {"name": n, "arn": f"arn:{p}:budgets::{a}:budget/{n}"}
        if short == "lb/loadBalancer":
            n = named()
            lid = arn("elasticloadbalancing", f"loadbalancer/app/{n}/{h[:16]}")
            return lid, {"name": n, "arn": lid, "arnSuffix": f"app/{n}/{h[:16]}",
                         "dnsName": f"{n}-{int(h[:8], 16)}.{r}.elb.{sfx}", "zoneId": "Z32O12XQLNTSW2",
                         "vpcId": inputs.get("vpcId", "")}
        if short == "lb/targetGroup":
            n = named()
            tid = arn("elasticloadbalancing", f"targetgroup/{n}/{h[:16]}")
            return tid, {"name": n, "arn": tid, "arnSuffix": f"targetgroup/{n}/{h[:16]}"}
        if short == "lb/listener":
            lid = arn("elasticloadbalancing", f"listener/app/{name}/{h[:16]}/{h[1:17]}")
            return lid, {"arn": lid}
        if short == "acm/certificate":
            cid = arn("acm", f"certificate/{_uuid(h)}")
            domain = str(inputs.get("domainName", ""))
            return cid, {"arn": cid, "status": "ISSUED", "domainValidationOptions": [{
                "domainName": domain, "resourceRecordName": f"_{h[:32]}.{domain}.", "resourceRecordType": "CNAME",
                "resourceRecordValue": f"_{h[1:33]}.acm-validations.aws."}]}
        if short == "acm/certificateValidation":
            return str(inputs.get("certificateArn", name)), {}
        if short == "route53/record":
            fqdn = str(inputs.get("name", name)).rstrip(".")
            return f"{inputs.get('zoneId', '')}_{fqdn}_{inputs.get('type', '')}", {"fqdn": fqdn}
        if short == "appautoscaling/target":
            rid = str(inputs.get("resourceId", name))
            return rid, {"arn": arn("application-autoscaling", f"scalable-target/{h[:32]}")}
        if short == "appautoscaling/policy":
            return named(), {"arn": arn("autoscaling", f"scalingPolicy:{_uuid(h)}:resource/{inputs.get('resourceId', '')}"),
                             "alarmArns": []}
        if short == "rds/instance":
            ident = inputs.get("identifier") or f"{name}-{h[:7]}"
            host = f"{ident}.c{h[:11]}.{r}.rds.{sfx}"
            secret = arn("secretsmanager", f"secret:rds!db-{_uuid(h, 'rds')}-{h[:6]}")
            return ident, {"identifier": ident, "arn": arn("rds", f"db:{ident}"), "address": host, "port": 5432,
                           "endpoint": f"{host}:5432", "resourceId": "db-" + h.upper()[:26],
                           "masterUserSecrets": [{"secretArn": secret, "kmsKeyId": inputs.get("masterUserSecretKmsKeyId", ""),
                                                  "secretStatus": "active"}]}
        if short in ("rds/subnetGroup", "elasticache/subnetGroup"):
            n = named()
            svc = "rds" if short.startswith("rds") else "elasticache"
            return n, {"name": n, "arn": arn(svc, f"subgrp:{n}" if svc == "rds" else f"subnetgroup:{n}")}
        if short == "sqs/queue":
            n = named()
            url = f"https://sqs.{r}.{sfx}/{a}/{n}"
            return url, {"name": n, "url": url, "arn": arn("sqs", n)}
        if short == "dynamodb/table":
            n = named()
            return n, {"name": n, "arn": arn("dynamodb", f"table/{n}"), "streamArn": ""}
        if short == "elasticache/replicationGroup":
            rg = inputs.get("replicationGroupId") or f"{name}-{h[:7]}"
            return rg, {"arn": arn("elasticache", f"replicationgroup:{rg}"),
                        "primaryEndpointAddress": f"master.{rg}.{h[:6]}.{short_region(r)}.cache.{sfx}",
                        "readerEndpointAddress": f"replica.{rg}.{h[:6]}.{short_region(r)}.cache.{sfx}",
                        "memberClusters": [f"{rg}-00{i + 1}" for i in range(int(inputs.get("numCacheClusters", 1) or 1))]}
        if short == "sns/topic":
            n = named()
            tid = arn("sns", n)
            return tid, {"name": n, "arn": tid, "owner": a}
        if short == "secretsmanager/secret":
            n = named()
            sid = arn("secretsmanager", f"secret:{n}-{h[:6]}")
            return sid, {"name": n, "arn": sid}
        if short == "secretsmanager/secretVersion":
            vid = _uuid(h)
            return f"{inputs.get('secretId', '')}|{vid}", {"versionId": vid, "arn": inputs.get("secretId", ""),
                                                           "versionStages": ["AWSCURRENT"]}
        return f"{kind.lower()}-{h}", {"arn": arn(short.split("/")[0], f"{kind.lower()}/{h}")}

    # stack references ---------------------------------------------------------------------------
    def _stack_reference(self, args):
        name = args.inputs.get("name") or args.name
        return name, {"name": name, "outputs": space_outputs(self.inputs), "secretOutputNames": []}


def space_outputs(inputs: UnitInputs) -> dict[str, Any]:
    """The outputs the space unit of ``inputs`` exports, as the mock synthesises them.

    The values are those the space unit's own render produces (same hashes), so a
    service rendered offline points at the ids its space would have.
    """
    from stacks.programs import SPACE_OUTPUTS
    from stacks.subnets import split_subnets

    from ..planning.names import bucket_name, resource_name, space_prefix, space_unit

    space_in = inputs.model_copy(update={"unit": space_unit(inputs.team, inputs.env, inputs.region), "kind": "space",
                                         "service": None, "bindings": []})
    m = PlatformMocks(space_in)
    prefix = space_prefix(inputs.team, inputs.env, inputs.region)
    azs = inputs.blueprint.network.azs
    split_subnets(inputs.cidr, azs)
    net, base, acc = f"{prefix}-network", f"{prefix}-baseline", f"{prefix}-access"
    vpc_id, _ = m.synthesise("aws:ec2/vpc:Vpc", f"{net}-vpc", {})
    key_id, key = m.synthesise("aws:kms/key:Key", f"{base}-key", {})
    _, logs = m.synthesise("aws:cloudwatch/logGroup:LogGroup", f"{base}-logs", {"name": f"/platform/{prefix}"})
    _, ecr = m.synthesise("aws:ecr/repository:Repository", f"{base}-registry", {"name": prefix})
    _, cluster = m.synthesise("aws:ecs/cluster:Cluster", f"{base}-cluster", {"name": prefix})

    def role(suffix: str, logical: str) -> str:
        return m.synthesise("aws:iam/role:Role", f"{acc}-{logical}", {"name": resource_name(prefix, suffix, max_len=64)})[1]["arn"]

    bp = inputs.blueprint
    out = {
        "vpc_id": vpc_id, "vpc_cidr": inputs.cidr,
        "public_subnet_ids": [m.synthesise("aws:ec2/subnet:Subnet", f"{net}-public-{i}", {})[0] for i in range(azs)],
        "private_subnet_ids": [m.synthesise("aws:ec2/subnet:Subnet", f"{net}-private-{i}", {})[0] for i in range(azs)],
        "kms_key_arn": key["arn"], "log_group_name": logs["name"], "log_group_arn": logs["arn"],
        "artifact_bucket": bucket_name(inputs.org, inputs.team, inputs.env, inputs.region, "artifacts", inputs.naming_account),
        "ecr_repository_url": ecr["repositoryUrl"], "ecr_repository_arn": ecr["arn"],
        "ecs_cluster_arn": cluster["arn"], "ecs_cluster_name": cluster["name"],
        "ci_role_arn": role("ci-deploy", "ci-deploy"),
        "developer_role_arn": role("developer", "developer") if "developer" in bp.access.team_roles else "",
        "readonly_role_arn": role("read-only", "read-only") if "read-only" in bp.access.team_roles else "",
        "permission_boundary_arn": (m.synthesise("aws:iam/policy:Policy", f"{acc}-boundary", {"name": resource_name(prefix, "boundary", max_len=128)})[1]["arn"]
                                    if bp.access.permission_boundary else ""),
        # stacks.dns.Certificates: the validated certificate is the one requested
        "certificate_arns": {d: m.synthesise("aws:acm/certificate:Certificate", f"{prefix}-certificates-{d}",
                                             {"domainName": d})[1]["arn"] for d in sorted(inputs.domains)},
    }
    assert set(out) == set(SPACE_OUTPUTS)
    return out
