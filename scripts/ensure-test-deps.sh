#!/usr/bin/env bash
# The real clients, the reference registry, the browser (chromium, for test/ui) and the load
# balancer of the scale-out tests (nginx, run by them as a child, never as a service),
# debootstrap (the container-image test builds the base images its Dockerfile names) and
# postgresql-15 for the binaries the dependency-fault test runs a throwaway cluster with (initdb,
# pg_ctl; the machine's own server is never touched) the tests drive, and iproute2 (a network
# namespace plays a client on another host), from Debian's packages.
# Installs only what is missing, so a machine that has them pays nothing.
set -euo pipefail
packages=(chromium skopeo podman buildah crun conmon containerd runc docker.io umoci docker-registry apache2-utils openssl curl nginx debootstrap postgresql-15 iproute2)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "tests need these Debian packages: ${missing[*]} (run as root, or install them: apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "installing test dependencies: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
