// NumPy .npy and .npz readers (format: numpy.lib.format) and their conversion to ImageSet.
// Sizes are checked against the bytes present before anything is allocated; .npz members are read
// through libzip, which checks each member's CRC at its end.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>

#include <zip.h>

#include "held_out.hpp"
#include "tinynas/dataset/npy.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const std::string& file, const std::string& member, const std::string& message) {
  throw Error(ErrorCode::kInvalidFile, member.empty() ? message : "member " + member + ": " + message, file);
}

std::size_t item_size(NpyDtype t) {
  switch (t) {
  case NpyDtype::kUint8:
  case NpyDtype::kInt8: return 1;
  case NpyDtype::kInt16:
  case NpyDtype::kUint16: return 2;
  case NpyDtype::kInt32:
  case NpyDtype::kFloat32: return 4;
  case NpyDtype::kInt64: return 8;
  }
  return 1;
}

const char* dtype_name(NpyDtype t) {
  switch (t) {
  case NpyDtype::kUint8: return "uint8";
  case NpyDtype::kInt8: return "int8";
  case NpyDtype::kInt16: return "int16";
  case NpyDtype::kUint16: return "uint16";
  case NpyDtype::kInt32: return "int32";
  case NpyDtype::kInt64: return "int64";
  case NpyDtype::kFloat32: return "float32";
  }
  return "?";
}

NpyDtype parse_descr(const std::string& descr, const std::string& file, const std::string& member) {
  const std::string accepted = " (accepted: |u1, <f4, <i8, <i4, |i1, <i2, <u2)";
  if (descr.size() != 3) fail(file, member, "unsupported dtype '" + descr + "'" + accepted);
  const char order = descr[0];
  const std::string code = descr.substr(1);
  if (order == '>') fail(file, member, "dtype '" + descr + "' is big-endian; save the array little-endian ('<')");
  if (order == '=')
    fail(file, member,
         "dtype '" + descr + "' has native byte order ('='); save it with an explicit '<' (little-endian)");
  struct Known {
    const char* code;
    NpyDtype type;
  };
  static constexpr Known kKnown[] = {{"u1", NpyDtype::kUint8},  {"i1", NpyDtype::kInt8},  {"i2", NpyDtype::kInt16},
                                     {"u2", NpyDtype::kUint16}, {"i4", NpyDtype::kInt32}, {"i8", NpyDtype::kInt64},
                                     {"f4", NpyDtype::kFloat32}};
  for (const Known& k : kKnown) {
    if (code != k.code) continue;
    // '|' (not applicable) is how NumPy writes one-byte types; '<' is accepted for them too.
    if (order == '<' || (order == '|' && item_size(k.type) == 1)) return k.type;
  }
  fail(file, member, "unsupported dtype '" + descr + "'" + accepted);
}

// A cursor over the header dict literal.
class DictParser {
public:
  DictParser(std::string_view text, const std::string& file) : s_(text), file_(file) {}

  NpyHeader parse() {
    NpyHeader h;
    bool have_descr = false, have_order = false, have_shape = false;
    skip_space();
    expect('{');
    for (;;) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = string_literal();
      skip_space();
      expect(':');
      skip_space();
      auto once = [&](bool& seen) {
        if (seen) error("key '" + key + "' appears twice");
        seen = true;
      };
      if (key == "descr") {
        once(have_descr);
        if (peek() != '\'' && peek() != '"')
          error("'descr' must be a dtype string such as '<f4' (structured dtypes are not supported)");
        h.descr = string_literal();
      } else if (key == "fortran_order") {
        once(have_order);
        h.fortran_order = boolean();
      } else if (key == "shape") {
        once(have_shape);
        h.shape = tuple();
      } else {
        error("unexpected key '" + key + "' (an .npy header has 'descr', 'fortran_order' and 'shape')");
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != '}') error("expected ',' or '}'");
    }
    ++pos_; // '}'
    skip_space();
    if (pos_ != s_.size()) error("unexpected text after the header dict");
    if (!have_descr) error("missing key 'descr'");
    if (!have_order) error("missing key 'fortran_order'");
    if (!have_shape) error("missing key 'shape'");
    return h;
  }

