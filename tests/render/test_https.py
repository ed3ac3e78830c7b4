"""HTTPS of web services: the certificate (given, or requested and validated by DNS), 443 with TLS 1.2+, 80 redirected."""

from __future__ import annotations

import pytest

from platform_cli.errors import SpecError
from platform_cli.model import Service
from platform_cli.planning.policy import MANDATORY, evaluate

SERVICE = "service/payments/api/prod/eu-central-1"
ZONE = "Z0123456789ABCDEFGHIJ"


def _with_https(inputs, **https):
    env = inputs.service.environments["prod"]
    new = env.https.model_copy(update=https)
    environments = {**inputs.service.environments, "prod": env.model_copy(update={"https": new})}
    return inputs.model_copy(update={"service": inputs.service.model_copy(update={"environments": environments})})


def test_a_given_certificate_serves_443_and_80_redirects(rendered):
    graph = rendered[SERVICE].resources
    listeners = {r["inputs"]["port"]: r["inputs"] for r in graph if r["type"] == "aws:lb/listener:Listener"}
    assert listeners[443]["protocol"] == "HTTPS" and listeners[443]["certificateArn"].startswith(
        "arn:aws:acm:eu-central-1:123456789012:certificate/")
    assert listeners[80]["defaultActions"] == [{"type": "redirect", "redirect": {
        "port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"}}]
    lb = next(r for r in graph if r["type"] == "aws:lb/loadBalancer:LoadBalancer")
    assert lb["inputs"]["dropInvalidHeaderFields"] is True
    ingress = sorted(r["inputs"]["fromPort"] for r in graph if r["type"] == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
                     and r["name"].endswith(("-lb-http", "-lb-https")))
    assert ingress == [80, 443]
    assert not [r for r in graph if r["type"].startswith(("aws:acm/", "aws:route53/"))]
    assert rendered[SERVICE].outputs["url"] == "https://api.payments.example.com"


def test_a_space_domain_gets_a_dns_validated_certificate_per_region(rendered):
    for region in ("eu-central-1", "us-east-1"):
        unit = rendered[f"space/payments/prod/{region}"]
        (cert,) = [r for r in unit.resources if r["type"] == "aws:acm/certificate:Certificate"]
        assert cert["inputs"]["domainName"] == "payments.example.com" and cert["inputs"]["validationMethod"] == "DNS"
        assert cert["inputs"]["subjectAlternativeNames"] == ["*.payments.example.com"]
        assert cert["inputs"]["tags"]["platform:space"] == "payments--prod"
        (record,) = [r["inputs"] for r in unit.resources if r["type"] == "aws:route53/record:Record"]
        assert record["zoneId"] == ZONE and record["type"] == "CNAME" and record["name"].endswith(".payments.example.com.")
        (validation,) = [r for r in unit.resources if r["type"] == "aws:acm/certificateValidation:CertificateValidation"]
        assert validation["inputs"]["certificateArn"] == cert["outputs"]["arn"]
        assert validation["inputs"]["validationRecordFqdns"] == [record["name"].rstrip(".")]
        assert unit.outputs["certificate_arns"] == {"payments.example.com": cert["outputs"]["arn"]}
    # no domain, no certificate
    assert not [r for r in rendered["space/lab/dev/eu-central-1"].resources if r["type"].startswith("aws:acm/")]


def test_a_hosted_zone_serves_the_space_domains_certificate_and_an_alias_record(reference_inputs, rendered):
    from platform_cli.render import render_unit

    inputs = _with_https(reference_inputs[SERVICE], hosted_zone_id=ZONE, certificate_arns={})
    graph = render_unit(inputs).resources
    assert not [r for r in graph if r["type"].startswith("aws:acm/")]  # the space's certificate, not a new one
    https = next(r["inputs"] for r in graph if r["type"] == "aws:lb/listener:Listener" and r["inputs"]["port"] == 443)
    space_cert = rendered["space/payments/prod/eu-central-1"].outputs["certificate_arns"]["payments.example.com"]
    assert https["certificateArn"] == space_cert
    (alias,) = [r["inputs"] for r in graph if r["type"] == "aws:route53/record:Record"]
    assert alias["name"] == "api.payments.example.com" and alias["type"] == "A" and alias["zoneId"] == ZONE
    assert alias["latencyRoutingPolicies"] == [{"region": "eu-central-1"}] and alias["setIdentifier"] == "eu-central-1"
    assert alias["aliases"][0]["evaluateTargetHealth"] is True
    assert [f for f in evaluate(graph, inputs, monthly_cost=10.0) if f.severity == MANDATORY] == []


@pytest.mark.parametrize("domain, zone", [("api.search.example.com", ZONE),  # not a domain of the space
                                          ("api.payments.example.com", "ZOTHERZONE0001"),  # another zone
                                          ("a.b.payments.example.com", ZONE)])  # two labels below: not covered
def test_a_hosted_zone_must_hold_a_domain_of_the_space(reference_root, domain, zone):
    from platform_cli.render.inputs import build_unit_inputs
    from platform_cli.units import UnitTarget
    from platform_cli.workspace import WorkspaceContext

    path = reference_root / "services" / "api" / "service.yaml"
    original = path.read_text()
    https = (f"    https:\n      domain: {domain}\n      hosted_zone_id: {zone}\n")
    try:
        text = original[:original.index("    https:")] + https
        path.write_text(text)
        with pytest.raises(SpecError) as exc:
            build_unit_inputs(WorkspaceContext.open(reference_root), UnitTarget(unit=SERVICE, service_file=str(path)))
        assert "environments.prod.https" in str(exc.value) and "payments.example.com (Z0123456789ABCDEFGHIJ)" in str(exc.value)
    finally:
        path.write_text(original)


def _service(https):
    return {"schema_version": 1, "name": "api", "space": "payments", "environments": {"prod": {"regions": ["eu-central-1"],
                                                                                              "https": https}}}


@pytest.mark.parametrize("https,message", [
    ({"domain": "api.example.com"}, "hosted_zone_id"),
    ({"domain": "api.example.com", "hosted_zone_id": ZONE, "certificate_arns": {
        "eu-central-1": "arn:aws:acm:eu-central-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"}},
     "not both"),
    ({"domain": "API.example.com", "hosted_zone_id": ZONE}, "domain"),
    ({"domain": "api.example.com", "hosted_zone_id": "zone"}, "hosted_zone_id"),
    ({"domain": "api.example.com", "certificate_arns": {
        "eu-central-1": "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"}},
     "not an ACM certificate ARN of eu-central-1"),
])
def test_https_settings_are_checked_when_read(https, message):
    with pytest.raises(SpecError) as exc:
        Service.parse(_service(https), source="service.yaml")
    assert message in str(exc.value) + " ".join(getattr(exc.value, "problems", []) or [])


def test_valid_https_settings_are_read():
    svc = Service.parse(_service({"domain": "api.example.com", "certificate_arns": {
        "eu-central-1": "arn:aws:acm:eu-central-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"}}),
        source="service.yaml")
    assert svc.environments["prod"].https.domain == "api.example.com"
