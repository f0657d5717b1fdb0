/*
 * The example application: reads int8 inputs from the host file inputs.bin (TN_APP_INPUT_BYTES each) over
 * semihosting, runs each through tn_app_infer(), writes the logits to outputs.bin and prints each class. A product
 * keeps tn_app.{h,c} and replaces this file with its sensor and its UART.
 */
#include <stdint.h>

#include "tn_app.h"
#include "tn_semihosting.h"

/* Outside the arena: a patch model reads its input tile by tile from here. */
static int8_t tn_app_input[TN_APP_INPUT_BYTES];
static int8_t tn_app_output[TN_APP_OUTPUT_BYTES];

static void print_number(uint32_t value) {
  char text[12];
  int at = (int)sizeof text - 1;
  text[at] = '\0';
  do {
    text[--at] = (char)('0' + value % 10u);
    value /= 10u;
  } while (value != 0u && at > 0);
  tn_sh_print(text + at);
}

static void fail(const char* what, tn_status status) {
  tn_sh_print("tn_app: ");
  tn_sh_print(what);
  tn_sh_print(": ");
  tn_sh_print(tn_status_name(status));
  tn_sh_print("\n");
  tn_sh_exit(1);
}

int main(void) {
  const tn_status loaded = tn_app_init();
  if (loaded != TN_OK) fail("the model blob is refused", loaded);
  const int in = tn_sh_open("inputs.bin", "rb");
  const int out = tn_sh_open("outputs.bin", "wb");
  if (in < 0 || out < 0) {
    tn_sh_print("tn_app: cannot open inputs.bin and outputs.bin in the host's working directory\n");
    tn_sh_exit(1);
  }
  uint32_t images = 0;
  while (tn_sh_read(in, tn_app_input, sizeof tn_app_input) == sizeof tn_app_input) {
    const tn_status status = tn_app_infer(tn_app_input, tn_app_output);
    if (status != TN_OK) fail("inference failed", status);
    if (tn_sh_write(out, tn_app_output, sizeof tn_app_output) != 0) {
      tn_sh_print("tn_app: cannot write outputs.bin\n");
      tn_sh_exit(1);
    }
    tn_sh_print("image ");
    print_number(images++);
    tn_sh_print(": class ");
    print_number((uint32_t)tn_app_classify(tn_app_output));
    tn_sh_print("\n");
  }
  (void)tn_sh_close(in);
  (void)tn_sh_close(out);
  tn_sh_print("tn_app: ");
  print_number(images);
  tn_sh_print(" images\n");
  tn_sh_exit(0);
}
