// A board held open between profiles (hil/'s HilProfiler): the board farm's workers keep one per board, so QEMU
// is launched (or OpenOCD reached) once and not for every model.
#include <chrono>
#include <memory>
#include <string>

#include "bindings.hpp"
#include "tinynas/hil/board_accuracy.hpp"
#include "tinynas/hil/calibration.hpp"
#include "tinynas/hil/hil_profiler.hpp"
#include "tinynas/profiler/board.hpp"
#include "tinynas/profiler/cost_model.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/graph.hpp"
#include "tinynas/space/netconfig.hpp"
#include "tinynas/supernet/finetune.hpp"
#include "tinynas/supernet/supernet.hpp"

namespace tinynas::python {

namespace {

BoardAccuracyTask make_accuracy_task(const std::string& model, const std::string& split, int limit,
                                     const std::string& data_dir, int calibration_images, std::uint64_t seed,
                                     const BlobSchedule& schedule = {}) {
  const SubnetAccuracyOptions o = accuracy_options(split, limit, data_dir, calibration_images, seed);
  py::gil_scoped_release release;
  return BoardAccuracyTask::from(int8_evaluation_set(model, read_model_arch(model), o), schedule);
}

// The patch plan a farm job names (patches = 0: in place), checked as the CLI checks --patches and --split-block;
// split_block -1 resolves to the cost model's split, so the job's result is the same wherever it runs.
PatchOptions job_patch(const Graph& graph, int patches, int split_block) {
  if (patches == 0) return PatchOptions{0, -1};
  const CostOptions o =
      schedule_options("patch", patches, split_block >= 0 ? std::optional<int>(split_block) : std::nullopt);
  const PatchOptions resolved = resolve_patch_split(graph, o.patch);
  if (resolved.patches == 0)
    throw Error(ErrorCode::kInvalidArgument, "patches=" + std::to_string(patches) + ": the net has no block to split");
  return resolved;
}

py::bytes joined(const std::vector<std::vector<std::int8_t>>& rows) {
  std::string out;
  for (const auto& r : rows) out.append(reinterpret_cast<const char*>(r.data()), r.size());
  return py::bytes(out);
}

std::vector<std::vector<std::int8_t>> split_rows(const std::string& bytes, std::size_t row, const char* field) {
  if (row == 0 || bytes.size() % row != 0)
    throw Error(ErrorCode::kInvalidArgument, std::string("accuracy task: ") + field + " holds " +
                                                 std::to_string(bytes.size()) + " bytes, not rows of " +
                                                 std::to_string(row));
  std::vector<std::vector<std::int8_t>> rows;
  for (std::size_t at = 0; at < bytes.size(); at += row) {
    const auto* p = reinterpret_cast<const std::int8_t*>(bytes.data() + at);
    rows.emplace_back(p, p + row);
  }
  return rows;
}

// A task as plain Python (bytes and lists), to travel through a broker as a farm job.
py::dict accuracy_task_to_python(const BoardAccuracyTask& t) {
  py::dict d;
  d["arch"] = t.arch_id;
  d["blob"] = py::bytes(reinterpret_cast<const char*>(t.blob.bytes.data()), t.blob.bytes.size());
  d["arena_bytes"] = t.blob.arena_bytes;
  d["input_bytes"] = t.inputs.empty() ? 0 : t.inputs[0].size();
  d["inputs"] = joined(t.inputs);
  d["labels"] = t.labels;
  d["host_top1"] = t.host_top1;
  d["output_bytes"] = t.host_out.empty() ? 0 : t.host_out[0].size();
  d["host_out"] = joined(t.host_out);
  return d;
}

BoardAccuracyTask accuracy_task_from_python(const py::dict& d) {
  BoardAccuracyTask t;
  try {
    t.arch_id = d["arch"].cast<std::string>();
    const std::string blob = d["blob"].cast<std::string>();
    t.blob.bytes.assign(blob.begin(), blob.end());
    t.blob.arena_bytes = d["arena_bytes"].cast<std::int64_t>();
    t.inputs = split_rows(d["inputs"].cast<std::string>(), d["input_bytes"].cast<std::size_t>(), "inputs");
    t.labels = d["labels"].cast<std::vector<int>>();
    t.host_top1 = d["host_top1"].cast<std::vector<int>>();
    t.host_out = split_rows(d["host_out"].cast<std::string>(), d["output_bytes"].cast<std::size_t>(), "host_out");
  } catch (const py::error_already_set& e) {
    throw Error(ErrorCode::kInvalidArgument, std::string("accuracy task: a field is missing: ") + e.what());
  } catch (const py::cast_error& e) {
    throw Error(ErrorCode::kInvalidArgument, std::string("accuracy task: a field has the wrong type: ") + e.what());
  }
  t.check();
  return t;
}

// A trained model as a profile job carries it (tinynas.farm): its net config (what the cost model predicts from),
// its int8 blob (the trained weights) and one int8 test image, made where the model file and the dataset are.
py::dict trained_model_task(const std::string& model, const std::string& data_dir, int calibration_images,
                            std::uint64_t seed, int patches, int split_block) {
  const NetSpec net = lower_to_net(Supernet::load(model).space(), read_model_arch(model));
  const PatchOptions patch = job_patch(lower_to_graph(net), patches, split_block);
  const BoardAccuracyTask t =
      make_accuracy_task(model, "test", 1, data_dir, calibration_images, seed, {patch.patches, patch.split_block});
  py::dict d;
  if (patch.patches > 0) d["patch"] = py::make_tuple(patch.patches, patch.split_block);
  d["arch"] = t.arch_id;
  d["netconfig"] = json_to_python(netconfig_from_net(net, -1));
  d["blob"] = py::bytes(reinterpret_cast<const char*>(t.blob.bytes.data()), t.blob.bytes.size());
  d["arena_bytes"] = t.blob.arena_bytes;
  d["input"] = joined(t.inputs);
  return d;
}

class PyProfiler {
public:
  PyProfiler(const std::string& board, const std::string& firmware, int timeout_ms, int retries, int boot_timeout_ms)
      : board_(Board::load(board)) {
    if (timeout_ms < 1) throw Error(ErrorCode::kInvalidArgument, "timeout_ms must be positive");
    if (boot_timeout_ms < 1) throw Error(ErrorCode::kInvalidArgument, "boot_timeout_ms must be positive");
    if (retries < 0) throw Error(ErrorCode::kInvalidArgument, "retries must not be negative");
    options_.firmware = firmware;
    options_.run_timeout = std::chrono::milliseconds(timeout_ms);
    options_.retries = retries;
    options_.boot_timeout = std::chrono::milliseconds(boot_timeout_ms);
    profiler_ = std::make_unique<HilProfiler>(board_, options_);
  }

