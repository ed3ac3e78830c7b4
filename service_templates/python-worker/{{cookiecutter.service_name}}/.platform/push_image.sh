#!/bin/sh
# Pushes IMAGE (REGISTRY/REPOSITORY:TAG, built already) and prints the digest the registry gave it (sha256:...):
# the deploy runs REPOSITORY@DIGEST, exactly what was pushed here, whatever later happens to the tag.
# Fails when the registry reports no digest for the repository.
set -eu

image="${1:?usage: push_image.sh REGISTRY/REPOSITORY:TAG}"
repository="${image%:*}"
docker push "$image" >&2
digest="$(docker image inspect --format '{% raw %}{{range .RepoDigests}}{{println .}}{{end}}{% endraw %}' "$image" |
  awk -v prefix="$repository@" 'index($0, prefix) == 1 { print substr($0, length(prefix) + 1); exit }')"
if ! printf '%s\n' "$digest" | grep -Eq '^sha256:[0-9a-f]{64}$'; then
  echo "error: the registry gave no digest of $repository for $image" >&2
  exit 1
fi
printf '%s\n' "$digest"
