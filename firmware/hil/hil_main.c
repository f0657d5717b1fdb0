/*
 * The profiling firmware: waits for commands in the mailbox (tn/tn_hil_mailbox.h), loads and runs model blobs
 * with the int8 runtime, and reports run time, per-op time, the arena and stack bytes actually touched, and
 * the output.
 */
#include <stdint.h>
#include <string.h>

#include "hil_cortexm.h"
#include "hil_timer.h"
#include "tn/tn_config.h"
#include "tn/tn_hil_mailbox.h"
#include "tn/tn_interpreter.h"

#ifndef TN_HIL_CORE_CLOCK_HZ
#error "TN_HIL_CORE_CLOCK_HZ must be defined by the board build"
#endif
#ifndef TN_HIL_MAX_OPS
#define TN_HIL_MAX_OPS 512
#endif

/* Linker-script symbols (firmware/boards/hil_sections.ld). */
extern uint8_t _blob_start[], _blob_end[], _arena_start[], _arena_end[], _stack_bottom[], _estack[];

__attribute__((section(".tn_hil_mailbox"), used)) volatile tn_hil_mailbox tn_hil_mb;

/* The memory map this image is linked for (TN_HIL_MEMORY_MAP, from the build): the host reads the symbol's name
 * from the ELF and refuses the image for a board of another map before uploading anything. */
#define TN_HIL_JOIN2(a, b) a##b
#define TN_HIL_JOIN(a, b) TN_HIL_JOIN2(a, b)
__attribute__((used)) const unsigned char TN_HIL_JOIN(tn_hil_memory_map_, TN_HIL_MEMORY_MAP) = 1;
static uint32_t hil_op_ticks[TN_HIL_MAX_OPS];
static tn_model hil_model;
/* Where the input is: inside the arena for a model run layer by layer; for a patch model, which reads it patch by
 * patch, at the top of the arena region, above what the model's arena uses (so arena_used is the model's own). */
static uint8_t* hil_input;
static uint8_t* hil_arena_top; /* the end of what a run may touch in the arena region */
static uint64_t hil_last_tick;

/* Breakpoint targets: empty, never inlined, alone on their flash page (a breakpoint makes QEMU run its whole
 * 1 KiB page one instruction at a time, so nothing else may live there). */
__attribute__((noinline, used, section(".tn_hil_hooks"))) void tn_hil_ready(void) { __asm__ volatile("" ::: "memory"); }
__attribute__((noinline, used, section(".tn_hil_hooks"))) void tn_hil_done(void) { __asm__ volatile("" ::: "memory"); }

/* The debugger reads and writes memory, not the D-cache: clean and invalidate it after a command (so the host
 * sees the output) and before one (so the core sees the input the host just wrote, not stale lines). */
static void hil_sync_dcache(void) {
#if defined(TN_HIL_ENABLE_CACHES) && TN_HIL_ENABLE_CACHES
  hil_dcache_each_line(&HIL_SCB_DCCISW);
  hil_isb();
#endif
}

static void hil_record_op(void* user, uint32_t op) {
  const uint64_t now = hil_timer_now();
  (void)user;
  if (op < TN_HIL_MAX_OPS)
    hil_op_ticks[op] += (uint32_t)(now - hil_last_tick); /* a patch model runs an op once per patch */
  hil_last_tick = now;
}

static void hil_paint(uint8_t* begin, uint8_t* end, uint8_t value) {
  while (begin < end) *begin++ = value;
}

/* Highest changed byte + 1, relative to begin (0 if nothing changed). */
static uint32_t hil_used_from_bottom(const uint8_t* begin, const uint8_t* end, uint8_t value) {
  const uint8_t* p = end;
  while (p > begin && p[-1] == value) --p;
  return (uint32_t)(p - begin);
}

static void hil_load(void) {
  uint32_t failed = 0xFFFFFFFFu;
  const tn_status s = tn_model_load(&hil_model, _blob_start, (uint32_t)(_blob_end - _blob_start),
                                    (uint32_t)(_arena_end - _arena_start), &failed);
  tn_hil_mb.status = (int32_t)s;
  tn_hil_mb.failed_op = failed;
  if (s != TN_OK) {
    tn_hil_mb.op_count = 0;
    return;
  }
  hil_arena_top = _arena_end;
  hil_input = _arena_start + hil_model.input_offset;
  if (hil_model.patches > 0) {
    hil_arena_top = (uint8_t*)((uintptr_t)(_arena_end - hil_model.input_bytes) & ~(uintptr_t)15u);
    hil_input = hil_arena_top;
    if (hil_arena_top < _arena_start + hil_model.arena_bytes) {
      tn_hil_mb.status = (int32_t)TN_ERR_ARENA_TOO_SMALL;
      tn_hil_mb.op_count = 0;
      hil_model.blob = NULL;
      return;
    }
  }
  tn_hil_mb.input_addr = (uint32_t)(uintptr_t)hil_input;
  tn_hil_mb.input_bytes = hil_model.input_bytes;
  tn_hil_mb.output_addr = (uint32_t)(uintptr_t)(_arena_start + hil_model.output_offset);
  tn_hil_mb.output_bytes = hil_model.output_bytes;
  tn_hil_mb.op_count = hil_model.op_count;
}

