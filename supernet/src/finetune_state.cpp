#include "finetune_state.hpp"

#include <nlohmann/json.hpp>

#include "epoch_report_json.hpp"
#include "json_util.hpp"

namespace tinynas {

using nlohmann::json;

std::string finetune_progress_to_json(const FinetuneProgress& p) {
  json j;
  j["config"] = json::parse(p.config.to_json());
  j["finetune"] = {{"epochs", p.epochs},     {"lr", p.lr},
                   {"distill", p.distill},   {"from_scratch", p.from_scratch},
                   {"supernet", p.supernet}, {"supernet_crc32", p.supernet_crc32}};
  put_epoch_loop(j, p);
  return j.dump();
}

FinetuneProgress parse_finetune_progress(const std::string& text, const std::string& file) {
  const json doc = json_util::parse(text, file);
  json_util::Field f(doc, file, "/training");
  FinetuneProgress p;
  p.config = TrainingConfig::from_json(f.at("config").value().dump(), file);
  json_util::Field s = f.at("finetune");
  p.epochs = s.get_int("epochs");
  p.lr = s.get_double("lr");
  p.distill = s.at("distill").as_bool();
  p.from_scratch = s.at("from_scratch").as_bool();
  p.supernet = s.get_string("supernet");
  const std::uint64_t crc = s.at("supernet_crc32").as_uint64();
  if (crc > 0xffffffffu) s.at("supernet_crc32").fail("must fit in 32 bits");
  p.supernet_crc32 = static_cast<std::uint32_t>(crc);
  static_cast<EpochLoopProgress&>(p) = epoch_loop_from_json(f, p.epochs);
  return p;
}

} // namespace tinynas
