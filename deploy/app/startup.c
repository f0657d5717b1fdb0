/*
 * Start-up for any Cortex-M: the vector table (initial stack pointer and the core's exceptions), and the reset
 * handler that copies .data, zeroes .bss and calls main(). The memory map is the board's (board/*.memory.ld).
 * Clocks stay at their reset values: a product sets its PLL (and, on a Cortex-M7, its caches) before main's work.
 */
#include <stdint.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
int main(void);

void Reset_Handler(void);
void Default_Handler(void);

void Reset_Handler(void) {
  uint32_t *src = &_sidata, *dst = &_sdata;
  while (dst < &_edata) *dst++ = *src++;
  for (dst = &_sbss; dst < &_ebss; ++dst) *dst = 0;
  (void)main();
  for (;;) {
  }
}

/* A fault stops here: a debugger shows the stacked PC. */
void Default_Handler(void) {
  for (;;) {
  }
}

__attribute__((section(".isr_vector"), used)) void (*const tn_app_vectors[16])(void) = {
    (void (*)(void))(uintptr_t)&_estack, /* initial SP */
    Reset_Handler,
    Default_Handler, /* NMI */
    Default_Handler, /* HardFault */
    Default_Handler, /* MemManage */
    Default_Handler, /* BusFault */
    Default_Handler, /* UsageFault */
    0,
    0,
    0,
    0,
    Default_Handler, /* SVCall */
    Default_Handler, /* DebugMonitor */
    0,
    Default_Handler, /* PendSV */
    Default_Handler, /* SysTick */
};
