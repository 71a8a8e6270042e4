#!/usr/bin/env bash
# Installs the Arm cross toolchains — arm64 (aarch64) and 32-bit armhf (armv7-a, hard float) —
# Debian's Highway / GoogleTest for both (multiarch) and qemu-user (idempotent). Arguments:
# the architectures to set up (default: arm64 armhf).
set -euo pipefail
source "$(dirname "$0")/lib/apt.sh"
archs=("$@")
((${#archs[@]})) || archs=(arm64 armhf)
packages=(qemu-user)
for a in "${archs[@]}"; do
  case "$a" in
    arm64) packages+=(g++-aarch64-linux-gnu) ;;
    armhf) packages+=(g++-arm-linux-gnueabihf) ;;
    *) echo "setup_arm.sh: unknown architecture '$a' (arm64 or armhf)" >&2; exit 2 ;;
  esac
  dpkg --print-foreign-architectures | grep -qx "$a" || $apt_sudo dpkg --add-architecture "$a"
  packages+=("libhwy-dev:$a" "libgtest-dev:$a")
done
apt_install_missing "${packages[@]}"
