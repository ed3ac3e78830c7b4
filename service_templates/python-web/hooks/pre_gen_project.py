"""Refuse answers that would generate a repository the platform cannot deploy."""

import re
import sys

DNS_NAME = r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])$"

answers = {
    "service_name": "{{ cookiecutter.service_name }}",
    "team": "{{ cookiecutter.team }}",
}
problems = [
    f"{key} {value!r} is not DNS-safe: expected 2-32 lowercase letters, digits and hyphens"
    for key, value in answers.items()
    if not re.match(DNS_NAME, value)
]
if "{{ cookiecutter.ci }}" not in ("github", "gitlab"):
    problems.append("ci must be github or gitlab")
if problems:
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    sys.exit(1)
