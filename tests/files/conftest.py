"""Fixtures of the hostile-file tests: the workspace of :mod:`tests.files.hostile`, built once per
module (``base``; a module may override it with more in it) and copied for each test (``ws``)."""

from __future__ import annotations

import pytest

from tests.files.hostile import build, copy


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return build(tmp_path_factory.mktemp("hostile-base"))


@pytest.fixture
def ws(base, tmp_path):
    return copy(base, tmp_path / "ws")
