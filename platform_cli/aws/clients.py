"""One door to AWS: a client provider that sets retries, region and endpoint.

Services receive a :class:`ClientProvider` and call ``provider("s3", region)``; tests pass
one pointed at moto. Nothing here touches the network or looks up credentials until a
client is actually created.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LOCAL_ACCESS_KEY = "testing"
LOCAL_SECRET_KEY = "testing"  # moto accepts any value; not a secret


@dataclass
class ClientProvider:
    """Creates boto3 clients. ``endpoint_url`` points every client at the local cloud."""

    default_region: str = "eu-central-1"
    endpoint_url: str | None = None
    profile: str | None = None
    max_attempts: int = 5
    _session: Any = field(default=None, repr=False)
    _cache: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    @classmethod
    def local(cls, endpoint_url: str, region: str = "eu-central-1") -> "ClientProvider":
        return cls(default_region=region, endpoint_url=endpoint_url)

    def _boto_session(self):
        if self._session is None:
            import boto3

            if self.endpoint_url:
                self._session = boto3.session.Session(
                    aws_access_key_id=LOCAL_ACCESS_KEY, aws_secret_access_key=LOCAL_SECRET_KEY,
                    region_name=self.default_region,
                )
            else:
                self._session = boto3.session.Session(profile_name=self.profile, region_name=self.default_region)
        return self._session

    def __call__(self, service: str, region: str | None = None) -> Any:
        region = region or self.default_region
        key = (service, region)
        if key not in self._cache:
            from botocore.config import Config

            config = Config(retries={"max_attempts": self.max_attempts, "mode": "standard"},
                            connect_timeout=5, read_timeout=30,
                            s3={"addressing_style": "path"} if self.endpoint_url else None)
            self._cache[key] = self._boto_session().client(
                service, region_name=region, endpoint_url=self.endpoint_url, config=config
            )
        return self._cache[key]


def translate(exc: Exception, action: str):
    """A botocore/boto3 error as a CloudError with one clear sentence."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    from ..errors import CloudError

    if isinstance(exc, NoCredentialsError):
        return CloudError(f"{action}: no AWS credentials found",
                          hint="configure credentials (aws configure / AWS_PROFILE / OIDC in CI), or use the local cloud: `platform local up`")
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return CloudError(f"{action}: {err.get('Code', 'error')}: {err.get('Message', str(exc))}")
    if isinstance(exc, BotoCoreError):
        return CloudError(f"{action}: {exc}")
    return CloudError(f"{action}: {type(exc).__name__}: {exc}")


def caller_identity(provider: ClientProvider | None = None) -> dict:
    """Who the credentials are (sts get-caller-identity): Account, Arn, UserId. One network call."""
    from botocore.exceptions import BotoCoreError, ClientError

    provider = provider or ClientProvider(max_attempts=2)
    try:
        ident = provider("sts").get_caller_identity()
    except (BotoCoreError, ClientError) as exc:
        raise translate(exc, "sts get-caller-identity") from None
    return {k: ident[k] for k in ("Account", "Arn", "UserId")}
