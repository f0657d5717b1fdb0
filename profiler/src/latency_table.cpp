#include "tinynas/profiler/latency_table.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "json_util.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {

using nlohmann::json;

namespace {

std::string shape(const TensorShape& s) {
  return std::to_string(s.h) + "x" + std::to_string(s.w) + "x" + std::to_string(s.c);
}

constexpr int kFeatures = 4;
using Features = std::array<double, kFeatures>;

Features features(const OpMeasurement& m) {
  return {static_cast<double>(m.macs), static_cast<double>(m.elements), static_cast<double>(m.channels), 1.0};
}

// Least squares by the normal equations (a tiny ridge term: features may be collinear, e.g. add layers have no
// MACs, and a kind measured at a single shape determines only its sum), Gaussian elimination with pivoting.
template <std::size_t K>
std::array<double, K> least_squares(const std::vector<std::array<double, K>>& x, const std::vector<double>& y) {
  constexpr int n = static_cast<int>(K);
  double a[K][K + 1] = {};
  for (std::size_t i = 0; i < x.size(); ++i)
    for (std::size_t r = 0; r < K; ++r) {
      for (std::size_t c = 0; c < K; ++c) a[r][c] += x[i][r] * x[i][c];
      a[r][K] += x[i][r] * y[i];
    }
  for (std::size_t r = 0; r < K; ++r) a[r][r] += 1e-9 * (1.0 + a[r][r]);
  for (int col = 0; col < n; ++col) {
    int pivot = col;
    for (int r = col + 1; r < n; ++r)
      if (std::fabs(a[r][col]) > std::fabs(a[pivot][col])) pivot = r;
    for (int c = 0; c <= n; ++c) std::swap(a[col][c], a[pivot][c]);
    if (std::fabs(a[col][col]) < 1e-30) continue;
    for (int r = 0; r < n; ++r) {
      if (r == col) continue;
      const double f = a[r][col] / a[col][col];
      for (int c = col; c <= n; ++c) a[r][c] -= f * a[col][c];
    }
  }
  std::array<double, K> w{};
  for (std::size_t r = 0; r < K; ++r) w[r] = std::fabs(a[r][r]) < 1e-30 ? 0 : a[r][K] / a[r][r];
  return w;
}

double evaluate(const Features& w, const OpMeasurement& m) {
  const Features f = features(m);
  double t = 0;
  for (int i = 0; i < kFeatures; ++i) t += w[static_cast<std::size_t>(i)] * f[static_cast<std::size_t>(i)];
  return std::max(0.0, t);
}

json holdout_json(const std::vector<HeldOutError>& errors) {
  json h = json::array();
  for (const HeldOutError& x : errors)
    h.push_back({{"arch", x.arch_id},
                 {"measured", x.measured},
                 {"predicted", x.predicted},
                 {"error_pct", x.error_pct},
                 {"table_coverage", x.table_coverage}});
  return h;
}

// A "holdout" object's figures into `errors`, `mean` and `max`.
void read_holdout(const json_util::Field& h, std::vector<HeldOutError>& errors, double& mean, double& max) {
  mean = h.get_double("mean_abs_error_pct", 0);
  max = h.get_double("max_abs_error_pct", 0);
  if (h.has("subnets"))
    for (std::size_t i = 0; i < h.at("subnets").size(); ++i) {
      const json_util::Field x = h.at("subnets").at(i);
      errors.push_back({x.get_string("arch"), x.get_double("measured"), x.get_double("predicted"),
                        x.get_double("error_pct"), x.get_double("table_coverage", 0)});
    }
}

} // namespace

std::string op_signature(const Graph& graph, int index) {
  const Op& op = graph.ops[static_cast<std::size_t>(index)];
  const TensorShape& in = graph.tensors[static_cast<std::size_t>(op.input)];
  const TensorShape& out = graph.tensors[static_cast<std::size_t>(op.output)];
  std::string s = std::string(op_type_name(op.type)) + ":in=" + shape(in) + ",out=" + shape(out);
  if (op.type == OpType::kConv || op.type == OpType::kDepthwiseConv || op.type == OpType::kPointwiseConv)
    s += ",k=" + std::to_string(op.kernel) + ",s=" + std::to_string(op.stride);
  return s;
}

