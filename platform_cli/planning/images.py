"""Image references (pure): the service image a unit deploys, and the Python base image of generated repositories.

A service's release may carry the digest of the image its pipeline pushed: ``VERSION@sha256:DIGEST`` (``platform
service deploy --version V --image-digest sha256:...``). The unit then runs ``REPO@sha256:DIGEST``, exactly what was
pushed, whatever later happens to the tag; without a digest it runs ``REPO:SERVICE-VERSION``, which a protected
environment refuses.

``ci.images.python`` (platform.yaml) is the Dockerfile's base image and the image of GitLab's test jobs; a template's
``python_version`` is what GitHub's test jobs set up. They must name the same minor version, read from the image's tag
(``python:3.12.8-slim-bookworm@sha256:...`` is 3.12). A reference with a digest and no tag names no version: it is
refused where the two are compared, since nothing then says which Python the digest is.
"""

from __future__ import annotations

import re

DIGEST = r"sha256:[0-9a-f]{64}"
DIGEST_RE = re.compile(DIGEST)  # matched whole (fullmatch): "$" would let a trailing newline through
_MINOR = re.compile(r"^(\d+)\.(\d+)(?:$|[.\-_a-z])")
IMAGES_FIELD = "ci.images.python"


def split_release(release: str) -> tuple[str, str | None]:
    """(version, digest or None) of a release ``VERSION`` or ``VERSION@sha256:DIGEST``."""
    version, sep, digest = release.partition("@")
    return version, (digest if sep else None)


def with_digest(version: str, digest: str | None) -> str:
    """The release recorded for VERSION deployed as DIGEST; ValueError naming what a digest must be."""
    if digest is None:
        return version
    if not DIGEST_RE.fullmatch(digest):
        raise ValueError(f"{digest!r} is not an image digest: expected sha256: and 64 lowercase hex digits")
    return f"{version}@{digest}"


def service_image_ref(repository: str, service: str, release: str, *, own_repository: bool) -> str:
    """The image reference a unit's task definition names. REPOSITORY is the space's ECR repository URL (tag
    ``SERVICE-VERSION``) or, with ``own_repository``, service.yaml's ``image.repository`` (tag ``VERSION``); a release
    with a digest names the digest instead of the tag."""
    version, digest = split_release(release)
    if digest:
        return f"{repository}@{digest}"
    return f"{repository}:{version}" if own_repository else f"{repository}:{service}-{version}"


def digest_problem(release: str, *, protected: bool, env: str) -> str | None:
    """Why RELEASE cannot be deployed to ENV, or None: a digest must be well formed, and a protected environment
    runs images by digest only."""
    version, digest = split_release(release)
    if digest is not None and not DIGEST_RE.fullmatch(digest):
        return f"--image-digest {digest!r}: expected sha256: and 64 lowercase hex digits"
    if protected and digest is None:
        return (f"--image-digest is required: environment {env} is protected and runs images by digest only "
                f"(REPO@sha256:...), not by the tag of release {version}")
    return None


def image_tag(reference: str) -> str | None:
    """The tag of IMAGE[:TAG][@sha256:DIGEST], or None (a registry's port is not a tag)."""
    name = reference.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def python_minor(reference: str) -> str | None:
    """The MAJOR.MINOR Python version an image's tag names (``3.12.8-slim`` -> 3.12), or None."""
    tag = image_tag(reference)
    m = _MINOR.match(tag or "")
    return f"{int(m.group(1))}.{int(m.group(2))}" if m else None


def python_image_problem(image: str, python_version: str, template: str) -> str | None:
    """Why platform.yaml's ``ci.images.python`` IMAGE and TEMPLATE's ``python_version`` disagree, or None."""
    wanted = re.fullmatch(r"(\d+)\.(\d+)", str(python_version).strip())
    if wanted is None:
        return (f"template {template}: python_version {python_version!r} is not MAJOR.MINOR, so it cannot be "
                f"checked against platform.yaml {IMAGES_FIELD}")
    minor = f"{int(wanted.group(1))}.{int(wanted.group(2))}"
    found = python_minor(image)
    if image_tag(image) is None:
        return (f"platform.yaml: {IMAGES_FIELD}: {image!r} has no tag, so nothing says which Python its digest is; "
                f"template {template} has python_version {minor}: write the tag with the digest "
                f"(python:{minor}-slim@sha256:DIGEST)")
    if found is None:
        return (f"platform.yaml: {IMAGES_FIELD}: the tag of {image!r} names no Python version (expected "
                f"{minor}[.PATCH][-VARIANT]); template {template} has python_version {minor}")
    if found != minor:
        return (f"platform.yaml: {IMAGES_FIELD}: {image!r} is Python {found}, but template {template} has "
                f"python_version {minor}: the service image and CI's tests would run different Pythons")
    return None


def require_digests(releases: dict[str, str], *, protected: bool, env: str) -> None:
    """Refuse RELEASES (unit -> release) that cannot be deployed to ENV (:func:`digest_problem`), naming the units;
    nothing has been recorded when this raises."""
    from ..errors import UsageError

    problems = {unit: p for unit, release in releases.items() if (p := digest_problem(release, protected=protected, env=env))}
    if problems:
        units = ", ".join(sorted(problems))
        raise UsageError(f"{next(iter(problems.values()))} ({units}); nothing was recorded",
                         hint="deploy with `platform service deploy DIR --env ENV --version V --image-digest sha256:...`, "
                              "the digest the pipeline's push printed (.platform/push_image.sh)")
