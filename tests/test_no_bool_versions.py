"""`true` is not the number 1: no spec or record takes a bool where a number belongs."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from platform_cli.aws.local_record import LocalCloudRecord
from platform_cli.errors import SpecError
from platform_cli.model import ALL_SPECS


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda s: s.__name__)
def test_schema_version_true_is_refused_in_every_spec(spec):
    with pytest.raises(SpecError) as exc:
        spec.parse({"schema_version": True}, source="f.yaml")
    assert "f.yaml: schema_version: expected the number 1, found true" in str(exc.value)


@pytest.mark.parametrize("change", [{"port": True}, {"pid": True, "pid_started": "x"}, {"restored_requests": True},
                                    {"port": 45999.0}, {"started_at": "2025-01-01T00:00:00"}, {"schema_version": True}])
def test_the_local_cloud_record_is_strict(change):
    good = {"port": 45999, "endpoint": "http://127.0.0.1:45999"}
    LocalCloudRecord.model_validate(good)
    LocalCloudRecord.model_validate({**good, "started_at": "2025-01-01T00:00:00+00:00"})
    with pytest.raises(ValidationError):
        LocalCloudRecord.model_validate({**good, **change})