OpMeasurement describe_op(const Graph& graph, int index) {
  const Op& op = graph.ops[static_cast<std::size_t>(index)];
  OpMeasurement m;
  m.signature = op_signature(graph, index);
  m.type = op_type_name(op.type);
  m.macs = op.macs(graph.tensors);
  m.elements = graph.tensors[static_cast<std::size_t>(op.input)].elements() +
               graph.tensors[static_cast<std::size_t>(op.output)].elements();
  m.channels = graph.tensors[static_cast<std::size_t>(op.output)].c;
  m.kind = m.type;
  if (op.type == OpType::kConv || op.type == OpType::kDepthwiseConv)
    m.kind += ":k=" + std::to_string(op.kernel) + ",s=" + std::to_string(op.stride);
  return m;
}

PatchOverheadFeatures patch_overhead_features(const Graph& graph, int index, int grid) {
  if (grid <= 1) return {};
  const Op& op = graph.ops[static_cast<std::size_t>(index)];
  const TensorShape& in = graph.tensors[static_cast<std::size_t>(op.input)];
  const auto channels = static_cast<double>(graph.tensors[static_cast<std::size_t>(op.output)].c);
  const double extra_runs = static_cast<double>(grid) * grid - 1;
  const double border_rows = static_cast<double>(grid - 1) * (in.h + in.w) * (op.kernel / 2);
  return {extra_runs * channels, extra_runs, border_rows * channels};
}

void fit_patch_overhead(LatencyTable& table, const std::vector<PatchOpMeasurement>& measurements) {
  std::map<std::string, std::pair<std::vector<PatchOverheadFeatures>, std::vector<double>>> groups;
  for (const PatchOpMeasurement& m : measurements) {
    groups[m.type].first.push_back(m.features);
    groups[m.type].second.push_back(m.extra_ticks);
  }
  table.patch_overhead.clear();
  for (const auto& [type, xy] : groups) table.patch_overhead[type] = least_squares(xy.first, xy.second);
}

void fit_latency_table(LatencyTable& table, const std::vector<OpMeasurement>& measurements) {
  table.entries.clear();
  table.fallback.clear();
  std::map<std::string, std::pair<double, int>> sums;
  std::map<std::string, std::pair<std::vector<Features>, std::vector<double>>> groups;
  for (const OpMeasurement& m : measurements) {
    auto& s = sums[m.signature];
    s.first += m.ticks;
    ++s.second;
    for (const std::string& key : {m.kind.empty() ? m.type : m.kind, m.type}) {
      auto& g = groups[key];
      g.first.push_back(features(m));
      g.second.push_back(m.ticks);
      if (key == m.type) break; // kind == type: one group
    }
  }
  for (const auto& [sig, s] : sums) table.entries[sig] = {s.first / s.second, s.second};
  for (const auto& [key, xy] : groups) table.fallback[key] = least_squares(xy.first, xy.second);
}