private:
  [[noreturn]] void error(const std::string& what) const {
    throw Error(ErrorCode::kInvalidFile, "bad .npy header at offset " + std::to_string(pos_) + ": " + what, file_);
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  void expect(char c) {
    if (peek() != c) error(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string string_literal() {
    const char quote = peek();
    if (quote != '\'' && quote != '"') error("expected a quoted string");
    const std::size_t start = ++pos_;
    while (pos_ < s_.size() && s_[pos_] != quote) {
      if (s_[pos_] == '\\') error("escapes in strings are not supported");
      ++pos_;
    }
    if (pos_ >= s_.size()) error("unterminated string");
    return std::string(s_.substr(start, pos_++ - start));
  }
  bool boolean() {
    if (s_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (s_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    error("expected True or False");
  }
  std::uint64_t integer() {
    if (peek() < '0' || peek() > '9') error("expected a non-negative integer");
    std::uint64_t v = 0;
    while (peek() >= '0' && peek() <= '9') {
      const auto digit = static_cast<std::uint64_t>(peek() - '0');
      if (v > (UINT64_MAX - digit) / 10) error("dimension too large");
      v = v * 10 + digit;
      ++pos_;
    }
    if (peek() == 'L') ++pos_; // Python 2 longs, as old files may hold
    return v;
  }
  std::vector<std::uint64_t> tuple() {
    expect('(');
    std::vector<std::uint64_t> dims;
    skip_space();
    while (peek() != ')') {
      dims.push_back(integer());
      if (dims.size() > static_cast<std::size_t>(kNpyMaxDims))
        error("more than " + std::to_string(kNpyMaxDims) + " dimensions");
      skip_space();
      if (peek() == ',') {
        ++pos_;
        skip_space();
      } else if (peek() != ')') {
        error("expected ',' or ')' in the shape");
      }
    }
    ++pos_;
    return dims;
  }

  std::string_view s_;
  const std::string& file_;
  std::size_t pos_ = 0;
};

std::uint32_t little_endian(std::string_view d, std::size_t at, std::size_t bytes) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < bytes; ++i) v |= std::uint32_t{static_cast<unsigned char>(d[at + i])} << (8 * i);
  return v;
}

std::string zip_message(int code) {
  zip_error_t e;
  zip_error_init_with_code(&e, code);
  std::string m = zip_error_strerror(&e);
  zip_error_fini(&e);
  return m;
}

using ZipPtr = std::unique_ptr<zip_t, void (*)(zip_t*)>;

ZipPtr open_zip(const std::string& path) {
  int code = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_RDONLY, &code);
  if (z == nullptr) fail(path, {}, "cannot open as an .npz (zip) archive: " + zip_message(code));
  return ZipPtr(z, zip_discard);
}

} // namespace

NpyHeader parse_npy_header(std::string_view dict, const std::string& file) { return DictParser(dict, file).parse(); }

std::uint64_t NpyArray::count() const {
  std::uint64_t n = 1;
  for (std::uint64_t d : shape) n *= d;
  return n;
}

std::int64_t NpyArray::integer(std::size_t i) const {
  const std::uint8_t* p = data.data() + i * item_size(dtype);
  std::uint64_t raw = 0;
  for (std::size_t b = 0; b < item_size(dtype); ++b) raw |= std::uint64_t{p[b]} << (8 * b);
  switch (dtype) {
  case NpyDtype::kUint8:
  case NpyDtype::kUint16: return static_cast<std::int64_t>(raw);
  case NpyDtype::kInt8: return static_cast<std::int8_t>(raw);
  case NpyDtype::kInt16: return static_cast<std::int16_t>(raw);
  case NpyDtype::kInt32: return static_cast<std::int32_t>(raw);
  case NpyDtype::kInt64: return static_cast<std::int64_t>(raw);
  case NpyDtype::kFloat32: {
    // Truncated toward zero and saturated: a float beyond int64's range (or infinite) converted as it is would be
    // undefined behaviour (found by fuzzing); NaN has no integer and gives 0.
    const double v = real(i);
    if (std::isnan(v)) return 0;
    if (v >= 0x1p63) return std::numeric_limits<std::int64_t>::max();
    if (v < -0x1p63) return std::numeric_limits<std::int64_t>::min();
    return static_cast<std::int64_t>(v);
  }
  }
  return 0;
}

