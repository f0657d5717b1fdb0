// Listing an image folder: which files are images of which class, in an order that does not depend
// on the filesystem (directory_iterator's order is unspecified).

#include "folder_listing.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <system_error>

#include "tinynas/dataset/image_folder.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas::folder {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const fs::path& where, const std::string& message) {
  throw Error(ErrorCode::kInvalidFile, message, where.string());
}

// Hidden entries (.DS_Store, .git, macOS' ._ files) are never data.
bool hidden(const fs::path& p) { return p.filename().string().starts_with('.'); }

// The entries of `dir` sorted by name; errors (permissions) name the folder.
std::vector<fs::directory_entry> sorted_entries(const fs::path& dir) {
  std::error_code ec;
  std::vector<fs::directory_entry> entries;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (!hidden(it->path())) entries.push_back(*it);
  if (ec) fail(dir, "cannot list the folder: " + ec.message());
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.path().filename().string() < b.path().filename().string(); });
  return entries;
}

bool is_dir(const fs::directory_entry& e) {
  std::error_code ec;
  return e.is_directory(ec);
}

// Image files of one class folder, sorted by name. Subfolders and other files are ignored.
std::vector<ImageFile> class_images(const fs::path& folder, const std::string& relative, int label) {
  std::vector<ImageFile> files;
  for (const auto& e : sorted_entries(folder)) {
    const std::string name = e.path().filename().string();
    if (is_dir(e) || !is_image_name(name)) continue;
    files.push_back({e.path().string(), relative + "/" + name, label});
  }
  if (files.empty()) fail(folder, "the class folder holds no images (.png, .jpg, .jpeg, .pgm or .ppm)");
  return files;
}

// The class folder names of a split folder; image files directly inside it are a layout mistake.
std::vector<std::string> class_folders(const fs::path& split) {
  std::vector<std::string> names;
  for (const auto& e : sorted_entries(split)) {
    const std::string name = e.path().filename().string();
    if (is_dir(e)) names.push_back(name);
    else if (is_image_name(name))
      fail(e.path(), "is not inside a class folder (expected " + split.filename().string() + "/<class>/" + name + ")");
  }
  return names;
}

// The images of val/ or test/, whose class folders must all exist in train/ (a class may be missing).
std::vector<ImageFile> split_images(const fs::path& split, const std::vector<std::string>& classes) {
  std::vector<ImageFile> files;
  const std::vector<std::string> names = class_folders(split);
  if (names.empty()) fail(split, "holds no class folders (expected " + split.filename().string() + "/<class>/<image>)");
  for (const std::string& name : names) {
    const auto at = std::lower_bound(classes.begin(), classes.end(), name);
    if (at == classes.end() || *at != name)
      fail(split / name, "is a class folder that train/ does not have (classes come from train/)");
    auto images =
        class_images(split / name, split.filename().string() + "/" + name, static_cast<int>(at - classes.begin()));
    files.insert(files.end(), images.begin(), images.end());
  }
  return files;
}

} // namespace

bool is_image_name(const std::string& name) {
  const std::string ext = fs::path(name).extension().string();
  std::string lower(ext.size(), ' ');
  std::transform(ext.begin(), ext.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower == ".png" || lower == ".jpg" || lower == ".jpeg" || lower == ".pgm" || lower == ".ppm";
}

FolderListing list_image_folder(const std::string& dir, int max_classes, bool list_test) {
  const fs::path root(dir);
  FolderListing listing;
  listing.class_names = class_folders(root / "train");
  const int classes = static_cast<int>(listing.class_names.size());
  if (classes == 0) fail(root / "train", "holds no class folders (expected train/<class>/<image>)");
  if (classes > kFolderMaxClasses)
    fail(root / "train", "has " + std::to_string(classes) + " class folders; at most " +
                             std::to_string(kFolderMaxClasses) + " are supported (labels are 8-bit)");
  if (classes > max_classes)
    fail(root / "train", "has " + std::to_string(classes) + " class folders but `classes` is " +
                             std::to_string(max_classes) + " (choose a search space with as many classes)");
  for (int label = 0; label < classes; ++label) {
    const std::string& name = listing.class_names[static_cast<std::size_t>(label)];
    auto images = class_images(root / "train" / name, "train/" + name, label);
    listing.train.insert(listing.train.end(), images.begin(), images.end());
  }
  std::error_code ec;
  listing.has_val = fs::is_directory(root / "val", ec);
  listing.has_test = fs::is_directory(root / "test", ec);
  if (listing.has_val) listing.val = split_images(root / "val", listing.class_names);
  if (listing.has_test && list_test) listing.test = split_images(root / "test", listing.class_names);
  return listing;
}

} // namespace tinynas::folder
