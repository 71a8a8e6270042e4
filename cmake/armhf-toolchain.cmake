# Cross-compiles for 32-bit Arm (armv7-a, NEON, hard float: Cortex-A7/A9 class) with Debian's
# g++-arm-linux-gnueabihf against the multiarch armhf packages (libhwy-dev:armhf,
# libgtest-dev:armhf); tests run under qemu-user.
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(METERDSP_CROSS_TRIPLE arm-linux-gnueabihf)
set(METERDSP_CROSS_QEMU qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
# Debian's armhf baseline has no NEON (VFPv3-D16); Cortex-A7/A9-class parts have NEON-VFPv4.
# Highway needs __fp16 on armv7 (-mfp16-format=ieee, as its own build uses).
set(armv7_flags "-march=armv7-a -mfpu=neon-vfpv4 -mfloat-abi=hard -mfp16-format=ieee")
set(CMAKE_C_FLAGS_INIT "${armv7_flags}")
# -Wno-psabi: GCC's note that passing some std::vector iterators changed ABI in GCC 7.1 (all of
# this is built by one compiler).
set(CMAKE_CXX_FLAGS_INIT "${armv7_flags} -Wno-psabi")
