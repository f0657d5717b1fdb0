#include "epoch_report_json.hpp"

#include <nlohmann/json.hpp>

namespace tinynas {

std::string EpochReport::to_json() const {
  const nlohmann::json j = {{"epoch", epoch},
                            {"epochs", epochs},
                            {"phase", phase},
                            {"loss", loss},
                            {"train_accuracy", train_accuracy},
                            {"images_per_second", images_per_second},
                            {"seconds", seconds},
                            {"val_largest", val_largest},
                            {"val_smallest", val_smallest},
                            {"val_subnet", val_subnet},
                            {"seconds_left", seconds_left}};
  return j.dump();
}

EpochReport epoch_report_from_json(const json_util::Field& report, int total_epochs) {
  EpochReport r;
  r.epoch = report.get_int("epoch");
  r.epochs = report.get_int("epochs", total_epochs);
  r.phase = report.get_string("phase");
  r.loss = report.get_double("loss");
  r.train_accuracy = report.get_double("train_accuracy");
  r.images_per_second = report.get_double("images_per_second");
  r.seconds = report.get_double("seconds");
  r.val_largest = report.get_double("val_largest");
  r.val_smallest = report.get_double("val_smallest");
  r.val_subnet = report.get_double("val_subnet", -1);     // written since fine-tuning
  r.seconds_left = report.get_double("seconds_left", -1); // written since the time left was the library's
  return r;
}

void put_epoch_start(nlohmann::json& state, const engine::EpochStart& s) {
  if (s.batch > 0)
    state["epoch_start"] = {
        {"batch", s.batch}, {"loss_sum", s.loss_sum}, {"correct", s.correct}, {"seen", s.seen}, {"seconds", s.seconds}};
}

engine::EpochStart epoch_start_from_json(const json_util::Field& state, bool unfinished) {
  engine::EpochStart start;
  if (!state.has("epoch_start")) return start;
  const json_util::Field f = state.at("epoch_start");
  start.batch = f.get_int("batch");
  start.loss_sum = f.get_double("loss_sum");
  start.correct = f.get_int("correct");
  start.seen = f.get_int("seen");
  start.seconds = f.get_double("seconds");
  if (start.batch < 1 || !unfinished || start.seen < 1 || start.correct < 0 || start.correct > start.seen)
    f.fail("not a position inside an unfinished epoch");
  return start;
}

void put_epoch_loop(nlohmann::json& state, const EpochLoopProgress& p) {
  state["epochs_done"] = p.epochs_done;
  state["train_images"] = p.train_images;
  state["seconds"] = p.seconds;
  state["epochs"] = nlohmann::json::array();
  for (const auto& r : p.reports) state["epochs"].push_back(nlohmann::json::parse(r.to_json()));
  put_epoch_start(state, p.epoch_start);
}

EpochLoopProgress epoch_loop_from_json(const json_util::Field& state, int total_epochs) {
  EpochLoopProgress p;
  p.epochs_done = state.get_int("epochs_done");
  p.train_images = state.get_int("train_images");
  p.seconds = state.get_double("seconds");
  const json_util::Field epochs = state.at("epochs");
  for (std::size_t i = 0; i < epochs.size(); ++i)
    p.reports.push_back(epoch_report_from_json(epochs.at(i), total_epochs));
  p.epoch_start = epoch_start_from_json(state, p.epochs_done < total_epochs);
  return p;
}

} // namespace tinynas
