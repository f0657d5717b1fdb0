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
  // Flash: the blocks a changed piece touches are erased, once each; every piece in an erased block is then
  // programmed, even one that was unchanged (erasing wiped it). Pieces in untouched blocks are left alone.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> erased; // [begin, end) of the erased blocks
  const auto blocks_of = [](const Piece& p) {
    const std::uint64_t block = p.flash->block_size, base = p.flash->start;
    return std::pair{base + (p.address - base) / block * block,
                     base + (p.address + p.bytes.size() - base + block - 1) / block * block};
  };
  const auto in_erased = [&](std::uint64_t b) {
    return std::any_of(erased.begin(), erased.end(), [&](const auto& e) { return b >= e.first && b < e.second; });
  };
  for (const Piece& p : pieces) {
    if (!p.flash || gdb.read_memory(p.address, p.bytes.size()) == p.bytes) continue;
    const auto [begin, end] = blocks_of(p);
    for (std::uint64_t b = begin; b < end; b += p.flash->block_size) {
      if (in_erased(b)) continue;
      gdb.flash_erase(static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(p.flash->block_size), flash_timeout);
      erased.emplace_back(b, b + p.flash->block_size);
    }
  }
  std::vector<const Piece*> written;
  for (const Piece& p : pieces) {
    if (!p.flash) continue;
    const auto [begin, end] = blocks_of(p);
    bool touched = false;
    for (std::uint64_t b = begin; b < end && !touched; b += p.flash->block_size) touched = in_erased(b);
    if (!touched) {
      report.unchanged_bytes += p.bytes.size();
      continue;
    }
    gdb.flash_write(p.address, p.bytes, flash_timeout);
    report.flash_bytes += p.bytes.size();
    written.push_back(&p);
  }
  if (!erased.empty()) gdb.flash_done(flash_timeout);
  for (const Piece& p : pieces) {
    if (p.flash) continue;
    gdb.write_memory(p.address, p.bytes);
    report.memory_bytes += p.bytes.size();
    written.push_back(&p);
  }
  // Only what was written is read back: unchanged flash was compared byte for byte above.
  for (const Piece* p : written) {
    const std::vector<std::uint8_t> back = gdb.read_memory(p->address, p->bytes.size());
    const auto [mine, theirs] = std::mismatch(p->bytes.begin(), p->bytes.end(), back.begin());
    if (mine != p->bytes.end())
      throw Error(ErrorCode::kIo, gdb.peer() + ": verify after loading failed at " +
                                      hex(p->address + static_cast<std::uint64_t>(mine - p->bytes.begin())) +
                                      " (wrote " + hex(*mine) + ", read " + hex(*theirs) + ")");
  }
  return report;
}

} // namespace tinynas::detail
