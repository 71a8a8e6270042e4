/* The little a board support package gives a bare-metal program before main(), here for QEMU's
 * MPS2 boards AN500 (Cortex-M7) and AN386 (Cortex-M4), 4 MB of SRAM at 0: the vector table at address 0 (initial stack
 * pointer at the top of that SRAM, the reset handler), and a reset handler that turns the FPU
 * on — code built with -mfloat-abi=hard faults on its first float instruction otherwise — and
 * enters newlib's start-up (_start: C runtime set-up, main, exit through semihosting, whose
 * status QEMU returns). Linked with -Wl,--section-start=.vectors=0 (CMakeLists.txt). */
#include <stdint.h>

extern void _start(void);

static void Fault(void) {
  for (;;) {
  }
}

static void Reset(void) {
  *(volatile uint32_t*)0xE000ED88u |= 0xFu << 20; /* CPACR: CP10 and CP11 full access */
  __asm volatile("dsb\n\tisb");
  _start();
}

typedef void (*Handler)(void);
__attribute__((section(".vectors"), used)) const Handler kVectors[16] = {
    (Handler)0x00400000u, /* initial SP: the top of the 4 MB SRAM */
    Reset, Fault, Fault, Fault, Fault, Fault, 0, 0, 0, 0, Fault, Fault, 0, Fault, Fault};