  void connect() {
    py::gil_scoped_release release;
    live().connect();
  }

  // Same measurement as `tinynas profile --json` with the same runs and seed: random weights and input; in place,
  // or with patches > 0 the patch schedule (`--schedule patch --patches N [--split-block K]`).
  py::object profile(const py::handle& model, int runs, std::uint64_t seed, const std::string& space, int patches,
                     int split_block) {
    if (runs < 1) throw Error(ErrorCode::kInvalidArgument, "runs must be at least 1");
    const Graph graph = lower_to_graph(net_of(model, space));
    const PatchOptions patch = job_patch(graph, patches, split_block);
    HilProfiler& p = live();
    std::string json;
    {
      py::gil_scoped_release release;
      p.set_measurement(runs, seed); // jobs differ in runs, seed and schedule; the link stays up
      p.set_schedule(patch.patches > 0 ? Schedule::kPatch : Schedule::kInplaceDw, patch, std::nullopt);
      json = p.profile(graph).to_json(-1);
    }
    return json_to_python(json);
  }

  // A trained model's int8 blob (trained_model_task()) with the net it was written for: as profile(), with the
  // trained weights and a real image instead of random ones.
  py::object profile_trained(const py::dict& task, int runs) {
    if (runs < 1) throw Error(ErrorCode::kInvalidArgument, "runs must be at least 1");
    Graph graph;
    ModelBlob blob;
    std::vector<std::int8_t> input;
    try {
      graph = lower_to_graph(net_of(task["netconfig"], "mcunet"));
      const std::string bytes = task["blob"].cast<std::string>();
      blob.bytes.assign(bytes.begin(), bytes.end());
      blob.arena_bytes = task["arena_bytes"].cast<std::int64_t>();
      const std::string image = task["input"].cast<std::string>();
      input.assign(image.begin(), image.end());
    } catch (const py::error_already_set& e) {
      throw Error(ErrorCode::kInvalidArgument, std::string("trained model task: a field is missing: ") + e.what());
    } catch (const py::cast_error& e) {
      throw Error(ErrorCode::kInvalidArgument,
                  std::string("trained model task: a field has the wrong type: ") + e.what());
    }
    HilProfiler& p = live();
    std::string json;
    {
      py::gil_scoped_release release;
      p.set_measurement(runs, 0);
      json = p.profile(graph, blob, input).to_json(-1);
    }
    return json_to_python(json);
  }

