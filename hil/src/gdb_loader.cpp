#include "gdb_loader.hpp"

#include <algorithm>
#include <cstdio>

#include "gdb_packet.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas::detail {

namespace {

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%08llx", static_cast<unsigned long long>(v));
  return buf;
}

// A segment cut at region boundaries: every piece lies in one region (or in none).
struct Piece {
  std::uint32_t address = 0;
  std::vector<std::uint8_t> bytes;
  const GdbMemoryRegion* flash = nullptr;
};

std::vector<Piece> cut(const std::vector<ElfSegment>& segments, const std::vector<GdbMemoryRegion>& regions) {
  std::vector<Piece> pieces;
  for (const ElfSegment& segment : segments) {
    std::size_t done = 0;
    while (done < segment.bytes.size()) {
      const std::uint64_t at = std::uint64_t{segment.address} + done;
      std::uint64_t end = std::uint64_t{segment.address} + segment.bytes.size();
      const GdbMemoryRegion* flash = nullptr;
      for (const GdbMemoryRegion& r : regions) {
        if (r.contains(static_cast<std::uint32_t>(at))) {
          end = std::min(end, r.start + r.length);
          if (r.type == GdbMemoryRegion::Type::kFlash) flash = &r;
        } else if (r.start > at) {
          end = std::min<std::uint64_t>(end, r.start);
        }
      }
      const auto n = static_cast<std::size_t>(end - at);
      pieces.push_back({static_cast<std::uint32_t>(at),
                        std::vector<std::uint8_t>(segment.bytes.begin() + static_cast<std::ptrdiff_t>(done),
                                                  segment.bytes.begin() + static_cast<std::ptrdiff_t>(done + n)),
                        flash});
      done += n;
    }
  }
  return pieces;
}

} // namespace

GdbLoadReport load_over_gdb(GdbRemote& gdb, const std::vector<ElfSegment>& segments,
                            std::chrono::milliseconds flash_timeout) {
  const std::vector<GdbMemoryRegion> regions = parse_gdb_memory_map(gdb.memory_map_xml());
  const std::vector<Piece> pieces = cut(segments, regions);
  GdbLoadReport report;
  // Flash: erase each block a changed piece touches, once, then write and program everything together.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> erased; // [begin, end) of the erased blocks
  bool programmed = false;
  for (const Piece& p : pieces) {
    if (!p.flash) continue;
    if (gdb.read_memory(p.address, p.bytes.size()) == p.bytes) {
      report.unchanged_bytes += p.bytes.size();
      continue;
    }
    const std::uint64_t block = p.flash->block_size, base = p.flash->start;
    const std::uint64_t begin = base + (p.address - base) / block * block;
    const std::uint64_t end = base + (p.address + p.bytes.size() - base + block - 1) / block * block;
    for (std::uint64_t b = begin; b < end; b += block) {
      if (std::any_of(erased.begin(), erased.end(), [&](const auto& e) { return b >= e.first && b < e.second; }))
        continue;
      gdb.flash_erase(static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(block), flash_timeout);
      erased.emplace_back(b, b + block);
    }
    gdb.flash_write(p.address, p.bytes, flash_timeout);
    report.flash_bytes += p.bytes.size();
    programmed = true;
  }
  if (programmed) gdb.flash_done(flash_timeout);
  for (const Piece& p : pieces) {
    if (p.flash) continue;
    gdb.write_memory(p.address, p.bytes);
    report.memory_bytes += p.bytes.size();
  }
  for (const Piece& p : pieces) {
    const std::vector<std::uint8_t> back = gdb.read_memory(p.address, p.bytes.size());
    const auto [mine, theirs] = std::mismatch(p.bytes.begin(), p.bytes.end(), back.begin());
    if (mine != p.bytes.end())
      throw Error(ErrorCode::kIo, gdb.peer() + ": verify after loading failed at " +
                                      hex(p.address + static_cast<std::uint64_t>(mine - p.bytes.begin())) + " (wrote " +
                                      hex(*mine) + ", read " + hex(*theirs) + ")");
  }
  return report;
}

} // namespace tinynas::detail
