"""The health gate's status range and retries at their edges, and when the approval gate may ask."""

from __future__ import annotations

import io
import sys

import pytest

from platform_cli.rollout.gates import HealthGate, WaveContext, terminal_ask

UNIT = "service/payments/api/prod/eu-central-1"


class Answers:
    """A fake GET: answers the given statuses in turn (the last one repeats), remembers what it was asked."""

    def __init__(self, *statuses):
        self.statuses = list(statuses)
        self.asked: list[str] = []

    def __call__(self, url, timeout):
        self.asked.append(url)
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


def _check(get, *, attempts=3, url="https://api.example.dev/", path="/healthz"):
    sleeps: list[float] = []
    gate = HealthGate(path, attempts=attempts, delay=2.0, get=get, sleep=sleeps.append)
    return gate.check(WaveContext(wave=1, units=[UNIT], outputs={UNIT: {"url": url}})), sleeps


@pytest.mark.parametrize("status, ok", [(199, False), (200, True), (204, True), (299, True), (300, False),
                                        (404, False), (500, False), (0, False)])
def test_only_2xx_is_healthy(status, ok):
    result, _ = _check(Answers(status))
    assert result.ok is ok
    if not ok:
        assert f"answered {status or 'nothing'}" in result.detail


def test_every_attempt_is_made_with_a_pause_between_not_after():
    get = Answers(503)
    result, sleeps = _check(get, attempts=4)
    assert not result.ok
    assert len(get.asked) == 4 and sleeps == [2.0, 2.0, 2.0]


def test_healthy_on_the_last_attempt_passes():
    get = Answers(503, 503, 200)
    result, sleeps = _check(get, attempts=3)
    assert result.ok and len(get.asked) == 3 and sleeps == [2.0, 2.0]


def test_healthy_at_once_needs_no_retry():
    get = Answers(200)
    result, sleeps = _check(get, attempts=5)
    assert result.ok and len(get.asked) == 1 and sleeps == []


def test_the_url_and_path_join_with_one_slash():
    get = Answers(200)
    _check(get, url="https://api.example.dev/", path="/healthz")
    _check(get, url="https://api.example.dev", path="/healthz")
    assert get.asked == ["https://api.example.dev/healthz"] * 2


@pytest.mark.parametrize("url", [None, "", "ftp://x", "api.example.dev"])
def test_units_without_an_http_url_are_not_checked(url):
    get = Answers(500)
    result, _ = _check(get, url=url)
    assert result.ok and get.asked == [] and "no URL output" in result.detail


class _Stream(io.StringIO):
    def __init__(self, tty):
        super().__init__()
        self._tty = tty

    def isatty(self):
        return self._tty


@pytest.mark.parametrize("stdin_tty, stderr_tty", [(False, False), (True, False), (False, True)])
def test_approval_is_asked_only_with_a_terminal_on_both_ends(monkeypatch, stdin_tty, stderr_tty):
    monkeypatch.setattr(sys, "stdin", _Stream(stdin_tty))
    monkeypatch.setattr(sys, "stderr", _Stream(stderr_tty))
    assert terminal_ask("approve wave 2?") is None