float NpyArray::real(std::size_t i) const {
  if (dtype != NpyDtype::kFloat32) return static_cast<float>(integer(i));
  const std::uint8_t* p = data.data() + i * 4;
  const std::uint32_t bits =
      std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24);
  float f = 0;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

NpyArray parse_npy(std::string_view d, const std::string& file, const std::string& member) {
  static constexpr std::string_view kMagic = "\x93NUMPY";
  if (d.size() < 10) {
    if (!d.empty() &&
        d.substr(0, std::min(d.size(), kMagic.size())) == kMagic.substr(0, std::min(d.size(), kMagic.size())))
      fail(file, member, "truncated: " + std::to_string(d.size()) + " bytes, shorter than an .npy preamble");
    fail(file, member, "not an .npy file (no \\x93NUMPY magic)");
  }
  if (d.substr(0, 6) != kMagic) fail(file, member, "not an .npy file (no \\x93NUMPY magic)");
  const int major = static_cast<unsigned char>(d[6]);
  const int minor = static_cast<unsigned char>(d[7]);
  if (major < 1 || major > 3 || minor != 0)
    fail(file, member,
         "unsupported .npy version " + std::to_string(major) + "." + std::to_string(minor) +
             " (accepted: 1.0, 2.0, 3.0)");
  const std::size_t length_bytes = major == 1 ? 2 : 4;
  if (d.size() < 8 + length_bytes) fail(file, member, "truncated inside the .npy preamble");
  const std::size_t header_len = little_endian(d, 8, length_bytes);
  if (header_len > kNpyMaxHeaderBytes)
    fail(file, member,
         ".npy header of " + std::to_string(header_len) + " bytes exceeds the limit of " +
             std::to_string(kNpyMaxHeaderBytes));
  const std::size_t data_start = 8 + length_bytes + header_len;
  if (d.size() < data_start)
    fail(file, member,
         "truncated inside the .npy header (" + std::to_string(header_len) + " bytes announced, " +
             std::to_string(d.size() - 8 - length_bytes) + " present)");
  NpyHeader h;
  try {
    h = parse_npy_header(d.substr(8 + length_bytes, header_len), file);
  } catch (const Error& e) {
    fail(file, member, e.message());
  }
  if (h.fortran_order)
    fail(file, member, "fortran_order is True: save the array in C order (np.ascontiguousarray) first");
  NpyArray a;
  a.dtype = parse_descr(h.descr, file, member);
  a.shape = h.shape;
  std::uint64_t bytes = item_size(a.dtype);
  for (std::uint64_t dim : a.shape)
    if (__builtin_mul_overflow(bytes, dim, &bytes)) fail(file, member, "the shape's size overflows 64 bits");
  const std::uint64_t have = d.size() - data_start;
  if (have < bytes)
    fail(file, member,
         "truncated: the header announces " + std::to_string(bytes) + " bytes of data, the file holds " +
             std::to_string(have));
  if (have > bytes) fail(file, member, std::to_string(have - bytes) + " unexpected bytes after the array data");
  a.data.assign(d.begin() + static_cast<std::ptrdiff_t>(data_start), d.end());
  return a;
}

NpyArray read_npy(const std::string& path) { return parse_npy(files::read_file(path), path); }

std::vector<std::string> npz_members(const std::string& path) {
  ZipPtr z = open_zip(path);
  const zip_int64_t n = zip_get_num_entries(z.get(), 0);
  std::vector<std::string> names;
  for (zip_int64_t i = 0; i < n; ++i)
    if (const char* name = zip_get_name(z.get(), static_cast<zip_uint64_t>(i), 0)) names.emplace_back(name);
  return names;
}

