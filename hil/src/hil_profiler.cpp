#include "tinynas/hil/hil_profiler.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "elf_image.hpp"
#include "firmware_images.hpp"
#include "hil_link.hpp"
#include "json_util.hpp"
#include "tinynas/deploy/model_blob.hpp"
#include "tinynas/profiler/cost_model.hpp"
#include "tinynas/profiler/latency_table.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/quantile.hpp"
#include "tn/tn_model_format.h"

namespace tinynas {

const char* latency_source_name(LatencySource source) {
  switch (source) {
  case LatencySource::kDwtCycles: return "dwt-cycles";
  case LatencySource::kQemuIcountTicks: return "qemu-icount-ticks";
  case LatencySource::kSystickCycles: return "systick-cycles";
  }
  return "unknown";
}

std::string ProfileResult::to_json(int indent) const {
  using nlohmann::json;
  json j;
  j["board"] = board;
  j["firmware"] = firmware;
  json lat = {{"value", latency.value}, {"unit", latency.unit}, {"source", latency_source_name(latency.source)}};
  if (latency.source == LatencySource::kQemuIcountTicks) {
    lat["instructions"] = instructions;
    lat["ticks_per_instruction"] = ticks_per_instruction;
    lat["note"] = "QEMU -icount ticks: deterministic instruction counts, not cycles; no time in ms exists under QEMU";
  } else {
    lat["ms"] = latency_ms;
  }
  j["latency"] = lat;
  j["runs"] = run_ticks;
  j["runs_identical"] = runs_identical;
  j["peak_sram_bytes_measured"] = peak_sram_bytes_measured;
  j["peak_sram_bytes_predicted"] = peak_sram_bytes_predicted;
  j["stack_bytes_measured"] = stack_bytes_measured;
  j["flash_bytes"] = flash_bytes;
  j["flash_bytes_predicted"] = flash_bytes_predicted;
  j["model_blob_bytes"] = model_blob_bytes;
  j["schedule"] = schedule;
  if (patches > 0) j["patch"] = {{"patches", patches}, {"split_block", patch_split_block}};
  j["macs_predicted"] = macs_predicted;
  j["bit_exact"] = bit_exact;
  j["latency_predicted"] = nullptr;
  if (latency_predicted)
    j["latency_predicted"] = {{"value", latency_predicted->value},
                              {"unit", latency.unit},
                              {"source", "latency-table"},
                              {"table", latency_predicted->table},
                              {"error_pct", latency_predicted->error_pct},
                              {"ops_from_table", latency_predicted->ops_from_table},
                              {"ops_from_fit", latency_predicted->ops_from_fit}};
  json layer_list = json::array();
  for (const LayerTiming& l : layers)
    layer_list.push_back({{"op", l.op},
                          {"name", l.name},
                          {"type", l.type},
                          {"signature", l.signature},
                          {"ticks", l.ticks},
                          {"macs", l.macs}});
  j["layers"] = layer_list;
  return j.dump(indent);
}

ProfileResult ProfileResult::from_json(const std::string& text, const std::string& file, const std::string& pointer) {
  const json_util::json doc = json_util::parse(text, file);
  const json_util::Field j(doc, file, pointer);
  if (!doc.is_object()) j.fail("not a measurement (a JSON object)");
  // Fields later versions added are optional, with the value a row written before them means.
  ProfileResult r;
  r.board = j.get_string("board");
  r.firmware = j.get_string("firmware", "");
  const json_util::Field lat = j.at("latency");
  r.latency.value = lat.get_double("value");
  r.latency.unit = lat.get_string("unit");
  const std::string source = lat.get_string("source");
  bool known = false;
  for (LatencySource s : {LatencySource::kDwtCycles, LatencySource::kQemuIcountTicks, LatencySource::kSystickCycles})
    if (source == latency_source_name(s)) r.latency.source = s, known = true;
  if (!known) lat.at("source").fail("unknown source \"" + source + "\"");
  r.instructions = lat.get_double("instructions", 0.0);
  r.ticks_per_instruction = lat.get_double("ticks_per_instruction", 0.0);
  r.latency_ms = lat.get_double("ms", 0.0);
  if (j.has("runs")) {
    const json_util::Field runs = j.at("runs");
    for (std::size_t i = 0; i < runs.size(); ++i) r.run_ticks.push_back(runs.at(i).as_uint64());
  }
  r.runs_identical = j.get_bool("runs_identical", false);
  r.peak_sram_bytes_measured = j.get_int64("peak_sram_bytes_measured");
  r.peak_sram_bytes_predicted = j.get_int64("peak_sram_bytes_predicted");
  r.stack_bytes_measured = j.get_int64("stack_bytes_measured", 0);
  r.flash_bytes = j.get_int64("flash_bytes", 0);
  r.flash_bytes_predicted = j.get_int64("flash_bytes_predicted", 0);
  r.model_blob_bytes = j.get_int64("model_blob_bytes", 0);
  r.schedule = j.get_string("schedule", schedule_name(Schedule::kInplaceDw)); // rows before schedules
  if (j.has("patch")) {
    r.patches = j.at("patch").get_int("patches");
    r.patch_split_block = j.at("patch").get_int("split_block");
  }
  r.macs_predicted = j.get_int64("macs_predicted", 0);
  r.bit_exact = j.get_bool("bit_exact");
  if (j.has("layers")) {
    const json_util::Field layers = j.at("layers");
    for (std::size_t i = 0; i < layers.size(); ++i) {
      const json_util::Field l = layers.at(i);
      r.layers.push_back({l.get_int("op"), l.get_string("name"), l.get_string("type", ""),
                          l.get_string("signature", ""), l.at("ticks").as_uint64(), l.get_int64("macs", 0)});
    }
  }
  return r;
}

namespace {

// Ticks are whole: the median of an even count of runs (the mean of the middle two) rounds to the nearest.
std::uint64_t median_ticks(const std::vector<std::uint64_t>& ticks) {
  return static_cast<std::uint64_t>(std::llround(median_of(ticks)));
}

} // namespace

struct HilProfiler::Impl {
  Board board;
  ProfileOptions options;
  BoardLink link_config;
  std::string firmware;
  std::unique_ptr<detail::ElfImage> image;
  std::unique_ptr<detail::TargetLink> link;
  std::chrono::milliseconds startup{0};

