#!/bin/sh
# Installs the Pulumi CLI $PULUMI_VERSION from its release archive into $HOME/.pulumi/bin, after checking the
# archive's SHA-256 against the checksums the release publishes (pulumi-VERSION-checksums.txt) and, when the
# workspace pins it (platform.yaml ci.pulumi_sha256, variable PULUMI_SHA256), against that value too.
# Nothing is run before the check; nothing is piped into a shell.
set -eu

version="${PULUMI_VERSION:?set PULUMI_VERSION}"
releases="${PULUMI_RELEASES_URL:-https://github.com/pulumi/pulumi/releases/download}"  # or a mirror of it
archive="pulumi-v${version}-linux-x64.tar.gz"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fetch() {
  curl --fail --silent --show-error --location --retry 3 --proto '=https' --tlsv1.2 --output "$2" "$1"
}
case "$releases" in
  https://*) ;;
  file://*) fetch() { curl --fail --silent --show-error --output "$2" "$1"; } ;;  # a local mirror of the releases
  *) echo "error: PULUMI_RELEASES_URL must be https:// (or file:// for a local mirror)" >&2; exit 1 ;;
esac
fetch "$releases/v${version}/${archive}" "$work/$archive"
fetch "$releases/v${version}/pulumi-${version}-checksums.txt" "$work/checksums.txt"

published="$(awk -v name="$archive" '$2 == name { print $1 }' "$work/checksums.txt")"
case "$published" in
  ????????????????????????????????????????????????????????????????) ;;
  *) echo "error: the release publishes no SHA-256 for $archive" >&2; exit 1 ;;
esac
if [ -n "${PULUMI_SHA256:-}" ] && [ "$PULUMI_SHA256" != "$published" ]; then
  echo "error: the release's SHA-256 of $archive ($published) is not the one the workspace pins ($PULUMI_SHA256)" >&2
  exit 1
fi
(cd "$work" && printf '%s  %s\n' "$published" "$archive" | sha256sum -c -)

mkdir -p "$HOME/.pulumi/bin"
tar -xzf "$work/$archive" -C "$HOME/.pulumi/bin" --strip-components=1
if [ -n "${GITHUB_PATH:-}" ]; then
  echo "$HOME/.pulumi/bin" >> "$GITHUB_PATH"
fi
"$HOME/.pulumi/bin/pulumi" version
