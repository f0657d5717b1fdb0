// IDX files through zlib's gz* interface, which reads gzip streams and plain files alike.

#include <cstring>
#include <filesystem>
#include <memory>

#include <zlib.h>

#include "tinynas/dataset/idx.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& message) {
  throw Error(ErrorCode::kInvalidFile, message, path);
}

using GzFile = std::unique_ptr<gzFile_s, int (*)(gzFile)>;

// Appends up to `bytes` more decompressed bytes to `data` (fewer at the end of the file). A damaged gzip stream
// (bad data, bad CRC, early end) is an error.
void read_up_to(gzFile f, std::uint64_t bytes, const std::string& path, std::string& data) {
  std::vector<char> chunk(std::min<std::uint64_t>(bytes, 1 << 20));
  for (std::uint64_t left = bytes; left > 0;) {
    const int n = gzread(f, chunk.data(), static_cast<unsigned>(std::min<std::uint64_t>(left, chunk.size())));
    if (n < 0) {
      int code = 0;
      fail(path, std::string("damaged gzip data: ") + gzerror(f, &code));
    }
    if (n == 0) break;
    data.append(chunk.data(), static_cast<std::size_t>(n));
    left -= static_cast<std::uint64_t>(n);
  }
  int code = 0;
  const char* message = gzerror(f, &code);
  if (code != Z_OK && code != Z_STREAM_END) fail(path, std::string("damaged gzip data: ") + message);
}

std::uint32_t big_endian(const std::string& d, std::size_t at) {
  const auto* b = reinterpret_cast<const unsigned char*>(d.data() + at);
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
}

struct IdxHeader {
  std::vector<std::uint32_t> dims;
  std::size_t header_bytes = 0;
  std::uint64_t body_bytes = 0; // the product of the dimensions
};

// Checks the magic (0x00 0x00 0x08 ndims) and that the dimensions announce at most kMaxFileBytes.
IdxHeader read_header(const std::string& path, const std::string& d, int ndims, const char* kind) {
  if (d.size() < 4) fail(path, "truncated: " + std::to_string(d.size()) + " bytes, not even an IDX magic number");
  const auto* b = reinterpret_cast<const unsigned char*>(d.data());
  if (b[0] != 0 || b[1] != 0)
    fail(path, "not an IDX file (magic number starts with " + std::to_string(b[0]) + " " + std::to_string(b[1]) +
                   ", expected 0 0)");
  if (b[2] != 0x08) fail(path, "IDX element type " + std::to_string(b[2]) + " is not unsigned byte (8)");
  if (b[3] != ndims)
    fail(path, "IDX file has " + std::to_string(b[3]) + " dimensions; " + kind + " need " + std::to_string(ndims));
  IdxHeader h;
  h.header_bytes = 4 + 4 * static_cast<std::size_t>(ndims);
  if (d.size() < h.header_bytes) fail(path, "truncated inside the IDX header (" + std::to_string(d.size()) + " bytes)");
  h.body_bytes = 1;
  for (int i = 0; i < ndims; ++i) {
    h.dims.push_back(big_endian(d, 4 + 4 * static_cast<std::size_t>(i)));
    // checked at every factor: three 32-bit dimensions can overflow 64 bits
    if (h.dims.back() != 0 && h.body_bytes > files::kMaxFileBytes / h.dims.back())
      fail(path, std::string("the header's dimensions announce more than ") +
                     std::to_string(files::kMaxFileBytes >> 20) + " MiB of " + kind +
                     ": larger than any IDX file TinyNAS reads");
    h.body_bytes *= h.dims.back();
  }
  return h;
}

// Checks the header and that the body has exactly the announced size; returns the dimensions.
std::vector<std::uint32_t> parse_header(const std::string& path, const std::string& d, int ndims, const char* kind) {
  const IdxHeader h = read_header(path, d, ndims, kind);
  const std::uint64_t have = d.size() - h.header_bytes;
  if (have < h.body_bytes)
    fail(path, "truncated: the header announces " + std::to_string(h.body_bytes) + " bytes of " + kind +
                   ", the file holds " + std::to_string(have));
  if (have > h.body_bytes) fail(path, std::to_string(have - h.body_bytes) + " unexpected bytes after the " + kind);
  return h.dims;
}

// The decompressed file, read no further than its header announces (plus one byte, to notice extra content): a
// few kilobytes of gzip can expand to any size, and memory stays bounded by the announced size.
std::string read_idx_file(const std::string& path, int ndims, const char* kind) {
  GzFile f(gzopen(path.c_str(), "rb"), gzclose);
  if (!f) fail(path, std::string("cannot open: ") + std::strerror(errno));
  std::string d;
  read_up_to(f.get(), 4 + 4 * static_cast<std::uint64_t>(ndims), path, d);
  const IdxHeader h = read_header(path, d, ndims, kind);
  d.reserve(h.header_bytes + h.body_bytes + 1);
  read_up_to(f.get(), h.body_bytes + 1, path, d);
  if (d.size() > h.header_bytes + h.body_bytes)
    fail(path,
         "unexpected bytes after the " + std::to_string(h.body_bytes) + " bytes of " + kind + " its header announces");
  return d;
}

} // namespace

IdxImages read_idx_images(const std::string& path) { return parse_idx_images(read_idx_file(path, 3, "images"), path); }

std::vector<std::uint8_t> read_idx_labels(const std::string& path) {
  return parse_idx_labels(read_idx_file(path, 1, "labels"), path);
}

IdxImages parse_idx_images(const std::string& d, const std::string& path) {
  const auto dims = parse_header(path, d, 3, "images");
  if (dims[1] == 0 || dims[2] == 0 || dims[1] > 4096 || dims[2] > 4096)
    fail(path, "implausible image size " + std::to_string(dims[1]) + "x" + std::to_string(dims[2]));
  IdxImages out;
  out.count = static_cast<int>(dims[0]);
  out.rows = static_cast<int>(dims[1]);
  out.cols = static_cast<int>(dims[2]);
  out.pixels.assign(d.begin() + 16, d.end());
  return out;
}

std::vector<std::uint8_t> parse_idx_labels(const std::string& d, const std::string& path) {
  parse_header(path, d, 1, "labels");
  return {d.begin() + 8, d.end()};
}

ImageSet read_idx_pair(const std::string& images_path, const std::string& labels_path, int classes) {
  IdxImages images = read_idx_images(images_path);
  std::vector<std::uint8_t> labels = read_idx_labels(labels_path);
  if (labels.size() != static_cast<std::size_t>(images.count))
    throw Error(ErrorCode::kInvalidFile,
                std::to_string(labels.size()) + " labels for " + std::to_string(images.count) + " images in " +
                    images_path,
                labels_path);
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] >= classes)
      throw Error(ErrorCode::kInvalidFile,
                  "label " + std::to_string(labels[i]) + " of image " + std::to_string(i) + " is not below the " +
                      std::to_string(classes) + " classes",
                  labels_path);
  ImageSet set;
  set.rows = images.rows;
  set.cols = images.cols;
  set.pixels = std::move(images.pixels);
  set.labels = std::move(labels);
  return set;
}

} // namespace tinynas
