/*
 * Private to the profiling firmware: the few Cortex-M system registers it touches (ARMv7-M Architecture
 * Reference Manual, B3.2 and C1), without a vendor HAL.
 */
#ifndef HIL_CORTEXM_H
#define HIL_CORTEXM_H

#include <stdint.h>

#define HIL_REG(addr) (*(volatile uint32_t*)(uintptr_t)(addr))

#define HIL_SCB_CPUID HIL_REG(0xE000ED00u)
#define HIL_SCB_ICSR HIL_REG(0xE000ED04u)
#define HIL_SCB_VTOR HIL_REG(0xE000ED08u)
#define HIL_SCB_CCR HIL_REG(0xE000ED14u)
#define HIL_SCB_CCSIDR HIL_REG(0xE000ED80u)
#define HIL_SCB_CSSELR HIL_REG(0xE000ED84u)
#define HIL_SCB_ICIALLU HIL_REG(0xE000EF50u)
#define HIL_SCB_DCISW HIL_REG(0xE000EF60u)
#define HIL_SCB_DCCISW HIL_REG(0xE000EF74u)
#define HIL_ICSR_PENDSTSET (1u << 26)
#define HIL_CCR_DC (1u << 16)
#define HIL_CCR_IC (1u << 17)

#define HIL_SYST_CSR HIL_REG(0xE000E010u)
#define HIL_SYST_RVR HIL_REG(0xE000E014u)
#define HIL_SYST_CVR HIL_REG(0xE000E018u)

#define HIL_DEMCR HIL_REG(0xE000EDFCu)
#define HIL_DWT_CTRL HIL_REG(0xE0001000u)
#define HIL_DWT_CYCCNT HIL_REG(0xE0001004u)
#define HIL_DWT_LAR HIL_REG(0xE0001FB0u)
#define HIL_DEMCR_TRCENA (1u << 24)

static inline void hil_dsb(void) { __asm__ volatile("dsb 0xF" ::: "memory"); }
static inline void hil_isb(void) { __asm__ volatile("isb 0xF" ::: "memory"); }
static inline void hil_dmb(void) { __asm__ volatile("dmb 0xF" ::: "memory"); }

/* One set/way maintenance operation on every line of the Cortex-M7 L1 data cache: `op` is DCISW (invalidate) or
 * DCCISW (clean and invalidate). The M7's D-cache always has 4 ways of 32-byte lines (so way at bit 30, set at
 * bit 5: ARMv7-M B2.2.7); the number of sets comes from CCSIDR, as the size differs between parts. */
static inline void hil_dcache_each_line(volatile uint32_t* op) {
  uint32_t ccsidr, sets, ways;
  HIL_SCB_CSSELR = 0; /* level 1 data cache */
  hil_dsb();
  ccsidr = HIL_SCB_CCSIDR;
  sets = (ccsidr >> 13) & 0x7FFFu;
  do {
    ways = (ccsidr >> 3) & 0x3FFu;
    do {
      *op = ((sets & 0x1FFu) << 5) | ((ways & 3u) << 30);
    } while (ways-- != 0u);
  } while (sets-- != 0u);
  hil_dsb();
}

#endif /* HIL_CORTEXM_H */
