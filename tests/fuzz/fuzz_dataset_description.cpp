// dataset.json beside a user's data.
#include "fuzz_target.hpp"
#include "tinynas/dataset/description.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tinynas;
  fuzz::refuse_or_accept(
      [&] { (void)parse_dataset_description(std::string(fuzz::text_of(data, size)), "dataset.json"); });
  return 0;
}
