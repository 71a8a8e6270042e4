# Cross-compiles for arm64 with Debian's g++-aarch64-linux-gnu against the multiarch arm64
# packages (libhwy-dev:arm64, libgtest-dev:arm64); tests run under qemu-user.
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(METERDSP_CROSS_TRIPLE aarch64-linux-gnu)
set(METERDSP_CROSS_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
