#include "tn_semihosting.h"

/* Operation numbers and the exit reasons of the Arm semihosting specification. */
enum {
  TN_SH_SYS_OPEN = 0x01,
  TN_SH_SYS_CLOSE = 0x02,
  TN_SH_SYS_WRITE0 = 0x04,
  TN_SH_SYS_WRITE = 0x05,
  TN_SH_SYS_READ = 0x06,
  TN_SH_SYS_EXIT = 0x18
};
#define TN_SH_APPLICATION_EXIT 0x20026u
#define TN_SH_RUNTIME_ERROR 0x20023u

static uint32_t tn_sh_call(uint32_t op, const void* args) {
  register uint32_t r0 __asm__("r0") = op;
  register const void* r1 __asm__("r1") = args;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

static uint32_t tn_sh_length(const char* text) {
  uint32_t n = 0;
  while (text[n] != '\0') ++n;
  return n;
}

int tn_sh_open(const char* path, const char* mode) {
  /* The specification's mode numbers: 1 is "rb", 5 is "wb". */
  const uint32_t args[3] = {(uint32_t)(uintptr_t)path, mode[0] == 'w' ? 5u : 1u, tn_sh_length(path)};
  return (int)tn_sh_call(TN_SH_SYS_OPEN, args);
}

int tn_sh_close(int handle) {
  const uint32_t args[1] = {(uint32_t)handle};
  return (int)tn_sh_call(TN_SH_SYS_CLOSE, args);
}

uint32_t tn_sh_read(int handle, void* buffer, uint32_t bytes) {
  const uint32_t args[3] = {(uint32_t)handle, (uint32_t)(uintptr_t)buffer, bytes};
  return bytes - tn_sh_call(TN_SH_SYS_READ, args); /* the call returns the bytes NOT read */
}

uint32_t tn_sh_write(int handle, const void* buffer, uint32_t bytes) {
  const uint32_t args[3] = {(uint32_t)handle, (uint32_t)(uintptr_t)buffer, bytes};
  return tn_sh_call(TN_SH_SYS_WRITE, args);
}

void tn_sh_print(const char* text) { (void)tn_sh_call(TN_SH_SYS_WRITE0, text); }

void tn_sh_exit(int status) {
  /* On 32-bit Arm SYS_EXIT takes the reason itself: application exit is success, anything else failure. */
  (void)tn_sh_call(TN_SH_SYS_EXIT,
                   (const void*)(uintptr_t)(status == 0 ? TN_SH_APPLICATION_EXIT : TN_SH_RUNTIME_ERROR));
  for (;;) {
  }
}
