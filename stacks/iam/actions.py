"""Action tables: what each resource type of a service unit needs, which actions create or tag, which
are authorized by tag, and what a binding grants."""

from __future__ import annotations

SPACE_TAGGED_ACTIONS: tuple[str, ...] = (
    "ecs:DescribeServices", "ecs:DescribeTasks", "ecs:ListTasks", "ecs:UpdateService", "ecs:StopTask",
    "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability", "ecr:PutImage",
    "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:DescribeImages",
    "sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
    "sqs:ChangeMessageVisibility", "sns:Publish", "sns:GetTopicAttributes",
    "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query",
    "dynamodb:Scan", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:DescribeTable",
    "dynamodb:ConditionCheckItem", "rds:DescribeDBInstances", "elasticache:DescribeReplicationGroups",
    "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "kms:Decrypt", "kms:GenerateDataKey",
)
"""Actions of the space's roles whose resource types AWS authorizes by ``aws:ResourceTag``."""

BUCKET_ACTIONS: tuple[str, ...] = ("s3:ListBucket", "s3:GetBucketLocation")
OBJECT_ACTIONS: tuple[str, ...] = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")


DEPLOY_ACTIONS: dict[str, list[str]] = {
    # What the AWS provider calls to create, read, update, tag and delete each resource type of a service unit.
    "aws:ecs/taskDefinition:TaskDefinition": [
        "ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition", "ecs:DeregisterTaskDefinition", "ecs:TagResource",
        "ecs:UntagResource", "iam:PassRole"],
    "aws:ecs/service:Service": [
        "ecs:CreateService", "ecs:DescribeServices", "ecs:UpdateService", "ecs:DeleteService", "ecs:TagResource",
        "ecs:UntagResource"],
    "aws:lb/loadBalancer:LoadBalancer": [
        "elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeLoadBalancerAttributes", "elasticloadbalancing:ModifyLoadBalancerAttributes",
        "elasticloadbalancing:SetSecurityGroups",
        "elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags",
        "elasticloadbalancing:DescribeTags"],
    "aws:lb/targetGroup:TargetGroup": [
        "elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetGroupAttributes", "elasticloadbalancing:ModifyTargetGroup",
        "elasticloadbalancing:ModifyTargetGroupAttributes", "elasticloadbalancing:DeleteTargetGroup",
        "elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags", "elasticloadbalancing:DescribeTags"],
    "aws:lb/listener:Listener": [
        "elasticloadbalancing:CreateListener", "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:ModifyListener", "elasticloadbalancing:DeleteListener", "elasticloadbalancing:AddTags",
        "elasticloadbalancing:RemoveTags", "elasticloadbalancing:DescribeTags"],
    "aws:ec2/securityGroup:SecurityGroup": [
        "ec2:CreateSecurityGroup", "ec2:DescribeSecurityGroups", "ec2:RevokeSecurityGroupEgress",
        "ec2:DeleteSecurityGroup", "ec2:CreateTags", "ec2:DeleteTags"],
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": [
        "ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress",
        "ec2:DescribeSecurityGroupRules", "ec2:CreateTags", "ec2:DeleteTags"],
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": [
        "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress",
        "ec2:DescribeSecurityGroupRules", "ec2:CreateTags", "ec2:DeleteTags"],
    "aws:iam/role:Role": [
        # No iam:UpdateAssumeRolePolicy: a pipeline cannot make a service role trust anyone else (a role's trust,
        # ecs-tasks of this account, is set when it is created; changing it is the platform admins' apply).
        "iam:CreateRole", "iam:GetRole", "iam:PutRolePermissionsBoundary",
        "iam:TagRole", "iam:UntagRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole", "iam:DeleteRolePolicy", "iam:DeleteRole"],
    "aws:iam/rolePolicy:RolePolicy": ["iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"],
    "aws:appautoscaling/target:Target": [
        "application-autoscaling:RegisterScalableTarget", "application-autoscaling:DescribeScalableTargets",
        "application-autoscaling:DeregisterScalableTarget", "application-autoscaling:TagResource",
        "application-autoscaling:UntagResource", "application-autoscaling:ListTagsForResource"],
    "aws:appautoscaling/policy:Policy": [
        "application-autoscaling:PutScalingPolicy", "application-autoscaling:DescribeScalingPolicies",
        "application-autoscaling:DeleteScalingPolicy"],  # its alarms: Application Auto Scaling's own role
    "aws:secretsmanager/secret:Secret": [
        "secretsmanager:CreateSecret", "secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy",
        "secretsmanager:UpdateSecret", "secretsmanager:TagResource", "secretsmanager:UntagResource",
        "secretsmanager:DeleteSecret", "secretsmanager:GetRandomPassword", "kms:DescribeKey"],
    "aws:secretsmanager/secretVersion:SecretVersion": [
        "secretsmanager:PutSecretValue", "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret",
        "secretsmanager:ListSecretVersionIds", "secretsmanager:UpdateSecretVersionStage", "kms:GenerateDataKey",
        "kms:Decrypt"],
    "aws:rds/subnetGroup:SubnetGroup": [
        "rds:CreateDBSubnetGroup", "rds:DescribeDBSubnetGroups", "rds:ModifyDBSubnetGroup", "rds:DeleteDBSubnetGroup",
        "rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:ListTagsForResource"],
    "aws:rds/instance:Instance": [
        "rds:CreateDBInstance", "rds:DescribeDBInstances", "rds:ModifyDBInstance", "rds:DeleteDBInstance",
        "rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:ListTagsForResource",
        "kms:DescribeKey", "kms:CreateGrant", "kms:GenerateDataKey", "kms:Decrypt",
        # RDS creates and tags the master user secret (rds!db-...) with the caller's permissions.
        "secretsmanager:CreateSecret", "secretsmanager:TagResource"],
    "aws:sqs/queue:Queue": [
        "sqs:CreateQueue", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes", "sqs:TagQueue",
        "sqs:UntagQueue", "sqs:ListQueueTags", "sqs:DeleteQueue"],
    "aws:s3/bucket:Bucket": [
        "s3:CreateBucket", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketPolicy", "s3:GetBucketAcl",
        "s3:GetBucketCORS", "s3:GetBucketWebsite", "s3:GetBucketVersioning", "s3:GetAccelerateConfiguration",
        "s3:GetBucketRequestPayment", "s3:GetBucketLogging", "s3:GetLifecycleConfiguration",
        "s3:GetReplicationConfiguration", "s3:GetEncryptionConfiguration", "s3:GetBucketObjectLockConfiguration",
        "s3:GetBucketTagging", "s3:PutBucketTagging", "s3:ListBucketVersions", "s3:DeleteObject",
        "s3:DeleteObjectVersion", "s3:DeleteBucket"],
    "aws:s3/bucketPolicy:BucketPolicy": ["s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"],
    "aws:sqs/queuePolicy:QueuePolicy": ["sqs:SetQueueAttributes", "sqs:GetQueueAttributes"],
    "aws:sns/topicPolicy:TopicPolicy": ["sns:SetTopicAttributes", "sns:GetTopicAttributes"],
    # a service's alias record under a domain of its space (https.hosted_zone_id): granted for those names only
    "aws:route53/record:Record": ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets",
                                  "route53:GetHostedZone", "route53:GetChange"],
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": [
        "s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"],
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": [
        "s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls"],
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": [
        "s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration"],
    "aws:s3/bucketVersioning:BucketVersioning": ["s3:PutBucketVersioning", "s3:GetBucketVersioning"],
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": [
        "s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration"],
    "aws:dynamodb/table:Table": [
        "dynamodb:CreateTable", "dynamodb:DescribeTable", "dynamodb:UpdateTable", "dynamodb:DescribeContinuousBackups",
        "dynamodb:UpdateContinuousBackups", "dynamodb:DescribeTimeToLive",
        "dynamodb:TagResource", "dynamodb:UntagResource", "dynamodb:ListTagsOfResource", "dynamodb:DeleteTable",
        "kms:DescribeKey", "kms:CreateGrant"],
    "aws:elasticache/subnetGroup:SubnetGroup": [
        "elasticache:CreateCacheSubnetGroup", "elasticache:DescribeCacheSubnetGroups",
        "elasticache:ModifyCacheSubnetGroup", "elasticache:DeleteCacheSubnetGroup", "elasticache:AddTagsToResource",
        "elasticache:RemoveTagsFromResource", "elasticache:ListTagsForResource"],
    "aws:elasticache/replicationGroup:ReplicationGroup": [
        "elasticache:CreateReplicationGroup", "elasticache:DescribeReplicationGroups",
        "elasticache:DescribeCacheClusters", "elasticache:ModifyReplicationGroup", "elasticache:DeleteReplicationGroup",
        "elasticache:AddTagsToResource", "elasticache:RemoveTagsFromResource", "elasticache:ListTagsForResource",
        "kms:DescribeKey", "kms:CreateGrant"],
    "aws:sns/topic:Topic": [
        "sns:CreateTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:TagResource", "sns:UntagResource",
        "sns:ListTagsForResource", "sns:DeleteTopic"],
}
"""Resource type of a service unit -> the IAM actions a pipeline's deploy needs for it (see :func:`ci_deploy_policies`)."""

