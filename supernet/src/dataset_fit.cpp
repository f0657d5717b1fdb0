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
  if (images.channels != space.input_channels)
    throw Error(ErrorCode::kInvalidArgument,
                "the " + split + " data has " + channel_kind(images.channels) + " but space \"" + space.name +
                    "\" takes " + channel_kind(space.input_channels) +
                    ": choose a space whose input_channels match the data, or convert the images");
  if (images.size() == 0) return;
  const int top = *std::max_element(images.labels.begin(), images.labels.end());
  if (top >= space.num_classes)
    throw Error(ErrorCode::kInvalidArgument,
                "the " + split + " data has a label " + std::to_string(top) + " but space \"" + space.name + "\" has " +
                    std::to_string(space.num_classes) + " classes: set \"num_classes\" to " + std::to_string(top + 1) +
                    " or more in the space file (or pass --classes-from-data to train)");
}

} // namespace tinynas::engine
