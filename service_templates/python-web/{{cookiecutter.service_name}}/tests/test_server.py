import json
import threading
import urllib.error
import urllib.request

import pytest

from app.server import HEALTH_PATH, SERVICE_NAME, make_server


@pytest.fixture
def base_url():
    server = make_server("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def get(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, json.loads(response.read())


def test_health_endpoint_answers_ok(base_url):
    status, body = get(base_url + HEALTH_PATH)
    assert status == 200
    assert body == {"status": "ok"}


def test_root_names_the_service_and_its_bindings(base_url, monkeypatch):
    monkeypatch.setenv("BINDING_ORDERS_DB_TYPE", "postgresql")
    status, body = get(base_url + "/")
    assert status == 200
    assert body["service"] == SERVICE_NAME
    assert "orders-db" in body["bindings"]


def test_unknown_path_is_404(base_url):
    with pytest.raises(urllib.error.HTTPError) as err:
        get(base_url + "/nope")
    assert err.value.code == 404