LatencyTable::Prediction LatencyTable::predict(const Graph& graph, const std::vector<OpRun>& runs) const {
  Prediction p;
  if (!runs.empty() && runs.size() != graph.ops.size())
    throw Error(ErrorCode::kInternal, "latency prediction: one run per op expected");
  for (int o = 0; o < static_cast<int>(graph.ops.size()); ++o) {
    const OpMeasurement m = describe_op(graph, o);
    double ticks = 0;
    if (auto it = entries.find(m.signature); it != entries.end()) {
      ticks = it->second.ticks;
      ++p.from_table;
    } else {
      auto fit = fallback.find(m.kind);
      if (fit == fallback.end()) fit = fallback.find(m.type);
      if (fit == fallback.end())
        throw Error(ErrorCode::kInvalidArgument,
                    "latency table of " + board + " has no measurements of '" + m.type + "' ops: recalibrate");
      ticks = evaluate(fit->second, m);
      ++p.from_fit;
    }
    if (!runs.empty()) {
      const OpRun& run = runs[static_cast<std::size_t>(o)];
      // An op that computes more than its whole tensor's MACs (the patch schedule's halo) takes proportionally
      // longer, and each extra run of a patch grid repeats its set-up.
      if (m.macs > 0) ticks *= static_cast<double>(run.macs) / static_cast<double>(m.macs);
      if (auto fit = patch_overhead.find(m.type); run.grid > 1 && fit != patch_overhead.end()) {
        const PatchOverheadFeatures f = patch_overhead_features(graph, o, run.grid);
        double extra = 0;
        for (std::size_t i = 0; i < f.size(); ++i) extra += fit->second[i] * f[i];
        ticks += std::max(0.0, extra);
      }
    }
    p.op_ticks.push_back(ticks);
    p.ticks += ticks;
  }
  return p;
}

double LatencyTable::predict_ms(const Graph& graph) const {
  if (unit != "cycles" || !(clock_hz > 0))
    throw Error(ErrorCode::kInvalidArgument, "the latency table of " + board + " counts " + unit + " (" + source +
                                                 "), not cycles: it has no milliseconds");
  return budget_ms(predict(graph).ticks);
}

double LatencyTable::budget_ms(double ticks) const {
  if (unit == "cycles") {
    if (!(clock_hz > 0)) throw Error(ErrorCode::kInvalidArgument, "the latency table of " + board + " has no clock");
    return ticks / clock_hz * 1e3;
  }
  if (!(ticks_per_instruction > 0 && clock_hz > 0))
    throw Error(ErrorCode::kInvalidArgument,
                "the latency table of " + board + " has no instruction rate or clock: recalibrate");
  return ticks / ticks_per_instruction / clock_hz * 1e3;
}

std::string LatencyTable::describe(const std::string& path) const {
  char error[96];
  std::snprintf(error, sizeof error, "held-out error %.1f%% mean / %.1f%% max", holdout_mean_abs_error_pct,
                holdout_max_abs_error_pct);
  std::string text = "calibrated table " + path + " (" + source + ", " + error;
  if (!patch_holdout.empty()) {
    std::snprintf(error, sizeof error, ", patch plans %.1f%% / %.1f%%", patch_holdout_mean_abs_error_pct,
                  patch_holdout_max_abs_error_pct);
    text += error;
  }
  if (unit != "cycles") text += "; instructions at the board's clock, one per cycle";
  return text + ")";
}

std::string LatencyTable::to_json(int indent) const {
  json j;
  j["format"] = "tinynas-latency-table";
  j["board"] = board;
  j["unit"] = unit;
  j["source"] = source;
  j["clock_hz"] = clock_hz;
  j["ticks_per_instruction"] = ticks_per_instruction;
  j["space"] = space;
  if (source == "qemu-icount-ticks") j["note"] = "QEMU icount ticks count instructions, not cycles";
  json e = json::object();
  for (const auto& [sig, v] : entries) e[sig] = {{"ticks", v.ticks}, {"samples", v.samples}};
  j["entries"] = e;
  json f = json::object();
  for (const auto& [key, w] : fallback)
    f[key] = {{"per_mac", w[0]}, {"per_element", w[1]}, {"per_channel", w[2]}, {"per_op", w[3]}};
  j["fallback"] = f;
  j["holdout"] = {{"subnets", holdout_json(holdout)},
                  {"mean_abs_error_pct", holdout_mean_abs_error_pct},
                  {"max_abs_error_pct", holdout_max_abs_error_pct}};
  if (!patch_overhead.empty()) {
    json po = json::object();
    for (const auto& [type, w] : patch_overhead)
      po[type] = {{"per_channel_run", w[0]}, {"per_run", w[1]}, {"per_channel_border_row", w[2]}};
    j["patch_overhead"] = po;
    j["patch_holdout"] = {{"subnets", holdout_json(patch_holdout)},
                          {"mean_abs_error_pct", patch_holdout_mean_abs_error_pct},
                          {"max_abs_error_pct", patch_holdout_max_abs_error_pct}};
  }
  return j.dump(indent);
}

