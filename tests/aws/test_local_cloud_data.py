"""The local cloud once it holds resources: a health check whose cost does not grow with them,
resource counts per service, and resources that survive `local down` / `local up`."""

from __future__ import annotations

import json
import urllib.request

import pytest

from platform_cli.aws.local_cloud import health

REGIONS = ["eu-central-1", "eu-west-1", "us-east-1"]


def _json(result):
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _clients(endpoint: str, service: str, region: str):
    from platform_cli.aws.clients import ClientProvider

    return ClientProvider.local(endpoint, region=region)(service, region)


def _size_of(url: str) -> int:
    with urllib.request.urlopen(url, timeout=120) as resp:  # noqa: S310 (loopback)
        return len(resp.read())


@pytest.fixture
def running(run_cli, workspace):
    w = ["-w", str(workspace.root)]
    up = _json(run_cli(*w, "local", "up", "--json"))
    yield w, up["endpoint"]
    r = run_cli(*w, "local", "down", "--discard", "--yes")
    assert r.exit_code == 0, r.stderr


def test_status_answers_running_while_the_cloud_holds_hundreds_of_resources(run_cli, running):
    w, endpoint = running
    answer_before = health(endpoint)
    data_before = _size_of(f"{endpoint}/moto-api/data.json")
    for region in REGIONS:
        sqs, ssm = _clients(endpoint, "sqs", region), _clients(endpoint, "ssm", region)
        for i in range(50):
            sqs.create_queue(QueueName=f"queue-{i}")
            ssm.put_parameter(Name=f"/platform/param-{i}", Value="x" * 200, Type="String")
    status = _json(run_cli(*w, "local", "status", "--json"))
    assert status["running"] is True and status["endpoint"] == endpoint
    assert status["resources"]["sqs"] == 3 * 50
    assert status["resources"]["ssm"] == 3 * 50
    # the probe and the counts are not recorded (a replay would repeat them otherwise)
    recorded = status["recorded_requests"]
    for _ in range(3):
        assert _json(run_cli(*w, "local", "status", "--json"))["recorded_requests"] == recorded
    assert recorded == 1 + 1 + 2 * 3 * 50  # the seed, moto's dump read above, every create
    # the probe reads nothing the server holds: its answer is the same before and after, byte for byte,
    # while moto's full dump (what the probe used to download) grew with every resource
    assert health(endpoint) == answer_before and set(answer_before) == {"server", "pid", "moto"}
    assert _size_of(f"{endpoint}/moto-api/data.json") > data_before + 300 * 200


def _network(endpoint: str, region: str, n: int) -> tuple[str, str, str]:
    ec2 = _clients(endpoint, "ec2", region)
    vpc = ec2.create_vpc(CidrBlock=f"10.{n}.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{n}.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(VpcId=vpc, GroupName=f"g{n}", Description="d")["GroupId"]
    ec2.describe_vpcs()  # a read in between: it draws a request id too
    return vpc, subnet, group


def test_resources_survive_down_and_up_with_the_same_ids(run_cli, running):
    """Made by parallel clients (as a Pulumi apply makes them), read back after a restart with the same ids."""
    from concurrent.futures import ThreadPoolExecutor

    w, endpoint = running
    with ThreadPoolExecutor(max_workers=8) as pool:
        jobs = {(region, n): pool.submit(_network, endpoint, region, n)
                for n, region in enumerate(REGIONS[:2] * 4, start=20)}
        made = {key: job.result() for key, job in jobs.items()}
    iam = _clients(endpoint, "iam", "us-east-1")
    role_id = iam.create_role(RoleName="svc-role", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17",
                              "Statement": []}))["Role"]["RoleId"]
    s3 = _clients(endpoint, "s3", "us-east-1")
    s3.create_bucket(Bucket="kept-bucket")
    s3.put_object(Bucket="kept-bucket", Key="dir/a b%2Fc.txt", Body=b"\x00binary\xff")
    s3.put_object(Bucket="kept-bucket", Key="gone.txt", Body=b"x")
    s3.delete_object(Bucket="kept-bucket", Key="gone.txt")
    queue_url = _clients(endpoint, "sqs", "eu-central-1").create_queue(QueueName="kept")["QueueUrl"]
    before = _json(run_cli(*w, "local", "status", "--json"))

    down = _json(run_cli(*w, "local", "down", "--json"))
    assert down["changed"] is True and down["kept"] is True
    assert health(endpoint) is None
    up = _json(run_cli(*w, "local", "up", "--json"))
    assert up["endpoint"] == endpoint  # the same port again: state that names the endpoint stays right
    assert up["restored_requests"] == before["recorded_requests"]

    for (region, n), (vpc, subnet, group) in made.items():
        ec2 = _clients(endpoint, "ec2", region)
        assert ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["CidrBlock"] == f"10.{n}.0.0/16"
        assert ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["VpcId"] == vpc
        assert ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["GroupName"] == f"g{n}"
    assert iam.get_role(RoleName="svc-role")["Role"]["RoleId"] == role_id
    assert s3.get_object(Bucket="kept-bucket", Key="dir/a b%2Fc.txt")["Body"].read() == b"\x00binary\xff"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="kept-bucket")["Contents"]] == ["dir/a b%2Fc.txt"]
    assert _clients(endpoint, "sqs", "eu-central-1").get_queue_url(QueueName="kept")["QueueUrl"] == queue_url
    after = _json(run_cli(*w, "local", "status", "--json"))
    assert after["resources"] == before["resources"]

    # a resource made after the replay gets a new id, not one of the restored ones
    new_vpc = _clients(endpoint, "ec2", REGIONS[0]).create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    assert new_vpc not in {v for v, _, _ in made.values()}

    # --discard drops them: the next cloud is empty, and the command says the state no longer matches
    r = run_cli(*w, "local", "down", "--discard", "--yes")
    assert r.exit_code == 0, r.stderr
    assert "no longer matches" in r.stderr and "rm -rf" in r.stderr
    fresh = _json(run_cli(*w, "local", "up", "--json"))
    assert fresh["restored_requests"] == 0
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError, match="NoSuchEntity"):
        _clients(fresh["endpoint"], "iam", "us-east-1").get_role(RoleName="svc-role")
    assert _json(run_cli(*w, "local", "status", "--json"))["resources"] == {}
