/*
 * Arm semihosting (the host's files and console through the debugger): what the example application reads its
 * inputs and writes its outputs with, on QEMU (-semihosting) or a real board under OpenOCD
 * (`arm semihosting enable`). Without a debugger attached a semihosting call stops the core: an application that
 * runs stand-alone replaces this file's users (main.c) with its sensor and UART code; tn_app.h needs none of it.
 */
#ifndef TN_SEMIHOSTING_H
#define TN_SEMIHOSTING_H

#include <stdint.h>

/* Opens a host file: "rb" or "wb". Returns a handle, or -1. */
int tn_sh_open(const char* path, const char* mode);
int tn_sh_close(int handle);
/* Bytes read (short at the end of the file). */
uint32_t tn_sh_read(int handle, void* buffer, uint32_t bytes);
/* 0 when every byte was written. */
uint32_t tn_sh_write(int handle, const void* buffer, uint32_t bytes);
/* A NUL-terminated string on the host's console. */
void tn_sh_print(const char* text);
/* Ends the program: QEMU exits with status 0 for 0, 1 otherwise. */
void tn_sh_exit(int status) __attribute__((noreturn));

#endif
