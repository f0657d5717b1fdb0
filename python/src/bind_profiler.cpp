// Boards and the cost model (profiler/).
#include <optional>

#include <pybind11/stl.h>

#include "bindings.hpp"
#include "tinynas/profiler/board.hpp"
#include "tinynas/profiler/cost_model.hpp"
#include "tinynas/space/units.hpp"

namespace tinynas::python {

namespace {

Board board_of(const py::handle& board) {
  if (py::isinstance<Board>(board)) return board.cast<Board>();
  return Board::load(py::str(board).cast<std::string>());
}

py::tuple shape_tuple(const TensorShape& s) { return py::make_tuple(s.h, s.w, s.c); }

} // namespace

void bind_profiler(py::module_& m) {
  py::class_<Board>(m, "Board",
                    "A target board (configs/boards/*.json): memory budgets, core, clock, runtime overhead.")
      .def_static("load", &Board::load, py::arg("name_or_path"))
      .def_static("from_json", &Board::from_json, py::arg("text"), py::arg("source") = "",
                  "A board from the text of a board file; `source` names it in errors.")
      .def_readonly("name", &Board::name)
      .def_readonly("description", &Board::description)
      .def_readonly("core", &Board::core)
      .def_readonly("clock_hz", &Board::clock_hz)
      .def_readonly("sram_bytes", &Board::sram_bytes)
      .def_readonly("flash_bytes", &Board::flash_bytes)
      .def_readonly("runtime_sram_bytes", &Board::runtime_sram_bytes)
      .def_readonly("runtime_flash_bytes", &Board::runtime_flash_bytes)
      .def_readonly("emulated", &Board::emulated)
      .def("to_dict", [](const Board& b) { return json_to_python(b.to_json()); })
      .def("__repr__", [](const Board& b) {
        return "<Board '" + b.name + "' " + b.core + ", " + std::to_string(b.sram_bytes / 1024) + " KiB SRAM, " +
               std::to_string(b.flash_bytes / 1024) + " KiB flash>";
      });

  py::class_<LayerCost>(m, "LayerCost", "One op's row of an analysis.")
      .def_readonly("name", &LayerCost::name)
      .def_property_readonly("type", [](const LayerCost& l) { return op_type_name(l.type); })
      .def_property_readonly("input_shape", [](const LayerCost& l) { return shape_tuple(l.input); })
      .def_property_readonly("output_shape", [](const LayerCost& l) { return shape_tuple(l.output); })
      .def_readonly("kernel", &LayerCost::kernel)
      .def_readonly("stride", &LayerCost::stride)
      .def_readonly("macs", &LayerCost::macs)
      .def_readonly("params", &LayerCost::params)
      .def_readonly("flash_bytes", &LayerCost::flash_bytes)
      .def_readonly("sram_bytes", &LayerCost::sram_bytes)
      .def_readonly("scratch_bytes", &LayerCost::scratch_bytes)
      .def_readonly("latency_ms", &LayerCost::latency_ms)
      .def("__repr__", [](const LayerCost& l) {
        return "<LayerCost " + l.name + " macs=" + std::to_string(l.macs) + " sram=" + std::to_string(l.sram_bytes) +
               ">";
      });

  py::class_<CostReport>(m, "Analysis", R"doc(
The cost of one network on one board under one memory schedule: totals (macs, params, flash_bytes,
peak_sram_bytes, latency_ms estimate, fits) and a per-layer list. ``to_dict()`` gives the same JSON
as ``tinynas analyze --json``.
)doc")
      .def_readonly("schedule", &CostReport::schedule)
      .def_readonly("board", &CostReport::board)
      .def_readonly("macs", &CostReport::macs)
      .def_readonly("params", &CostReport::params)
      .def_readonly("flash_bytes", &CostReport::flash_bytes)
      .def_readonly("model_flash_bytes", &CostReport::model_flash_bytes)
      .def_readonly("peak_sram_bytes", &CostReport::peak_sram_bytes)
      .def_readonly("total_sram_bytes", &CostReport::total_sram_bytes)
      .def_property_readonly("peak_layer",
                             [](const CostReport& r) { return r.layers.at(static_cast<std::size_t>(r.peak_op)).name; })
      .def_readonly("fits", &CostReport::fits)
      .def_readonly("fits_sram", &CostReport::fits_sram)
      .def_readonly("fits_latency", &CostReport::fits_latency)
      .def_readonly("latency_source", &CostReport::latency_source)
      .def_readonly("latency_calibrated", &CostReport::latency_calibrated)
      .def_readonly("sram_budget_bytes", &CostReport::sram_budget_bytes)
      .def_readonly("flash_budget_bytes", &CostReport::flash_budget_bytes)
      .def_readonly("fits_flash", &CostReport::fits_flash)
      .def_readonly("latency_ms", &CostReport::latency_ms)
      .def_readonly("latency_source", &CostReport::latency_source)
      .def_readonly("patch_extra_macs", &CostReport::patch_extra_macs)
      .def_readonly("layers", &CostReport::layers)
      .def("to_dict", [](const CostReport& r) { return json_to_python(r.to_json(-1)); })
      .def("__repr__", [](const CostReport& r) {
        return "<Analysis " + r.board + "/" + r.schedule + ": " + std::to_string(r.macs) + " MACs, peak " +
               std::to_string(r.peak_sram_bytes) + " B SRAM, " + std::to_string(r.flash_bytes) +
               " B flash, fits=" + (r.fits ? "True" : "False") + ">";
      });

  m.def(
      "analyze",
      [](const py::handle& model, const py::handle& board, const std::string& schedule, int patches,
         std::optional<int> split_block, const std::string& space, const py::handle& sram, const py::handle& flash,
         std::optional<double> latency) {
        NetSpec net = net_of(model, space);
        Board b = board_of(board);
        CostOptions options;
        options.schedule = parse_schedule(schedule);
        options.patch.patches = patches;
        options.patch.split_block = split_block.value_or(-1);
        Budgets budgets = board_budgets(b);
        // Sizes as the CLI takes them ("256K") or byte counts: both read by parse_size.
        if (!sram.is_none()) budgets.sram_bytes = parse_size(py::str(sram).cast<std::string>(), "sram");
        if (!flash.is_none()) budgets.flash_bytes = parse_size(py::str(flash).cast<std::string>(), "flash");
        budgets.latency_ms = latency;
        options.budgets = budgets;
        options.latency_table = board_latency_table(b);
        py::gil_scoped_release release;
        return analyze(lower_to_graph(net), b, options);
      },
      py::arg("model"), py::arg("board") = "stm32f746g-disco", py::arg("schedule") = "inplace-dw",
      py::arg("patches") = 4, py::arg("split_block") = py::none(), py::arg("space") = "mcunet",
      py::arg("sram") = py::none(), py::arg("flash") = py::none(), py::arg("latency") = py::none(), R"doc(
Exact int8 cost of a network on a board.

model: an Arch, a Net, a path to an arch file or MCUNet/OFA net config, or a dict of either.
board: a Board or a shipped board name. schedule: "mcunet-analytic", "layerwise", "inplace-dw"
or "patch" (then `patches` x `patches` tiles, split after `split_block` or chosen automatically).
sram, flash: budgets ("256K" or bytes; default the board's memory), latency: a budget in ms; ``fits``
means what it means in search(). Latency comes from the board's calibrated table when it has one
(``latency_source`` says which), else from the board's estimate.
Returns an Analysis; raises ValueError with the file and field on bad input.
)doc");
  m.def("list_schedules", &schedule_names, "Names of the memory schedules.");
}

} // namespace tinynas::python
