#include "tn/tn_types.h"

const char* tn_status_name(tn_status status) {
  switch (status) {
  case TN_OK: return "ok";
  case TN_ERR_ARGUMENT: return "bad-argument";
  case TN_ERR_BLOB_MAGIC: return "blob-magic";
  case TN_ERR_BLOB_VERSION: return "blob-version";
  case TN_ERR_BLOB_SIZE: return "blob-size";
  case TN_ERR_BLOB_CRC: return "blob-crc";
  case TN_ERR_BLOB_OP: return "blob-op";
  case TN_ERR_BLOB_SHAPE: return "blob-shape";
  case TN_ERR_BLOB_BOUNDS: return "blob-bounds";
  case TN_ERR_ARENA_TOO_SMALL: return "arena-too-small";
  case TN_ERR_SCRATCH_TOO_SMALL: return "scratch-too-small";
  case TN_ERR_NO_MODEL: return "no-model";
  case TN_ERR_COMMAND: return "bad-command";
  case TN_ERR_OVERLAP: return "operand-overlap";
  case TN_ERR_PATCH_PLAN: return "patch-plan";
  case TN_ERR_KERNEL_OMITTED: return "kernel-omitted";
  }
  return "unknown";
}
