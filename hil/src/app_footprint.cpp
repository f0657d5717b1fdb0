#include "tinynas/hil/app_footprint.hpp"

#include "elf_image.hpp"

namespace tinynas {

AppFootprint app_footprint(const std::string& elf_path) {
  const detail::ElfImage elf = detail::ElfImage::load(elf_path);
  AppFootprint f;
  f.flash_bytes = static_cast<std::int64_t>(elf.load_bytes());
  f.ram_bytes = static_cast<std::int64_t>(elf.symbol("__tn_ram_end")) - elf.symbol("__tn_ram_start");
  f.arena_bytes = static_cast<std::int64_t>(elf.symbol("__tn_arena_end")) - elf.symbol("__tn_arena_start");
  return f;
}

} // namespace tinynas
