"""Keep the CI/CD files of the chosen provider only."""

import shutil
from pathlib import Path

CI = "{{ cookiecutter.ci }}"

if CI == "github":
    Path(".gitlab-ci.yml").unlink()
else:
    shutil.rmtree(".github")