  void ensure_started(int attempt) {
    if (link->started()) return;
    const auto t0 = std::chrono::steady_clock::now();
    link->start();
    startup += std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    if (options.after_boot) {
      HilFaultContext ctx{link->session().gdb(), [this](const std::string& s) { return image->symbol(s); }, attempt,
                          link->process_id()};
      options.after_boot(ctx);
    }
  }

  // What the firmware's arena region must hold: the model's arena, and for a patch model its whole input above it
  // (hil_main.c: the input is read patch by patch from the region's top, 16-aligned).
  static std::int64_t arena_region_bytes(std::int64_t arena, int patches, std::int64_t input_bytes) {
    return patches > 0 ? arena + ((input_bytes + 15) / 16) * 16 + 16 : arena;
  }

  Error too_large(std::int64_t arena, int patches, std::int64_t input_bytes, std::uint32_t capacity) const {
    return Error(ErrorCode::kInvalidArgument,
                 "board " + board.name + ": the model needs a " + std::to_string(arena) + " B arena" +
                     (patches > 0 ? " and its " + std::to_string(input_bytes) + " B input beside it" : "") +
                     ", the firmware has " + std::to_string(capacity) + " B");
  }

  // Writes the blob to the started board and has the firmware validate it: Error(kInvalidArgument) when it does not
  // fit the firmware's areas or the firmware refuses it (naming the status and op).
  tn_hil_mailbox send_blob(const ModelBlob& blob) {
    const tn_hil_mailbox& id = link->session().identity();
    if (blob.bytes.size() > id.blob_capacity)
      throw Error(ErrorCode::kInvalidArgument,
                  "board " + board.name + ": the model blob (" + std::to_string(blob.bytes.size()) +
                      " B) exceeds the firmware's blob area (" + std::to_string(id.blob_capacity) + " B)");
    if (arena_region_bytes(blob.arena_bytes, blob.patches, blob.input_bytes) >
        static_cast<std::int64_t>(id.arena_capacity))
      throw too_large(blob.arena_bytes, blob.patches, blob.input_bytes, id.arena_capacity);
    link->write_blob(blob.bytes);
    const tn_hil_mailbox loaded = link->session().load(std::chrono::milliseconds(10000));
    if (loaded.status != 0)
      throw Error(ErrorCode::kInvalidArgument,
                  "board " + board.name + " refused the model blob: " + firmware_status_name(loaded.status) +
                      (loaded.failed_op != 0xFFFFFFFFu ? " (op " + std::to_string(loaded.failed_op) + ")" : ""));
    return loaded;
  }

