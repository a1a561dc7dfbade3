#!/usr/bin/env bash
# Install what tests/e2e needs on a fresh Debian 12 machine, as root: a real OpenSSH sshd
# and podman (with runc and a static busybox to build a test image without any registry).
# The real Docker CLI (client only) is expected at /usr/local/bin/docker or on PATH.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "install-e2e.sh: run as root" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  openssh-server openssh-client podman runc busybox-static procps ca-certificates >/dev/null
mkdir -p -m0755 /run/sshd

if ! command -v docker >/dev/null 2>&1 && [ ! -x /usr/local/bin/docker ]; then
  echo "install-e2e.sh: note: no docker CLI found; the real-engine tests will skip" >&2
fi
echo "install-e2e.sh: $(podman --version), $(runc --version | head -n1), $(/usr/sbin/sshd -V 2>&1 | head -n1 || true)"