LatencyTable LatencyTable::from_json(const std::string& text, const std::string& file) {
  const json doc = json_util::parse(text, file);
  json_util::Field root(doc, file);
  if (root.get_string("format") != "tinynas-latency-table")
    root.at("format").fail("expected \"tinynas-latency-table\"");
  LatencyTable t;
  t.board = root.get_string("board");
  t.unit = root.get_string("unit");
  t.source = root.get_string("source");
  t.clock_hz = root.get_double("clock_hz", 0);
  t.ticks_per_instruction = root.get_double("ticks_per_instruction", 0);
  t.space = root.get_string("space", "");
  const json_util::Field entries = root.at("entries");
  if (!entries.value().is_object()) entries.fail("must be an object");
  for (const auto& [sig, v] : entries.value().items()) {
    json_util::Field e(v, file, entries.pointer() + "/" + sig);
    t.entries[sig] = {e.get_double("ticks"), e.get_int("samples", 1)};
  }
  const json_util::Field fb = root.at("fallback");
  if (!fb.value().is_object()) fb.fail("must be an object");
  for (const auto& [key, v] : fb.value().items()) {
    json_util::Field f(v, file, fb.pointer() + "/" + key);
    t.fallback[key] = {f.get_double("per_mac"), f.get_double("per_element"), f.get_double("per_channel", 0),
                       f.get_double("per_op")};
  }
  if (root.has("holdout"))
    read_holdout(root.at("holdout"), t.holdout, t.holdout_mean_abs_error_pct, t.holdout_max_abs_error_pct);
  if (root.has("patch_overhead")) {
    const json_util::Field po = root.at("patch_overhead");
    if (!po.value().is_object()) po.fail("must be an object");
    for (const auto& [type, v] : po.value().items()) {
      json_util::Field f(v, file, po.pointer() + "/" + type);
      t.patch_overhead[type] = {f.get_double("per_channel_run"), f.get_double("per_run"),
                                f.get_double("per_channel_border_row")};
    }
  }
  if (root.has("patch_holdout"))
    read_holdout(root.at("patch_holdout"), t.patch_holdout, t.patch_holdout_mean_abs_error_pct,
                 t.patch_holdout_max_abs_error_pct);
  return t;
}

LatencyTable LatencyTable::load(const std::string& path) {
  return from_json(files::read_file(path, files::kMaxConfigFileBytes), path);
}

void LatencyTable::save(const std::string& path) const {
  const std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << to_json() << "\n";
  if (!out) throw Error(ErrorCode::kIo, "cannot write the latency table", path);
}

std::optional<LatencyTable> LatencyTable::load_for_board(const Board& board) {
  if (!std::filesystem::exists(board.latency_table)) return std::nullopt;
  return load(board.latency_table);
}

std::optional<PredictedLatency> predicted_latency(const Board& board, const Graph& graph, double measured,
                                                  const std::string& unit, const std::vector<OpRun>& runs) {
  try {
    const std::optional<LatencyTable> table = LatencyTable::load_for_board(board);
    if (!table || table->unit != unit || !(measured > 0)) return std::nullopt;
    const LatencyTable::Prediction p = table->predict(graph, runs);
    PredictedLatency predicted;
    predicted.value = p.ticks;
    predicted.table = board.latency_table;
    predicted.error_pct = 100.0 * (p.ticks - measured) / measured;
    predicted.ops_from_table = p.from_table;
    predicted.ops_from_fit = p.from_fit;
    return predicted;
  } catch (const Error& e) {
    spdlog::warn("board {}: no latency prediction: {}", board.name, e.what());
    return std::nullopt;
  }
}

} // namespace tinynas