  // Runs `attempt(n)` until it returns, relaunching the link after each failure of the link (Error kIo or
  // kDevice) up to options.retries times; other errors are the caller's and pass at once.
  template <typename F>
  auto retrying(F&& attempt) -> decltype(attempt(0)) {
    std::string last_failure;
    for (int n = 0; n <= options.retries; ++n) {
      try {
        return attempt(n);
      } catch (const Error& e) {
        if (e.code() != ErrorCode::kIo && e.code() != ErrorCode::kDevice) throw;
        // link errors name the socket; say which board it was
        last_failure = e.message().find("board " + board.name) == std::string::npos
                           ? "board " + board.name + ": " + e.message()
                           : e.message();
        link->stop();
        if (n < options.retries)
          spdlog::warn("{}; relaunching and retrying ({} of {})", last_failure, n + 1, options.retries);
      }
    }
    const int attempts = options.retries + 1;
    throw Error(ErrorCode::kDevice, "board " + board.name + ": giving up after " + std::to_string(attempts) +
                                        (attempts == 1 ? " attempt" : " attempts") + "; last failure: " + last_failure);
  }
};

namespace {

// An image linked for another board's memory map faults on its first access (exit 3, "firmware
// faulted", before this check): refuse it as the user's mistake. Images name their map in a symbol
// (firmware/hil/hil_main.c); the board's own image is tinynas-hil-<map>. Images without the symbol,
// or boards whose image follows another naming, are not checked.
void require_memory_map(const detail::ElfImage& image, const Board& board) {
  const std::string prefix = "tn_hil_memory_map_", own = "tinynas-hil-";
  const std::vector<std::string> maps = image.symbols_with_prefix(prefix);
  if (maps.empty() || board.link.firmware.rfind(own, 0) != 0) return;
  std::string expected = board.link.firmware.substr(own.size());
  std::replace(expected.begin(), expected.end(), '-', '_');
  if (std::find(maps.begin(), maps.end(), prefix + expected) != maps.end()) return;
  std::string built_for = maps.front().substr(prefix.size());
  std::replace(built_for.begin(), built_for.end(), '_', '-');
  throw Error(ErrorCode::kInvalidArgument,
              "wrong firmware for board " + board.name + ": the image was built for the memory map of " + built_for +
                  "; give " + board.name + "'s own image (" + board.link.firmware + ".elf) or leave --firmware out",
              image.path());
}

} // namespace

HilProfiler::HilProfiler(const Board& board, ProfileOptions options) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.board = board;
  s.options = std::move(options);
  s.link_config = detail::profiling_link(board);
  if (s.options.icount_shift >= 0) s.link_config.icount_shift = s.options.icount_shift;
  if (!s.options.qemu_machine.empty()) s.link_config.qemu_machine = s.options.qemu_machine;
  s.firmware = s.options.firmware.empty() ? detail::firmware_image_path(board, s.options.pure_c) : s.options.firmware;
  s.image = std::make_unique<detail::ElfImage>(detail::ElfImage::load(s.firmware));
  require_memory_map(*s.image, board);
  detail::LinkOptions lo;
  lo.firmware = s.firmware;
  lo.boot_timeout = s.options.boot_timeout;
  lo.plugin = s.options.qemu_plugin;
  lo.plugin_args = s.options.qemu_plugin_args;
  s.link = detail::make_target_link(board.name, s.link_config, *s.image, lo);
}

