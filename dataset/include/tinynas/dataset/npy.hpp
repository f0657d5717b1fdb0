#pragma once
// NumPy arrays as datasets ("bring your own data", issue 11): the .npy format (versions 1.0, 2.0
// and 3.0) and .npz archives of .npy members (np.savez, stored, and np.savez_compressed,
// deflated), read through libzip. Layouts and limits: docs/FORMATS.md ("NumPy datasets").
// Every error is an Error(kInvalidFile) naming the file; errors inside an .npz name the member too.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tinynas/dataset/dataset.hpp"

namespace tinynas {

// The element types accepted: uint8 and float32 for images; uint8, int8, int16, uint16, int32
// and int64 for labels. Little-endian only ('<', or '|' for one-byte types).
enum class NpyDtype { kUint8, kInt8, kInt16, kUint16, kInt32, kInt64, kFloat32 };

inline constexpr std::size_t kNpyMaxHeaderBytes = 64 * 1024; // header dict length limit
inline constexpr int kNpyMaxDims = 5;

// The header dict literal, e.g. "{'descr': '<f4', 'fortran_order': False, 'shape': (60000, 28, 28), }".
struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::uint64_t> shape; // () for a scalar
};
// Parses the dict: exactly the keys 'descr', 'fortran_order' and 'shape', in any order, single- or
// double-quoted; whitespace (the header's padding and final newline) around and after it. `file`
// names the source in errors.
NpyHeader parse_npy_header(std::string_view dict, const std::string& file);

struct NpyArray {
  NpyDtype dtype = NpyDtype::kUint8;
  std::vector<std::uint64_t> shape;
  std::vector<std::uint8_t> data; // C order, little-endian elements as in the file

  std::uint64_t count() const; // elements (1 for a scalar)
  // Element i converted: integer dtypes exactly; float32 widened by real(), truncated toward zero and saturated
  // to int64's range by integer() (NaN: 0).
  std::int64_t integer(std::size_t i) const;
  float real(std::size_t i) const;
};

// A whole .npy file held in memory. `file` (and `member`, for an .npz) name it in errors.
NpyArray parse_npy(std::string_view bytes, const std::string& file, const std::string& member = {});
NpyArray read_npy(const std::string& path);

// The member `name` (e.g. "x_train.npy") of an .npz archive.
NpyArray read_npz_member(const std::string& path, const std::string& name);
// The names of the archive's members, in archive order.
std::vector<std::string> npz_members(const std::string& path);

// An ImageSet from images shaped N x H x W, N x H x W x 1 (grey) or N x H x W x 3 (RGB) (uint8, or float32: see
// docs/FORMATS.md for the scaling) and integer labels shaped N or N x 1, each below `classes`.
// `file` names the source in errors; `images_name` and `labels_name` the arrays (e.g. members).
ImageSet image_set_from_arrays(const NpyArray& images, const NpyArray& labels, int classes, const std::string& file,
                               const std::string& images_name = "images", const std::string& labels_name = "labels");

// Splits from an .npz: Keras' layout (x_train, y_train, x_test, y_test, as in mnist.npz) or a single
// split (x, y or images, labels). `val` is the last options.val_size training images; for a single
// split `test` is the last val_size images and `val` the val_size before them (deterministic, no
// shuffling; the same split whether or not the test set is loaded). train_limit, load_test and
// classes as in load_dataset; options.dir is not used.
DatasetSplits load_npz_dataset(const std::string& path, const DatasetOptions& options);

// The same layouts as .npy files in a folder (np.save("DIR/x_train.npy", x), ...): a pair of .npy
// files is a dataset too. Errors name the folder and the file.
bool is_npy_folder(const std::string& dir); // it holds x_train.npy, x.npy or images.npy
DatasetSplits load_npy_folder_dataset(const std::string& dir, const DatasetOptions& options);

} // namespace tinynas
