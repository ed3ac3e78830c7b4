"""service bind|unbind change service.yaml and catalog-info.yaml together or not at all."""

from __future__ import annotations

import pytest
import yaml

from platform_cli.service_repo import new_service
from platform_cli.services.bindings import bind

BROKEN_CATALOGS = {
    "invalid-yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: [oops\n",
    "resource-metadata-scalar": ("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: orders\n"
                                 "spec:\n  type: service\n---\napiVersion: backstage.io/v1alpha1\nkind: Resource\n"
                                 "metadata: x\n"),
    "component-spec-scalar": "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: orders\nspec: x\n",
    "depends-on-scalar": ("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: orders\n"
                          "spec:\n  dependsOn: resource:other\n"),
    "document-a-list": "- a\n- b\n",
    "duplicate-key": "apiVersion: backstage.io/v1alpha1\nkind: Component\nkind: Component\nmetadata:\n  name: x\n",
}


@pytest.fixture
def svc(payments, tmp_path):
    return new_service(payments, "orders", "payments", output_dir=tmp_path / "repos").path


@pytest.mark.parametrize("case", sorted(BROKEN_CATALOGS))
def test_bind_with_a_broken_catalog_changes_nothing(payments, svc, run_cli, case):
    (svc / "catalog-info.yaml").write_text(BROKEN_CATALOGS[case])
    before = (svc / "service.yaml").read_bytes()
    r = run_cli("-w", str(payments.root), "service", "bind", str(svc), "--offering", "postgres", "--plan", "dev",
                "--name", "db")
    assert r.exit_code == 3, r.stderr
    assert "catalog-info.yaml" in r.stderr and "Traceback" not in r.stderr + r.stdout
    assert (svc / "service.yaml").read_bytes() == before
    assert (svc / "catalog-info.yaml").read_text() == BROKEN_CATALOGS[case]


def test_broken_catalog_error_names_the_field(payments, svc, run_cli):
    (svc / "catalog-info.yaml").write_text(BROKEN_CATALOGS["resource-metadata-scalar"])
    r = run_cli("-w", str(payments.root), "service", "bind", str(svc), "--offering", "postgres", "--plan", "dev")
    assert r.exit_code == 3 and "metadata" in r.stderr and "mapping" in r.stderr


@pytest.mark.parametrize("case", ["invalid-yaml", "resource-metadata-scalar"])
def test_unbind_with_a_broken_catalog_changes_nothing(payments, svc, run_cli, case):
    bind(payments, svc, "postgres", "dev", "db")
    (svc / "catalog-info.yaml").write_text(BROKEN_CATALOGS[case])
    before = (svc / "service.yaml").read_bytes()
    r = run_cli("-w", str(payments.root), "service", "unbind", str(svc), "db", "--yes")
    assert r.exit_code == 3, r.stderr
    assert "catalog-info.yaml" in r.stderr and "Traceback" not in r.stderr + r.stdout
    assert (svc / "service.yaml").read_bytes() == before


def test_a_failed_catalog_write_restores_service_yaml(payments, svc, monkeypatch):
    import platform_cli.files.together as together

    real = together.write_text_atomic

    def failing(path, text, **kw):
        if path.name == "catalog-info.yaml":
            raise together.FileAccessError(f"{path}: cannot be written: No space left on device")
        return real(path, text, **kw)

    monkeypatch.setattr(together, "write_text_atomic", failing)
    before = {n: (svc / n).read_bytes() for n in ("service.yaml", "catalog-info.yaml")}
    with pytest.raises(Exception) as err:
        bind(payments, svc, "postgres", "dev", "db")
    assert "catalog-info.yaml" in str(err.value)
    assert {n: (svc / n).read_bytes() for n in before} == before
    assert "nothing was changed" in str(err.value)
    assert not list((payments.local_dir / "edits").glob("*")), "the intent record of a failed edit is removed"


def test_catalog_edit_keeps_comments_and_the_files_own_indentation(payments, svc):
    text = ("# our catalog entry\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n"
            "    name: orders   # the service\n    tags:\n    - python\nspec:\n    type: service\n"
            "    owner: group:payments\n    dependsOn: []\n---\n# a hand-written neighbour\n"
            "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n    name: orders-api\n")
    (svc / "catalog-info.yaml").write_text(text)
    bind(payments, svc, "postgres", "dev", "db")
    out = (svc / "catalog-info.yaml").read_text()
    assert "# our catalog entry" in out and "# the service" in out and "# a hand-written neighbour" in out
    assert "    dependsOn:\n    - resource:orders-db\n" in out
    docs = list(yaml.safe_load_all(out))
    assert [d["kind"] for d in docs] == ["Component", "API", "Resource"]
    from platform_cli.services.bindings import unbind

    unbind(payments, svc, "db")
    assert (svc / "catalog-info.yaml").read_text() == text


def test_one_yaml_round_trip_setup_in_the_codebase():
    from pathlib import Path

    import platform_cli

    root = Path(platform_cli.__file__).parent
    users = sorted(str(p.relative_to(root)) for p in root.rglob("*.py") if "YAML(typ" in p.read_text())
    assert users == ["yamlio.py"]
