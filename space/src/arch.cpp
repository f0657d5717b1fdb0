#include "tinynas/space/arch.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "json_util.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {

using json_util::Field;
using nlohmann::json;

namespace {

std::string format_width(double width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", width);
  return buf;
}

bool contains(const std::vector<int>& v, int x) { return std::find(v.begin(), v.end(), x) != v.end(); }
bool contains_width(const std::vector<double>& v, double x) {
  return std::any_of(v.begin(), v.end(), [&](double w) { return std::abs(w - x) < 1e-9; });
}

std::string list_text(const std::vector<int>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s + "]";
}
std::string list_text(const std::vector<double>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + format_width(v[i]);
  return s + "]";
}

void append_gene(std::string& out, int value) {
  if (value >= 0 && value < 10) out += static_cast<char>('0' + value);
  else out += "(" + std::to_string(value) + ")";
}

StageGenes filled_stage(const StageSpace& st, int depth, int kernel, int expand) {
  StageGenes g;
  g.depth = depth;
  g.kernels.assign(static_cast<std::size_t>(st.max_depth()), kernel);
  g.expands.assign(static_cast<std::size_t>(st.max_depth()), expand);
  return g;
}

} // namespace

std::string Arch::id() const {
  std::string out = "w" + format_width(width) + "-r" + std::to_string(resolution);
  for (const auto& st : stages) {
    out += "-k";
    for (int i = 0; i < st.depth; ++i) append_gene(out, st.kernels[static_cast<std::size_t>(i)]);
    out += "e";
    for (int i = 0; i < st.depth; ++i) append_gene(out, st.expands[static_cast<std::size_t>(i)]);
  }
  return out;
}

void validate_arch(const Arch& arch, const SearchSpace& space, std::string_view file) {
  auto fail = [&](const std::string& field, const std::string& message) {
    throw Error(ErrorCode::kOutOfSpace, message, std::string(file), field);
  };
  if (!contains_width(space.width_mults, arch.width))
    fail("/width",
         format_width(arch.width) + " is not one of the space's width multipliers " + list_text(space.width_mults));
  if (!contains(space.resolutions, arch.resolution))
    fail("/resolution",
         std::to_string(arch.resolution) + " is not one of the space's resolutions " + list_text(space.resolutions));
  if (arch.stages.size() != space.stages.size())
    fail("/stages", "has " + std::to_string(arch.stages.size()) + " stages; space \"" + space.name + "\" has " +
                        std::to_string(space.stages.size()));
  for (std::size_t i = 0; i < arch.stages.size(); ++i) {
    const StageGenes& g = arch.stages[i];
    const StageSpace& s = space.stages[i];
    std::string at = "/stages/" + std::to_string(i);
    if (!contains(s.depths, g.depth))
      fail(at + "/depth", std::to_string(g.depth) + " is not one of the stage's depths " + list_text(s.depths));
    auto slots = static_cast<std::size_t>(s.max_depth());
    if (g.kernels.size() != slots || g.expands.size() != slots)
      fail(at, "gene vectors must have the stage's max depth (" + std::to_string(slots) + ")");
    for (std::size_t b = 0; b < slots; ++b) {
      if (!contains(s.kernels, g.kernels[b]))
        fail(at + "/kernels/" + std::to_string(b),
             std::to_string(g.kernels[b]) + " is not one of the stage's kernels " + list_text(s.kernels));
      if (!contains(s.expands, g.expands[b]))
        fail(at + "/expands/" + std::to_string(b),
             std::to_string(g.expands[b]) + " is not one of the stage's expand ratios " + list_text(s.expands));
    }
  }
}

Arch sample_arch(const SearchSpace& space, Rng& rng, double width, int resolution) {
  Arch a;
  a.width = width > 0 ? width : space.width_mults[rng.index(space.width_mults.size())];
  a.resolution = resolution > 0 ? resolution : space.resolutions[rng.index(space.resolutions.size())];
  a.stages.reserve(space.stages.size());
  for (const auto& st : space.stages) {
    StageGenes g;
    g.depth = st.depths[rng.index(st.depths.size())];
    auto slots = static_cast<std::size_t>(st.max_depth());
    g.kernels.resize(slots);
    g.expands.resize(slots);
    for (auto& k : g.kernels) k = st.kernels[rng.index(st.kernels.size())];
    for (auto& e : g.expands) e = st.expands[rng.index(st.expands.size())];
    a.stages.push_back(std::move(g));
  }
  return a;
}

Arch largest_arch(const SearchSpace& space, double width, int resolution) {
  Arch a{width, resolution, {}};
  for (const auto& st : space.stages)
    a.stages.push_back(filled_stage(st, st.depths.back(), st.kernels.back(), st.expands.back()));
  return a;
}

Arch smallest_arch(const SearchSpace& space, double width, int resolution) {
  Arch a{width, resolution, {}};
  for (const auto& st : space.stages)
    a.stages.push_back(filled_stage(st, st.depths.front(), st.kernels.front(), st.expands.front()));
  return a;
}

std::string arch_to_json(const Arch& arch, const SearchSpace& space, int indent) {
  json j;
  j["format"] = "tinynas-arch";
  j["space"] = space.name;
  j["id"] = arch.id();
  j["width"] = arch.width;
  j["resolution"] = arch.resolution;
  j["stages"] = json::array();
  for (const auto& st : arch.stages) {
    std::vector<int> k(st.kernels.begin(), st.kernels.begin() + st.depth);
    std::vector<int> e(st.expands.begin(), st.expands.begin() + st.depth);
    j["stages"].push_back({{"depth", st.depth}, {"kernels", k}, {"expands", e}});
  }
  return j.dump(indent);
}

