/*
 * The interpreter: runs a model blob (tn_model_format.h) with the memory plan inside it. No allocation: the
 * caller owns the arena (one byte array of at least the blob's arena_bytes) and the blob stays where it is
 * (flash on a board). Two phases, as TF-Lite Micro's Prepare and Eval: tn_model_load    checks everything
 * once (integrity, every op record, scratch sizes against the kernels' getters, offsets against blob and
 * arena) and fills a small tn_model; tn_model_invoke  runs the ops in order; it logs nothing and assumes a
 * loaded model.
 */
#ifndef TN_INTERPRETER_H
#define TN_INTERPRETER_H

#include <stdint.h>

#include "tn/tn_kernels.h"
#include "tn/tn_model_format.h"
#include "tn/tn_types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  const uint8_t* blob; /* 4-byte aligned */
  uint32_t op_count;
  uint32_t arena_bytes;
  uint32_t input_offset; /* a patch model: its input tile's offset (the whole input stays with the caller) */
  uint32_t input_bytes;  /* the whole network input */
  uint32_t output_offset;
  uint32_t output_bytes;
  /* patch-based inference (tn_model_format.h); patches == 0: every op runs once, on whole tensors */
  uint32_t patches;
  uint32_t split_op;
  const tn_patch_span* spans; /* (split_op + 1) * patches, inside the blob */
} tn_model;

/* CRC-32 (zlib's) of n bytes, continuing from `crc` (start with 0). */
uint32_t tn_crc32(uint32_t crc, const uint8_t* data, uint32_t n);

/* Validates the blob at `blob` (at most blob_capacity bytes readable) for an arena of arena_capacity bytes.
 * On failure returns the first problem found and, if failed_op != NULL, the index of the offending op record
 * (0xFFFFFFFF for header-level problems). */
tn_status tn_model_load(tn_model* model, const void* blob, uint32_t blob_capacity, uint32_t arena_capacity,
                        uint32_t* failed_op);

/* Called after each op with its index (the profiling firmware reads its timer here). */
typedef void (*tn_op_hook)(void* user, uint32_t op_index);

/* Runs the network on `input` (model->input_bytes, [H, W, C]); the output is then at arena +
 * model->output_offset. `arena` must hold model->arena_bytes. A model run layer by layer reads its input at
 * arena + model->input_offset: pass exactly that pointer to run without a copy (any other buffer is copied
 * there first). A patch model reads `input` patch by patch where it is, so it must lie outside the arena
 * (TN_ERR_OVERLAP otherwise). hook (may be NULL) is called after each op with its index, in a patch model
 * once per patch for the ops before the split. */
tn_status tn_model_invoke(const tn_model* model, const int8_t* input, uint8_t* arena, tn_op_hook hook, void* user,
                          uint32_t* failed_op);

/* The kernel that runs op `op` of a loaded model in this build (tn_kernels.h): what an application that runs only
 * this model must compile (`tinynas deploy` asks the host build, which has every kernel). */
tn_kernel tn_model_op_kernel(const tn_model* model, uint32_t op);
tn_kernel tn_op_kernel(const tn_op_record* record);

/* Scratch bytes the kernel of `record` requests (its wrapper's getter). 0 for invalid records. */
uint32_t tn_op_scratch_request(const tn_op_record* record);

#ifdef __cplusplus
}
#endif

#endif /* TN_INTERPRETER_H */
