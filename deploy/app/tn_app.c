#include "tn_app.h"

#include <string.h>

#include "tn/tn_interpreter.h"

/* The arena of the cost model's memory plan (tensors and kernel scratch), static and in its own section so the
 * board's linker script places it (ARENA_REGION: the board's largest RAM). Not zeroed: every run writes before
 * it reads. */
static uint32_t tn_app_arena[(TN_APP_ARENA_BYTES + 3u) / 4u] __attribute__((section(".tn_arena"), aligned(16)));
static tn_model tn_app_model;
static int tn_app_ready;

tn_status tn_app_init(void) {
  const tn_status status =
      tn_model_load(&tn_app_model, TN_APP_BLOB, TN_APP_BLOB_BYTES, (uint32_t)sizeof tn_app_arena, NULL);
  tn_app_ready = status == TN_OK;
  return status;
}

tn_status tn_app_infer(const int8_t* input, int8_t* output) {
  uint8_t* arena = (uint8_t*)tn_app_arena;
  tn_status status;
  if (!tn_app_ready && (status = tn_app_init()) != TN_OK) return status;
  status = tn_model_invoke(&tn_app_model, input, arena, NULL, NULL, NULL);
  if (status != TN_OK) return status;
  memcpy(output, arena + tn_app_model.output_offset, tn_app_model.output_bytes);
  return TN_OK;
}

int tn_app_classify(const int8_t* output) {
  int best = 0;
  for (int i = 1; i < (int)TN_APP_OUTPUT_BYTES; ++i)
    if (output[i] > output[best]) best = i;
  return best;
}
