"""A workspace's own template with a broken cookiecutter.json or template.yaml is a spec error
naming the file: `template show|list` and `service new --template` exit 3, without a traceback."""

from __future__ import annotations

import shutil

import pytest

from platform_cli.catalog import data_root

GOOD_META = "name: broken\nversion: 1.0.0\nkind: web\ndescription: A template.\nci: [github]\n"

BROKEN = {
    "cookiecutter-not-json": ("cookiecutter.json", '{"service_name": "x",', "not valid JSON"),
    "cookiecutter-a-list": ("cookiecutter.json", '["service_name"]', "expected a JSON object"),
    "cookiecutter-not-utf8": ("cookiecutter.json", b'{"name": "\xff\xfe"}', "UTF-8"),
    "meta-not-yaml": ("template.yaml", "name: broken\nversion: [1.0\n", "not valid YAML"),
    "meta-bad-version": ("template.yaml", GOOD_META.replace("1.0.0", "one"), "template.yaml: version:"),
    "meta-unknown-key": ("template.yaml", GOOD_META + "colour: blue\n", "template.yaml: colour: unknown key"),
    "meta-a-list": ("template.yaml", "- name: broken\n", "expected a mapping"),
}


@pytest.fixture
def broken_template(payments, request):
    """Template `broken` in the workspace's service_templates/, one file broken as the case says."""
    file, content, expected = BROKEN[request.param]
    folder = payments.root / "service_templates" / "broken"
    shutil.copytree(data_root("service_templates") / "python-web", folder)
    (folder / "template.yaml").write_text(GOOD_META)
    if isinstance(content, bytes):
        (folder / file).write_bytes(content)
    else:
        (folder / file).write_text(content)
    return folder / file, expected


def _assert_spec_error(r, file, expected):
    assert r.exit_code == 3, (r.exit_code, r.stderr)
    assert str(file) in r.stderr and expected in r.stderr, r.stderr
    assert "Traceback" not in r.stdout + r.stderr


@pytest.mark.parametrize("broken_template", sorted(BROKEN), indirect=True)
def test_template_show_of_a_broken_template(payments, broken_template, run_cli):
    file, expected = broken_template
    r = run_cli("-w", str(payments.root), "template", "show", "broken")
    _assert_spec_error(r, file, expected)
    assert r.stdout == ""


@pytest.mark.parametrize("broken_template", sorted(BROKEN), indirect=True)
def test_service_new_from_a_broken_template(payments, broken_template, run_cli, tmp_path):
    file, expected = broken_template
    r = run_cli("-w", str(payments.root), "service", "new", "orders", "--space", "payments",
                "--template", "broken", "--output-dir", str(tmp_path / "out"))
    _assert_spec_error(r, file, expected)
    assert not (tmp_path / "out" / "orders").exists()


@pytest.mark.parametrize("broken_template", ["cookiecutter-not-json", "meta-bad-version"], indirect=True)
def test_template_list_names_the_broken_file(payments, broken_template, run_cli):
    file, expected = broken_template
    r = run_cli("-w", str(payments.root), "template", "list")
    _assert_spec_error(r, file, expected)


def test_a_sound_workspace_template_is_listed_and_shown(payments, run_cli):
    folder = payments.root / "service_templates" / "house-web"
    shutil.copytree(data_root("service_templates") / "python-web", folder)
    (folder / "template.yaml").write_text(GOOD_META.replace("broken", "house-web"))
    r = run_cli("-w", str(payments.root), "template", "show", "house-web")
    assert r.exit_code == 0, r.stderr
    assert "version:     1.0.0" in r.stdout and "service_name" in r.stdout
