// The supernet / model file (TNSUPNET). The input is the file without its CRC-32 trailer, which the target
// appends, so the fuzzer reaches the header, tables and sections behind the checksum.
#include <zlib.h>

#include "fuzz_target.hpp"
#include "supernet_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tinynas;
  std::string bytes(fuzz::text_of(data, size));
  const auto crc = static_cast<std::uint32_t>(crc32(0L, data, static_cast<uInt>(size)));
  bytes.append(reinterpret_cast<const char*>(&crc), 4); // little-endian, as the file stores it
  fuzz::refuse_or_accept([&] { (void)engine::parse_supernet_file(bytes, "fuzz.tns"); });
  return 0;
}
