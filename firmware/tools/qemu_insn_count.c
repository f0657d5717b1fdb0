/*
 * QEMU TCG plugin: exact counts of executed guest instructions, for bench/bench_kernels_qemu.
 *
 * Debian's qemu-system-arm 7.2 loads plugins (-plugin) but ships no qemu-plugin.h, so the few API-v1 entry
 * points used here are declared below with the signatures of QEMU 7.2's include/qemu/qemu-plugin.h.
 *
 * Arguments (-plugin libtinynas_qemu_insn_count.so,lo=HEX,hi=HEX,marks=HEX:HEX:...,out=PATH):
 *   lo, hi   the code region of interest, [lo, hi) (the firmware's __tn_runtime_start/end: the int8 runtime)
 *   marks    up to 8 addresses; whenever the guest executes one, a line
 *              "mark <addr> region=<n> total=<n>"
 *            is appended to `out` with the instructions executed in the region and in total since the
 * previous mark (the mark's own instruction not included). These are instruction counts: QEMU models no
 * pipeline, caches or wait states.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct qemu_info_t qemu_info_t;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb* tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void* userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void* userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb* tb);
struct qemu_plugin_insn* qemu_plugin_tb_get_insn(const struct qemu_plugin_tb* tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn* insn);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn* insn, enum qemu_plugin_op op, void* ptr,
                                                uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn* insn, qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void* userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void* userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

#define MAX_MARKS 8
static uint64_t region_lo, region_hi;
static uint64_t marks[MAX_MARKS];
static int mark_count;
static uint64_t total, in_region, total_at_mark, region_at_mark;
static FILE* out;

static void on_mark(unsigned int vcpu, void* userdata) {
  const uint64_t addr = (uint64_t)(uintptr_t)userdata;
  (void)vcpu;
  fprintf(out, "mark %llx region=%llu total=%llu\n", (unsigned long long)addr,
          (unsigned long long)(in_region - region_at_mark), (unsigned long long)(total - total_at_mark));
  fflush(out);
  total_at_mark = total;
  region_at_mark = in_region;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb* tb) {
  size_t i, n = qemu_plugin_tb_n_insns(tb);
  (void)id;
  for (i = 0; i < n; ++i) {
    struct qemu_plugin_insn* insn = qemu_plugin_tb_get_insn(tb, i);
    const uint64_t pc = qemu_plugin_insn_vaddr(insn);
    int m;
    for (m = 0; m < mark_count; ++m)
      if (pc == marks[m])
        qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark, QEMU_PLUGIN_CB_NO_REGS, (void*)(uintptr_t)pc);
    qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &total, 1);
    if (pc >= region_lo && pc < region_hi)
      qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &in_region, 1);
  }
}

static void on_plugin_exit(qemu_plugin_id_t id, void* userdata) {
  (void)id;
  (void)userdata;
  fprintf(out, "exit region=%llu total=%llu\n", (unsigned long long)in_region, (unsigned long long)total);
  fclose(out);
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t* info, int argc,
                                                               char** argv) {
  const char* path = "insn_count.txt";
  int i;
  (void)info;
  for (i = 0; i < argc; ++i) {
    const char* a = argv[i];
    if (strncmp(a, "lo=", 3) == 0) {
      region_lo = strtoull(a + 3, NULL, 16);
    } else if (strncmp(a, "hi=", 3) == 0) {
      region_hi = strtoull(a + 3, NULL, 16);
    } else if (strncmp(a, "out=", 4) == 0) {
      path = a + 4;
    } else if (strncmp(a, "marks=", 6) == 0) {
      const char* p = a + 6;
      while (*p != '\0' && mark_count < MAX_MARKS) {
        char* end;
        const uint64_t value = strtoull(p, &end, 16);
        if (end == p) break;
        marks[mark_count++] = value;
        p = *end == ':' ? end + 1 : end;
      }
    }
  }
  out = fopen(path, "w");
  if (out == NULL) return -1;
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  qemu_plugin_register_atexit_cb(id, on_plugin_exit, NULL);
  return 0;
}
