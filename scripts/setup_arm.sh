#!/usr/bin/env bash
# Installs the Arm cross toolchains (idempotent): arm64 (aarch64) and 32-bit armhf (armv7-a,
# hard float) with Debian's Highway / GoogleTest for each (multiarch) and qemu-user; cortex-m:
# the bare-metal arm-none-eabi GCC with newlib and the C++ headers, and qemu-system-arm (the
# MPS2 boards). Arguments: what to set up (default: arm64 armhf cortex-m).
set -euo pipefail
source "$(dirname "$0")/lib/apt.sh"
archs=("$@")
((${#archs[@]})) || archs=(arm64 armhf cortex-m)
packages=()
for a in "${archs[@]}"; do
  case "$a" in
    arm64) packages+=(qemu-user g++-aarch64-linux-gnu) ;;
    armhf) packages+=(qemu-user g++-arm-linux-gnueabihf) ;;
    cortex-m)
      packages+=(gcc-arm-none-eabi libstdc++-arm-none-eabi-dev libnewlib-arm-none-eabi qemu-system-arm)
      continue ;;
    *) echo "setup_arm.sh: unknown target '$a' (arm64, armhf or cortex-m)" >&2; exit 2 ;;
  esac
  dpkg --print-foreign-architectures | grep -qx "$a" || $apt_sudo dpkg --add-architecture "$a"
  packages+=("libhwy-dev:$a" "libgtest-dev:$a")
done
apt_install_missing "${packages[@]}"
