#include "tinynas/supernet/supernet.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "supernet_file.hpp"
#include "supernet_impl.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {

const char* kernel_transform_name(KernelTransform t) {
  return t == KernelTransform::kOfaMatrix ? "ofa-matrix" : "centre";
}

KernelTransform parse_kernel_transform(const std::string& name) {
  if (name == "centre" || name == "center") return KernelTransform::kCentreCrop;
  if (name == "ofa-matrix") return KernelTransform::kOfaMatrix;
  throw Error(ErrorCode::kInvalidArgument, "unknown kernel transform \"" + name + "\" (expected centre or ofa-matrix)");
}

namespace {

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

void check_width(const SearchSpace& space, double width) {
  const bool known = std::any_of(space.width_mults.begin(), space.width_mults.end(),
                                 [&](double w) { return std::abs(w - width) < 1e-9; });
  if (!known) {
    std::string list;
    for (double w : space.width_mults) list += (list.empty() ? "" : ", ") + number(w);
    throw Error(ErrorCode::kOutOfSpace,
                "width multiplier " + number(width) + " is not one of the space's [" + list + "]", space.file,
                "/width");
  }
}

} // namespace

Supernet::Supernet(SearchSpace space, double width, std::uint64_t seed, KernelTransform transform)
    : impl_(std::make_unique<Impl>()) {
  check_width(space, width);
  impl_->layout = engine::make_layout(space, width, transform);
  impl_->space = std::move(space);
  impl_->width = width;
  impl_->input = InputNormalization::uniform(impl_->space.input_channels, 0.5f, 0.5f);
  impl_->params.resize(impl_->layout.total);
  engine::initialise_parameters(impl_->layout, seed, impl_->params.data());
}

Supernet::Supernet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Supernet::~Supernet() = default;
Supernet::Supernet(Supernet&&) noexcept = default;
Supernet& Supernet::operator=(Supernet&&) noexcept = default;

Supernet Supernet::clone() const {
  auto copy = std::make_unique<Impl>();
  copy->space = impl_->space;
  copy->width = impl_->width;
  copy->layout = engine::make_layout(copy->space, copy->width, impl_->layout.kernel_transform);
  copy->input = impl_->input;
  copy->class_names = impl_->class_names;
  copy->params.resize(impl_->params.size());
  std::copy(impl_->params.data(), impl_->params.data() + impl_->params.size(), copy->params.data());
  return Supernet(std::move(copy));
}

Supernet Supernet::load(const std::string& path) {
  return Supernet(std::move(engine::read_supernet_file(path).supernet));
}

void Supernet::save(const std::string& path) const { engine::write_supernet_file(path, *impl_, nullptr); }

const SearchSpace& Supernet::space() const { return impl_->space; }
double Supernet::width() const { return impl_->width; }
KernelTransform Supernet::kernel_transform() const { return impl_->layout.kernel_transform; }
const InputNormalization& Supernet::input_normalization() const { return impl_->input; }
void Supernet::set_input_normalization(InputNormalization normalization) {
  normalization.check(impl_->space.input_channels, "input normalisation");
  impl_->input = std::move(normalization);
}

const std::vector<std::string>& Supernet::class_names() const { return impl_->class_names; }
void Supernet::set_class_names(std::vector<std::string> names) {
  if (!names.empty() && names.size() != static_cast<std::size_t>(impl_->space.num_classes))
    throw Error(ErrorCode::kInvalidArgument, std::to_string(names.size()) + " class names for space \"" +
                                                 impl_->space.name + "\" of " +
                                                 std::to_string(impl_->space.num_classes) + " classes");
  impl_->class_names = std::move(names);
}

std::int64_t Supernet::parameter_count() const { return impl_->layout.total; }

std::uint32_t Supernet::weights_crc32() const { return engine::weights_crc32(*impl_); }

std::vector<ParameterInfo> Supernet::parameters() const {
  std::vector<ParameterInfo> out;
  for (const auto& p : impl_->layout.params) out.push_back({p.name, p.shape, p.size});
  return out;
}

void Supernet::validate(const Arch& arch, const std::string& file) const {
  validate_arch(arch, impl_->space, file);
  if (std::abs(arch.width - impl_->width) > 1e-9)
    throw Error(ErrorCode::kOutOfSpace,
                "this supernet holds width multiplier " + number(impl_->width) + " only; the arch has " +
                    number(arch.width) + " (train a supernet of that `width`)",
                file, "/width");
}

Arch Supernet::largest(int resolution) const {
  return largest_arch(impl_->space, impl_->width, resolution > 0 ? resolution : impl_->space.resolutions.back());
}

Arch Supernet::smallest(int resolution) const {
  return smallest_arch(impl_->space, impl_->width, resolution > 0 ? resolution : impl_->space.resolutions.front());
}

} // namespace tinynas
