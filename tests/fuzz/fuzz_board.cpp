// Board JSON (configs/boards/*.json): anything accepted writes back to JSON that loads to the same board.
#include "fuzz_target.hpp"
#include "tinynas/profiler/board.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tinynas;
  fuzz::refuse_or_accept([&] {
    const Board board = Board::from_json(fuzz::text_of(data, size), "fuzz.json");
    const std::string written = board.to_json();
    if (Board::from_json(written, "rewritten.json").to_json() != written)
      fuzz::finding("a board does not survive to_json -> from_json");
  });
  return 0;
}
