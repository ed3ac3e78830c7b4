import json
import os
import time

from app import worker
from app.worker import Message


class FakeQueue:
    def __init__(self, bodies):
        self.waiting = [Message(str(i), body, f"r{i}") for i, body in enumerate(bodies)]
        self.deleted = []

    def receive(self, max_messages, wait_seconds):
        batch, self.waiting = self.waiting[:max_messages], self.waiting[max_messages:]
        return batch

    def delete(self, message):
        self.deleted.append(message.id)


def test_handled_messages_are_deleted():
    queue = FakeQueue([json.dumps({"id": "a"}), json.dumps({"id": "b"})])
    seen = []
    assert worker.run_once(queue, seen.append, wait_seconds=0) == (2, 0)
    assert [p["id"] for p in seen] == ["a", "b"]
    assert queue.deleted == ["0", "1"]


def test_failed_messages_stay_on_the_queue():
    def handler(payload):
        if payload["id"] == "bad":
            raise ValueError("cannot handle")

    queue = FakeQueue([json.dumps({"id": "bad"}), "not json", json.dumps({"id": "ok"})])
    assert worker.run_once(queue, handler, wait_seconds=0) == (1, 2)
    assert queue.deleted == ["2"]


def test_run_polls_until_stopped_and_beats(tmp_path, monkeypatch):
    beat = tmp_path / "heartbeat"
    monkeypatch.setattr(worker, "HEARTBEAT_FILE", beat)
    monkeypatch.setattr(worker.heartbeat, "__defaults__", (beat,))
    polls = iter([False, False, True])
    queue = FakeQueue([json.dumps({"id": "x"})])
    worker.run(queue, lambda: next(polls), handler=lambda payload: None)
    assert queue.deleted == ["0"]
    assert worker.healthy(beat)


def test_stale_heartbeat_is_unhealthy(tmp_path):
    beat = tmp_path / "heartbeat"
    assert not worker.healthy(beat)
    beat.touch()
    old = time.time() - 600
    os.utime(beat, (old, old))
    assert not worker.healthy(beat)


def test_queue_binding_name_defaults_to_the_generated_one():
    assert worker.QUEUE_BINDING == "{{ cookiecutter.queue_binding }}"
