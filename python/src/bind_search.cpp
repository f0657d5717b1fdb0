// The two-stage search (search/): stage 1 alone, and the whole search with a built-in estimator or
// a Python callable. C++ runs without the GIL; the GIL is taken back to call Python (the estimator,
// the progress callback) and, after every chunk of subnets scored, to check for Ctrl-C.
#include <atomic>
#include <cmath>
#include <optional>

#include <fmt/format.h>
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "tinynas/pipeline/pipeline.hpp"
#include "tinynas/search/function_estimator.hpp"
#include "tinynas/search/search_options.hpp"
#include "tinynas/search/search_run.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/parallelism.hpp"

namespace tinynas::python {

namespace {

// A generation's progress as Python sees it: search()'s progress dicts and the pipeline's "generation" events.
py::dict generation_dict(const EvolutionProgress& p) {
  py::dict d;
  d["generation"] = p.generation;
  d["generations"] = p.generations;
  d["evaluations"] = p.evaluations;
  d["best_score"] = p.best ? p.best->score : 0.0;
  d["best_id"] = p.best ? p.best->id : std::string();
  d["evaluations_per_second"] = p.evaluations_per_second;
  d["seconds"] = p.seconds;
  d["seconds_left"] = p.seconds_left;
  return d;
}

// Progress within a generation, after every chunk of subnets scored.
py::dict evaluating_dict(const EvaluationProgress& e) {
  return py::dict(py::arg("generation") = e.generation, py::arg("generations") = e.generations,
                  py::arg("done") = e.done, py::arg("total") = e.total, py::arg("seconds") = e.seconds,
                  py::arg("seconds_left") = e.seconds_left);
}

// Runs the pipeline without the GIL, calling `on_event` with a dict per event, its kind in "event":
// "phase" (phase), "note" (text), "epoch" (the epoch report train() returns), "generation" (as
// search()'s progress), "evaluating" (generation, generations, done, total, seconds, seconds_left:
// within a generation, after every chunk of subnets). Ctrl-C stops it at the phase's last checkpoint. The
// result dict: run, model, report, report_html, accuracy, winner, board.
py::dict pipeline_for_python(const PipelineOptions& p, const std::optional<py::function>& on_event) {
  std::atomic<bool> stop{false};
  const auto emit = [&](const char* event, py::dict d) {
    d["event"] = event;
    if (on_event) (*on_event)(d);
  };
  PipelineHooks hooks;
  hooks.on_phase = [&](const std::string& phase) {
    py::gil_scoped_acquire gil;
    emit("phase", py::dict(py::arg("phase") = phase));
  };
  hooks.on_note = [&](const std::string& note) {
    py::gil_scoped_acquire gil;
    emit("note", py::dict(py::arg("text") = note));
  };
  hooks.on_epoch = [&](const EpochReport& e) {
    py::gil_scoped_acquire gil;
    emit("epoch", json_to_python(e.to_json()).cast<py::dict>());
  };
  hooks.on_generation = [&](const EvolutionProgress& g) {
    py::gil_scoped_acquire gil;
    emit("generation", generation_dict(g));
  };
  hooks.on_evaluating = [&](const EvaluationProgress& e) {
    py::gil_scoped_acquire gil;
    emit("evaluating", evaluating_dict(e));
  };
  hooks.should_stop = [&] {
    py::gil_scoped_acquire gil;
    if (ctrl_c_pressed()) stop = true; // stop at the phase's last checkpoint
    return stop.load();
  };
  PipelineResult r;
  {
    py::gil_scoped_release release;
    const ParallelismLimit threads(p.search.threads);
    r = run_pipeline(p, hooks);
  }
  py::dict d;
  d["run"] = r.run_dir;
  d["model"] = r.model;
  d["report"] = r.report;
  d["report_html"] = r.report_html;
  d["accuracy"] = json_to_python(files::read_file(r.accuracy_json));
  d["winner"] = json_to_python(r.winner_json);
  const std::string board = r.run_dir + "/board.json";
  d["board"] = p.hil_board ? json_to_python(files::read_file(board)) : py::none();
  return d;
}

} // namespace

namespace {

// A budget as Python passes it: a size or duration string, a number (bytes; ms), or None (unset).
std::optional<std::string> budget_text(const py::object& value) {
  if (value.is_none()) return std::nullopt;
  if (py::isinstance<py::int_>(value)) return std::to_string(value.cast<long long>());
  if (py::isinstance<py::float_>(value)) return fmt::format("{}", value.cast<double>());
  return value.cast<std::string>();
}

py::object none_if_unset(const std::optional<std::string>& text) { return text ? py::cast(*text) : py::none(); }

// A path option: None is "" (unset) on the C++ side.
template <std::string SearchOptions::*field>
void bind_path(py::class_<SearchOptions>& c, const char* name) {
  c.def_property(
      name, [](const SearchOptions& o) { return (o.*field).empty() ? py::none() : py::cast(o.*field); },
      [](SearchOptions& o, const std::optional<std::string>& value) { o.*field = value.value_or(""); });
}

void bind_search_options(py::module_& m) {
  py::class_<SearchOptions> c(m, "SearchOptions", R"doc(
The options of a search with their defaults (the C++ core's, shared with ``tinynas search``):
``tinynas.search`` and ``tinynas.stage1`` take them as keyword arguments.
)doc");
  c.def(py::init<>());
  using Budget = std::optional<std::string> SearchOptions::*;
  for (const auto& [name, budget] : {std::pair<const char*, Budget>{"sram", &SearchOptions::sram},
                                     std::pair<const char*, Budget>{"flash", &SearchOptions::flash},
                                     std::pair<const char*, Budget>{"latency", &SearchOptions::latency}}) {
    const Budget field = budget;
    c.def_property(
        name, [field](const SearchOptions& o) { return none_if_unset(o.*field); },
        [field](SearchOptions& o, const py::object& value) { o.*field = budget_text(value); });
  }
  c.def_readwrite("board", &SearchOptions::board)
      .def_readwrite("space", &SearchOptions::space)
      .def_readwrite("schedule", &SearchOptions::schedule)
      .def_readwrite("patches", &SearchOptions::patches)
      .def_readwrite("split_block", &SearchOptions::split_block)
      .def_readwrite("estimator", &SearchOptions::estimator)
      .def_readwrite("eval_images", &SearchOptions::eval_images)
      .def_readwrite("seed", &SearchOptions::seed)
      .def_readwrite("samples", &SearchOptions::samples)
      .def_readwrite("stage1_rule", &SearchOptions::stage1_rule)
      .def_readwrite("stage1_quantile", &SearchOptions::stage1_quantile)
      .def_readwrite("min_fit", &SearchOptions::min_fit)
      .def_readwrite("population", &SearchOptions::population)
      .def_readwrite("parents", &SearchOptions::parents)
      .def_readwrite("generations", &SearchOptions::generations)
      .def_readwrite("mutation_prob", &SearchOptions::mutation_prob)
      .def_readwrite("mutation_ratio", &SearchOptions::mutation_ratio)
      .def_readwrite("max_attempts", &SearchOptions::max_attempts)
      .def_readwrite("resolution_window", &SearchOptions::resolution_window)
      .def_readwrite("overwrite", &SearchOptions::overwrite)
      .def_readwrite("threads", &SearchOptions::threads);
  bind_path<&SearchOptions::supernet>(c, "supernet");
  bind_path<&SearchOptions::data_dir>(c, "data_dir");
  bind_path<&SearchOptions::out>(c, "out");
  bind_path<&SearchOptions::resume>(c, "resume");
  m.attr("SEARCH_OPTION_NAMES") = search_option_names();
}

// The chosen pair and all pairs as stage1.json writes them; the pairs without their CDF arrays
// (Stage1Result.cdf() gives those as numpy).
py::dict chosen_pair_dict(const Stage1Result& r) { return json_to_python(r.to_json(-1))["chosen"]; }

py::list pair_dicts(const Stage1Result& r) {
  py::list pairs = json_to_python(r.to_json(-1))["pairs"];
  for (auto pair : pairs) pair.attr("pop")("cdf_macs");
  return pairs;
}

// The name a user's function estimates under: "python:" and its __name__.
std::string callable_name(const py::function& fn) {
  return "python:" + (py::hasattr(fn, "__name__") ? py::str(fn.attr("__name__")).cast<std::string>() : "callable");
}

// A user's function as an AccuracyEstimator: one call per chunk of a generation with a list of Arch.
std::unique_ptr<AccuracyEstimator> callable_estimator(py::function fn, std::shared_ptr<const SearchSpace> space,
                                                      bool proxy) {
  auto call = [fn, space](const std::vector<Arch>& archs) {
    py::gil_scoped_acquire gil;
    py::list batch;
    for (const Arch& a : archs) batch.append(py::cast(PyArch{a, space}));
    py::object returned = fn(batch); // a Python exception propagates with its traceback
    std::vector<double> scores;
    try {
      scores = returned.cast<std::vector<double>>();
    } catch (const py::cast_error&) {
      // pybind11 says only "Unable to cast Python instance": say what was returned instead.
      throw Error(ErrorCode::kInvalidArgument,
                  "the estimator must return a list of numbers, one per arch; it returned " +
                      py::repr(returned).cast<std::string>().substr(0, 200));
    }
    if (scores.size() != archs.size())
      throw Error(ErrorCode::kInvalidArgument, "the estimator returned " + std::to_string(scores.size()) +
                                                   " scores for " + std::to_string(archs.size()) + " archs");
    for (double s : scores)
      if (!std::isfinite(s)) throw Error(ErrorCode::kInvalidArgument, "the estimator returned a non-finite score");
    return scores;
  };
  return std::make_unique<FunctionEstimator>(callable_name(fn), proxy, "score", call);
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
  // The patch plan the (auto or patch) schedule needs for it, as history.jsonl has it; absent in place.
  if (e.cost.patches > 0)
    d["patch"] = py::dict(py::arg("patches") = e.cost.patches, py::arg("split_block") = e.cost.patch_split_block);
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
        return "<SearchResult best " + b.id + " score " + score_text(b.score, r.result.evolution.score_unit) + " (" +
               r.result.evolution.estimator + "), runs " + run_plan_text(b.cost, r.result.config.constraints) + ">";
      });
}

} // namespace

