/*
 * The application's one entry point to the model: tn_app_infer() runs the int8 network on one input and copies
 * its output. Everything it needs is static (the model blob in flash, the arena the cost model planned in RAM):
 * no heap, no allocation after start-up. Sizes and quantisation come from tn_app_model.h (generated).
 */
#ifndef TN_APP_H
#define TN_APP_H

#include <stdint.h>

#include "tn/tn_types.h"
#include "tn_app_model.h"

/* Validates the model blob once (tn_model_load). tn_app_infer() calls it on first use; call it at start-up to
 * learn of a damaged blob early. TN_OK or the runtime's status (tn_status_name()). */
tn_status tn_app_init(void);

/* Runs the model on `input` (TN_APP_INPUT_BYTES int8 values, [H][W][C], quantised with TN_APP_INPUT_SCALE and
 * TN_APP_INPUT_ZERO_POINT) and writes TN_APP_OUTPUT_BYTES int8 logits to `output`. `input` may be any RAM or
 * flash outside the arena (a patch model reads it tile by tile where it is). */
tn_status tn_app_infer(const int8_t* input, int8_t* output);

/* The class with the largest logit (the first on ties). */
int tn_app_classify(const int8_t* output);

#endif
