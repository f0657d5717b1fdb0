// NumPy .npy arrays (the members of a user's .npz dataset).
#include "fuzz_target.hpp"
#include "tinynas/dataset/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tinynas;
  fuzz::refuse_or_accept([&] {
    const NpyArray a = parse_npy(fuzz::text_of(data, size), "fuzz.npy");
    if (a.count() > 0) {
      (void)a.integer(a.count() - 1); // the last element is inside the data
      (void)a.real(0);
    }
  });
  return 0;
}
