#!/bin/sh
# Installs the platform CLI from the source the workspace pins (platform.yaml ci.platform_cli): the
# requirements file in the workspace repository ($PLATFORM_WORKSPACE/$PLATFORM_CLI_REQUIREMENTS), every
# package with its hash (pip install --require-hashes), from $PLATFORM_CLI_INDEX_URL when the workspace names
# a private index; with $PLATFORM_CLI_VCS (git+https://HOST/PATH@COMMIT) the CLI itself from that commit,
# without dependencies (the requirements file pins them).
set -eu

requirements="${PLATFORM_WORKSPACE:?set PLATFORM_WORKSPACE}/${PLATFORM_CLI_REQUIREMENTS:?set PLATFORM_CLI_REQUIREMENTS}"
if [ ! -f "$requirements" ]; then
  echo "error: $requirements not found: the workspace repository must pin the platform CLI there with hashes" >&2
  echo "  (pip-compile --generate-hashes; see the platform's README, 'Generated pipelines')" >&2
  exit 1
fi
if [ -n "${PLATFORM_CLI_INDEX_URL:-}" ]; then
  PIP_INDEX_URL="$PLATFORM_CLI_INDEX_URL"
  export PIP_INDEX_URL
fi
python -m pip install --require-hashes --no-input --requirement "$requirements"
if [ -n "${PLATFORM_CLI_VCS:-}" ]; then
  case "$PLATFORM_CLI_VCS" in
    git+https://*@????????????????????????????????????????|git+https://*@????????????????????????????????????????#*) ;;
    *) echo "error: PLATFORM_CLI_VCS must be git+https://HOST/PATH@COMMIT (40 hex digits)" >&2; exit 1 ;;
  esac
  python -m pip install --no-deps --no-input "$PLATFORM_CLI_VCS"  # pinned by its commit
fi
platform --version