CREATE_ACTIONS: frozenset[str] = frozenset({
    # Actions creating (or tagging at creation) a resource: it has no tags yet, the request carries the space's tag.
    "ecs:CreateService", "ecs:RegisterTaskDefinition", "ecs:TagResource",
    "elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup",
    "elasticloadbalancing:CreateListener", "elasticloadbalancing:AddTags",
    "ec2:CreateSecurityGroup", "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress", "ec2:CreateTags",
    "application-autoscaling:RegisterScalableTarget", "application-autoscaling:TagResource",
    "secretsmanager:CreateSecret", "secretsmanager:TagResource",
    "rds:CreateDBSubnetGroup", "rds:CreateDBInstance", "rds:AddTagsToResource",
    "sqs:CreateQueue", "sqs:TagQueue", "dynamodb:CreateTable", "dynamodb:TagResource",
    "elasticache:CreateCacheSubnetGroup", "elasticache:CreateReplicationGroup", "elasticache:AddTagsToResource",
    "sns:CreateTopic", "sns:TagResource",
})
"""Deploy actions authorized by ``aws:RequestTag/platform:space`` (besides the resource tag for existing resources)."""

CREATE_ON_SPACE_RESOURCES: frozenset[str] = frozenset({
    # Creating actions that also authorize an existing resource of the space (by its tag): the VPC of a
    # security group, the group of a rule, the load balancer of a listener, the subnet group of a database
    # or cache; and tagging, which also updates the tags of the space's existing resources.
    "ec2:CreateSecurityGroup", "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
    "elasticloadbalancing:CreateListener", "rds:CreateDBInstance", "elasticache:CreateReplicationGroup",
    "elasticloadbalancing:AddTags", "ec2:CreateTags", "application-autoscaling:TagResource",
    "rds:AddTagsToResource", "sqs:TagQueue", "dynamodb:TagResource", "elasticache:AddTagsToResource",
    "sns:TagResource", "secretsmanager:TagResource",
})
"""Actions of :data:`CREATE_ACTIONS` that are also authorized by ``aws:ResourceTag/platform:space``."""

