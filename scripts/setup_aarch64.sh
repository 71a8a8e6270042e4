#!/usr/bin/env bash
# Installs the arm64 cross toolchain, Debian's arm64 Highway / GoogleTest (multiarch) and
# qemu-user (idempotent).
set -euo pipefail
source "$(dirname "$0")/lib/apt.sh"
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  $apt_sudo dpkg --add-architecture arm64
fi
apt_install_missing g++-aarch64-linux-gnu qemu-user libhwy-dev:arm64 libgtest-dev:arm64
