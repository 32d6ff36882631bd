#!/usr/bin/env bash
# A Debian bookworm base image made without any container registry: debootstrap (minbase) into
# a temp folder, then `docker import`.
#   sut/images/base/build.sh TAG [MIRROR]
# MIRROR defaults to the first Debian mirror in this host's apt sources, else deb.debian.org.
# Needs root (debootstrap) and a Docker engine; installs Debian's debootstrap when missing.
# The host's own extra CA certificates (/usr/local/share/ca-certificates, e.g. a proxy's) are
# trusted inside too, and pip, npm and Node read the system bundle: builds on this image reach
# the package registries as the host does.
set -euo pipefail
tag=${1:?usage: build.sh TAG [MIRROR]}
mirror=${2:-}
if [ -z "$mirror" ]; then
  mirror=$(grep -rhoE '^(URIs:|deb)[[:space:]]+(\[[^]]*\][[:space:]]+)?https?://[^[:space:]]+/debian/?([[:space:]]|$)' \
    /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | grep -oE 'https?://[^[:space:]]+' | head -n 1 || true)
  mirror=${mirror:-http://deb.debian.org/debian}
fi
if ! command -v debootstrap >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "error: debootstrap is missing: as root run apt-get install -y debootstrap" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi
root=$(mktemp -d /tmp/vdb-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "$mirror" >"$root.log" 2>&1 ||
  { tail -n 5 "$root.log" >&2; rm -f "$root.log"; exit 1; }
rm -f "$root.log"
# Small and reproducible-ish: no apt lists or caches in the image (builds on it run apt-get update).
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null 2>&1
fi
printf 'deb %s bookworm main\n' "$mirror" >"$root/etc/apt/sources.list"
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$root/etc/apt/apt.conf.d/90vdb-no-recommends"
tar -C "$root" --numeric-owner -c . |
  docker import --change 'CMD ["bash"]' --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    --message "vdb-readiness base: debootstrap minbase bookworm from $mirror" - "$tag" >/dev/null
echo "$tag"
