"""Keep the CI/CD files of the chosen provider only; no preview workflow without an unprotected environment."""

import shutil
from pathlib import Path

CI = "{{ cookiecutter.ci }}"
PREVIEWS = {{ "True" if (cookiecutter.environments.values() | rejectattr("protected") | list) else "False" }}

if CI == "github":
    Path(".gitlab-ci.yml").unlink()
    if not PREVIEWS:
        Path(".github/workflows/preview.yml").unlink()
else:
    shutil.rmtree(".github")
