#include "farm_hil.hpp"

#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include "farm_command.hpp"
#include "tinynas/profiler/cost_model.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/netconfig.hpp"

namespace tinynas::cli {

namespace {

// Without a farm description, this host's boards keep their results beside the search's files.
std::vector<std::string> farm_args(const FarmHil& f, const std::string& work_dir, std::vector<std::string> args) {
  if (!f.farm.empty()) args.insert(args.end(), {"--farm", f.farm});
  else
    args.insert(args.end(),
                {"--results", "sqlite:///" + std::filesystem::absolute(work_dir).string() + "/hil-farm.db"});
  return args;
}

// Exit statuses of `tinynas farm`: 2 the user's input, 3 no board could run the jobs, 1 some jobs failed.
void check_status(int status, const std::string& what) {
  if (status == 0) return;
  if (status == 2) throw Error(ErrorCode::kInvalidArgument, "the board farm refused " + what + " (see above)");
  throw Error(ErrorCode::kDevice, "the board farm could not measure " + what + " (exit " + std::to_string(status) +
                                      "; see above and `tinynas farm status`)");
}

} // namespace

std::optional<FarmHil> parse_farm_hil(const std::optional<std::string>& hil, const std::string& farm,
                                      const Board& search_board) {
  if (!hil || (*hil != "farm" && hil->rfind("farm:", 0) != 0)) {
    if (!farm.empty()) throw invalid_option("farm", "--farm is for --hil farm (the finalists measured by the farm)");
    return std::nullopt;
  }
  FarmHil f{hil->size() > 5 ? Board::load(hil->substr(5)) : search_board, farm};
  if (f.kind.link.kind == BoardLink::Kind::kNone)
    throw invalid_option("hil", "board " + f.kind.name +
                                    " has no profiling firmware; give --hil farm:KIND with a "
                                    "kind the farm has (e.g. farm:qemu-mps2-an500)");
  return f;
}

void check_farm(const FarmHil& f, const std::string& work_dir) {
  std::filesystem::create_directories(work_dir);
  const std::string out = (std::filesystem::path(work_dir) / "hil-farm-check.json").string();
  check_status(run_farm_child(farm_args(f, work_dir, {"measure", "--check", "--board-kind", f.kind.name}), out),
               "--hil farm:" + f.kind.name);
}

namespace {

// `tinynas farm measure` on a request of `models` (RUN/hil-farm-models.json): one result per model, in order.
std::vector<ProfileResult> measure_on_farm(const FarmHil& f, const std::string& work_dir, int runs,
                                           const nlohmann::json& models, const std::string& what) {
  const std::filesystem::path dir(work_dir);
  const std::string request = (dir / "hil-farm-models.json").string();
  const std::string answer = (dir / "hil-farm-results.json").string();
  files::write_file_atomic(request,
                           nlohmann::json{{"board_kind", f.kind.name}, {"runs", runs}, {"models", models}}.dump(2));
  check_status(run_farm_child(farm_args(f, work_dir, {"measure", request, "--json"}), answer), what);
  const nlohmann::json results = nlohmann::json::parse(files::read_file(answer), nullptr, false);
  if (!results.is_array() || results.size() != models.size())
    throw Error(ErrorCode::kInternal, "not one measurement per model", answer);
  std::vector<ProfileResult> measured;
  for (std::size_t i = 0; i < results.size(); ++i)
    measured.push_back(ProfileResult::from_json(results[i].dump(), answer, "/" + std::to_string(i)));
  return measured;
}

// A request's "patches" and "split_block" (tinynas.farm's suite fields) for a patch plan; nothing in place.
void add_plan(nlohmann::json& model, const BlobSchedule& plan) {
  if (plan.patches == 0) return;
  model["patches"] = plan.patches;
  model["split_block"] = plan.split_block;
}

} // namespace

FinalistMeasurer farm_measurer(const FarmHil& f, const std::string& work_dir, const CostOptions& schedule, int runs) {
  check_firmware_schedule(schedule.schedule);
  return [f, work_dir, schedule, runs](const std::vector<NetSpec>& nets, const std::vector<std::string>& ids) {
    nlohmann::json models = nlohmann::json::array();
    for (std::size_t i = 0; i < nets.size(); ++i) {
      nlohmann::json model = {{"id", ids[i]}, {"netconfig", nlohmann::json::parse(netconfig_from_net(nets[i], -1))}};
      const PatchOptions plan = resolve_patch_plan(lower_to_graph(nets[i]), f.kind, schedule);
      add_plan(model, {plan.patches, plan.split_block});
      models.push_back(std::move(model));
    }
    return measure_on_farm(f, work_dir, runs, models, std::to_string(nets.size()) + " finalists on " + f.kind.name);
  };
}

std::function<ProfileResult(const TrainedWinner&)> farm_trained_measurer(const FarmHil& f, const std::string& work_dir,
                                                                         int runs) {
  return [f, work_dir, runs](const TrainedWinner& w) {
    nlohmann::json model = {{"id", w.arch_id},
                            {"trained", std::filesystem::absolute(w.model_file).string()},
                            {"data", w.data_dir.empty() ? "" : std::filesystem::absolute(w.data_dir).string()},
                            {"calibration_images", w.calibration_images},
                            {"seed", w.seed}};
    add_plan(model, w.plan);
    return measure_on_farm(f, work_dir, runs, nlohmann::json::array({model}),
                           "the winner " + w.arch_id + " on " + f.kind.name)
        .front();
  };
}

} // namespace tinynas::cli
