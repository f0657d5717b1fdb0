#include "tinynas/profiler/schedule.hpp"

#include "tinynas/space/error.hpp"

namespace tinynas {

namespace {
constexpr Schedule kAll[] = {Schedule::kMcunetAnalytic, Schedule::kLayerwise, Schedule::kInplaceDw, Schedule::kPatch,
                             Schedule::kAuto};
}

const char* schedule_name(Schedule s) {
  switch (s) {
  case Schedule::kMcunetAnalytic: return "mcunet-analytic";
  case Schedule::kLayerwise: return "layerwise";
  case Schedule::kInplaceDw: return "inplace-dw";
  case Schedule::kPatch: return "patch";
  case Schedule::kAuto: return "auto";
  }
  return "?";
}

std::vector<std::string> schedule_names() {
  std::vector<std::string> names;
  for (Schedule s : kAll) names.emplace_back(schedule_name(s));
  return names;
}

Schedule parse_schedule(std::string_view name) {
  for (Schedule s : kAll)
    if (name == schedule_name(s)) return s;
  std::string known;
  for (const auto& n : schedule_names()) known += (known.empty() ? "" : ", ") + n;
  throw Error(ErrorCode::kInvalidArgument, "unknown schedule \"" + std::string(name) + "\" (one of: " + known + ")");
}

} // namespace tinynas