void bind_search(py::module_& m) {
  bind_stage1(m);
  bind_result(m);

  bind_search_options(m);

  m.def(
      "_stage1",
      [](const SearchOptions& options) {
        const SearchConfig config = make_search_config(options);
        py::gil_scoped_release release;
        const ParallelismLimit limit(options.threads);
        return run_stage1(config.space, config.constraints, config.stage1);
      },
      py::arg("options"));

  m.def(
      "_search",
      [](SearchOptions options, py::object estimator, bool estimator_is_proxy, std::optional<py::function> progress,
         std::optional<py::function> scored) {
        const bool callable = py::isinstance<py::function>(estimator);
        options.estimator = callable ? callable_name(estimator.cast<py::function>()) : estimator.cast<std::string>();
        SearchConfig config = make_search_config(options);
        auto s = std::make_shared<const SearchSpace>(config.space);
        std::unique_ptr<AccuracyEstimator> est =
            callable ? callable_estimator(estimator.cast<py::function>(), s, estimator_is_proxy)
                     : make_estimator(config.estimator, config.space, config.estimator_options);
        adopt_estimator(config, *est);

        std::atomic<bool> stop{false};
        // Ctrl-C in a notebook: stop at the next checkpoint.
        const auto poll_signals = [&stop] {
          if (ctrl_c_pressed()) stop = true;
        };
        SearchHooks hooks;
        hooks.stop = &stop;
        hooks.evaluating = [&](const EvaluationProgress& e) {
          py::gil_scoped_acquire gil;
          poll_signals();
          if (scored) (*scored)(evaluating_dict(e));
        };
        hooks.progress = [&](const EvolutionProgress& p) {
          py::gil_scoped_acquire gil;
          poll_signals();
          if (progress) (*progress)(generation_dict(p));
        };
        PySearchResult result{{}, s};
        {
          py::gil_scoped_release release;
          const ParallelismLimit limit(options.threads);
          result.result = options.resume.empty() ? run_search(config, *est, options.out, hooks, options.overwrite)
                                                 : resume_search(options.resume, config, *est, hooks);
        }
        return result;
      },
      py::arg("options"), py::arg("estimator"), py::arg("estimator_is_proxy"), py::arg("progress"),
      py::arg("scored") = py::none());
  m.def(
      "_pipeline",
      [](const SearchOptions& search, int supernet_epochs, int finetune_epochs, const std::string& final_training,
         int limit, const std::string& time_budget, std::optional<std::string> hil,
         std::optional<py::function> on_event) {
        PipelineOptions p;
        p.search = search;
        p.supernet_epochs = supernet_epochs;
        p.finetune_epochs = finetune_epochs;
        p.final_training = parse_final_training(final_training);
        p.train_limit = limit;
        p.time_budget_seconds = parse_time_budget(time_budget);
        p.hil_board = std::move(hil);
        return pipeline_for_python(p, on_event);
      },
      py::arg("search"), py::arg("supernet_epochs"), py::arg("finetune_epochs"), py::arg("final_training"),
      py::arg("limit"), py::arg("time_budget"), py::arg("hil"), py::arg("on_event"));
  m.def(
      "_resume_pipeline",
      [](const std::string& run, std::optional<std::string> hil, int threads, std::optional<py::function> on_event) {
        PipelineOptions p = read_pipeline_options(run);
        p.search.threads = threads;
        if (hil) p.hil_board = std::move(hil);
        return pipeline_for_python(p, on_event);
      },
      py::arg("run"), py::arg("hil"), py::arg("threads"), py::arg("on_event"));
  m.def("_is_pipeline_run", &is_pipeline_run, py::arg("dir"));
  m.def("_pipeline_defaults", [] {
    const PipelineOptions p;
    py::dict d;
    d["supernet_epochs"] = p.supernet_epochs;
    d["finetune_epochs"] = p.finetune_epochs;
    d["final_training"] = final_training_name(p.final_training);
    d["limit"] = p.train_limit;
    d["time_budget"] = format_time_budget(p.time_budget_seconds);
    return d;
  });
  m.def("list_estimators", &estimator_names, "Names of the built-in accuracy estimators.");
}

} // namespace tinynas::python
