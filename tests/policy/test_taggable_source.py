"""Whether a type accepts tags, read from the provider's source, is what its imported class says."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

from platform_cli.planning.policy import _taggable_from_source, taggable

GOLDEN = Path(__file__).resolve().parent.parent / "render" / "golden"


def test_every_rendered_type_reads_the_same_from_source_as_from_the_class():
    types = sorted({r["type"] for f in GOLDEN.glob("*.json") for r in json.loads(f.read_text())["resources"]
                    if r["type"].startswith("aws:")})
    assert len(types) > 30
    for t in types:
        _, path, cls_name = t.split(":")
        module, _, name = path.partition("/")
        from_source = _taggable_from_source(module, name, cls_name)
        cls = getattr(importlib.import_module(f"pulumi_aws.{module}"), cls_name)
        assert from_source is not None, t
        assert from_source == isinstance(getattr(cls, "tags", None), property), t
    assert taggable("aws:s3/bucket:Bucket") and not taggable("aws:ec2/route:Route")
    assert not taggable("platform:space:Network") and not taggable("aws:nosuch/thing:Thing")
    assert _taggable_from_source("nosuch", "thing", "Thing") is None
