#include "dataset_fit.hpp"

#include <algorithm>

#include "tinynas/space/error.hpp"

namespace tinynas::engine {

namespace {

std::string channel_kind(int channels) {
  return channels == 1   ? "grey images (1 channel)"
         : channels == 3 ? "RGB images (3 channels)"
                         : std::to_string(channels) + "-channel images";
}

} // namespace

void check_dataset_fits(const SearchSpace& space, const ImageSet& images, const std::string& split) {
  if (images.size() == 0) return;
  if (images.channels != space.input_channels)
    throw Error(ErrorCode::kInvalidArgument,
                "the " + split + " data has " + channel_kind(images.channels) + " but space \"" + space.name +
                    "\" takes " + channel_kind(space.input_channels) +
                    ": choose a space whose input_channels match the data, or convert the images");
  const int top = *std::max_element(images.labels.begin(), images.labels.end());
  if (top >= space.num_classes)
    throw Error(ErrorCode::kInvalidArgument,
                "the " + split + " data has a label " + std::to_string(top) + " but space \"" + space.name + "\" has " +
                    std::to_string(space.num_classes) + " classes: set \"num_classes\" to " + std::to_string(top + 1) +
                    " or more in the space file (or pass --classes-from-data to train)");
}

void check_training_data(const SearchSpace& space, const DatasetSplits& data) {
  if (data.train.size() == 0) throw Error(ErrorCode::kInvalidArgument, "no training images");
  check_dataset_fits(space, data.train, "training");
  if (!data.class_names.empty() && data.class_names.size() != static_cast<std::size_t>(space.num_classes))
    throw Error(ErrorCode::kInvalidArgument,
                "the data names " + std::to_string(data.class_names.size()) + " classes (\"" +
                    data.class_names.front() + "\", ...) but space \"" + space.name + "\" has " +
                    std::to_string(space.num_classes) +
                    ": pass --classes-from-data (Python: classes_from_data=True) or set \"num_classes\" in the space");
  check_dataset_fits(space, data.val, "validation");
}

} // namespace tinynas::engine