HilProfiler::~HilProfiler() = default;

const Board& HilProfiler::board() const { return impl_->board; }
const std::string& HilProfiler::firmware_path() const { return impl_->firmware; }
std::chrono::milliseconds HilProfiler::startup_time() const { return impl_->startup; }

void HilProfiler::set_measurement(int runs, std::uint64_t seed) {
  impl_->options.runs = runs;
  impl_->options.seed = seed;
}

void check_firmware_schedule(Schedule schedule) {
  if (schedule != Schedule::kInplaceDw && schedule != Schedule::kPatch && schedule != Schedule::kAuto)
    throw invalid_option("schedule", std::string("the profiling firmware runs inplace-dw or patch plans (or auto, "
                                                 "which picks one), not ") +
                                         schedule_name(schedule));
}

void HilProfiler::set_schedule(Schedule schedule, const PatchOptions& patch, std::optional<Budgets> budgets) {
  impl_->options.schedule = schedule;
  impl_->options.patch = patch;
  impl_->options.budgets = budgets;
}

namespace {

// The cost model's figures for the schedule the profiler runs (auto resolved to what the cost model chose).
CostReport predicted_report(const Graph& graph, const Board& board, Schedule schedule, const PatchOptions& patch,
                            std::optional<Budgets> budgets = std::nullopt) {
  check_firmware_schedule(schedule);
  CostOptions o;
  o.schedule = schedule;
  o.patch = patch;
  o.budgets = budgets;
  return analyze(graph, board, o);
}

BlobSchedule blob_schedule(const CostReport& r) { return {r.patches, r.patch_split_block}; }

// The schedule a blob was written for, read from its header (a blob made elsewhere: a farm job's).
BlobSchedule blob_schedule_of(const Graph& graph, const ModelBlob& blob) {
  tn_blob_header h{};
  if (blob.bytes.size() >= sizeof h) std::memcpy(&h, blob.bytes.data(), sizeof h);
  if (h.patch_plan == 0 || h.patch_plan + sizeof(tn_patch_plan) > blob.bytes.size()) return {};
  tn_patch_plan plan{};
  std::memcpy(&plan, blob.bytes.data() + h.patch_plan, sizeof plan);
  if (plan.split_op >= graph.ops.size()) return {};
  return {static_cast<int>(plan.patches), graph.ops[plan.split_op].block};
}

CostReport predicted_for(const Graph& graph, const Board& board, const BlobSchedule& schedule) {
  PatchOptions patch;
  patch.patches = schedule.patches;
  patch.split_block = schedule.split_block;
  return predicted_report(graph, board, schedule.patches > 0 ? Schedule::kPatch : Schedule::kInplaceDw, patch);
}

} // namespace

ProfileResult HilProfiler::profile(const Graph& graph) {
  refuse_if_too_large(graph); // before quantising, which takes long for a large model
  const RandomInt8Model r = random_int8_model(graph, impl_->options.seed);
  return profile(graph, r.model, r.input);
}

void HilProfiler::refuse_if_too_large(const Graph& graph) {
  Impl& s = *impl_;
  const CostReport predicted = predicted_report(graph, s.board, s.options.schedule, s.options.patch, s.options.budgets);
  connect(); // with the retries: a board that cannot be reached fails here, once, not again in profile()
  const tn_hil_mailbox& id = s.link->session().identity();
  const std::int64_t input_bytes = graph.tensors[static_cast<std::size_t>(graph.input)].elements();
  if (Impl::arena_region_bytes(predicted.peak_sram_bytes, predicted.patches, input_bytes) >
      static_cast<std::int64_t>(id.arena_capacity))
    throw s.too_large(predicted.peak_sram_bytes, predicted.patches, input_bytes, id.arena_capacity);
}

