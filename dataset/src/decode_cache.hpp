#pragma once
// The decode cache of image folders: the finished splits of one load, in a file named by a hash of
// everything that shaped them, so later commands on the same data skip decoding. Layout of a .tnds
// file (little-endian; docs/FORMATS.md, "Image folders"):
//   "TNDS", u32 version (1), u64 key,
//   u32 rows, u32 cols, u32 channels, u32 classes, per class: u32 length + the name's bytes,
//   per split (train, val, test): u64 count, count labels (u8), count * rows * cols * channels pixels,
//   u32 CRC-32 (zlib) of every byte before it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tinynas/dataset/dataset.hpp"

namespace tinynas::folder {

inline constexpr std::uint32_t kCacheVersion = 1;

// 64-bit FNV-1a over typed fields (each string is length-prefixed, so fields cannot run together).
class CacheKey {
public:
  CacheKey& add(std::uint64_t v);
  CacheKey& add(std::string_view s);
  std::uint64_t value() const { return hash_; }

private:
  void bytes(const void* data, std::size_t n);
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

// <cache_dir>/<name>-<key as 16 hex digits>.tnds
std::string cache_path(const std::string& cache_dir, const std::string& name, std::uint64_t key);

// The splits in `path` if it is a complete cache file for `key`. A missing file is a plain miss; a
// truncated, corrupt (CRC), foreign or other-version file is a miss with a warning (spdlog): it is
// rebuilt, never trusted.
std::optional<DatasetSplits> read_decode_cache(const std::string& path, std::uint64_t key);

// Writes the cache file atomically (files::write_file_atomic), creating the folder. A failure is
// a warning, not an error: the splits are good, only the next load will decode again.
void write_decode_cache(const std::string& path, std::uint64_t key, const DatasetSplits& splits);

} // namespace tinynas::folder