CREATED_RESOURCES: dict[str, tuple[tuple[str, str], ...]] = {
    # Creating action -> (service, resource) of each ARN it authorizes for what it creates, ``{prefix}`` the space's
    # prefix (``{flat}`` its single-hyphen form, ``planning.names.flat_prefix``, for RDS and ElastiCache ids),
    # ``{secrets}`` what the space's secret names start with (``planning.names.secret_prefix``). Named resources by the space's name prefix; those AWS names by a generated id (load balancers, target
    # groups and listeners have their id in the ARN, security groups and rules, scalable targets) by the resource
    # type only: the request tag decides, and the existing resources the action also authorizes (a VPC, a group,
    # a load balancer, a subnet group, an ECS service behind a scalable target) are the space's by their tag.
    "ecs:CreateService": (("ecs", "service/{prefix}/*"),),
    "elasticloadbalancing:CreateLoadBalancer": (("elasticloadbalancing", "loadbalancer/app/*/*"),),
    "elasticloadbalancing:CreateTargetGroup": (("elasticloadbalancing", "targetgroup/*/*"),),
    "elasticloadbalancing:CreateListener": (("elasticloadbalancing", "listener/app/*/*/*"),),
    "ec2:CreateSecurityGroup": (("ec2", "security-group/*"),),
    "ec2:AuthorizeSecurityGroupIngress": (("ec2", "security-group-rule/*"),),
    "ec2:AuthorizeSecurityGroupEgress": (("ec2", "security-group-rule/*"),),
    "application-autoscaling:RegisterScalableTarget": (("application-autoscaling", "scalable-target/*"),),
    "secretsmanager:CreateSecret": (("secretsmanager", "secret:{secrets}*"),),
    "rds:CreateDBSubnetGroup": (("rds", "subgrp:{prefix}-*"),),
    # a database also authorizes the default parameter and option groups it uses (AWS's, untagged, by name)
    "rds:CreateDBInstance": (("rds", "db:{flat}-*"), ("rds", "pg:default.*"), ("rds", "og:default:*")),
    "sqs:CreateQueue": (("sqs", "{prefix}-*"),),
    "dynamodb:CreateTable": (("dynamodb", "table/{prefix}-*"),),
    "elasticache:CreateCacheSubnetGroup": (("elasticache", "subnetgroup:{flat}-*"),),
    "elasticache:CreateReplicationGroup": (("elasticache", "replicationgroup:{flat}-*"),
                                           ("elasticache", "cluster:{flat}-*"),
                                           ("elasticache", "parametergroup:default.*")),
    "sns:CreateTopic": (("sns", "{prefix}-*"),),
}
"""What each creating deploy action creates: the only resources a request tag alone authorizes it on."""

