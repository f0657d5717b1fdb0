// One image file of an image-folder dataset (PNG, JPEG, PGM/PPM ... through stb_image): probed, then decoded and
// resized as the folder loader does. The file lives in a memfd, the loader reads it by path.
#include <sys/mman.h>
#include <unistd.h>

#include <vector>

#include "../../dataset/src/image_decode.hpp"
#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tinynas;
  static const int fd = ::memfd_create("fuzz-image", 0);
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) return 0;
  fuzz::refuse_or_accept([&] {
    const folder::ImageProbe probe = folder::probe_image(path);
    if (std::size_t(probe.size.rows) * std::size_t(probe.size.cols) > (std::size_t{1} << 22))
      return; // a legal 2048 x 2048 image: decoding it is slow and finds nothing new
    for (int channels : {1, 3}) {
      const ImageSize out_size{8, 8};
      std::vector<std::uint8_t> out(std::size_t(8 * 8 * channels));
      folder::decode_image(path, probe.crc, channels, out_size, out.data());
    }
  });
  return 0;
}
