#!/usr/bin/env bash
# Installs what meterdsp needs from Debian's packages, only what is missing (idempotent).
set -euo pipefail
packages=(cmake ninja-build g++ libhwy-dev libgtest-dev libbenchmark-dev pybind11-dev
          python3 python3-dev python3-numpy python3-pytest python3-matplotlib
          python3-pandas python3-dask python3-distributed python3-nbclient python3-nbformat
          python3-ipykernel python3-setuptools python3-pip python3-venv
          pkg-config libmodbus-dev python3-pymodbus mbpoll clang libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
