#!/usr/bin/env bash
# Installs the given Debian packages (as root, or through sudo), non-interactively. Used by the other
# scripts and by .ci/run; callers decide *whether* a package is missing.
set -euo pipefail
[ $# -gt 0 ] || exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "Need root (or sudo) to install: $*" >&2; exit 1; }
  SUDO="sudo"
fi
echo "== installing Debian packages: $*"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
