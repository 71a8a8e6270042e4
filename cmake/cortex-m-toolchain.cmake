# Cross-compiles for a bare-metal Cortex-M with Debian's arm-none-eabi GCC and newlib: no OS, no
# C++ standard library linked (the core needs none of its compiled parts), one static SIMD
# target (HWY_COMPILE_ONLY_STATIC: Highway's SCALAR, from its headers alone, no libhwy).
# METERDSP_CORTEX_M selects the core and the QEMU board the tests run on, printing through
# semihosting (newlib's rdimon), started by examples/bare-metal/mps2_startup.c:
#   m7 (default): Cortex-M7 with a double-precision FPU (STM32H7/F7 class), MPS2 AN500;
#   m4: Cortex-M4F, single-precision FPU — double arithmetic in software (STM32F4/G4 class), MPS2 AN386.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES METERDSP_CORTEX_M)
if(NOT METERDSP_CORTEX_M)
  set(METERDSP_CORTEX_M m7)
endif()
if(METERDSP_CORTEX_M STREQUAL "m7")
  set(CMAKE_SYSTEM_PROCESSOR cortex-m7)
  set(cpu_flags "-mcpu=cortex-m7 -mfpu=fpv5-d16")
  set(board mps2-an500)
elseif(METERDSP_CORTEX_M STREQUAL "m4")
  set(CMAKE_SYSTEM_PROCESSOR cortex-m4)
  set(cpu_flags "-mcpu=cortex-m4 -mfpu=fpv4-sp-d16")
  set(board mps2-an386)
else()
  message(FATAL_ERROR "METERDSP_CORTEX_M must be m7 or m4, not '${METERDSP_CORTEX_M}'")
endif()
set(cpu_flags "${cpu_flags} -mthumb -mfloat-abi=hard -mfp16-format=ieee")
set(CMAKE_C_FLAGS_INIT "${cpu_flags}")
set(CMAKE_CXX_FLAGS_INIT "${cpu_flags} -fno-exceptions -fno-rtti -fno-threadsafe-statics -DHWY_COMPILE_ONLY_STATIC=1")
set(CMAKE_EXE_LINKER_FLAGS_INIT "--specs=rdimon.specs")
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-system-arm;-M;${board};-nographic;-semihosting;-kernel)
