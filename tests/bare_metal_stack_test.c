/* Stack depth of the C API's streaming and register calls on a bare-metal Cortex-M (the
 * cortex-m7 / cortex-m4 presets, under QEMU): the stack below the caller is painted, the call
 * made, and the untouched paint counted — as tests/stack_test.cc does on a thread stack of an
 * OS. Fails above the firmware budget of 8 KB for meterdsp_process_i16 (windows closing, energy,
 * demand, events) and for the register-map reads, and if a call fails or closes no window. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "c_test.h"
#include "meterdsp/meterdsp_c.h"

#define BLOCK 256
#define PAINT 32768          /* bytes painted below the caller: more than any budget */
#define BUDGET (8u * 1024u)  /* tests/stack_test.cc's budget for Process and register reads */

static unsigned char memory[1 << 20] __attribute__((aligned(64)));
static int16_t frames[BLOCK * NCH];
static uint16_t regs[700];
static meterdsp_meter* meter;
static int status;
static size_t windows;

static void ProcessBlock(void) { status = meterdsp_process_i16(meter, frames, BLOCK, &windows); }
static size_t sunspec_read;
/* The point map's per-channel block, then SunSpec 64 registers at a time up to its end. */
static void ReadRegisters(void) {
  status = meterdsp_read_point_map(meter, 0, 1000, 672, regs);
  for (sunspec_read = 0; status == MDSP_OK; sunspec_read += 64) {
    if (meterdsp_read_sunspec(meter, 40001 + (uint32_t)sunspec_read, 64, regs) != MDSP_OK) break;
  }
}

/* Deepest stack `call` used, in bytes below this function's frame. */
static __attribute__((noinline)) size_t StackOf(void (*call)(void)) {
  volatile uint8_t here = 0;
  volatile uint8_t* top = (volatile uint8_t*)((uintptr_t)&here - 64);
  volatile uint8_t* bottom = top - PAINT;
  for (volatile uint8_t* p = bottom; p < top; ++p) *p = 0xA5;
  call();
  volatile uint8_t* p = bottom;
  while (p < top && *p == 0xA5) ++p;
  return (size_t)(top - p);
}

int main(void) {
  float gain[NCH];
  meterdsp_config cfg;
  TestPanelConfig(&cfg, gain);
  status = meterdsp_init(memory, sizeof(memory), &cfg, &meter);
  if (status != MDSP_OK) {
    printf("init failed: %s\n", meterdsp_status_string(status));
    return 1;
  }
  const double pi = 3.14159265358979323846;
  size_t deepest = 0, total = 0;
  uint64_t clock = 0;
  for (int block = 0; block < 3 * FS / BLOCK; ++block) { /* three seconds: windows, demand ends */
    for (int t = 0; t < BLOCK; ++t, ++clock) {
      const double th = 2 * pi * 60.0 * (double)clock / FS;
      for (int c = 0; c < NCH; ++c) {
        const double phase = 2 * pi / 3 * (c % 3);
        const double x = c < 3 ? 120 * sqrt(2.0) * sin(th - phase) / 400.0 : 2 * sqrt(2.0) * sin(th - phase - 0.5) / 20.0;
        frames[t * NCH + c] = (int16_t)lrint(x * 32767);
      }
    }
    const size_t s = StackOf(ProcessBlock);
    if (status != MDSP_OK) {
      printf("process failed: %s\n", meterdsp_status_string(status));
      return 1;
    }
    deepest = s > deepest ? s : deepest;
    total += windows;
  }
  const size_t registers = StackOf(ReadRegisters);
  if (status != MDSP_OK) {
    printf("register read failed: %s\n", meterdsp_status_string(status));
    return 1;
  }
  printf("stack bytes: meterdsp_process_i16 %lu (%lu windows), register reads %lu (%lu SunSpec registers); "
         "budget %u\n", (unsigned long)deepest, (unsigned long)total, (unsigned long)registers,
         (unsigned long)sunspec_read, BUDGET);
  const int ok = total >= 10 && sunspec_read >= 64 && deepest > 256 && deepest <= BUDGET && registers > 64 &&
                 registers <= BUDGET;
  printf("%s\n", ok ? "stack within budget" : "FAILED");
  return ok ? 0 : 1;
}
