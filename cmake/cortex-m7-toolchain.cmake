# Cross-compiles for a bare-metal Cortex-M7 with a double-precision FPU (STM32H7/F7 class) with
# Debian's arm-none-eabi GCC and newlib: no OS, no C++ standard library (the core needs none of
# its compiled parts), one static SIMD target (HWY_COMPILE_ONLY_STATIC: Highway's headers only,
# no libhwy). Programs print through semihosting (newlib's rdimon) and run under QEMU's MPS2
# AN500 board (a Cortex-M7), started by examples/bare-metal/mps2_an500_startup.c.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR cortex-m7)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(METERDSP_CPU_FLAGS "-mcpu=cortex-m7 -mthumb -mfpu=fpv5-d16 -mfloat-abi=hard -mfp16-format=ieee")
set(CMAKE_C_FLAGS_INIT "${METERDSP_CPU_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT
    "${METERDSP_CPU_FLAGS} -fno-exceptions -fno-rtti -fno-threadsafe-statics -DHWY_COMPILE_ONLY_STATIC=1")
set(CMAKE_EXE_LINKER_FLAGS_INIT "--specs=rdimon.specs")
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-system-arm;-M;mps2-an500;-nographic;-semihosting;-kernel)