bool looks_like_arch_json(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  return j.is_object() && j.value("format", "") == "tinynas-arch";
}

std::string arch_json_space_name(std::string_view text, std::string_view file) {
  json j = json_util::parse(text, file);
  Field root(j, std::string(file));
  return root.get_string("space", "");
}

Arch arch_from_json(std::string_view text, const SearchSpace& space, std::string_view file) {
  json j = json_util::parse(text, file);
  Field root(j, std::string(file));
  if (root.has("format") && root.get_string("format") != "tinynas-arch")
    root.at("format").fail("expected \"tinynas-arch\", found \"" + root.get_string("format") + "\"");
  if (root.has("space") && root.get_string("space") != space.name)
    root.at("space").fail("arch belongs to space \"" + root.get_string("space") + "\", not \"" + space.name + "\"");

  Arch a;
  a.width = root.get_double("width");
  a.resolution = root.get_int("resolution");
  Field stages = root.at("stages");
  if (stages.size() != space.stages.size())
    stages.fail("has " + std::to_string(stages.size()) + " stages; space \"" + space.name + "\" has " +
                std::to_string(space.stages.size()));
  for (std::size_t i = 0; i < stages.size(); ++i) {
    Field st = stages.at(i);
    const StageSpace& s = space.stages[i];
    StageGenes g = filled_stage(s, st.get_int("depth"), s.kernels.front(), s.expands.front());
    if (g.depth < 1 || g.depth > s.max_depth())
      st.at("depth").fail(std::to_string(g.depth) + " is not one of the stage's depths " + list_text(s.depths));
    std::vector<int> k = st.at("kernels").as_int_list();
    std::vector<int> e = st.at("expands").as_int_list();
    if (k.size() != static_cast<std::size_t>(g.depth))
      st.at("kernels").fail("lists " + std::to_string(k.size()) + " kernels for depth " + std::to_string(g.depth));
    if (e.size() != static_cast<std::size_t>(g.depth))
      st.at("expands").fail("lists " + std::to_string(e.size()) + " expand ratios for depth " +
                            std::to_string(g.depth));
    std::copy(k.begin(), k.end(), g.kernels.begin());
    std::copy(e.begin(), e.end(), g.expands.begin());
    a.stages.push_back(std::move(g));
  }
  validate_arch(a, space, file);
  if (root.has("id") && root.get_string("id") != a.id())
    root.at("id").fail("id \"" + root.get_string("id") + "\" does not match the genes (" + a.id() + ")");
  return a;
}

Arch arch_from_id(std::string_view id, const SearchSpace& space) {
  auto bad = [&](const std::string& why) {
    return Error(ErrorCode::kInvalidArgument, "\"" + std::string(id) + "\" is not an arch id: " + why);
  };
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    std::size_t dash = id.find('-', start);
    parts.push_back(id.substr(start, dash == std::string_view::npos ? std::string_view::npos : dash - start));
    if (dash == std::string_view::npos) break;
    start = dash + 1;
  }
  if (parts.size() != space.stages.size() + 2) throw bad("expected w<width>-r<resolution> and one group per stage");
  if (parts[0].size() < 2 || parts[0][0] != 'w') throw bad("missing width group");
  if (parts[1].size() < 2 || parts[1][0] != 'r') throw bad("missing resolution group");
  Arch a;
  auto w = std::from_chars(parts[0].data() + 1, parts[0].data() + parts[0].size(), a.width);
  auto r = std::from_chars(parts[1].data() + 1, parts[1].data() + parts[1].size(), a.resolution);
  if (w.ec != std::errc() || r.ec != std::errc()) throw bad("bad width or resolution");
  for (std::size_t i = 0; i < space.stages.size(); ++i) {
    std::string_view g = parts[i + 2];
    if (g.empty() || g[0] != 'k') throw bad("stage group must start with 'k'");
    std::vector<int> k, e;
    std::vector<int>* into = &k;
    for (std::size_t p = 1; p < g.size(); ++p) {
      if (g[p] == 'e') {
        into = &e;
      } else if (g[p] == '(') {
        std::size_t close = g.find(')', p);
        if (close == std::string_view::npos) throw bad("unclosed '('");
        int v = 0;
        std::from_chars(g.data() + p + 1, g.data() + close, v);
        into->push_back(v);
        p = close;
      } else if (g[p] >= '0' && g[p] <= '9') {
        into->push_back(g[p] - '0');
      } else {
        throw bad(std::string("unexpected character '") + g[p] + "'");
      }
    }
    if (k.size() != e.size() || k.empty())
      throw bad("stage " + std::to_string(i) + " kernels and expands differ in count");
    const StageSpace& s = space.stages[i];
    if (k.size() > static_cast<std::size_t>(s.max_depth())) throw bad("stage " + std::to_string(i) + " is too deep");
    StageGenes genes = filled_stage(s, static_cast<int>(k.size()), s.kernels.front(), s.expands.front());
    std::copy(k.begin(), k.end(), genes.kernels.begin());
    std::copy(e.begin(), e.end(), genes.expands.begin());
    a.stages.push_back(std::move(genes));
  }
  validate_arch(a, space);
  return a;
}

} // namespace tinynas