  // A trained model's int8 accuracy on this board (`tinynas eval --on-board`): as BoardAccuracy::to_json.
  py::object accuracy(const std::string& model, const std::string& split, int limit, const std::string& data_dir,
                      int calibration_images, std::uint64_t seed) {
    return measure(make_accuracy_task(model, split, limit, data_dir, calibration_images, seed));
  }

  // The same for a task made elsewhere (accuracy_task(), a farm job): no model file or dataset needed here.
  py::object accuracy_of_task(const py::dict& task) { return measure(accuracy_task_from_python(task)); }

  void close() { profiler_.reset(); }
  const std::string& firmware() { return live().firmware_path(); }
  const std::string& board_name() const { return board_.name; }
  double startup_seconds() { return std::chrono::duration<double>(live().startup_time()).count(); }

private:
  py::object measure(const BoardAccuracyTask& task) {
    HilProfiler& p = live();
    std::string json;
    {
      py::gil_scoped_release release;
      json = measure_accuracy_on_board(p, task).to_json(-1);
    }
    return json_to_python(json);
  }

  HilProfiler& live() {
    if (!profiler_) throw Error(ErrorCode::kInvalidArgument, "this Profiler of " + board_.name + " was closed");
    return *profiler_;
  }

  Board board_;
  ProfileOptions options_;
  std::unique_ptr<HilProfiler> profiler_;
};

// A latency table fitted on measurements made elsewhere (the farm's results): each a dict with id, netconfig,
// layers (ticks per op), latency, unit, source and ticks_per_instruction, and optionally patch (the same net run in
// a patch plan: patches, split_block, layers, latency), which fits the per-patch overhead. Saved to `out` ("" = the
// board's table path) when `save`; returns the table as `calibrate --json`.
py::object fit_calibration_py(const std::string& board, const std::string& space, const py::list& models, int holdout,
                              const std::string& out, bool save) {
  const Board b = Board::load(board);
  std::vector<MeasuredModel> measured;
  for (const py::handle& item : models) {
    const py::dict d = py::reinterpret_borrow<py::dict>(item);
    MeasuredModel m;
    m.id = d["id"].cast<std::string>();
    m.graph = lower_to_graph(net_of(d["netconfig"]));
    m.layer_ticks = d["layers"].cast<std::vector<double>>();
    m.latency = d["latency"].cast<double>();
    m.unit = d["unit"].cast<std::string>();
    m.source = d["source"].cast<std::string>();
    m.ticks_per_instruction = d["ticks_per_instruction"].cast<double>();
    if (d.contains("patch") && !d["patch"].is_none()) { // the same net run in a patch plan
      const py::dict p = d["patch"].cast<py::dict>();
      m.patch = measured_patch_run(m.graph, b, PatchOptions{p["patches"].cast<int>(), p["split_block"].cast<int>()},
                                   p["layers"].cast<std::vector<double>>(), p["latency"].cast<double>());
    }
    measured.push_back(std::move(m));
  }
  std::string json;
  {
    py::gil_scoped_release release;
    const CalibrationReport report = fit_calibration(b, space, measured, holdout);
    if (save) report.table.save(out.empty() ? b.latency_table : out);
    json = report.table.to_json(-1);
  }
  return json_to_python(json);
}

} // namespace

void bind_hil(py::module_& m) {
  py::class_<PyProfiler>(m, "Profiler", R"doc(
A board kept open between profiles: QEMU is launched (or OpenOCD reached) at the first profile or at
connect(), and reused until close(). profile() measures as `tinynas profile --json` does with the same
runs and seed. Errors: ValueError for a model the firmware cannot run (too large, refused blob),
BoardError when the board fails after the retries.
)doc")
      .def(py::init<const std::string&, const std::string&, int, int, int>(), py::arg("board"),
           py::arg("firmware") = "", py::arg("timeout_ms") = 30000, py::arg("retries") = 2,
           py::arg("boot_timeout_ms") = 10000)
      .def("connect", &PyProfiler::connect, "Reach the board now (launch and boot), with the retries.")
      .def("profile", &PyProfiler::profile, py::arg("model"), py::arg("runs") = 3, py::arg("seed") = 0,
           py::arg("space") = "mcunet", py::arg("patches") = 0, py::arg("split_block") = -1,
           "patches=N runs the patch schedule on an N x N grid up to split_block (-1: the cost model's split); "
           "0 runs in place.")
      .def("profile_trained", &PyProfiler::profile_trained, py::arg("task"), py::arg("runs") = 3,
           "profile() of a trained model's int8 blob with its net config and a real image (trained_model_task()): "
           "the output is checked against the host runtime with the trained weights.")
      .def("accuracy", &PyProfiler::accuracy, py::arg("model"), py::arg("split") = "test", py::arg("limit") = 0,
           py::arg("data_dir") = "", py::arg("calibration_images") = 500, py::arg("seed") = 0,
           "A trained model file's int8 top-1 on this board next to the host runtime's (tinynas eval --on-board).")
      .def("accuracy_of_task", &PyProfiler::accuracy_of_task, py::arg("task"),
           "accuracy() for a task from accuracy_task(), made where the model file and the dataset are.")
      .def("close", &PyProfiler::close, "Stop the emulator or release the probe.")
      .def_property_readonly("firmware", &PyProfiler::firmware, "Path of the firmware image the board runs.")
      .def_property_readonly("board", &PyProfiler::board_name)
      .def_property_readonly("startup_seconds", &PyProfiler::startup_seconds,
                             "Time spent launching and booting the board so far.");
  m.def(
      "_model_arch_id", [](const std::string& path) { return read_model_arch(path).id(); }, py::arg("path"),
      "The arch id of a model file (tinynas finetune --out).");
  m.def(
      "accuracy_task",
      [](const std::string& model, const std::string& split, int limit, const std::string& data_dir,
         int calibration_images, std::uint64_t seed) {
        return accuracy_task_to_python(make_accuracy_task(model, split, limit, data_dir, calibration_images, seed));
      },
      py::arg("model"), py::arg("split") = "test", py::arg("limit") = 0, py::arg("data_dir") = "",
      py::arg("calibration_images") = 500, py::arg("seed") = 0,
      "What a board needs to measure a trained model's accuracy, made here: the int8 blob, the int8 inputs, labels "
      "and the host runtime's answers (bytes and lists). Profiler.accuracy_of_task() runs it on any host.");
  m.def("trained_model_task", &trained_model_task, py::arg("model"), py::arg("data_dir") = "",
        py::arg("calibration_images") = 500, py::arg("seed") = 0, py::arg("patches") = 0, py::arg("split_block") = -1,
        "What a board needs to profile a trained model file with its own weights, made here: its net config, int8 "
        "blob and one int8 test image. Profiler.profile_trained() runs it on any host. patches=N writes the blob "
        "with the patch plan (split_block -1: the cost model's split), named in \"patch\": (N, split block).");
  m.def("_fit_calibration", &fit_calibration_py, py::arg("board"), py::arg("space"), py::arg("models"),
        py::arg("holdout"), py::arg("out"), py::arg("save"));
}

} // namespace tinynas::python
