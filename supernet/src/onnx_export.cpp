// The only translation unit that includes ONNX (its checker header alone takes seconds to compile).

#include "tinynas/supernet/onnx_export.hpp"

#include <cmath>
#include <vector>

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include "inherited_layers.hpp"
#include "supernet_impl.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/supernet/trainer.hpp"

namespace tinynas {

namespace {

constexpr int kOpset = 13;

class GraphWriter {
public:
  explicit GraphWriter(onnx::GraphProto& g) : g_(g) {}

  void initializer(const std::string& name, const std::vector<std::int64_t>& dims, const std::vector<float>& values) {
    onnx::TensorProto* t = g_.add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (auto d : dims) t->add_dims(d);
    t->set_raw_data(values.data(), values.size() * sizeof(float));
  }
  onnx::NodeProto* node(const std::string& op, const std::vector<std::string>& inputs, const std::string& output,
                        const std::string& name) {
    onnx::NodeProto* n = g_.add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const auto& i : inputs) n->add_input(i);
    n->add_output(output);
    return n;
  }
  static void ints(onnx::NodeProto* n, const std::string& name, const std::vector<std::int64_t>& values) {
    onnx::AttributeProto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (auto v : values) a->add_ints(v);
  }
  static void integer(onnx::NodeProto* n, const std::string& name, std::int64_t value) {
    onnx::AttributeProto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(value);
  }
  static void real(onnx::NodeProto* n, const std::string& name, float value) {
    onnx::AttributeProto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(value);
  }

private:
  onnx::GraphProto& g_;
};

// A graph input or output: float tensor, batch dimension symbolic, others fixed (the checker needs
// a shape on every graph output).
void value_info(onnx::ValueInfoProto* v, const std::string& name, const std::vector<std::int64_t>& dims) {
  v->set_name(name);
  onnx::TypeProto_Tensor* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  onnx::TensorShapeProto* s = t->mutable_shape();
  s->add_dim()->set_dim_param("batch");
  for (auto d : dims) s->add_dim()->set_dim_value(d);
}

// One number per channel, comma-separated (a single number for grey input).
std::string numbers(const std::vector<float>& values) {
  std::string out;
  char buf[32];
  for (float x : values) {
    std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(x));
    out += (out.empty() ? "" : ",") + std::string(buf);
  }
  return out;
}

} // namespace