NpyArray read_npz_member(const std::string& path, const std::string& name) {
  ZipPtr z = open_zip(path);
  const zip_int64_t index = zip_name_locate(z.get(), name.c_str(), 0);
  if (index < 0) fail(path, name, "no such member in the archive");
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(z.get(), static_cast<zip_uint64_t>(index), 0, &st) != 0 || (st.valid & ZIP_STAT_SIZE) == 0)
    fail(path, name, std::string("cannot read the member's size: ") + zip_strerror(z.get()));
  std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> f(zip_fopen_index(z.get(), static_cast<zip_uint64_t>(index), 0),
                                                      zip_fclose);
  if (!f) fail(path, name, std::string("cannot open: ") + zip_strerror(z.get()));
  // Grow with the data actually inflated (never trust the declared size for an allocation); stop at
  // one byte beyond the declared size.
  std::string data;
  std::vector<char> chunk(1 << 20);
  for (;;) {
    const zip_int64_t got = zip_fread(f.get(), chunk.data(), chunk.size());
    if (got < 0) fail(path, name, std::string("damaged member data: ") + zip_file_strerror(f.get()));
    if (got == 0) break;
    data.append(chunk.data(), static_cast<std::size_t>(got));
    if (data.size() > st.size) fail(path, name, "more data than the archive's directory declares");
  }
  if (data.size() != st.size)
    fail(path, name,
         "truncated: " + std::to_string(data.size()) + " of " + std::to_string(st.size) + " declared bytes present");
  return parse_npy(data, path, name);
}

ImageSet image_set_from_arrays(const NpyArray& images, const NpyArray& labels, int classes, const std::string& file,
                               const std::string& images_name, const std::string& labels_name) {
  auto bad = [&](const std::string& name, const std::string& message) -> void {
    throw Error(ErrorCode::kInvalidFile, name + ": " + message, file);
  };
  auto shape_text = [](const std::vector<std::uint64_t>& s) {
    std::string t = "(";
    for (std::size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
    return t + (s.size() == 1 ? ",)" : ")");
  };
  if (classes < 1 || classes > 256)
    throw invalid_option("classes", "must be between 1 and 256, found " + std::to_string(classes));
  const auto& s = images.shape;
  if (s.size() == 4 && s[1] <= 4 && s[3] > 4)
    bad(images_name, "shape " + shape_text(s) +
                         " looks channels-first (N x C x H x W, PyTorch's layout); save it as N x H x W x C, e.g. "
                         "x.transpose(0, 2, 3, 1)");
  if (!(s.size() == 3 || (s.size() == 4 && (s[3] == 1 || s[3] == 3))))
    bad(images_name, "shape " + shape_text(s) + " is not N x H x W (grey) or N x H x W x C with C 1 (grey) or 3 (RGB)");
  if (s[1] == 0 || s[2] == 0 || s[1] > 4096 || s[2] > 4096)
    bad(images_name, "implausible image size " + std::to_string(s[1]) + "x" + std::to_string(s[2]));
  if (s[0] > static_cast<std::uint64_t>(INT32_MAX)) bad(images_name, "too many images");
  if (images.dtype != NpyDtype::kUint8 && images.dtype != NpyDtype::kFloat32)
    bad(images_name, std::string("dtype ") + dtype_name(images.dtype) + " is not uint8 or float32");
  const auto& ls = labels.shape;
  if (!(ls.size() == 1 || (ls.size() == 2 && ls[1] == 1)))
    bad(labels_name, "shape " + shape_text(ls) + " is not N or N x 1");
  if (labels.dtype == NpyDtype::kFloat32) bad(labels_name, "labels must be integers, found float32");
  if (ls[0] != s[0])
    bad(labels_name, std::to_string(ls[0]) + " labels for " + std::to_string(s[0]) + " images in " + images_name);

  ImageSet set;
  set.rows = static_cast<int>(s[1]);
  set.cols = static_cast<int>(s[2]);
  set.channels = s.size() == 4 ? static_cast<int>(s[3]) : 1;
  const std::size_t n = static_cast<std::size_t>(images.count());
  if (images.dtype == NpyDtype::kUint8) {
    set.pixels = images.data;
  } else {
    // One scale for the whole array: values within [0, 1] are scaled by 255, values within [0, 255]
    // are taken as they are; both are rounded to the nearest integer.
    float lo = 0, hi = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const float v = images.real(i);
      if (std::isnan(v)) bad(images_name, "NaN at element " + std::to_string(i));
      lo = i == 0 ? v : std::min(lo, v);
      hi = i == 0 ? v : std::max(hi, v);
    }
    if (lo < 0 || hi > 255)
      bad(images_name, "float32 values span [" + std::to_string(lo) + ", " + std::to_string(hi) +
                           "], neither within [0, 1] nor within [0, 255]");
    const float scale = hi <= 1.0f ? 255.0f : 1.0f;
    set.pixels.resize(n);
    for (std::size_t i = 0; i < n; ++i) set.pixels[i] = static_cast<std::uint8_t>(std::lround(images.real(i) * scale));
  }
  set.labels.resize(static_cast<std::size_t>(ls[0]));
  for (std::size_t i = 0; i < set.labels.size(); ++i) {
    const std::int64_t v = labels.integer(i);
    if (v < 0 || v >= classes)
      bad(labels_name, "label " + std::to_string(v) + " of image " + std::to_string(i) + " is not in [0, " +
                           std::to_string(classes) + ")");
    set.labels[i] = static_cast<std::uint8_t>(v);
  }
  return set;
}

