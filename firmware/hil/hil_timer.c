#include "hil_timer.h"

#include "hil_cortexm.h"
#include "tn/tn_hil_mailbox.h"

static uint32_t hil_source;
volatile uint32_t hil_systick_wraps; /* incremented by SysTick_Handler (hil_startup.c) */

uint32_t hil_timer_init(void) {
  if ((HIL_DWT_CTRL >> 28) != 0u) { /* NUMCOMP: comparators exist, so the DWT does */
    HIL_DEMCR |= HIL_DEMCR_TRCENA;
    HIL_DWT_LAR = 0xC5ACCE55u; /* unlock: needed on Cortex-M7 silicon, ignored elsewhere */
    HIL_DWT_CYCCNT = 0;
    HIL_DWT_CTRL |= 1u;
    hil_source = TN_HIL_TIMER_DWT;
  } else {
    hil_source = TN_HIL_TIMER_SYSTICK;
  }
  return hil_source;
}

void hil_timer_restart(void) {
  if (hil_source == TN_HIL_TIMER_DWT) {
    HIL_DWT_CYCCNT = 0;
    return;
  }
  HIL_SYST_CSR = 0;
  HIL_SYST_RVR = 0x00FFFFFFu;
  HIL_SYST_CVR = 0; /* any write clears the counter; it reloads on the next tick */
  hil_systick_wraps = 0;
  HIL_SYST_CSR = 7u; /* enable, wrap interrupt, processor clock */
  while (HIL_SYST_CVR == 0u) {
  }
}

uint64_t hil_timer_now(void) {
  uint32_t wraps, cvr;
  if (hil_source == TN_HIL_TIMER_DWT) return HIL_DWT_CYCCNT;
  do {
    wraps = hil_systick_wraps;
    cvr = HIL_SYST_CVR;
  } while (wraps != hil_systick_wraps);
  /* reloaded but its interrupt not taken yet: count the wrap now */
  if ((HIL_SCB_ICSR & HIL_ICSR_PENDSTSET) != 0u && cvr > 0x00800000u) ++wraps;
  return ((uint64_t)wraps << 24) + (0x00FFFFFFu - cvr);
}
