# Cross-compiles for 32-bit Arm (armv7-a, NEON, hard float: Cortex-A7/A9 class) with Debian's g++-arm-linux-gnueabihf against the multiarch armhf
# packages (libhwy-dev:armhf, libgtest-dev:armhf); tests run under qemu-user.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++)
set(CMAKE_LIBRARY_ARCHITECTURE arm-linux-gnueabihf)
set(CMAKE_FIND_ROOT_PATH /usr/arm-linux-gnueabihf)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm;-L;/usr/arm-linux-gnueabihf)
# Debian's armhf baseline has no NEON (VFPv3-D16); Cortex-A7/A9-class parts have NEON-VFPv4.
# Highway needs __fp16 on armv7 (-mfp16-format=ieee, as its own build uses).
set(CMAKE_C_FLAGS_INIT "-march=armv7-a -mfpu=neon-vfpv4 -mfloat-abi=hard -mfp16-format=ieee")
# -Wno-psabi: GCC's note that passing some std::vector iterators changed ABI in GCC 7.1 (all of
# this is built by one compiler).
set(CMAKE_CXX_FLAGS_INIT "-march=armv7-a -mfpu=neon-vfpv4 -mfloat-abi=hard -mfp16-format=ieee -Wno-psabi")