static void hil_run(uint8_t paint) {
  uint32_t failed = 0xFFFFFFFFu, used, op;
  uint64_t t0, t1;
  tn_status s;
  uint8_t* stack_limit;
  if (hil_model.blob == NULL) {
    tn_hil_mb.status = (int32_t)TN_ERR_NO_MODEL;
    return;
  }
  /* paint everything the run may touch, except the input the host just wrote */
  if (hil_model.patches > 0) {
    hil_paint(_arena_start, hil_arena_top, paint);
  } else {
    hil_paint(_arena_start, hil_input, paint);
    hil_paint(hil_input + hil_model.input_bytes, _arena_end, paint);
  }
  stack_limit = (uint8_t*)__builtin_frame_address(0) - 64;
  hil_paint(_stack_bottom, stack_limit, paint);
  for (op = 0; op < TN_HIL_MAX_OPS; ++op) hil_op_ticks[op] = 0;

  hil_timer_restart();
  t0 = hil_timer_now();
  hil_last_tick = t0;
  s = tn_model_invoke(&hil_model, (const int8_t*)hil_input, _arena_start, hil_record_op, NULL, &failed);
  t1 = hil_timer_now();

  used = hil_used_from_bottom(_arena_start, hil_arena_top, paint);
  if (hil_model.patches == 0 && used < hil_model.input_offset + hil_model.input_bytes)
    used = hil_model.input_offset + hil_model.input_bytes;
  tn_hil_mb.status = (int32_t)s;
  tn_hil_mb.failed_op = failed;
  tn_hil_mb.ticks_lo = (uint32_t)(t1 - t0);
  tn_hil_mb.ticks_hi = (uint32_t)((t1 - t0) >> 32);
  tn_hil_mb.arena_used = used;
  {
    const uint8_t* p = _stack_bottom;
    while (p < stack_limit && *p == paint) ++p;
    tn_hil_mb.stack_used = (uint32_t)(_estack - p);
  }
  tn_hil_mb.output_crc = tn_crc32(0, _arena_start + hil_model.output_offset, hil_model.output_bytes);
}

int main(void) {
  uint32_t last_seq = 0;
  tn_hil_mb.magic = 0; /* not ready until everything below is written */
  tn_hil_mb.abi_version = TN_HIL_ABI_VERSION;
  tn_hil_mb.cpuid = HIL_SCB_CPUID;
  tn_hil_mb.timer_source = hil_timer_init();
  tn_hil_mb.blob_addr = (uint32_t)(uintptr_t)_blob_start;
  tn_hil_mb.blob_capacity = (uint32_t)(_blob_end - _blob_start);
  tn_hil_mb.arena_addr = (uint32_t)(uintptr_t)_arena_start;
  tn_hil_mb.arena_capacity = (uint32_t)(_arena_end - _arena_start);
  tn_hil_mb.op_ticks_addr = (uint32_t)(uintptr_t)hil_op_ticks;
  tn_hil_mb.op_ticks_capacity = TN_HIL_MAX_OPS;
  tn_hil_mb.stack_addr = (uint32_t)(uintptr_t)_stack_bottom;
  tn_hil_mb.stack_bytes = (uint32_t)(_estack - _stack_bottom);
  tn_hil_mb.core_clock_hz = TN_HIL_CORE_CLOCK_HZ;
  tn_hil_mb.cmd = 0;
  tn_hil_mb.seq = 0;
  tn_hil_mb.done_seq = 0;
  tn_hil_mb.failed_op = 0xFFFFFFFFu;
  tn_hil_mb.state = TN_HIL_STATE_READY;
  hil_dmb();
  tn_hil_mb.magic = TN_HIL_MAGIC;
  tn_hil_ready();
  for (;;) {
    uint32_t seq;
    while ((seq = tn_hil_mb.seq) == last_seq) {
    }
    last_seq = seq;
    hil_dmb();
    hil_sync_dcache();
    tn_hil_mb.state = TN_HIL_STATE_BUSY;
    switch (tn_hil_mb.cmd) {
    case TN_HIL_CMD_PING: tn_hil_mb.status = (int32_t)TN_OK; break;
    case TN_HIL_CMD_LOAD: hil_load(); break;
    case TN_HIL_CMD_RUN: hil_run((uint8_t)tn_hil_mb.arg); break;
    default: tn_hil_mb.status = (int32_t)TN_ERR_COMMAND; break;
    }
    hil_sync_dcache();
    tn_hil_mb.state = TN_HIL_STATE_DONE;
    hil_dmb();
    tn_hil_mb.done_seq = seq;
    tn_hil_done();
  }
}

/* Called by HardFault_Handler (hil_startup.c) with the faulting PC: answer the pending command with a FAULT
 * state, stop at the done hook, then stay here (the host relaunches or resets). */
void tn_hil_report_fault(uint32_t pc) {
  tn_hil_mb.fault_pc = pc;
  tn_hil_mb.state = TN_HIL_STATE_FAULT;
  hil_dmb();
  tn_hil_mb.done_seq = tn_hil_mb.seq;
  for (;;) tn_hil_done();
}
