"""Cloud inventory of a space: every resource carrying its tags.

The Resource Groups Tagging API answers for most services, region by region; where it does
not reach, each service is listed on its own: IAM roles and customer-managed policies (global,
asked once) and ECR repositories. Results are deduplicated by ARN. S3 buckets (whose ARN names
no region) get their region from ``GetBucketLocation``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

GLOBAL = "global"


@dataclass(frozen=True)
class CloudResource:
    arn: str
    region: str  # a region code, or "global" (IAM)
    tags: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)


def _matches(tags: Mapping[str, str], wanted: Mapping[str, str]) -> bool:
    return all(tags.get(k) == v for k, v in wanted.items())


def _tag_dict(items: Iterable[Mapping[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in items or []}


def _tagging_api(clients, region: str, wanted: Mapping[str, str]) -> Iterator[CloudResource]:
    client = clients("resourcegroupstaggingapi", region)
    filters = [{"Key": k, "Values": [v]} for k, v in wanted.items()]
    for page in client.get_paginator("get_resources").paginate(TagFilters=filters, ResourcesPerPage=100):
        for item in page.get("ResourceTagMappingList", []):
            yield CloudResource(item["ResourceARN"], region, _tag_dict(item.get("Tags")))


def _iam(clients, wanted: Mapping[str, str]) -> Iterator[CloudResource]:
    iam = clients("iam", None)
    for page in iam.get_paginator("list_roles").paginate():
        for role in page.get("Roles", []):
            tags = _tag_dict(iam.list_role_tags(RoleName=role["RoleName"]).get("Tags"))
            if _matches(tags, wanted):
                yield CloudResource(role["Arn"], GLOBAL, tags)
    for page in iam.get_paginator("list_policies").paginate(Scope="Local"):
        for pol in page.get("Policies", []):
            tags = _tag_dict(iam.list_policy_tags(PolicyArn=pol["Arn"]).get("Tags"))
            if _matches(tags, wanted):
                yield CloudResource(pol["Arn"], GLOBAL, tags)


def _ecr(clients, region: str, wanted: Mapping[str, str]) -> Iterator[CloudResource]:
    ecr = clients("ecr", region)
    for page in ecr.get_paginator("describe_repositories").paginate():
        for repo in page.get("repositories", []):
            tags = _tag_dict(ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"]).get("tags"))
            if _matches(tags, wanted):
                yield CloudResource(repo["repositoryArn"], region, tags)


def _bucket_region(clients, arn: str, fallback: str) -> str:
    name = arn.split(":::", 1)[1]
    loc = clients("s3", fallback).get_bucket_location(Bucket=name).get("LocationConstraint")
    return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(loc, loc)


def tagged_resources(clients, regions: Iterable[str], wanted: Mapping[str, str]) -> list[CloudResource]:
    """Every resource in REGIONS (and IAM) whose tags include all of WANTED, ordered by region and ARN.

    CLIENTS is a ClientProvider (``clients(service, region)``). AWS errors become CloudError."""
    from botocore.exceptions import BotoCoreError, ClientError

    from .clients import translate

    found: dict[str, CloudResource] = {}
    regions = list(dict.fromkeys(regions))
    try:
        for region in regions:
            for res in (*_tagging_api(clients, region, wanted), *_ecr(clients, region, wanted)):
                if res.arn in found:
                    continue
                if ":s3:::" in res.arn:
                    res = CloudResource(res.arn, _bucket_region(clients, res.arn, region), res.tags)
                found[res.arn] = res
        for res in _iam(clients, wanted):
            found.setdefault(res.arn, res)
    except (BotoCoreError, ClientError) as exc:
        raise translate(exc, "listing the space's tagged resources") from None
    return sorted(found.values(), key=lambda r: (r.region, r.arn))
