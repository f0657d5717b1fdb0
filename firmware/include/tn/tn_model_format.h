/*
 * The model blob: what the host (profiler/src/model_blob.cpp) writes and the interpreter runs. One
 * contiguous, little-endian, 4-byte-aligned byte string:
 *
 *   offset 0              tn_blob_header (64 bytes)
 *   header.ops_offset     header.op_count x tn_op_record (100 bytes each), in execution order
 *   after the records     data: int8 weights, int32 biases, int32 multipliers and shifts; every array starts
 * on a 4-byte boundary and op records refer to them by byte offset from the blob's start
 *
 * The memory plan is part of the blob (TF-Lite Micro's "offline memory plan"): every tensor and every kernel
 * scratch buffer has a fixed offset in one arena of header.arena_bytes, computed by the host's planner
 * (profiler, schedule inplace-dw). A depthwise conv whose output offset equals its input offset runs in
 * place.
 *
 * Integrity: magic, version, total size, then CRC-32 (IEEE 802.3, reflected, init and final xor 0xFFFFFFFF,
 * as zlib's crc32) over bytes [16, total_bytes): everything after the CRC field. The interpreter also checks
 * every record (types, shapes, offsets inside the blob and the arena, scratch at least what the kernel
 * requests) before it runs anything, so a corrupt or hostile blob gives a status, never a fault.
 *
 * Patch-based inference (MCUNetV2; version 2): when header.patch_plan is not 0, a tn_patch_plan at that blob offset
 * says that ops [0, split_op] run once per patch of an n x n grid and the rest layer by layer. Their records keep
 * the whole tensors' shapes and symmetric pad (checked as usual), but their arena offsets name tile buffers of
 * the largest tile's size, reused by every patch, except the split op's output: the whole split tensor, which the
 * patches fill tile by tile. Patch (i, j) takes rows from span i and columns from span j of each op (tensors are
 * square). The network input is not in the arena: the caller keeps it (flash, a camera's frame buffer) and each
 * patch copies its input tile to header.input_offset. The plan is checked at load like everything else: spans
 * inside the tensors, each conv's input span exactly its output span's receptive field, each op's input spans
 * exactly what the op that wrote that buffer produced, the split rows cut without gap or overlap, and every
 * patch's kernel scratch within the op's planned scratch.
 *
 * Version history: 1 = no patch plan (header.patch_plan was reserved, 0); 2 = header.patch_plan. The runtime
 * reads both. Bump TN_BLOB_VERSION on any change of these structs or their meaning.
 */
#ifndef TN_MODEL_FORMAT_H
#define TN_MODEL_FORMAT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TN_BLOB_MAGIC 0x424D4E54u /* "TNMB" as little-endian bytes */
#define TN_BLOB_VERSION 2u
#define TN_BLOB_MIN_VERSION 1u   /* the oldest layout the runtime still reads */
#define TN_MAX_PATCHES 16u       /* a patch grid is at most 16 x 16 */
#define TN_BLOB_CRC_START 16u    /* the CRC covers [TN_BLOB_CRC_START, total_bytes) */
#define TN_NO_OFFSET 0xFFFFFFFFu /* an absent operand (no second input, no scratch, no bias) */

typedef enum {
  TN_OP_CONV = 1,      /* dense kxk conv (tn_conv_wrapper_s8) */
  TN_OP_DEPTHWISE = 2, /* depthwise conv (tn_dw_conv_wrapper_s8); in place when output == input offset */
  TN_OP_POINTWISE = 3, /* 1x1 conv (tn_conv_wrapper_s8) */
  TN_OP_ADD = 4,       /* residual add (tn_add_s8) */
  TN_OP_AVGPOOL = 5,   /* global average pool (tn_avgpool_s8) */
  TN_OP_FC = 6         /* fully connected (tn_fully_connected_s8) */
} tn_op_type;

typedef struct {
  uint32_t magic;        /* TN_BLOB_MAGIC */
  uint32_t version;      /* TN_BLOB_VERSION */
  uint32_t total_bytes;  /* the whole blob, header included; a multiple of 4 */
  uint32_t crc32;        /* CRC-32 of bytes [16, total_bytes) */
  uint32_t op_count;     /* >= 1 */
  uint32_t ops_offset;   /* byte offset of the first op record (64) */
  uint32_t arena_bytes;  /* size of the planned arena */
  uint32_t input_offset; /* arena offset of the network input [H, W, C] */
  uint32_t input_bytes;
  uint32_t output_offset; /* arena offset of the network output (the logits) */
  uint32_t output_bytes;
  int32_t input_zero_point;
  int32_t output_zero_point;
  uint32_t patch_plan;  /* blob offset of the tn_patch_plan; 0: every op runs once, on whole tensors */
  uint32_t reserved[2]; /* 0 */
} tn_blob_header;

/* Rows [lo, hi) of a tensor (and the same columns) one patch index covers. */
typedef struct {
  uint16_t lo;
  uint16_t hi;
} tn_span;

/* What patch index i of one op covers: the output rows it produces and the rows of each input tile it reads
 * (in2 only for an add; 0, 0 otherwise). */
typedef struct {
  tn_span out;
  tn_span in;
  tn_span in2;
} tn_patch_span;

typedef struct {
  uint32_t patches;  /* n, 1..TN_MAX_PATCHES: an n x n grid */
  uint32_t split_op; /* ops [0, split_op] run per patch; split_op is a pointwise conv or an add */
  uint32_t reserved[2];
  /* followed by (split_op + 1) * patches tn_patch_span, op-major: span[op * patches + i] */
} tn_patch_plan;

typedef struct {
  uint8_t type;   /* tn_op_type */
  uint8_t kernel; /* 1 for add, pool, fc */
  uint8_t stride;
  uint8_t pad;
  uint16_t in_h, in_w, in_c;
  uint16_t out_h, out_w, out_c;
  /* arena offsets (bytes) */
  uint32_t input;
  uint32_t input2; /* add only; TN_NO_OFFSET otherwise */
  uint32_t output;
  uint32_t scratch;       /* TN_NO_OFFSET when scratch_bytes == 0 */
  uint32_t scratch_bytes; /* planned scratch, >= the kernel's get_buffer_size */
  /* quantisation */
  int32_t input_offset;  /* -input zero point */
  int32_t input2_offset; /* add only */
  int32_t output_offset; /* output zero point */
  int32_t act_min;
  int32_t act_max;
  /* blob offsets (bytes) of the constant arrays; TN_NO_OFFSET when absent */
  uint32_t weights;    /* int8 */
  uint32_t bias;       /* int32 [out_c] */
  uint32_t multiplier; /* int32 [out_c] */
  uint32_t shift;      /* int32 [out_c] */
  /* add only: TF-Lite's int8 ADD rescaling */
  int32_t input1_multiplier, input1_shift;
  int32_t input2_multiplier, input2_shift;
  int32_t output_multiplier, output_shift;
  int32_t left_shift;
} tn_op_record;

#ifdef __cplusplus
}
#endif

#endif /* TN_MODEL_FORMAT_H */
