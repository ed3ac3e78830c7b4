import pytest

from app import bindings


def test_env_names_are_upper_cased_with_underscores():
    assert bindings.env_name("orders-db", "password") == "BINDING_ORDERS_DB_PASSWORD"


def test_reads_a_binding_from_environment_variables():
    environ = {
        "BINDING_ORDERS_DB_TYPE": "postgresql",
        "BINDING_ORDERS_DB_HOST": "db.internal",
        "BINDING_ORDERS_DB_PORT": "5432",
        "BINDING_ORDERS_DB_READ_HOST": "another binding's key",
    }
    assert bindings.binding("orders-db", environ) == {
        "type": "postgresql",
        "host": "db.internal",
        "port": "5432",
    }


def test_files_under_service_binding_root_win(tmp_path):
    folder = tmp_path / "orders-db"
    folder.mkdir()
    (folder / "type").write_text("postgresql\n")
    (folder / "password").write_text("from-a-file")
    environ = {"SERVICE_BINDING_ROOT": str(tmp_path), "BINDING_ORDERS_DB_TYPE": "ignored"}
    assert bindings.binding("orders-db", environ) == {"type": "postgresql", "password": "from-a-file"}
    assert bindings.names(environ) == ["orders-db"]


def test_missing_binding_is_a_clear_error():
    with pytest.raises(bindings.BindingNotFoundError, match="BINDING_CACHE_TYPE"):
        bindings.binding("cache", {})


def test_of_type_selects_bindings_by_type():
    environ = {"BINDING_JOBS_TYPE": "sqs", "BINDING_JOBS_URL": "https://sqs", "BINDING_DB_TYPE": "postgresql"}
    assert list(bindings.of_type("sqs", environ)) == ["jobs"]