ProfileResult HilProfiler::profile(const Graph& graph, const QuantizedModel& model,
                                   const std::vector<std::int8_t>& input) {
  const CostReport predicted =
      predicted_report(graph, impl_->board, impl_->options.schedule, impl_->options.patch, impl_->options.budgets);
  const ModelBlob blob = write_model_blob(graph, model, blob_schedule(predicted));
  if (blob.arena_bytes != predicted.peak_sram_bytes)
    throw Error(ErrorCode::kInternal, "the blob's arena (" + std::to_string(blob.arena_bytes) +
                                          " B) differs from the cost model's " + predicted.schedule + " peak (" +
                                          std::to_string(predicted.peak_sram_bytes) + " B)");
  return profile_blob_of(graph, blob, input, predicted);
}

ProfileResult HilProfiler::profile(const Graph& graph, const ModelBlob& blob, const std::vector<std::int8_t>& input) {
  // A blob made elsewhere (a farm job) must be this graph's, or the per-layer rows and the predictions would be
  // another model's: the graph's own blob (any weights) has the same size (weights, biases, quantisation and
  // plan are laid out by shape) and the same arena.
  const BlobSchedule schedule = blob_schedule_of(graph, blob);
  const ModelBlob shape = write_model_blob(graph, random_int8_model(graph, 0).model, schedule);
  if (blob.arena_bytes != shape.arena_bytes || blob.bytes.size() != shape.bytes.size())
    throw Error(ErrorCode::kInvalidArgument, "the model blob (" + std::to_string(blob.bytes.size()) + " B, arena " +
                                                 std::to_string(blob.arena_bytes) + " B) is not the net's (" +
                                                 std::to_string(shape.bytes.size()) + " B, arena " +
                                                 std::to_string(shape.arena_bytes) +
                                                 " B): the blob and the net config are not one model");
  ModelBlob sized = blob; // a blob from bytes knows no schedule: the one its header names
  sized.patches = schedule.patches;
  sized.input_bytes = shape.input_bytes;
  return profile_blob_of(graph, sized, input, predicted_for(graph, impl_->board, schedule));
}

