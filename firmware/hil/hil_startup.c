/*
 * Start-up of the profiling firmware: the vector table, the reset handler (copy .data, zero .bss, optional
 * caches), SysTick's wrap counter and the HardFault report. No vendor code; the memory map comes from the
 * board's linker script (firmware/boards/<board>.ld), the only per-board part.
 */
#include <stdint.h>

#include "hil_cortexm.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern volatile uint32_t hil_systick_wraps;
int main(void);
void tn_hil_report_fault(uint32_t pc);

void Reset_Handler(void);
void Default_Handler(void);
void HardFault_Handler(void);
void SysTick_Handler(void);

#if defined(TN_HIL_ENABLE_CACHES) && TN_HIL_ENABLE_CACHES
/* Cortex-M7 L1 caches (ARMv7-M B2.2): the run then measures what a deployment with caches on sees. The
 * mailbox sits in DTCM (never cached); the firmware cleans the D-cache before it reports (hil_main.c). */
static void hil_enable_caches(void) {
  hil_dsb();
  hil_isb();
  HIL_SCB_ICIALLU = 0;
  hil_dsb();
  hil_isb();
  HIL_SCB_CCR |= HIL_CCR_IC;
  hil_dsb();
  hil_isb();
  hil_dcache_each_line(&HIL_SCB_DCISW); /* its content is undefined at reset */
  HIL_SCB_CCR |= HIL_CCR_DC;
  hil_dsb();
  hil_isb();
}
#endif

void Reset_Handler(void) {
  uint32_t *src = &_sidata, *dst = &_sdata;
  while (dst < &_edata) *dst++ = *src++;
  for (dst = &_sbss; dst < &_ebss; ++dst) *dst = 0;
#if defined(TN_HIL_ENABLE_CACHES) && TN_HIL_ENABLE_CACHES
  hil_enable_caches();
#endif
  (void)main();
  for (;;) {
  }
}

void Default_Handler(void) {
  for (;;) {
  }
}

void SysTick_Handler(void) { ++hil_systick_wraps; }

/* The stacked PC is the 7th word of the exception frame on whichever stack was active. */
__attribute__((naked)) void HardFault_Handler(void) {
  __asm__ volatile("tst lr, #4\n"
                   "ite eq\n"
                   "mrseq r0, msp\n"
                   "mrsne r0, psp\n"
                   "ldr r0, [r0, #24]\n"
                   "b tn_hil_report_fault\n");
}

__attribute__((section(".isr_vector"), used)) void (*const hil_vector_table[16])(void) = {
    (void (*)(void))(uintptr_t)&_estack, /* initial SP */
    Reset_Handler,
    Default_Handler, /* NMI */
    HardFault_Handler,
    HardFault_Handler, /* MemManage: report like a HardFault */
    HardFault_Handler, /* BusFault */
    HardFault_Handler, /* UsageFault */
    0,
    0,
    0,
    0,
    Default_Handler, /* SVCall */
    Default_Handler, /* DebugMonitor */
    0,
    Default_Handler, /* PendSV */
    SysTick_Handler,
};
