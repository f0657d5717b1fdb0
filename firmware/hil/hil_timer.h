/*
 * Run timing for the profiling firmware. DWT->CYCCNT where the core has it (DWT_CTRL.NUMCOMP != 0 on
 * Cortex-M3/M4/M7 silicon); otherwise SysTick on the processor clock with a wrap counter. QEMU 7.2 implements
 * no DWT (it reads 0), so under QEMU this is SysTick, whose count repeats exactly under -icount once it is
 * restarted at the start of every measurement (shared/hil_notes.md, P7).
 */
#ifndef HIL_TIMER_H
#define HIL_TIMER_H

#include <stdint.h>

/* Detects and enables the timer; returns a tn_hil_timer value. */
uint32_t hil_timer_init(void);
/* Zeroes the count so every run starts in the same phase. */
void hil_timer_restart(void);
/* Ticks since the last restart. */
uint64_t hil_timer_now(void);

#endif /* HIL_TIMER_H */
