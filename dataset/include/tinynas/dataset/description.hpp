#pragma once
// dataset.json: an optional description beside the data, never required. It may give the
// per-channel mean and std, whether horizontal flips keep an image's class (not for digits, text
// or spectrograms), the input size, and the class names. Format: docs/FORMATS.md ("dataset.json").
//
//   {"mean": [0.49, 0.48, 0.45], "std": [0.25, 0.24, 0.26], "flip": true,
//    "input_size": [32, 32], "classes": ["cat", "dog"]}

#include <optional>
#include <string>
#include <vector>

#include "tinynas/dataset/normalization.hpp"

namespace tinynas {

struct DatasetDescription {
  std::string file;                            // the dataset.json read; "" when there is none
  std::optional<std::vector<float>> mean, std; // per channel, in [0, 1] pixel units
  std::optional<bool> flip;                    // horizontal flips are a valid augmentation
  int input_rows = 0, input_cols = 0;          // 0: as the data is stored
  std::vector<std::string> class_names;        // empty: unnamed
};

// The description file of the data at `data_path`: DIR/dataset.json for a directory, dataset.json
// in the same directory for a file (an .npz). An absent file gives an empty description. Throws
// Error(kInvalidFile) naming the file and the JSON field for a malformed one.
DatasetDescription read_dataset_description(const std::string& data_path);
DatasetDescription parse_dataset_description(const std::string& text, const std::string& file);

} // namespace tinynas
