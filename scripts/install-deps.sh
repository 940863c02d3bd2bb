#!/usr/bin/env bash
# install-deps.sh - installs the Debian packages xlc needs to build and test.
# Called by both README commands and by .ci/run. Idempotent; uses sudo only when not root.
set -euo pipefail
pkgs=(build-essential cmake flex bison libcjson-dev libyaml-dev pkg-config libopenblas-dev python3 clang libmlir-19-dev mlir-19-tools llvm-19-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
