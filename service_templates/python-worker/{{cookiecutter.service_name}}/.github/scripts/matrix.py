"""Read a `platform rollout plan --matrix github` matrix on stdin; print it on one line with
each region's CI deploy role and ECR repository added (from $CI_ROLES and $ECR_REPOSITORIES)."""

import json
import os
import sys

roles = json.loads(os.environ["CI_ROLES"])
repositories = json.loads(os.environ["ECR_REPOSITORIES"])
matrix = json.load(sys.stdin)
for entry in matrix["include"]:
    region = entry["region"]
    if region not in roles:
        sys.exit(f"::error::region {region} has no CI deploy role in this workflow: regenerate it")
    entry["role"] = roles[region]
    entry["repository"] = repositories[region]
print(json.dumps(matrix, separators=(",", ":")))