ProfileResult HilProfiler::profile_blob_of(const Graph& graph, const ModelBlob& blob,
                                           const std::vector<std::int8_t>& input, const CostReport& predicted) {
  Impl& s = *impl_;
  const HostRunResult reference = run_blob_on_host(blob.bytes, input);
  const int runs = std::max(2, s.options.runs);

  return s.retrying([&](int attempt) {
    s.ensure_started(attempt);
    const tn_hil_mailbox loaded = s.send_blob(blob);
    std::vector<detail::RunMeasurement> measured;
    for (int r = 0; r < runs; ++r) {
      // alternate paint bytes: a byte the run writes equals at most one of them
      detail::RunMeasurement m = s.link->session().run(loaded, input, r % 2 == 0 ? 0xA5 : 0x5A, s.options.run_timeout);
      if (m.status != 0)
        throw Error(ErrorCode::kInternal, "board " + s.board.name + ": the firmware failed running the model: " +
                                              firmware_status_name(m.status));
      measured.push_back(std::move(m));
    }

    ProfileResult res;
    res.board = s.board.name;
    res.firmware = s.firmware;
    const tn_hil_mailbox& ident = s.link->session().identity();
    std::vector<std::uint64_t> ticks;
    res.bit_exact = true;
    res.runs_identical = true;
    for (const detail::RunMeasurement& m : measured) {
      ticks.push_back(m.ticks);
      res.bit_exact = res.bit_exact && m.output == reference.output && m.output_crc == reference.output_crc;
      res.runs_identical = res.runs_identical && m.ticks == measured[0].ticks && m.output == measured[0].output &&
                           m.op_ticks == measured[0].op_ticks;
      res.peak_sram_bytes_measured = std::max<std::int64_t>(res.peak_sram_bytes_measured, m.arena_used);
      res.stack_bytes_measured = std::max<std::int64_t>(res.stack_bytes_measured, m.stack_used);
    }
    res.run_ticks = ticks;
    const std::uint64_t t = median_ticks(ticks);
    res.latency.value = static_cast<double>(t);
    if (ident.timer_source == TN_HIL_TIMER_DWT) {
      res.latency.source = LatencySource::kDwtCycles;
      res.latency.unit = "cycles";
    } else if (s.link_config.kind == BoardLink::Kind::kQemu) {
      res.latency.source = LatencySource::kQemuIcountTicks;
      res.latency.unit = "ticks";
      res.ticks_per_instruction = std::ldexp(1.0, s.link_config.icount_shift) * ident.core_clock_hz / 1e9;
      res.instructions = static_cast<double>(t) / res.ticks_per_instruction;
    } else {
      res.latency.source = LatencySource::kSystickCycles;
      res.latency.unit = "cycles";
    }
    if (res.latency.source != LatencySource::kQemuIcountTicks)
      res.latency_ms = static_cast<double>(t) / s.board.clock_hz * 1e3;
    res.peak_sram_bytes_predicted = predicted.peak_sram_bytes;
    res.schedule = predicted.schedule;
    res.patches = predicted.patches;
    res.patch_split_block = predicted.patch_split_block;
    res.macs_predicted = predicted.macs;
    res.model_blob_bytes = static_cast<std::int64_t>(blob.bytes.size());
    res.flash_bytes = static_cast<std::int64_t>(s.image->load_bytes()) + res.model_blob_bytes;
    res.flash_bytes_predicted = predicted.flash_bytes;
    std::vector<OpRun> op_run_plan = op_runs(predicted); // the schedule's: a patch model recomputes its halo per patch
    if (op_run_plan.size() != graph.ops.size()) op_run_plan.clear();
    res.latency_predicted = predicted_latency(s.board, graph, res.latency.value, res.latency.unit, op_run_plan);
    for (std::size_t o = 0; o < graph.ops.size(); ++o) {
      LayerTiming l;
      l.op = static_cast<int>(o);
      l.name = graph.op_name(l.op);
      l.type = op_type_name(graph.ops[o].type);
      l.signature = op_signature(graph, l.op);
      std::vector<std::uint64_t> per_run;
      for (const detail::RunMeasurement& m : measured)
        if (o < m.op_ticks.size()) per_run.push_back(m.op_ticks[o]);
      l.ticks = median_ticks(per_run);
      l.macs = o < predicted.layers.size() ? predicted.layers[o].macs : graph.ops[o].macs(graph.tensors);
      res.layers.push_back(std::move(l));
    }
    return res;
  });
}

std::vector<std::vector<std::int8_t>> HilProfiler::infer(const ModelBlob& blob,
                                                         const std::vector<std::vector<std::int8_t>>& inputs,
                                                         const std::function<void(int, int)>& progress) {
  Impl& s = *impl_; // send_blob refuses a blob too large for the firmware
  std::vector<std::vector<std::int8_t>> outputs;
  s.retrying([&](int attempt) {
    s.ensure_started(attempt);
    const tn_hil_mailbox loaded = s.send_blob(blob);
    // After a relaunch, continue with the first input not yet run.
    for (std::size_t i = outputs.size(); i < inputs.size(); ++i) {
      detail::RunMeasurement m = s.link->session().run(loaded, inputs[i], 0xA5, s.options.run_timeout);
      if (m.status != 0)
        throw Error(ErrorCode::kInternal, "board " + s.board.name + ": the firmware failed running the model: " +
                                              firmware_status_name(m.status));
      outputs.push_back(std::move(m.output));
      if (progress) progress(static_cast<int>(outputs.size()), static_cast<int>(inputs.size()));
    }
    return 0;
  });
  return outputs;
}

void HilProfiler::connect() {
  impl_->retrying([this](int attempt) { impl_->ensure_started(attempt); });
}

ProfileResult profile_model(const Graph& graph, const Board& board, const ProfileOptions& options) {
  HilProfiler profiler(board, options);
  return profiler.profile(graph);
}

} // namespace tinynas
