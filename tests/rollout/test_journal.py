"""The journal: append-only, durable, a torn last line tolerated, anything else reported."""

from __future__ import annotations

import json

import pytest

from platform_cli.errors import ConflictError, NotFoundError, SpecError, UsageError
from platform_cli.rollout.journal import Journal

SPEC = {"waves": [["space/t/e/eu-central-1"], ["space/t/e/eu-west-1", "space/t/e/us-east-1"]], "release": "standard@1"}


@pytest.fixture
def journal(tmp_path):
    j = Journal.create(tmp_path, "20250101T000000000-t-e-abcdef", SPEC, {"pid": 1})
    yield j
    j.close()


def test_state_is_the_fold_of_the_events(journal):
    journal.append("unit.started", unit="space/t/e/eu-central-1", wave=1)
    journal.append("unit.succeeded", unit="space/t/e/eu-central-1", wave=1, outputs={"vpc_id": "vpc-1"})
    journal.append("wave.passed", wave=1)
    journal.append("unit.started", unit="space/t/e/eu-west-1", wave=2)
    journal.append("unit.failed", unit="space/t/e/eu-west-1", wave=2, error="boom")
    journal.append("rollout.halted", reason="wave 2: boom")
    st = journal.state()
    assert st.status == "halted" and st.reason == "wave 2: boom"
    assert st.units["space/t/e/eu-central-1"].state == "succeeded"
    assert st.units["space/t/e/eu-central-1"].outputs == {"vpc_id": "vpc-1"}
    assert st.units["space/t/e/eu-west-1"].state == "failed" and st.units["space/t/e/eu-west-1"].error == "boom"
    assert st.units["space/t/e/us-east-1"].state == "pending"
    assert st.waves_passed == {1}
    assert st.landed() == ["space/t/e/eu-central-1", "space/t/e/eu-west-1"]


@pytest.mark.parametrize("tail", [b'{"ts":"x","event":"unit.succ', b'{"ts":"x","event":"unit.succeeded","unit":"space/t/e/eu-central-1"}'])
def test_torn_last_line_is_ignored_and_cut_before_the_next_append(journal, tail):
    journal.append("unit.started", unit="space/t/e/eu-central-1", wave=1)
    journal.close()
    with open(journal.path, "ab") as fh:
        fh.write(tail)  # no newline: the write never completed
    j = Journal(journal.path)
    assert j.state().units["space/t/e/eu-central-1"].state == "running"
    j.append("unit.succeeded", unit="space/t/e/eu-central-1", wave=1)
    j.close()
    lines = journal.path.read_bytes().split(b"\n")
    assert lines[-1] == b""
    events = [json.loads(line)["event"] for line in lines[:-1]]
    assert events == ["rollout.started", "unit.started", "unit.succeeded"]
    assert Journal(journal.path).state().units["space/t/e/eu-central-1"].state == "succeeded"


def test_a_broken_line_in_the_middle_is_an_error_naming_file_and_line(journal):
    journal.append("unit.started", unit="space/t/e/eu-central-1", wave=1)
    journal.close()
    with open(journal.path, "ab") as fh:
        fh.write(b"garbage\n")
        fh.write(b'{"ts":"x","event":"wave.passed","wave":1}\n')
    with pytest.raises(SpecError, match=r"\.jsonl:3: journal line is not valid JSON"):
        Journal(journal.path).state()


def test_every_record_is_on_disk_when_append_returns(journal):
    journal.append("unit.started", unit="space/t/e/eu-central-1", wave=1)
    # read through a separate handle while the journal stays open
    assert journal.path.read_bytes().count(b"\n") == 2


def test_unknown_or_malformed_ids(tmp_path):
    with pytest.raises(NotFoundError, match="does not exist"):
        Journal.open(tmp_path, "20250101T000000000-nope-000000")
    with pytest.raises(UsageError):
        Journal.open(tmp_path, "../../etc/passwd")


def test_ids_are_never_reused(tmp_path):
    Journal.create(tmp_path, "same", SPEC, {}).close()
    with pytest.raises(ConflictError):
        Journal.create(tmp_path, "same", SPEC, {})