TAG_ON_CREATE: dict[str, tuple[str, ...]] = {
    # Tagging action -> the creating actions whose new resources it tags (tag-on-create). Only those resources,
    # never an AWS-named default (a parameter group); EC2 and ELB also check the creating action itself.
    "ec2:CreateTags": ("ec2:CreateSecurityGroup", "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress"),
    "elasticloadbalancing:AddTags": ("elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup",
                                     "elasticloadbalancing:CreateListener"),
    "application-autoscaling:TagResource": ("application-autoscaling:RegisterScalableTarget",),
    "secretsmanager:TagResource": ("secretsmanager:CreateSecret",),
    "rds:AddTagsToResource": ("rds:CreateDBSubnetGroup", "rds:CreateDBInstance"),
    "sqs:TagQueue": ("sqs:CreateQueue",),
    "dynamodb:TagResource": ("dynamodb:CreateTable",),
    "elasticache:AddTagsToResource": ("elasticache:CreateCacheSubnetGroup", "elasticache:CreateReplicationGroup"),
    "sns:TagResource": ("sns:CreateTopic",),
}
"""Tagging actions of :data:`CREATE_ACTIONS` and what they tag when a resource is created."""

CREATE_ACTION_KEYS: dict[str, str] = {"ec2": "ec2:CreateAction", "elasticloadbalancing": "elasticloadbalancing:CreateAction"}
"""Services whose tagging is checked against the creating action (``ec2:CreateAction``): their tag-on-create grants
name it, so tagging an existing resource is never authorized by a request tag."""

TAG_KEYS: tuple[str, ...] = ("platform:*", "cost-center", "Name")
"""The tag keys a pipeline may set when it creates a resource (:func:`platform_cli.planning.tags.unit_tags`, ``Name``)."""

BOUNDED_ROLE_ACTIONS: frozenset[str] = frozenset({
    "iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:DeleteRolePolicy"})
"""IAM actions AWS lets a policy tie to the role's permission boundary (``iam:PermissionsBoundary``)."""



def deploy_actions() -> list[str]:
    return sorted({a for actions in DEPLOY_ACTIONS.values() for a in actions})


HISTORY_ITEM_ACTIONS: tuple[str, ...] = (
    # What `platform service deploy` calls on the history table (aws/history_dynamodb.py), and nothing else:
    "dynamodb:PutItem",  # DynamoHistory.add (a deployment record); DynamoLock.acquire (conditional put)
    "dynamodb:GetItem",  # DynamoLock.holder / active_holder (consistent reads of the overlapping locks)
    "dynamodb:DeleteItem",  # DynamoLock.release (conditional delete of one's own lock)
    "dynamodb:Query",  # DynamoHistory.query(team=...): the team's records (previous releases of a rollout)
)
"""DynamoDB calls of a deploy on the shared history table. No Scan (history of every team), no UpdateItem."""


SERVICE_LINKED_ROLE_SERVICES: tuple[str, ...] = (
    # Services that need their service-linked role in the account before the first service unit deploys.
    "ecs.amazonaws.com",  # ECS services
    "elasticloadbalancing.amazonaws.com",  # load balancers
    "ecs.application-autoscaling.amazonaws.com",  # scaling of ECS services
    "rds.amazonaws.com",  # databases
    "elasticache.amazonaws.com",  # caches
)



BINDING_ACTIONS: dict[str, list[str]] = {
    "postgres": ["rds:DescribeDBInstances"],
    "queue": ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
              "sqs:GetQueueUrl", "sqs:ChangeMessageVisibility"],
    "bucket": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetBucketLocation"],
    "table": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query",
              "dynamodb:Scan", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem",
              "dynamodb:DescribeTable"],
    "cache": ["elasticache:DescribeReplicationGroups"],
    "topic": ["sns:Publish", "sns:GetTopicAttributes"],
}
"""Actions a service gets on the resource of each offering it binds."""


