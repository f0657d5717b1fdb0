// The weight-shared supernet (supernet/) and board profiling (profiler/'s hardware in the loop).
// Long C++ work runs without the GIL; progress callbacks take it back and check for Ctrl-C.
#include <atomic>
#include <optional>

#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "tinynas/profiler/hil_profiler.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/supernet/subnet_evaluator.hpp"
#include "tinynas/supernet/trainer.hpp"

namespace tinynas::python {

namespace {

py::dict epoch_dict(const EpochReport& r) {
  py::dict d;
  d["epoch"] = r.epoch;
  d["epochs"] = r.epochs;
  d["phase"] = r.phase;
  d["loss"] = r.loss;
  d["train_accuracy"] = r.train_accuracy;
  d["images_per_second"] = r.images_per_second;
  d["seconds"] = r.seconds;
  d["val_largest"] = r.val_largest;
  d["val_smallest"] = r.val_smallest;
  return d;
}

py::dict train(const std::string& space_name, const std::string& out, double width, std::optional<int> epochs,
               std::optional<int> largest_epochs, int limit, std::uint64_t seed, const std::string& data_dir,
               bool resume, std::optional<py::function> on_epoch) {
  std::atomic<bool> stop{false};
  TrainCallbacks callbacks;
  callbacks.on_epoch = [&](const EpochReport& r) {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) { // Ctrl-C: stop after this epoch's checkpoint
      PyErr_Clear();
      stop = true;
    }
    if (on_epoch) (*on_epoch)(epoch_dict(r));
  };
  callbacks.should_stop = [&] { return stop.load(); };
  TrainResult result;
  {
    py::gil_scoped_release release;
    if (resume) {
      DatasetOptions d = training_dataset_options(out);
      if (!data_dir.empty()) d.dir = data_dir;
      d.load_test = false;
      result = resume_training(out, load_dataset(d), callbacks);
    } else {
      const SearchSpace space = SearchSpace::load(space_name);
      TrainingConfig config = make_training_config(width, epochs, largest_epochs, limit, seed);
      config.validate();
      DatasetOptions d;
      d.dir = data_dir;
      d.val_size = config.val_size;
      d.train_limit = config.train_limit;
      d.classes = space.num_classes;
      d.load_test = false;
      result = train_supernet(space, config, load_dataset(d), out, callbacks);
    }
  }
  if (!result.finished)
    throw Error(ErrorCode::kInterrupted, "training stopped after a checkpoint; resume=True continues it", out);
  py::dict d;
  d["supernet"] = out;
  d["seconds"] = result.seconds;
  py::list reports;
  for (const auto& r : result.epochs) reports.append(epoch_dict(r));
  d["epochs"] = reports;
  return d;
}

py::dict evaluate(const std::string& supernet_path, const py::handle& arch, const std::string& split,
                  const std::string& data_dir, int limit, std::uint64_t seed) {
  if (split != "val" && split != "test")
    throw Error(ErrorCode::kInvalidArgument, "split must be \"val\" or \"test\", not \"" + split + "\"");
  const Supernet supernet = Supernet::load(supernet_path);
  Arch subnet;
  if (py::isinstance<py::str>(arch) && arch.cast<std::string>() == "largest") subnet = supernet.largest();
  else if (py::isinstance<py::str>(arch) && arch.cast<std::string>() == "smallest") subnet = supernet.smallest();
  else if (py::isinstance<PyArch>(arch)) subnet = arch.cast<const PyArch&>().arch;
  else throw Error(ErrorCode::kInvalidArgument, "arch must be an Arch, \"largest\" or \"smallest\"");
  supernet.validate(subnet);
  double accuracy = 0;
  int images = 0;
  {
    py::gil_scoped_release release;
    DatasetOptions d = training_dataset_options(supernet_path);
    if (!data_dir.empty()) d.dir = data_dir;
    d.load_test = split == "test";
    const DatasetSplits data = load_dataset(d);
    EvaluatorOptions options;
    options.seed = seed;
    options.max_images = limit;
    SubnetEvaluator evaluator(supernet, data.train, split == "test" ? data.test : data.val, options);
    accuracy = evaluator.evaluate(subnet);
    images = evaluator.evaluation_images();
  }
  py::dict out;
  out["accuracy"] = accuracy;
  out["split"] = split;
  out["images"] = images;
  out["arch"] = subnet.id();
  return out;
}

py::object profile(const py::handle& model, const std::string& board, int runs, std::uint64_t seed,
                   const std::string& space) {
  const Graph graph = lower_to_graph(net_of(model, space));
  ProfileOptions options;
  options.runs = runs;
  options.seed = seed;
  const Board b = Board::load(board);
  std::string json;
  {
    py::gil_scoped_release release;
    json = profile_model(graph, b, options).to_json(-1);
  }
  return json_to_python(json);
}

} // namespace

void bind_supernet(py::module_& m) {
  m.def("_train", &train, py::arg("space"), py::arg("out"), py::arg("width"), py::arg("epochs"),
        py::arg("largest_epochs"), py::arg("limit"), py::arg("seed"), py::arg("data_dir"), py::arg("resume"),
        py::arg("on_epoch"));
  m.def("evaluate", &evaluate, py::arg("supernet"), py::arg("arch") = "largest", py::arg("split") = "val",
        py::arg("data_dir") = "", py::arg("limit") = 0, py::arg("seed") = 0, R"doc(
Top-1 accuracy of a subnet with weights inherited from a trained supernet file.

arch: an Arch of the supernet's space and width, or "largest" / "smallest". BN statistics are
recalibrated on training images first (MCUNet's 20 x 64). split: "val" (held out from training, the
default) or "test" (for final numbers only). limit > 0 evaluates on the first N images. Returns a
dict with accuracy (a fraction), split, images and the arch id, as `tinynas eval --json`.
)doc");
  m.def("profile", &profile, py::arg("model"), py::arg("board") = "qemu-mps2-an500", py::arg("runs") = 3,
        py::arg("seed") = 0, py::arg("space") = "mcunet", R"doc(
Run a model on a board through the profiling firmware and return what was measured, as
`tinynas profile --json`: latency {value, unit, source}, peak_sram_bytes_measured and _predicted,
flash_bytes, bit_exact, per-layer timings. QEMU boards (qemu-mps2-an500, qemu-netduinoplus2) count
instructions, not cycles; real boards go through OpenOCD. Weights and input are random (latency and
memory only); model is an Arch, a Net, a path or a dict.
)doc");
}

} // namespace tinynas::python
