"""Every image a generated repository builds from or runs CI in is pinned to an exact release,
by digest or, where the tag alone is pinned, with the generated files saying how to pin the digest."""

from __future__ import annotations

import re

import pytest
import yaml

from ._support import CIS, TEMPLATES

DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
EXACT_TAG = re.compile(r"^[a-z0-9./-]+:\d+\.\d+\.\d+[A-Za-z0-9.-]*$")  # name:MAJOR.MINOR.PATCH[-variant]
INSPECT = "docker buildx imagetools inspect"


def _dockerfile_images(text: str) -> list[str]:
    return [line.split()[1] for line in text.splitlines() if line.startswith("FROM ")]


def _gitlab_images(doc) -> list[str]:
    found: list[str] = []

    def walk(node, key=None):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif key in ("image", "services") and isinstance(node, str):
            found.append(node)

    walk(doc)
    return found


def _check(image: str, text: str, where: str) -> None:
    if DIGEST.search(image):
        assert EXACT_TAG.match(image.split("@", 1)[0]), f"{where}: {image} has a digest but no exact tag"
        return
    assert EXACT_TAG.match(image), f"{where}: {image} is neither digest-pinned nor an exact release tag"
    assert INSPECT in text, f"{where}: {image} is pinned by tag only and the file does not say how to pin its digest"


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("ci", CIS)
def test_dockerfile_base_image_is_pinned_or_says_how(baked, template, ci):
    text = (baked[(template, ci)] / "Dockerfile").read_text()
    images = _dockerfile_images(text)
    assert images
    for image in images:
        _check(image, text, "Dockerfile")
        if not DIGEST.search(image):
            assert f"{INSPECT} {image}" in text, "the Dockerfile names the exact command for its own base image"


@pytest.mark.parametrize("template", TEMPLATES)
def test_gitlab_ci_images_are_pinned_or_say_how(baked, template):
    text = (baked[(template, "gitlab")] / ".gitlab-ci.yml").read_text()
    images = _gitlab_images(yaml.safe_load(text))
    assert {"python:3.12.8-slim-bookworm", "docker:27.4.1-cli"} <= {i.split("@")[0] for i in images}, images
    for image in images:
        _check(image, text, ".gitlab-ci.yml")


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("ci", CIS)
def test_readme_says_how_the_base_image_digest_is_pinned(baked, template, ci):
    project = baked[(template, ci)]
    readme = project / "README.md"
    images = _dockerfile_images((project / "Dockerfile").read_text())
    if all(DIGEST.search(i) for i in images):
        return
    text = readme.read_text()
    assert INSPECT in text and "@sha256:" in text
