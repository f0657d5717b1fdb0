/*
 * The board protocol of the profiling firmware (firmware/hil/): a 128-byte mailbox at the start of RAM
 * (symbol tn_hil_mb, whose address the host reads from the ELF: 0x20000000 on most boards, 0x38000000 on the
 * AN505, 0x30000000 on the AN547) that the host reads and writes through the debugger
 * (GDB remote protocol: QEMU's gdbstub or OpenOCD's GDB server), plus two empty hook functions, tn_hil_ready
 * and tn_hil_done, on their own 1 KiB flash page where the host keeps hardware breakpoints.
 *
 * Handshake:
 *   boot      the firmware fills the identity words, zeroes seq and done_seq (RAM is random after a real
 * reset), writes magic last and calls tn_hil_ready (the host's breakpoint stops it there). command   the host
 * writes cmd and arg, then seq = previous seq + 1 (last), and resumes at the hook's return address. The
 * firmware runs the command, writes every result word, then done_seq = seq, and calls tn_hil_done (breakpoint
 * again). state and status say how it went. fault     a HardFault writes state = FAULT and fault_pc, sets
 * done_seq = seq and calls tn_hil_done, so the host gets an answer instead of a timeout. All words are
 * little-endian uint32. The host includes this header too (profiler/src/hil_session.cpp), so the offsets
 * below are checked at compile time on both sides.
 */
#ifndef TN_HIL_MAILBOX_H
#define TN_HIL_MAILBOX_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TN_HIL_MAGIC 0x4D484E54u /* "TNHM" as little-endian bytes */
#define TN_HIL_ABI_VERSION 1u

typedef enum {
  TN_HIL_CMD_PING = 1, /* no-op: measures the round trip */
  TN_HIL_CMD_LOAD = 2, /* validate the blob at blob_addr (tn_model_load); fills input/output addresses */
  TN_HIL_CMD_RUN = 3   /* paint arena and stack with the byte in arg, run the loaded model once, measure */
} tn_hil_command;

typedef enum {
  TN_HIL_STATE_BOOT = 0,
  TN_HIL_STATE_READY = 1,
  TN_HIL_STATE_BUSY = 2,
  TN_HIL_STATE_DONE = 3,
  TN_HIL_STATE_FAULT = 4
} tn_hil_state;

typedef enum {
  TN_HIL_TIMER_DWT = 1,    /* DWT->CYCCNT: core clock cycles (real Cortex-M3/M4/M7 silicon) */
  TN_HIL_TIMER_SYSTICK = 2 /* SysTick on the processor clock, restarted per run; under QEMU -icount these are
                              deterministic virtual-time ticks, not cycles */
} tn_hil_timer;

typedef struct {
  /* identity, written at boot (magic last) */
  uint32_t magic;             /* 0x00 TN_HIL_MAGIC */
  uint32_t abi_version;       /* 0x04 TN_HIL_ABI_VERSION */
  uint32_t cpuid;             /* 0x08 SCB->CPUID */
  uint32_t timer_source;      /* 0x0C tn_hil_timer */
  uint32_t blob_addr;         /* 0x10 where the host writes the model blob (flash on boards) */
  uint32_t blob_capacity;     /* 0x14 */
  uint32_t arena_addr;        /* 0x18 the tensor arena */
  uint32_t arena_capacity;    /* 0x1C */
  uint32_t op_ticks_addr;     /* 0x20 uint32[op_ticks_capacity]: timer ticks of each op of the last run */
  uint32_t op_ticks_capacity; /* 0x24 */
  uint32_t stack_addr;        /* 0x28 lowest address of the stack */
  uint32_t stack_bytes;       /* 0x2C */
  /* command, written by the host (seq last) */
  uint32_t cmd; /* 0x30 tn_hil_command */
  uint32_t arg; /* 0x34 RUN: paint byte (0..255) */
  uint32_t seq; /* 0x38 */
  /* results, written by the firmware (done_seq last) */
  uint32_t done_seq;      /* 0x3C */
  uint32_t state;         /* 0x40 tn_hil_state */
  int32_t status;         /* 0x44 tn_status of the last command */
  uint32_t failed_op;     /* 0x48 op index of a failed load or run, 0xFFFFFFFF if none */
  uint32_t input_addr;    /* 0x4C where the host writes the input before each RUN: inside the arena, or for a
                             patch model (read patch by patch) at the arena region's top, above its arena */
  uint32_t input_bytes;   /* 0x50 */
  uint32_t output_addr;   /* 0x54 */
  uint32_t output_bytes;  /* 0x58 */
  uint32_t op_count;      /* 0x5C */
  uint32_t ticks_lo;      /* 0x60 whole-network ticks of the last run (64-bit) */
  uint32_t ticks_hi;      /* 0x64 */
  uint32_t arena_used;    /* 0x68 bytes from the arena start to the highest byte the run changed (a patch
                             model's input, kept above, not counted) */
  uint32_t stack_used;    /* 0x6C deepest stack use seen during the run, bytes */
  uint32_t output_crc;    /* 0x70 CRC-32 of the output bytes */
  uint32_t fault_pc;      /* 0x74 PC stacked by a HardFault */
  uint32_t core_clock_hz; /* 0x78 the clock the firmware believes it runs at */
  uint32_t reserved;      /* 0x7C */
} tn_hil_mailbox;

#define TN_HIL_MAILBOX_BYTES 128u

#ifdef __cplusplus
}
#endif

#endif /* TN_HIL_MAILBOX_H */
