// The weight-shared supernet (supernet/) and board profiling (profiler/'s hardware in the loop).
// Long C++ work runs without the GIL; progress callbacks take it back and check for Ctrl-C.
#include <atomic>
#include <optional>

#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "tinynas/deploy/subnet_accuracy.hpp"
#include "tinynas/hil/calibration.hpp"
#include "tinynas/hil/hil_profiler.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/supernet/finetune.hpp"
#include "tinynas/supernet/subnet_evaluator.hpp"
#include "tinynas/supernet/trainer.hpp"

namespace tinynas::python {

namespace {

py::object epoch_dict(const EpochReport& r) { return json_to_python(r.to_json()); }

// What train() and finetune() return: {file_key: the file, "seconds", "epochs": every epoch's report}.
py::dict result_dict(const char* file_key, const std::string& file, const TrainResult& result) {
  py::dict d;
  d[file_key] = file;
  d["seconds"] = result.seconds;
  py::list reports;
  for (const auto& r : result.epochs) reports.append(epoch_dict(r));
  d["epochs"] = reports;
  return d;
}

// Training and fine-tuning from Python: `on_epoch` gets each epoch's report; Ctrl-C, read between
// batches, sets `stop`, so the run ends after the current batch, checkpointed.
TrainCallbacks epoch_callbacks(std::atomic<bool>& stop, const std::optional<py::function>& on_epoch) {
  TrainCallbacks callbacks;
  callbacks.on_epoch = [on_epoch](const EpochReport& r) {
    py::gil_scoped_acquire gil;
    if (on_epoch) (*on_epoch)(epoch_dict(r));
  };
  callbacks.should_stop = [&stop] {
    py::gil_scoped_acquire gil;
    if (ctrl_c_pressed()) stop = true;
    return stop.load();
  };
  return callbacks;
}

py::dict train(const std::string& space_name, const std::string& out, double width, std::optional<int> epochs,
               std::optional<int> largest_epochs, int limit, std::uint64_t seed, const std::string& data_dir,
               bool classes_from_data, bool resume, std::optional<py::function> on_epoch) {
  std::atomic<bool> stop{false};
  const TrainCallbacks callbacks = epoch_callbacks(stop, on_epoch);
  TrainResult result;
  {
    py::gil_scoped_release release;
    if (resume) {
      DatasetOptions d = training_dataset_options(out);
      if (!data_dir.empty()) d.dir = data_dir;
      d.load_test = false;
      result = resume_training(out, load_dataset(d), callbacks);
    } else {
      SearchSpace space = SearchSpace::load(space_name);
      TrainingConfig config = make_training_config(width, epochs, largest_epochs, limit, seed);
      config.validate();
      const DatasetSplits data =
          load_dataset(fresh_training_dataset_options(space, config, data_dir, out, classes_from_data));
      if (classes_from_data) space = space_with_classes_of(std::move(space), data);
      result = train_supernet(space, config, data, out, callbacks);
    }
  }
  if (!result.finished)
    throw Error(ErrorCode::kInterrupted, "training stopped after a checkpoint; resume=True continues it", out);
  return result_dict("supernet", out, result);
}

// The subnet `arch` names in a supernet: an Arch, "largest" or "smallest".
Arch subnet_of(const Supernet& supernet, const py::handle& arch) {
  if (py::isinstance<py::str>(arch) && arch.cast<std::string>() == "largest") return supernet.largest();
  if (py::isinstance<py::str>(arch) && arch.cast<std::string>() == "smallest") return supernet.smallest();
  if (py::isinstance<PyArch>(arch)) return arch.cast<const PyArch&>().arch;
  throw invalid_option("arch", "must be an Arch, \"largest\" or \"smallest\"");
}

// Fine-tunes `arch` of `supernet_path` into the model file `out`, as `tinynas finetune` does.
py::dict finetune(const std::string& supernet_path, const py::handle& arch, const std::string& out,
                  const std::string& data_dir, int epochs, double lr, bool distill, bool from_scratch, int batch_size,
                  std::uint64_t seed, bool resume, std::optional<py::function> on_epoch) {
  FinetuneOptions options;
  options.epochs = epochs;
  options.lr = lr;
  options.distill = distill;
  options.from_scratch = from_scratch;
  options.batch_size = batch_size;
  options.seed = seed;
  options.validate();
  const Arch subnet = subnet_of(Supernet::load(supernet_path), arch);
  std::atomic<bool> stop{false};
  const TrainCallbacks callbacks = epoch_callbacks(stop, on_epoch);
  TrainResult result;
  {
    py::gil_scoped_release release;
    result = finetune_or_resume(supernet_path, subnet, options, data_dir, out, resume, callbacks);
  }
  if (!result.finished)
    throw Error(ErrorCode::kInterrupted, "fine-tuning stopped after an epoch's model; resume=True continues it", out);
  return result_dict("model", out, result);
}

py::object evaluate(const std::string& supernet_path, const py::handle& arch, const std::string& split,
                    const std::string& data_dir, int limit, std::uint64_t seed, bool int8, int calibration_images,
                    const std::string& model) {
  // The model form (a file of finetune()) holds its own arch; the supernet form names one.
  if (!model.empty() && (!supernet_path.empty() || !arch.is_none()))
    throw invalid_option("model", "replaces `supernet` and `arch` (a model holds its own arch): give one form");
  if (model.empty() && supernet_path.empty())
    throw invalid_option("supernet", "is required (or `model`, a file of tinynas.finetune)");
  const std::string file = model.empty() ? supernet_path : model;
  const Arch subnet = !model.empty()
                          ? read_model_arch(model)
                          : subnet_of(Supernet::load(supernet_path),
                                      arch.is_none() ? py::str("largest") : py::reinterpret_borrow<py::object>(arch));
  const SubnetAccuracyOptions options = accuracy_options(split, limit, data_dir, calibration_images, seed, int8);
  std::string json;
  {
    py::gil_scoped_release release;
    json = evaluate_subnet_accuracy(file, subnet, options).to_json(-1);
  }
  return json_to_python(json);
}

py::object profile(const py::handle& model, const std::string& board, int runs, std::uint64_t seed,
                   const std::string& space, const std::string& schedule, std::optional<int> patches,
                   std::optional<int> split_block) {
  const Graph graph = lower_to_graph(net_of(model, space));
  const CostOptions cost = schedule_options(schedule, patches, split_block);
  ProfileOptions options;
  options.runs = runs;
  options.seed = seed;
  options.schedule = cost.schedule;
  options.patch = cost.patch;
  const Board b = Board::load(board);
  std::string json;
  {
    py::gil_scoped_release release;
    json = profile_model(graph, b, options).to_json(-1);
  }
  return json_to_python(json);
}

// Builds the board's latency table; saved to `out` ("" = the board's default path, where the
// search's latency budget finds it) unless save is false. Returns the table as `calibrate --json`.
py::object calibrate_board(const std::string& board, const std::string& space, int subnets, int holdout,
                           std::uint64_t seed, int runs, const std::string& out, bool save, int patch_grid) {
  CalibrationOptions options;
  options.space = space;
  options.subnets = subnets;
  options.holdout = holdout;
  options.seed = seed;
  options.profile.runs = runs;
  options.patch_grid = patch_grid;
  const Board b = Board::load(board);
  std::string json;
  {
    py::gil_scoped_release release;
    const CalibrationReport report = calibrate(b, options);
    if (save) report.table.save(out.empty() ? b.latency_table : out);
    json = report.table.to_json(-1);
  }
  return json_to_python(json);
}

} // namespace

void bind_supernet(py::module_& m) {
  m.def("_train", &train, py::arg("space"), py::arg("out"), py::arg("width"), py::arg("epochs"),
        py::arg("largest_epochs"), py::arg("limit"), py::arg("seed"), py::arg("data_dir"), py::arg("classes_from_data"),
        py::arg("resume"), py::arg("on_epoch"));
  m.def("_finetune", &finetune, py::arg("supernet"), py::arg("arch"), py::arg("out"), py::arg("data_dir"),
        py::arg("epochs"), py::arg("lr"), py::arg("distill"), py::arg("from_scratch"), py::arg("batch_size"),
        py::arg("seed"), py::arg("resume"), py::arg("on_epoch"));
  m.def("evaluate", &evaluate, py::arg("supernet") = "", py::arg("arch") = py::none(), py::arg("split") = "val",
        py::arg("data_dir") = "", py::arg("limit") = 0, py::arg("seed") = 0, py::arg("int8") = false,
        py::arg("calibration_images") = 500, py::kw_only(), py::arg("model") = "", R"doc(
Top-1 accuracy of a subnet with weights inherited from a trained supernet file, or of a model
(model=: a file of tinynas.finetune, in place of supernet and arch).

arch: an Arch of the supernet's space and width, or "largest" (the default) / "smallest". BN statistics are
recalibrated on training images first (MCUNet's 20 x 64). split: "val" (held out from training, the
default) or "test" (for final numbers only). limit > 0 evaluates on the first N images. int8=True also
quantises the subnet (activation ranges from calibration_images training images) and runs it on the
host build of the firmware's int8 runtime, which the boards match bit for bit. Returns a dict as
`tinynas eval --json`: accuracy (a fraction), split, images, arch, and with int8 an "int8" dict
(accuracy, float_reference_accuracy, accuracy_drop_points, agreement, calibration_images).
)doc");
  m.def("profile", &profile, py::arg("model"), py::arg("board") = "qemu-mps2-an500", py::arg("runs") = 3,
        py::arg("seed") = 0, py::arg("space") = "mcunet", py::kw_only(), py::arg("schedule") = "inplace-dw",
        py::arg("patches") = py::none(), py::arg("split_block") = py::none(), R"doc(
Run a model on a board through the profiling firmware and return what was measured, as
`tinynas profile --json`: latency {value, unit, source}, peak_sram_bytes_measured and _predicted,
flash_bytes, bit_exact, schedule, per-layer timings. QEMU boards (qemu-mps2-an500, qemu-netduinoplus2) count
instructions, not cycles; real boards go through OpenOCD. Weights and input are random (latency and
memory only); model is an Arch, a Net, a path or a dict. schedule: "inplace-dw", "patch" (MCUNetV2's
patch-based inference, with patches= an n x n grid and split_block= the last block run per patch; both
chosen by the cost model when None) or "auto" (the cost model's choice for the board's SRAM).
)doc");
  m.def("calibrate", &calibrate_board, py::arg("board"), py::arg("space") = "fashion_mnist", py::arg("subnets") = 24,
        py::arg("holdout") = 8, py::arg("seed") = 1, py::arg("runs") = 2, py::arg("out") = "", py::arg("save") = true,
        py::arg("patch_grid") = CalibrationOptions{}.patch_grid, R"doc(
Fit a board's latency lookup table, as `tinynas calibrate`: profile `subnets` random subnets of
`space` that fit the board, fit the per-op table on all but `holdout` of them, and predict those.
Saved to `out` (default: configs/latency/<board>.json, which the search's latency budget uses)
unless save=False. Each subnet also runs in the cost model's patch plan on a patch_grid x patch_grid
grid (0: none), which fits the per-patch overhead of patch plans. Returns the table as a dict:
entries, fallback fits, holdout with mean_abs_error_pct / max_abs_error_pct, and patch_overhead /
patch_holdout. QEMU boards count instructions, not cycles. Raises
BoardError when the board fails after the retries.
)doc");
}

} // namespace tinynas::python