void export_onnx(const Supernet& supernet, const Arch& arch, const SubnetBnStats& stats, const std::string& path,
                 const OnnxExportOptions& options) {
  const Supernet::Impl& net = supernet.impl();
  const engine::InheritedSubnet subnet = engine::inherited_subnet(supernet, arch, stats);
  const engine::SubnetPlan& plan = subnet.plan;

  onnx::ModelProto model;
  model.set_ir_version(onnx::IR_VERSION);
  model.set_producer_name("tinynas");
  model.set_doc_string("TinyNAS subnet " + arch.id() + " of space " + net.space.name +
                       " with weights inherited from a supernet. Input: " +
                       (net.space.input_channels == 1 ? std::string("grey") : "RGB") + " images resized to " +
                       std::to_string(arch.resolution) + "x" + std::to_string(arch.resolution) +
                       ", pixels p in [0, 255] of channel c given as (p / 255 - mean[c]) / std[c], mean " +
                       numbers(net.input.mean) + ", std " + numbers(net.input.std) + ".");
  onnx::OperatorSetIdProto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOpset);
  auto meta = [&](const std::string& key, const std::string& value) {
    onnx::StringStringEntryProto* e = model.add_metadata_props();
    e->set_key(key);
    e->set_value(value);
  };
  meta("tinynas.arch", arch_to_json(arch, net.space, -1));
  meta("tinynas.input_mean", numbers(net.input.mean));
  meta("tinynas.input_std", numbers(net.input.std));
  meta("tinynas.batch_norm", options.fold_batch_norm ? "folded" : "nodes");

  onnx::GraphProto& g = *model.mutable_graph();
  g.set_name("tinynas_subnet");
  GraphWriter w(g);
  value_info(g.add_input(), "input", {plan.input_channels, arch.resolution, arch.resolution});
  w.initializer("relu6.min", {}, {0.0f});
  w.initializer("relu6.max", {}, {6.0f});

  std::vector<std::string> tensor(plan.layers.size() + 1);
  tensor[0] = "input";
  for (std::size_t i = 0; i < subnet.layers.size(); ++i) {
    const engine::InheritedLayer& layer = subnet.layers[i];
    const engine::PlanLayer& l = layer.layer;
    const std::string& name = layer.name;
    const int out = l.shape.out_channels;
    const bool depthwise = l.kind == engine::LayerKind::kDepthwise;
    const std::int64_t in_per_group = depthwise ? 1 : l.shape.in_channels;
    std::vector<float> weight = layer.weight;

    std::vector<std::string> conv_inputs = {tensor[static_cast<std::size_t>(l.input)], name + ".conv.weight"};
    if (options.fold_batch_norm) {
      std::vector<float> bias(static_cast<std::size_t>(out));
      const std::size_t per_out = weight.size() / static_cast<std::size_t>(out);
      for (std::size_t o = 0; o < bias.size(); ++o) {
        const float scale = layer.gamma[o] / std::sqrt(layer.var[o] + engine::kBnEps);
        for (std::size_t j = 0; j < per_out; ++j) weight[o * per_out + j] *= scale;
        bias[o] = layer.beta[o] - layer.mean[o] * scale;
      }
      w.initializer(name + ".conv.bias", {out}, bias);
      conv_inputs.push_back(name + ".conv.bias");
    }
    w.initializer(name + ".conv.weight", {out, in_per_group, l.kernel, l.kernel}, weight);
    std::string value = name + ".conv";
    onnx::NodeProto* conv = w.node("Conv", conv_inputs, value, name + ".conv");
    GraphWriter::ints(conv, "kernel_shape", {l.kernel, l.kernel});
    GraphWriter::ints(conv, "strides", {l.shape.stride, l.shape.stride});
    GraphWriter::ints(conv, "pads", {l.shape.pad, l.shape.pad, l.shape.pad, l.shape.pad});
    GraphWriter::integer(conv, "group", depthwise ? out : 1);

    if (!options.fold_batch_norm) {
      w.initializer(name + ".bn.weight", {out}, layer.gamma);
      w.initializer(name + ".bn.bias", {out}, layer.beta);
      w.initializer(name + ".bn.running_mean", {out}, layer.mean);
      w.initializer(name + ".bn.running_var", {out}, layer.var);
      onnx::NodeProto* bn =
          w.node("BatchNormalization",
                 {value, name + ".bn.weight", name + ".bn.bias", name + ".bn.running_mean", name + ".bn.running_var"},
                 name + ".bn", name + ".bn");
      GraphWriter::real(bn, "epsilon", engine::kBnEps);
      value = name + ".bn";
    }
    if (l.activation == engine::Activation::kRelu6) {
      w.node("Clip", {value, "relu6.min", "relu6.max"}, name + ".act", name + ".act");
      value = name + ".act";
    }
    if (l.residual >= 0) {
      w.node("Add", {value, tensor[static_cast<std::size_t>(l.residual)]}, name + ".add", name + ".add");
      value = name + ".add";
    }
    tensor[i + 1] = value;
  }

  w.node("GlobalAveragePool", {tensor.back()}, "pool", "pool");
  onnx::NodeProto* flatten = w.node("Flatten", {"pool"}, "features", "flatten");
  GraphWriter::integer(flatten, "axis", 1);
  w.initializer("classifier.weight", {plan.classes, plan.head_channels}, subnet.classifier_weight);
  w.initializer("classifier.bias", {plan.classes}, subnet.classifier_bias);
  onnx::NodeProto* gemm = w.node("Gemm", {"features", "classifier.weight", "classifier.bias"}, "logits", "classifier");
  GraphWriter::integer(gemm, "transB", 1);
  value_info(g.add_output(), "logits", {plan.classes});

  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw Error(ErrorCode::kInternal, std::string("the ONNX checker rejected the exported model: ") + e.what(), path);
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes)) throw Error(ErrorCode::kInternal, "ONNX serialisation failed", path);
  files::write_file_atomic(path, bytes);
}

Supernet export_trained_onnx(const std::string& supernet_path, const Arch& arch, const std::string& data_dir,
                             std::uint64_t seed, const std::string& path, const OnnxExportOptions& options) {
  Supernet supernet = Supernet::load(supernet_path);
  DatasetOptions d = training_dataset_options(supernet_path);
  d.dir = data_dir;
  d.load_test = false;
  const DatasetSplits data = load_dataset(d);
  EvaluatorOptions eo;
  eo.seed = seed;
  SubnetEvaluator evaluator(supernet, data.train, data.val, eo);
  export_onnx(supernet, arch, evaluator.recalibrate(arch), path, options);
  return supernet;
}

} // namespace tinynas
