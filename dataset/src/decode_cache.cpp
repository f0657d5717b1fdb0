// Reading and writing .tnds decode caches (decode_cache.hpp). The reader streams into the final
// vectors (a cache may hold gigabytes: no second copy), checks every size against the bytes left
// before allocating, and trusts nothing until the CRC at the end matches.

#include "decode_cache.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <spdlog/spdlog.h>
#include <zlib.h>

#include "tinynas/dataset/image_folder.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas::folder {

namespace {

constexpr char kMagic[4] = {'T', 'N', 'D', 'S'};
constexpr std::size_t kMaxClassName = 4096;

std::uint32_t crc_update(std::uint32_t crc, const void* data, std::size_t n) {
  const auto* p = static_cast<const Bytef*>(data);
  uLong c = crc;
  for (std::size_t at = 0; at < n;) {
    const auto chunk = static_cast<uInt>(std::min<std::size_t>(n - at, 1U << 30));
    c = crc32(c, p + at, chunk);
    at += chunk;
  }
  return static_cast<std::uint32_t>(c);
}

// Thrown inside the reader only: the file is not a usable cache (the message says why).
struct Damaged {
  std::string why;
};

class Reader {
public:
  explicit Reader(const std::string& path) : in_(path, std::ios::binary) {
    std::error_code ec;
    left_ = std::filesystem::file_size(path, ec);
    if (ec || !in_) throw Damaged{"cannot be read"};
  }
  void read(void* out, std::size_t n) {
    if (n > left_) throw Damaged{"is truncated"};
    in_.read(static_cast<char*>(out), static_cast<std::streamsize>(n));
    if (!in_) throw Damaged{"is truncated"};
    crc_ = crc_update(crc_, out, n);
    left_ -= n;
  }
  std::uint64_t u64(int bytes = 8) {
    unsigned char b[8] = {};
    read(b, static_cast<std::size_t>(bytes));
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | b[i];
    return v;
  }
  std::uint32_t u32() { return static_cast<std::uint32_t>(u64(4)); }
  std::uint64_t left() const { return left_; }
  std::uint32_t crc() const { return crc_; }

private:
  std::ifstream in_;
  std::uint64_t left_ = 0;
  std::uint32_t crc_ = crc_update(0, nullptr, 0);
};

void put(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

DatasetSplits read_splits(Reader& r, std::uint64_t key) {
  char magic[4];
  r.read(magic, 4);
  if (!std::equal(magic, magic + 4, kMagic)) throw Damaged{"is not a decode cache (wrong magic)"};
  if (const std::uint32_t version = r.u32(); version != kCacheVersion)
    throw Damaged{"has version " + std::to_string(version) + ", this build reads " + std::to_string(kCacheVersion)};
  if (r.u64() != key) throw Damaged{"was written for other data (key mismatch)"};
  DatasetSplits s;
  const std::uint32_t rows = r.u32(), cols = r.u32(), channels = r.u32(), classes = r.u32();
  if (rows < 1 || cols < 1 || rows > kFolderMaxImageSide || cols > kFolderMaxImageSide ||
      (channels != 1 && channels != 3) || classes < 1 || classes > kFolderMaxClasses)
    throw Damaged{"has a bad header"};
  for (std::uint32_t c = 0; c < classes; ++c) {
    const std::uint32_t length = r.u32();
    if (length > kMaxClassName || length > r.left()) throw Damaged{"has a bad class name"};
    std::string name(length, '\0');
    r.read(name.data(), length);
    s.class_names.push_back(std::move(name));
  }
  const std::uint64_t image_bytes = std::uint64_t{rows} * cols * channels;
  for (ImageSet* set : {&s.train, &s.val, &s.test}) {
    const std::uint64_t count = r.u64();
    if (count > r.left() / (image_bytes + 1) || count > static_cast<std::uint64_t>(INT32_MAX))
      throw Damaged{"is truncated"};
    set->rows = static_cast<int>(rows);
    set->cols = static_cast<int>(cols);
    set->channels = static_cast<int>(channels);
    set->labels.resize(count);
    r.read(set->labels.data(), count);
    for (std::uint8_t label : set->labels)
      if (label >= classes) throw Damaged{"has a label outside the classes"};
    set->pixels.resize(count * image_bytes);
    r.read(set->pixels.data(), set->pixels.size());
  }
  const std::uint32_t computed = r.crc();
  if (r.u32() != computed) throw Damaged{"is corrupt (CRC-32 mismatch)"};
  if (r.left() != 0) throw Damaged{"has bytes after its end"};
  return s;
}

} // namespace

CacheKey& CacheKey::add(std::uint64_t v) {
  unsigned char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>((v >> (8 * i)) & 0xFF);
  bytes(b, 8);
  return *this;
}

CacheKey& CacheKey::add(std::string_view s) {
  add(static_cast<std::uint64_t>(s.size()));
  bytes(s.data(), s.size());
  return *this;
}

void CacheKey::bytes(const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) {
    hash_ ^= p[i];
    hash_ *= 0x100000001b3ULL;
  }
}

std::string cache_path(const std::string& cache_dir, const std::string& name, std::uint64_t key) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(key));
  return (std::filesystem::path(cache_dir) / (name + "-" + hex + ".tnds")).string();
}

std::optional<DatasetSplits> read_decode_cache(const std::string& path, std::uint64_t key) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  try {
    Reader r(path);
    return read_splits(r, key);
  } catch (const Damaged& d) {
    spdlog::warn("decode cache {} {}; decoding the images again and rewriting it", path, d.why);
  } catch (const std::bad_alloc&) {
    spdlog::warn("decode cache {} is too large to read; decoding the images again and rewriting it", path);
  }
  return std::nullopt;
}

void write_decode_cache(const std::string& path, std::uint64_t key, const DatasetSplits& splits) {
  const ImageSet& shape = splits.train;
  std::string out(kMagic, 4);
  put(out, kCacheVersion, 4);
  put(out, key, 8);
  put(out, static_cast<std::uint64_t>(shape.rows), 4);
  put(out, static_cast<std::uint64_t>(shape.cols), 4);
  put(out, static_cast<std::uint64_t>(shape.channels), 4);
  put(out, splits.class_names.size(), 4);
  for (const std::string& name : splits.class_names) {
    put(out, name.size(), 4);
    out += name;
  }
  for (const ImageSet* set : {&splits.train, &splits.val, &splits.test}) {
    put(out, static_cast<std::uint64_t>(set->size()), 8);
    out.append(set->labels.begin(), set->labels.end());
    out.append(set->pixels.begin(), set->pixels.end());
  }
  put(out, crc_update(crc_update(0, nullptr, 0), out.data(), out.size()), 4);
  try {
    files::make_directory(std::filesystem::path(path).parent_path().string());
    files::write_file_atomic(path, out);
  } catch (const Error& e) {
    spdlog::warn("could not write the decode cache ({}); the next load decodes the images again", e.what());
  }
}

} // namespace tinynas::folder
