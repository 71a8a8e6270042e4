#!/usr/bin/env bash
# Installs what meterdsp needs from Debian's packages, only what is missing (idempotent).
set -euo pipefail
source "$(dirname "$0")/lib/apt.sh"
apt_install_missing cmake ninja-build g++ libhwy-dev libgtest-dev libbenchmark-dev pybind11-dev \
  python3 python3-dev python3-numpy python3-pytest python3-matplotlib \
  python3-pandas python3-dask python3-distributed python3-nbclient python3-nbformat \
  python3-ipykernel python3-setuptools python3-pip python3-venv \
  pkg-config libmodbus-dev python3-pymodbus mbpoll clang libclang-rt-14-dev
