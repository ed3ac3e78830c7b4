"""Certificates of a space's domains, and a service's alias record under one of them.

The space (applied by the platform's administrators, not by a pipeline) requests one ACM certificate per domain of
its environment and region, for the name and ``*.NAME``, validated by DNS in the domain's hosted zone. A service in
``https.hosted_zone_id`` mode serves the name or a name one label below it with that certificate; its unit (applied
by the CI deploy role) writes only the service's latency-routed alias record, which the role may write for the
space's names only (``stacks.iam.dns_record_statements``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws


@dataclass
class CertificatesArgs:
    domains: dict[str, str]  # name -> hosted zone id (spaces/TEAM.yaml environments.ENV.domains)
    tags: dict[str, str] = field(default_factory=dict)


def _first(options: Any, key: str) -> str:
    """One field of a certificate's first DNS validation option (a typed object, or a plain dict under mocks).
    The name and ``*.NAME`` of one certificate share that one validation record."""
    first = options[0]
    if isinstance(first, dict):
        camel = "".join(w.title() if i else w for i, w in enumerate(key.split("_")))
        return str(first.get(key) or first.get(camel))
    return str(getattr(first, key))


class Certificates(pulumi.ComponentResource):
    """An ACM certificate per domain of the space's environment, DNS-validated in its hosted zone."""

    def __init__(self, name: str, args: CertificatesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:space:Certificates", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.arns: dict[str, pulumi.Output[str]] = {}
        for domain, zone in sorted(args.domains.items()):
            logical = f"{name}-{domain}"
            cert = aws.acm.Certificate(logical, domain_name=domain, subject_alternative_names=[f"*.{domain}"],
                                       validation_method="DNS", key_algorithm="RSA_2048", tags=args.tags, opts=child)
            options = cert.domain_validation_options
            record = aws.route53.Record(
                f"{logical}-validation", zone_id=zone, allow_overwrite=True, ttl=300,
                name=options.apply(lambda o: _first(o, "resource_record_name")),
                type=options.apply(lambda o: _first(o, "resource_record_type")),
                records=[options.apply(lambda o: _first(o, "resource_record_value"))], opts=child)
            validated = aws.acm.CertificateValidation(f"{logical}-validated", certificate_arn=cert.arn,
                                                      validation_record_fqdns=[record.fqdn], opts=child)
            self.arns[domain] = validated.certificate_arn
        self.certificate_arns = pulumi.Output.from_input(self.arns)
        self.register_outputs({"certificate_arns": self.certificate_arns})
