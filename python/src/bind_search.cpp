// The two-stage search (search/): stage 1 alone, and the whole search with a built-in estimator or
// a Python callable. C++ runs without the GIL; the GIL is taken back to call Python (the estimator,
// the progress callback) and, once per generation, to check for Ctrl-C.
#include <atomic>
#include <cmath>
#include <optional>

#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "tinynas/search/function_estimator.hpp"
#include "tinynas/search/search_run.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/parallelism.hpp"
#include "tinynas/space/units.hpp"

namespace tinynas::python {

namespace {

std::uint64_t size_of(const py::handle& value, const char* what) {
  if (py::isinstance<py::int_>(value)) {
    auto bytes = value.cast<long long>();
    if (bytes <= 0) throw Error(ErrorCode::kInvalidArgument, std::string(what) + ": must be positive");
    return static_cast<std::uint64_t>(bytes);
  }
  return parse_size(py::str(value).cast<std::string>(), what);
}

double duration_of(const py::handle& value) {
  if (py::isinstance<py::int_>(value) || py::isinstance<py::float_>(value)) return value.cast<double>();
  return parse_duration_ms(py::str(value).cast<std::string>(), "latency");
}

struct ConstraintArgs {
  py::object sram, flash, latency;
  std::string board, schedule;
  int patches;
  std::optional<int> split_block;
};

Constraints constraints_of(const ConstraintArgs& a) {
  PatchOptions patch;
  patch.patches = a.patches;
  patch.split_block = a.split_block.value_or(-1);
  std::optional<std::uint64_t> sram, flash;
  std::optional<double> latency;
  if (!a.sram.is_none()) sram = size_of(a.sram, "sram");
  if (!a.flash.is_none()) flash = size_of(a.flash, "flash");
  if (!a.latency.is_none()) latency = duration_of(a.latency);
  return make_constraints(Board::load(a.board), sram, flash, latency, parse_schedule(a.schedule), patch);
}

// The chosen pair and all pairs as stage1.json writes them; the pairs without their CDF arrays
// (Stage1Result.cdf() gives those as numpy).
py::dict chosen_pair_dict(const Stage1Result& r) { return json_to_python(r.to_json(-1))["chosen"]; }

py::list pair_dicts(const Stage1Result& r) {
  py::list pairs = json_to_python(r.to_json(-1))["pairs"];
  for (auto pair : pairs) pair.attr("pop")("cdf_macs");
  return pairs;
}

// A user's function as an AccuracyEstimator: one call per generation with a list of Arch.
std::unique_ptr<AccuracyEstimator> callable_estimator(py::function fn, std::shared_ptr<const SearchSpace> space,
                                                      bool proxy) {
  std::string name = py::hasattr(fn, "__name__") ? py::str(fn.attr("__name__")).cast<std::string>() : "callable";
  auto call = [fn, space](const std::vector<Arch>& archs) {
    py::gil_scoped_acquire gil;
    py::list batch;
    for (const Arch& a : archs) batch.append(py::cast(PyArch{a, space}));
    py::object returned = fn(batch); // a Python exception propagates with its traceback
    auto scores = returned.cast<std::vector<double>>();
    if (scores.size() != archs.size())
      throw Error(ErrorCode::kInvalidArgument, "the estimator returned " + std::to_string(scores.size()) +
                                                   " scores for " + std::to_string(archs.size()) + " archs");
    for (double s : scores)
      if (!std::isfinite(s)) throw Error(ErrorCode::kInvalidArgument, "the estimator returned a non-finite score");
    return scores;
  };
  return std::make_unique<FunctionEstimator>("python:" + name, proxy, "score", call);
}

// The search result as Python sees it.
struct PySearchResult {
  SearchResult result;
  std::shared_ptr<const SearchSpace> space;
};

py::dict evaluation_dict(const Evaluation& e, const std::shared_ptr<const SearchSpace>& space) {
  py::dict d;
  d["id"] = e.id;
  d["arch"] = py::cast(PyArch{e.arch, space});
  d["generation"] = e.generation;
  d["score"] = e.score;
  d["macs"] = e.cost.macs;
  d["params"] = e.cost.params;
  d["peak_sram_bytes"] = e.cost.peak_sram_bytes;
  d["total_sram_bytes"] = e.cost.total_sram_bytes;
  d["flash_bytes"] = e.cost.flash_bytes;
  d["latency_ms"] = e.cost.latency_ms;
  return d;
}

void bind_stage1(py::module_& m) {
  py::class_<Stage1Result>(m, "Stage1Result", R"doc(
Stage 1 of the search: for every (width, resolution) pair, the fraction of sampled subnets that fit
and the MACs distribution of those that do. ``chosen`` is the pair stage 2 searches.
)doc")
      .def_property_readonly("chosen", &chosen_pair_dict)
      .def_property_readonly("pairs", &pair_dicts,
                             "One dict per (width, resolution) pair, as stage1.json has it: fit fraction, "
                             "mean/median/p80 MACs, eligibility.")
      .def_readonly("fallback", &Stage1Result::fallback)
      .def_readonly("seconds", &Stage1Result::seconds)
      .def(
          "cdf",
          [](const Stage1Result& r, double width, int resolution) {
            for (const auto& p : r.pairs) {
              if (std::abs(p.width - width) > 1e-9 || p.resolution != resolution) continue;
              const auto n = static_cast<py::ssize_t>(p.fitting_macs.size());
              py::array_t<double> macs(n), probability(n);
              auto m_ = macs.mutable_unchecked<1>();
              auto p_ = probability.mutable_unchecked<1>();
              for (py::ssize_t i = 0; i < n; ++i) {
                m_(i) = static_cast<double>(p.fitting_macs[static_cast<std::size_t>(i)]);
                p_(i) = static_cast<double>(i + 1) / static_cast<double>(n);
              }
              return py::make_tuple(macs, probability);
            }
            throw Error(ErrorCode::kInvalidArgument, "no pair (" + std::to_string(width) + ", " +
                                                         std::to_string(resolution) + ") in this stage-1 result");
          },
          py::arg("width"), py::arg("resolution"),
          "(macs, probability) numpy arrays: the empirical CDF of the fitting subnets' MACs.")
      .def("to_dict", [](const Stage1Result& r) { return json_to_python(r.to_json(-1)); });
}

void bind_result(py::module_& m) {
  py::class_<PySearchResult>(m, "SearchResult", R"doc(
The outcome of ``tinynas.search``: the best subnet, every evaluation, the Pareto front (score vs
latency vs peak SRAM), the best score per generation and the stage-1 result.
)doc")
      .def_property_readonly("best",
                             [](const PySearchResult& r) {
                               return PyArch{r.result.best().arch, r.space};
                             })
      .def_property_readonly("best_score", [](const PySearchResult& r) { return r.result.best().score; })
      .def_property_readonly("estimator", [](const PySearchResult& r) { return r.result.evolution.estimator; })
      .def_property_readonly("proxy", [](const PySearchResult& r) { return r.result.evolution.proxy; })
      .def_property_readonly("stage1", [](const PySearchResult& r) { return r.result.stage1; })
      .def_property_readonly("best_score_per_generation",
                             [](const PySearchResult& r) { return r.result.evolution.best_score_per_generation; })
      .def_property_readonly(
          "history",
          [](const PySearchResult& r) {
            py::list out;
            for (const auto& e : r.result.evolution.history) out.append(evaluation_dict(e, r.space));
            return out;
          },
          "Every evaluated subnet, in order, as dicts.")
      .def_property_readonly(
          "pareto",
          [](const PySearchResult& r) {
            py::list out;
            for (std::size_t i : r.result.evolution.pareto)
              out.append(evaluation_dict(r.result.evolution.history[i], r.space));
            return out;
          },
          "The non-dominated evaluations (max score, min latency, min peak SRAM).")
      .def_property_readonly("out_dir", [](const PySearchResult& r) { return r.result.out_dir; })
      .def("to_dict", [](const PySearchResult& r) { return json_to_python(r.result.to_json(-1)); })
      .def("__repr__", [](const PySearchResult& r) {
        const Evaluation& b = r.result.best();
        return "<SearchResult best " + b.id + " score " + std::to_string(b.score) + " (" +
               r.result.evolution.estimator + ")>";
      });
}

} // namespace

void bind_search(py::module_& m) {
  bind_stage1(m);
  bind_result(m);

  m.def(
      "_stage1",
      [](py::object sram, py::object flash, py::object latency, const std::string& board, const std::string& space,
         const std::string& schedule, int patches, std::optional<int> split_block, std::uint64_t seed, int samples,
         const std::string& rule, double quantile, double min_fit, int threads) {
        Constraints constraints = constraints_of({sram, flash, latency, board, schedule, patches, split_block});
        auto s = shared_space(space);
        Stage1Options options;
        options.samples = samples;
        options.seed = seed;
        options.rule = parse_stage1_rule(rule);
        options.quantile = quantile;
        options.min_fit_fraction = min_fit;
        validate(options);
        py::gil_scoped_release release;
        const ParallelismLimit limit(threads);
        return run_stage1(*s, constraints, options);
      },
      py::arg("sram"), py::arg("flash"), py::arg("latency"), py::arg("board"), py::arg("space"), py::arg("schedule"),
      py::arg("patches"), py::arg("split_block"), py::arg("seed"), py::arg("samples"), py::arg("rule"),
      py::arg("quantile"), py::arg("min_fit"), py::arg("threads"));

  m.def(
      "_search",
      [](py::object sram, py::object flash, py::object latency, const std::string& board, const std::string& space,
         const std::string& schedule, int patches, std::optional<int> split_block, py::object estimator,
         bool estimator_is_proxy, std::uint64_t seed, int samples, const std::string& rule, double quantile,
         double min_fit, int population, int parents, int generations, double mutation_prob, double mutation_ratio,
         int max_attempts, std::optional<std::string> out, std::optional<std::string> resume, bool overwrite,
         int threads, std::optional<py::function> progress, const std::string& supernet, const std::string& data_dir,
         int eval_images) {
        auto s = shared_space(space);
        SearchConfig config;
        config.space = *s;
        config.constraints = constraints_of({sram, flash, latency, board, schedule, patches, split_block});
        config.stage1.samples = samples;
        config.stage1.seed = config.evolution.seed = seed;
        config.stage1.rule = parse_stage1_rule(rule);
        config.stage1.quantile = quantile;
        config.stage1.min_fit_fraction = min_fit;
        config.evolution.population = population;
        config.evolution.parents = parents;
        config.evolution.generations = generations;
        config.evolution.mutation_prob = mutation_prob;
        config.evolution.mutation_ratio = mutation_ratio;
        config.evolution.max_attempts = max_attempts;
        config.estimator_options.supernet = supernet;
        config.estimator_options.data_dir = data_dir;
        config.estimator_options.eval_images = eval_images;
        std::unique_ptr<AccuracyEstimator> est =
            py::isinstance<py::function>(estimator)
                ? callable_estimator(estimator.cast<py::function>(), s, estimator_is_proxy)
                : make_estimator(estimator.cast<std::string>(), *s, config.estimator_options);
        config.estimator = est->name();
        config.stage1.fixed_width = est->required_width(); // a supernet scores its own width only
        validate(config);

        std::atomic<bool> stop{false};
        SearchHooks hooks;
        hooks.stop = &stop;
        hooks.progress = [&](const EvolutionProgress& p) {
          py::gil_scoped_acquire gil;
          // Ctrl-C in a notebook: Python's handler only set a flag; stop after this checkpoint.
          if (PyErr_CheckSignals() != 0) {
            PyErr_Clear();
            stop = true;
          }
          if (progress) {
            py::dict d;
            d["generation"] = p.generation;
            d["generations"] = p.generations;
            d["evaluations"] = p.evaluations;
            d["best_score"] = p.best ? p.best->score : 0.0;
            d["best_id"] = p.best ? p.best->id : std::string();
            d["evaluations_per_second"] = p.evaluations_per_second;
            (*progress)(d);
          }
        };
        PySearchResult result{{}, s};
        {
          py::gil_scoped_release release;
          const ParallelismLimit limit(threads);
          result.result = resume ? resume_search(*resume, config, *est, hooks)
                                 : run_search(config, *est, out.value_or(""), hooks, overwrite);
        }
        return result;
      },
      py::arg("sram"), py::arg("flash"), py::arg("latency"), py::arg("board"), py::arg("space"), py::arg("schedule"),
      py::arg("patches"), py::arg("split_block"), py::arg("estimator"), py::arg("estimator_is_proxy"), py::arg("seed"),
      py::arg("samples"), py::arg("rule"), py::arg("quantile"), py::arg("min_fit"), py::arg("population"),
      py::arg("parents"), py::arg("generations"), py::arg("mutation_prob"), py::arg("mutation_ratio"),
      py::arg("max_attempts"), py::arg("out"), py::arg("resume"), py::arg("overwrite"), py::arg("threads"),
      py::arg("progress"), py::arg("supernet"), py::arg("data_dir"), py::arg("eval_images"));
  m.def("list_estimators", &estimator_names, "Names of the built-in accuracy estimators.");
}

} // namespace tinynas::python
