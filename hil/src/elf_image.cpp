#include "elf_image.hpp"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include <elf.h>

#include "tinynas/space/error.hpp"

namespace tinynas::detail {

namespace {

template <typename T>
T read_at(const std::vector<char>& file, std::size_t offset, const std::string& path) {
  if (offset > file.size() || sizeof(T) > file.size() - offset)
    throw Error(ErrorCode::kInvalidFile, "truncated ELF file", path);
  T value;
  std::memcpy(&value, file.data() + offset, sizeof value);
  return value;
}

} // namespace

ElfImage ElfImage::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kInvalidFile, "cannot open firmware image", path);
  const std::vector<char> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto eh = read_at<Elf32_Ehdr>(file, 0, path);
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS32 ||
      eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_ARM)
    throw Error(ErrorCode::kInvalidFile, "not a 32-bit little-endian Arm ELF file", path);
  ElfImage image;
  image.path_ = path;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    const auto ph = read_at<Elf32_Phdr>(file, eh.e_phoff + std::size_t{i} * eh.e_phentsize, path);
    if (ph.p_type != PT_LOAD || ph.p_filesz == 0) continue;
    if (ph.p_offset > file.size() || ph.p_filesz > file.size() - ph.p_offset)
      throw Error(ErrorCode::kInvalidFile, "truncated ELF file (a segment ends past the end)", path);
    image.load_bytes_ += ph.p_filesz;
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(file.data()) + ph.p_offset;
    image.segments_.push_back({ph.p_paddr, std::vector<std::uint8_t>(bytes, bytes + ph.p_filesz)});
  }
  for (unsigned i = 0; i < eh.e_shnum; ++i) {
    const auto sh = read_at<Elf32_Shdr>(file, eh.e_shoff + std::size_t{i} * eh.e_shentsize, path);
    if (sh.sh_type != SHT_SYMTAB) continue;
    const auto strtab = read_at<Elf32_Shdr>(file, eh.e_shoff + std::size_t{sh.sh_link} * eh.e_shentsize, path);
    for (std::size_t off = 0; off + sizeof(Elf32_Sym) <= sh.sh_size; off += sizeof(Elf32_Sym)) {
      const auto sym = read_at<Elf32_Sym>(file, sh.sh_offset + off, path);
      if (sym.st_name == 0 || sym.st_name >= strtab.sh_size) continue;
      const char* name = file.data() + strtab.sh_offset + sym.st_name;
      const std::size_t max_len = strtab.sh_size - sym.st_name;
      std::string n(name, strnlen(name, max_len));
      ElfSymbol s;
      s.address = sym.st_value;
      s.size = sym.st_size;
      s.is_function = ELF32_ST_TYPE(sym.st_info) == STT_FUNC;
      if (s.is_function) s.address &= ~1u; // Thumb bit
      image.symbols_.emplace(std::move(n), s);
    }
  }
  if (image.symbols_.empty()) throw Error(ErrorCode::kInvalidFile, "the firmware image has no symbol table", path);
  return image;
}

std::uint32_t ElfImage::symbol(const std::string& name) const {
  auto it = symbols_.find(name);
  if (it == symbols_.end())
    throw Error(ErrorCode::kInvalidFile, "symbol '" + name + "' not found: not a TinyNAS profiling firmware?", path_);
  return it->second.address;
}

std::string ElfImage::describe(std::uint32_t address) const {
  for (const auto& [name, s] : symbols_)
    if (s.is_function && address >= s.address && address < s.address + std::max<std::uint32_t>(s.size, 2)) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "+0x%x", address - s.address);
      return name + buf;
    }
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", address);
  return buf;
}

std::vector<std::string> ElfImage::symbols_with_prefix(const std::string& prefix) const {
  std::vector<std::string> names;
  for (auto it = symbols_.lower_bound(prefix); it != symbols_.end() && it->first.rfind(prefix, 0) == 0; ++it)
    names.push_back(it->first);
  return names;
}

} // namespace tinynas::detail
