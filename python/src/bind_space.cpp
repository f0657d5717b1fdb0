// Search spaces, archs and concrete networks (space/).
#include <map>
#include <mutex>

#include <pybind11/stl.h>

#include "bindings.hpp"
#include "tinynas/space/config_paths.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/netconfig.hpp"

namespace tinynas::python {

std::shared_ptr<const SearchSpace> shared_space(const std::string& name_or_path) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const SearchSpace>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto& entry = cache[name_or_path];
  if (!entry) entry = std::make_shared<const SearchSpace>(SearchSpace::load(name_or_path));
  return entry;
}

py::object json_to_python(const std::string& text) { return py::module_::import("json").attr("loads")(text); }

std::string python_to_json(const py::handle& object) {
  return py::module_::import("json").attr("dumps")(object).cast<std::string>();
}

NetSpec net_of(const py::handle& model, const std::string& default_space) {
  if (py::isinstance<PyArch>(model)) {
    const auto& a = model.cast<const PyArch&>();
    return lower_to_net(*a.space, a.arch);
  }
  if (py::isinstance<NetSpec>(model)) return model.cast<NetSpec>();
  if (py::isinstance<py::str>(model) || py::hasattr(model, "__fspath__")) {
    std::string path = py::str(py::module_::import("os").attr("fspath")(model));
    return load_model(path, default_space).net;
  }
  if (py::isinstance<py::dict>(model)) {
    std::string text = python_to_json(model);
    if (looks_like_netconfig(text)) return net_from_netconfig(text, "<dict>");
    auto dict = model.cast<py::dict>();
    std::string space_name = dict.contains("space") ? dict["space"].cast<std::string>() : default_space;
    auto space = shared_space(space_name);
    return lower_to_net(*space, arch_from_json(text, *space, "<dict>"));
  }
  throw Error(ErrorCode::kInvalidArgument,
              "expected an Arch, a Net, a path to an arch file or net config, or a dict; got " +
                  std::string(py::str(py::type::of(model).attr("__name__"))));
}

namespace {

std::vector<int> active(const std::vector<int>& genes, int depth) { return {genes.begin(), genes.begin() + depth}; }

PyArch arch_from_dict(const py::dict& d, const std::string& space_name) {
  std::string name = d.contains("space") ? d["space"].cast<std::string>() : space_name;
  auto space = shared_space(name);
  return {arch_from_json(python_to_json(d), *space, "<dict>"), space};
}

py::object load_arch(const std::string& path, const std::string& space_name) {
  LoadedModel model = load_model(path, space_name);
  if (model.arch) return py::cast(PyArch{*model.arch, shared_space(model.space_name)});
  return py::cast(model.net);
}

} // namespace