namespace {

// Where the arrays of a NumPy dataset are: members of an .npz archive, or .npy files in a folder.
struct ArraySource {
  std::string path;
  bool folder = false;
  std::vector<std::string> names; // "<key>.npy" of every array present

  bool has(const std::string& key) const { return std::find(names.begin(), names.end(), key + ".npy") != names.end(); }
  NpyArray read(const std::string& key) const {
    return folder ? read_npy((fs::path(path) / (key + ".npy")).string()) : read_npz_member(path, key + ".npy");
  }
  // How errors name an array: the archive's member, or the file (relative to the folder).
  std::string label(const std::string& key) const { return (folder ? "file " : "member ") + key + ".npy"; }
};

ArraySource npy_folder_source(const std::string& dir) {
  ArraySource s{dir, true, {}};
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".npy") s.names.push_back(entry.path().filename().string());
  std::sort(s.names.begin(), s.names.end());
  return s;
}

DatasetSplits load_array_dataset(const ArraySource& source, const DatasetOptions& options);

} // namespace

bool is_npy_folder(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return false;
  const ArraySource s = npy_folder_source(dir);
  return s.has("x_train") || s.has("x") || s.has("images");
}

DatasetSplits load_npy_folder_dataset(const std::string& dir, const DatasetOptions& options) {
  return load_array_dataset(npy_folder_source(dir), options);
}

DatasetSplits load_npz_dataset(const std::string& path, const DatasetOptions& options) {
  return load_array_dataset({path, false, npz_members(path)}, options);
}

namespace {

DatasetSplits load_array_dataset(const ArraySource& source, const DatasetOptions& options) {
  const std::string& path = source.path;
  const std::vector<std::string>& members = source.names;
  auto has = [&](const std::string& key) { return source.has(key); };
  auto load = [&](const std::string& x, const std::string& y) {
    return image_set_from_arrays(source.read(x), source.read(y), options.classes, path, source.label(x),
                                 source.label(y));
  };
  DatasetSplits splits;
  DatasetOptions held_out = options;
  ImageSet all;
  std::optional<ImageSet> test;
  if (has("x_train") || has("y_train")) {
    all = load("x_train", "y_train");
    if (options.load_test) {
      test = load("x_test", "y_test");
      data::require_same_image_shape(*test, all, path, source.label("x_test"), source.label("x_train"));
    }
  } else {
    std::string x, y;
    if (has("x") || has("y")) {
      x = "x", y = "y";
    } else if (has("images") || has("labels")) {
      x = "images", y = "labels";
    } else {
      std::string list;
      for (const std::string& m : members) list += (list.empty() ? "" : ", ") + m;
      throw Error(ErrorCode::kInvalidFile,
                  "no x_train.npy/y_train.npy, x.npy/y.npy or images.npy/labels.npy in the " +
                      std::string(source.folder ? "folder (.npy files: " : "archive (members: ") +
                      (list.empty() ? std::string("none") : list) + ")",
                  path);
    }
    ImageSet whole = load(x, y);
    // Validation and test take the same count, decided on the whole array.
    held_out.val_size = data::held_out_count(whole.size(), options.val_size, 2);
    const int test_begin = whole.size() - held_out.val_size;
    if (options.load_test) test = whole.slice(test_begin, whole.size());
    all = whole.slice(0, test_begin);
  }
  data::hold_out_validation(all, held_out, splits);
  if (test) splits.test = std::move(*test);
  return splits;
}

} // namespace

} // namespace tinynas
