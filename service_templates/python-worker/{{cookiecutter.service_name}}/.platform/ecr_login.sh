#!/bin/sh
# Logs the Docker CLI of a GitLab build job in to the space's ECR registry $ECR_REGISTRY ($REGION), with nothing installed
# in the job itself: the ECR password comes from boto3 in a container of $IMAGE_PYTHON (pinned by digest) on
# the job's Docker daemon, installed there from the workspace's hash-pinned requirements of the platform CLI
# (pip install --require-hashes), assuming $AWS_ROLE_ARN with the job's OIDC token ($AWS_ID_TOKEN).
set -eu

requirements="${PLATFORM_WORKSPACE:?}/${PLATFORM_CLI_REQUIREMENTS:?}"
[ -f "$requirements" ] || { echo "error: $requirements not found (see README.md)" >&2; exit 1; }
registry="${ECR_REGISTRY:?}"  # ACCOUNT.dkr.ecr.REGION.DOMAIN of the environment's own account
index="${PLATFORM_CLI_INDEX_URL:-}"
docker run --rm -i --env AWS_ID_TOKEN --env AWS_ROLE_ARN --env AWS_ROLE_SESSION_NAME --env REGION \
  --env INDEX="$index" --entrypoint sh "${IMAGE_PYTHON:?}" -c '
    set -eu
    cat > /tmp/requirements.txt
    printf "%s" "$AWS_ID_TOKEN" > /tmp/token
    if [ -n "$INDEX" ]; then set -- --index-url "$INDEX"; else set --; fi
    python -m pip install --quiet --no-input --require-hashes "$@" --requirement /tmp/requirements.txt >&2
    AWS_WEB_IDENTITY_TOKEN_FILE=/tmp/token python -c "
import base64, os, boto3
token = boto3.client(\"ecr\", region_name=os.environ[\"REGION\"]).get_authorization_token()
print(base64.b64decode(token[\"authorizationData\"][0][\"authorizationToken\"]).decode().split(\":\", 1)[1])"
  ' < "$requirements" | docker login --username AWS --password-stdin "$registry"