void bind_space(py::module_& m) {
  py::class_<SearchSpace, std::shared_ptr<SearchSpace>>(m, "SearchSpace", R"doc(
An MCUNet-style MobileNetV2 search space (configs/spaces/*.json).

Load one with ``SearchSpace.load("mcunet")`` or a path to a JSON file. A space lists the width
multipliers, resolutions, and per stage the depths, kernel sizes and expand ratios a subnet may take.
)doc")
      .def_static(
          "load",
          [](const std::string& name_or_path) {
            return std::const_pointer_cast<SearchSpace>(shared_space(name_or_path));
          },
          py::arg("name_or_path"), "Load a shipped space by name (\"mcunet\", \"fashion_mnist\") or a JSON file.")
      .def_readonly("name", &SearchSpace::name)
      .def_readonly("file", &SearchSpace::file)
      .def_readonly("input_channels", &SearchSpace::input_channels)
      .def_readonly("num_classes", &SearchSpace::num_classes)
      .def_readonly("width_mults", &SearchSpace::width_mults)
      .def_readonly("resolutions", &SearchSpace::resolutions)
      .def_property_readonly("num_stages", [](const SearchSpace& s) { return s.stages.size(); })
      .def_property_readonly("log10_size", &SearchSpace::log10_size, "log10 of the number of distinct subnets.")
      .def("channels", &SearchSpace::channels, py::arg("base_width"), py::arg("width"),
           "Channels of a layer of base width `base_width` at multiplier `width` (make_divisible by 8).")
      .def(
          "sample",
          [](const SearchSpace& s, int n, std::uint64_t seed, std::optional<double> width,
             std::optional<int> resolution) {
            auto space = shared_space(s.file.empty() ? s.name : s.file);
            Rng rng(seed);
            std::vector<PyArch> out;
            for (int i = 0; i < n; ++i)
              out.push_back({sample_arch(s, rng, width.value_or(0), resolution.value_or(0)), space});
            return out;
          },
          py::arg("n") = 1, py::arg("seed") = 0, py::arg("width") = py::none(), py::arg("resolution") = py::none(),
          "Draw `n` uniform random subnets (deterministic for a seed); fix `width`/`resolution` if given.")
      .def(
          "largest",
          [](const SearchSpace& s, double width, int resolution) {
            return PyArch{largest_arch(s, width, resolution), shared_space(s.file.empty() ? s.name : s.file)};
          },
          py::arg("width"), py::arg("resolution"), "The deepest, widest-kernel, largest-expand subnet.")
      .def(
          "smallest",
          [](const SearchSpace& s, double width, int resolution) {
            return PyArch{smallest_arch(s, width, resolution), shared_space(s.file.empty() ? s.name : s.file)};
          },
          py::arg("width"), py::arg("resolution"), "The shallowest, smallest subnet.")
      .def("to_dict", [](const SearchSpace& s) { return json_to_python(s.to_json()); })
      .def("__repr__", [](const SearchSpace& s) {
        return "<SearchSpace '" + s.name + "': " + std::to_string(s.width_mults.size()) + " widths x " +
               std::to_string(s.resolutions.size()) + " resolutions, " + std::to_string(s.stages.size()) + " stages>";
      });

  py::class_<PyArch>(m, "Arch", R"doc(
One subnet of a search space: width multiplier, resolution, and per stage the depth and each
block's kernel size and expand ratio. Immutable; equal archs have equal ``id``.
)doc")
      .def_static("from_dict", &arch_from_dict, py::arg("d"), py::arg("space") = "mcunet",
                  "Build from a dict in the arch JSON format (its 'space' key wins over `space`).")
      .def_static(
          "from_json",
          [](const std::string& text, const std::string& space) {
            auto s = shared_space(space);
            std::string name = arch_json_space_name(text);
            if (!name.empty()) s = shared_space(name);
            return PyArch{arch_from_json(text, *s), s};
          },
          py::arg("text"), py::arg("space") = "mcunet")
      .def_static(
          "from_id",
          [](const std::string& id, const std::string& space) {
            auto s = shared_space(space);
            return PyArch{arch_from_id(id, *s), s};
          },
          py::arg("id"), py::arg("space") = "mcunet", "Parse a compact id such as 'w0.5-r176-k737e355-...'.")
      .def_property_readonly("id", [](const PyArch& a) { return a.arch.id(); })
      .def_property_readonly("space", [](const PyArch& a) { return a.space->name; })
      .def_property_readonly("width", [](const PyArch& a) { return a.arch.width; })
      .def_property_readonly("resolution", [](const PyArch& a) { return a.arch.resolution; })
      .def_property_readonly("depths",
                             [](const PyArch& a) {
                               std::vector<int> d;
                               for (const auto& st : a.arch.stages) d.push_back(st.depth);
                               return d;
                             })
      .def_property_readonly(
          "kernels",
          [](const PyArch& a) {
            std::vector<std::vector<int>> k;
            for (const auto& st : a.arch.stages) k.push_back(active(st.kernels, st.depth));
            return k;
          },
          "Per stage, the active blocks' depthwise kernel sizes.")
      .def_property_readonly(
          "expands",
          [](const PyArch& a) {
            std::vector<std::vector<int>> e;
            for (const auto& st : a.arch.stages) e.push_back(active(st.expands, st.depth));
            return e;
          },
          "Per stage, the active blocks' expand ratios.")
      .def_property_readonly(
          "net", [](const PyArch& a) { return lower_to_net(*a.space, a.arch); },
          "The concrete network (every layer's channels, kernel, stride).")
      .def(
          "to_json", [](const PyArch& a, int indent) { return arch_to_json(a.arch, *a.space, indent); },
          py::arg("indent") = 2)
      .def("to_dict", [](const PyArch& a) { return json_to_python(arch_to_json(a.arch, *a.space, -1)); })
      .def(
          "to_netconfig",
          [](const PyArch& a) { return json_to_python(netconfig_from_net(lower_to_net(*a.space, a.arch))); },
          "The OFA/MCUNet net config (dict) that builds this subnet in PyTorch.")
      .def(
          "save",
          [](const PyArch& a, const std::string& path) {
            std::string text = arch_to_json(a.arch, *a.space);
            py::module_::import("pathlib").attr("Path")(path).attr("write_text")(text + "\n");
          },
          py::arg("path"), "Write the arch JSON file (`tinynas analyze` reads it).")
      .def("__eq__", [](const PyArch& a,
                        const PyArch& b) { return a.space->name == b.space->name && a.arch.id() == b.arch.id(); })
      .def("__hash__", [](const PyArch& a) { return py::hash(py::str(a.space->name + "/" + a.arch.id())); })
      .def("__repr__", [](const PyArch& a) { return "<Arch " + a.space->name + " " + a.arch.id() + ">"; });

  py::class_<NetSpec>(m, "Net", "A concrete network: an imported net config or a lowered arch.")
      .def_readonly("name", &NetSpec::name)
      .def_readonly("resolution", &NetSpec::resolution)
      .def_readonly("num_classes", &NetSpec::num_classes)
      .def_property_readonly("num_blocks", [](const NetSpec& n) { return n.blocks.size(); })
      .def("to_netconfig", [](const NetSpec& n) { return json_to_python(netconfig_from_net(n)); })
      .def("__repr__", [](const NetSpec& n) {
        return "<Net '" + n.name + "' " + std::to_string(n.resolution) + "px, " + std::to_string(n.blocks.size()) +
               " blocks>";
      });

  m.def("load_arch", &load_arch, py::arg("path"), py::arg("space") = "mcunet", R"doc(
Load a model file: a TinyNAS arch JSON, or an OFA/MCUNet net config.

Returns an ``Arch`` when the model is a member of `space` (or of the space its file names),
otherwise a ``Net`` (which ``analyze`` accepts all the same). Raises ValueError naming the file
and field on malformed input.
)doc");
  m.def(
      "list_spaces", [] { return list_configs("spaces"); }, "Names of the shipped search spaces.");
  m.def(
      "list_boards", [] { return list_configs("boards"); }, "Names of the shipped boards.");
  m.def("config_dir", &config_dir, "Where the shipped configs (spaces, boards, latency tables) are read from.");
}

} // namespace tinynas::python
