#pragma once
// The files of an image folder (image_folder.hpp), before anything is read: class names from the
// folder names under train/, and per split the image files in a filesystem-independent order.

#include <string>
#include <vector>

namespace tinynas::folder {

struct ImageFile {
  std::string path;     // as opened: DIR/split/class/name
  std::string relative; // split/class/name: what the cache key hashes, so moving DIR keeps the cache
  int label = 0;
};

struct FolderListing {
  std::vector<std::string> class_names; // sorted by bytes (std::string order, no locale)
  std::vector<ImageFile> train;         // sorted by class, then file name
  std::vector<ImageFile> val;           // empty unless has_val
  std::vector<ImageFile> test;          // empty unless has_test and listed
  bool has_val = false;
  bool has_test = false;
};

// Whether a file name has an image extension (.png .jpg .jpeg .pgm .ppm, any case).
bool is_image_name(const std::string& name);

// Lists DIR/train (and DIR/val, and DIR/test when `list_test`). Throws Error(kInvalidFile) naming the
// folder: no class folders, an empty class folder, more than `max_classes` classes, a class folder in
// val/ or test/ that train/ lacks, an image outside any class folder.
FolderListing list_image_folder(const std::string& dir, int max_classes, bool list_test);

} // namespace tinynas::folder
