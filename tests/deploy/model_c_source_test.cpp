// The model blob as C source (profiler/model_c_source.hpp), checked the way a firmware build uses it: the
// generated files and a small main.c are compiled by the host C compiler (C99, -Wall -Wextra -Wconversion
// -pedantic -Werror) and linked with the runtime's sources (firmware/runtime_sources.cmake). The program's
// output must equal run_blob_on_host byte for byte, and the macros it prints, as the C compiler reads them, must
// be the blob's and the quantisation's values.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <sstream>
#include <thread>

#include "../test_networks.hpp"
#include "../test_support.hpp"
#include "child_process.hpp"
#include "tinynas/deploy/model_blob.hpp"
#include "tinynas/deploy/model_c_source.hpp"
#include "tinynas/deploy/quantize.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/rng.hpp"

namespace tinynas {
namespace {

struct SmallModel {
  Graph graph;
  QuantizedModel model;
  ModelBlob blob;
  std::vector<std::int8_t> input;
};

SmallModel small_model() {
  SmallModel m;
  m.graph = lower_to_graph(test::small_net());
  Rng rng(7);
  const FloatWeights weights = random_float_weights(m.graph, rng);
  m.model = quantize(m.graph, weights, random_images(m.graph, 8, rng));
  m.blob = write_model_blob(m.graph, m.model);
  m.input = quantize_image(m.model, m.graph, random_images(m.graph, 1, rng).front());
  return m;
}

// Runs a program to completion; returns its exit code and appends its output (stdout + stderr) to `log`.
int run(const std::vector<std::string>& argv, const std::string& log) {
  detail::ChildProcess p = detail::ChildProcess::spawn(argv, log);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (p.running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      p.kill();
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return p.exit_code();
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, separator);)
    if (!part.empty()) parts.push_back(part);
  return parts;
}

// The application: loads the blob, runs `input`, prints the output bytes, every macro and the lookup table.
std::string main_c(const std::vector<std::int8_t>& input) {
  std::ostringstream c;
  c << "#include <stdio.h>\n#include \"tn/tn_interpreter.h\"\n#include \"demo_net.h\"\n\n"
    << "static const int8_t input[DEMO_NET_INPUT_BYTES] = {";
  for (std::size_t i = 0; i < input.size(); ++i) c << (i ? ", " : "") << int{input[i]};
  c << "};\nstatic uint32_t arena_words[(DEMO_NET_ARENA_BYTES + 3u) / 4u];\n\n"
    << R"(int main(void) {
  uint8_t* arena = (uint8_t*)arena_words;
  const int8_t* output;
  static const float mean[DEMO_NET_INPUT_CHANNELS] = DEMO_NET_INPUT_MEAN;
  static const float std_dev[DEMO_NET_INPUT_CHANNELS] = DEMO_NET_INPUT_STD;
  tn_model model;
  tn_status s;
  uint32_t i;
  s = tn_model_load(&model, demo_net_blob, DEMO_NET_BLOB_BYTES, (uint32_t)sizeof arena_words, NULL);
  if (s != TN_OK) return 10 + (int)s;
  for (i = 0; i < DEMO_NET_INPUT_BYTES; ++i) arena[DEMO_NET_INPUT_OFFSET + i] = (uint8_t)input[i];
  s = tn_model_invoke(&model, (const int8_t*)(arena + DEMO_NET_INPUT_OFFSET), arena, NULL, NULL, NULL);
  if (s != TN_OK) return 40 + (int)s;
  output = (const int8_t*)(arena + DEMO_NET_OUTPUT_OFFSET);
  printf("output");
  for (i = 0; i < DEMO_NET_OUTPUT_BYTES; ++i) printf(" %d", (int)output[i]);
  printf("\nlut");
  for (i = 0; i < 3u * 256u; ++i) printf(" %d", (int)demo_net_input_lut[i]);
  printf("\nblob_bytes %lu\narena_bytes %lu\n", (unsigned long)DEMO_NET_BLOB_BYTES, (unsigned long)DEMO_NET_ARENA_BYTES);
  printf("input_offset %lu\ninput_bytes %lu\n", (unsigned long)DEMO_NET_INPUT_OFFSET, (unsigned long)DEMO_NET_INPUT_BYTES);
  printf("input_shape %d %d %d\n", DEMO_NET_INPUT_HEIGHT, DEMO_NET_INPUT_WIDTH, DEMO_NET_INPUT_CHANNELS);
  printf("output_offset %lu\noutput_bytes %lu\nclasses %d\n", (unsigned long)DEMO_NET_OUTPUT_OFFSET,
         (unsigned long)DEMO_NET_OUTPUT_BYTES, DEMO_NET_OUTPUT_CLASSES);
  printf("input_quant %.9g %d\n", (double)DEMO_NET_INPUT_SCALE, DEMO_NET_INPUT_ZERO_POINT);
  printf("output_quant %.9g %d\n", (double)DEMO_NET_OUTPUT_SCALE, DEMO_NET_OUTPUT_ZERO_POINT);
  printf("mean");
  for (i = 0; i < 3u; ++i) printf(" %.9g", (double)mean[i]);
  printf("\nstd");
  for (i = 0; i < 3u; ++i) printf(" %.9g", (double)std_dev[i]);
  printf("\n");
  return 0;
}
)";
  return c.str();
}

TEST(ModelCSource, CompiledWithTheRuntimeItMatchesTheHostRunByteForByte) {
  const SmallModel m = small_model();
  ModelCSourceOptions o;
  o.name = "demo_net";
  // Per channel (the small model takes 3), as an RGB dataset gives.
  o.normalization = InputNormalization{{0.2860f, 0.5f, 0.125f}, {0.3530f, 0.25f, 0.5f}};
  o.provenance = "a test net */ with a comment end\nand a second line";
  const ModelCSource c = model_c_source(m.graph, m.model, m.blob, o);
  EXPECT_EQ(c.header_file, "demo_net.h");
  EXPECT_EQ(c.source_file, "demo_net.c");

  test::ScratchDir dir;
  dir.write(c.header_file, c.header);
  const std::string source = dir.write(c.source_file, c.source);
  const std::string main = dir.write("main.c", main_c(m.input));
  const std::string folder = std::filesystem::path(main).parent_path().string();
  const std::string log = folder + "/build.log", program = folder + "/demo";
  const std::string runtime = TINYNAS_RUNTIME_DIR;
  const std::vector<std::string> strict = {TINYNAS_C_COMPILER, "-std=c99",  "-Wall",   "-Wextra",
                                           "-Wconversion",     "-pedantic", "-Werror", "-I" + runtime + "/include"};
  for (const std::string& file : {source, main}) {
    std::vector<std::string> argv = strict;
    argv.insert(argv.end(), {"-c", file, "-o", file + ".o"});
    ASSERT_EQ(run(argv, log), 0) << test::read_text(log);
  }
  // The runtime as the firmware builds compile it (its own warning set is checked by its CMake target).
  std::vector<std::string> link = {TINYNAS_C_COMPILER, "-std=c99", "-O1", "-I" + runtime + "/include",
                                   "-I" + runtime + "/src"};
  for (const std::string& file : split(TINYNAS_RUNTIME_SOURCES, '|')) link.push_back(runtime + "/" + file);
  link.insert(link.end(), {source + ".o", main + ".o", "-o", program});
  ASSERT_EQ(run(link, log), 0) << test::read_text(log);

  const std::string out_file = folder + "/out.txt";
  ASSERT_EQ(run({program}, out_file), 0) << test::read_text(out_file);
  std::map<std::string, std::vector<std::string>> printed;
  for (const std::string& line : split(test::read_text(out_file), '\n')) {
    std::vector<std::string> words = split(line, ' ');
    printed[words.front()].assign(words.begin() + 1, words.end());
  }

  const HostRunResult host = run_blob_on_host(m.blob.bytes, m.input);
  std::vector<std::string> expected;
  for (const std::int8_t v : host.output) expected.push_back(std::to_string(int{v}));
  EXPECT_EQ(printed["output"], expected);

  const TensorQuant& qi = m.model.tensors[static_cast<std::size_t>(m.graph.input)];
  const TensorQuant& qo = m.model.tensors[static_cast<std::size_t>(m.graph.output)];
  const auto num = [&](const std::string& key, std::size_t i = 0) { return std::stod(printed.at(key).at(i)); };
  EXPECT_EQ(num("blob_bytes"), static_cast<double>(m.blob.bytes.size()));
  EXPECT_EQ(num("arena_bytes"), static_cast<double>(m.blob.arena_bytes));
  EXPECT_EQ(num("input_offset"), static_cast<double>(m.blob.input_offset));
  EXPECT_EQ(num("input_bytes"), 12.0 * 12 * 3);
  EXPECT_EQ(printed["input_shape"], (std::vector<std::string>{"12", "12", "3"}));
  EXPECT_EQ(num("output_offset"), static_cast<double>(m.blob.output_offset));
  EXPECT_EQ(num("output_bytes"), 10.0);
  EXPECT_EQ(num("classes"), 10.0);
  // Floats are compared exactly: the literals must read back as the very same float.
  EXPECT_EQ(static_cast<float>(num("input_quant")), qi.scale);
  EXPECT_EQ(num("input_quant", 1), qi.zero_point);
  EXPECT_EQ(static_cast<float>(num("output_quant")), qo.scale);
  EXPECT_EQ(num("output_quant", 1), qo.zero_point);
  for (std::size_t ch = 0; ch < 3; ++ch) {
    EXPECT_EQ(static_cast<float>(num("mean", ch)), o.normalization->mean[ch]);
    EXPECT_EQ(static_cast<float>(num("std", ch)), o.normalization->std[ch]);
  }
  // The lookup table: entry c * 256 + p is channel c of pixel p, (p / 255 - mean[c]) / std[c] quantised
  // with the very arithmetic training used (InputNormalization::scale/shift).
  ASSERT_EQ(printed["lut"].size(), 3u * 256u);
  for (int ch = 0; ch < 3; ++ch)
    for (int p = 0; p < 256; ++p) {
      const float real = static_cast<float>(p) * o.normalization->scale(ch) + o.normalization->shift(ch);
      EXPECT_EQ(std::stoi(printed["lut"][static_cast<std::size_t>(ch * 256 + p)]), quantize_value(qi, real))
          << "channel " << ch << " pixel " << p;
    }
  EXPECT_NE(c.header.find("input_lut[(i % DEMO_NET_INPUT_CHANNELS) * 256u + pixels[i]]"), std::string::npos);
}

TEST(ModelCSource, WithoutNormalizationThereIsNoLookupTable) {
  const SmallModel m = small_model();
  const ModelCSource c = model_c_source(m.graph, m.model, m.blob, {});
  EXPECT_EQ(c.header_file, "tinynas_model.h");
  EXPECT_NE(c.header.find("#define TINYNAS_MODEL_ARENA_BYTES " + std::to_string(m.blob.arena_bytes) + "u"),
            std::string::npos);
  EXPECT_NE(c.header.find("extern const uint32_t tinynas_model_blob[TINYNAS_MODEL_BLOB_BYTES / 4u];"),
            std::string::npos);
  EXPECT_EQ(c.header.find("INPUT_MEAN"), std::string::npos);
  EXPECT_EQ(c.source.find("input_lut"), std::string::npos);
  // The first word is the magic "TNMB" read as a little-endian word.
  EXPECT_NE(c.source.find("= {\n    0x424D4E54u,"), std::string::npos);
}

TEST(ModelCSource, NamesThatAreNotCIdentifiersAreRejected) {
  const SmallModel m = small_model();
  for (const std::string name : {"", "2net", "my-net", "net.v2", "caf\xc3\xa9", "int", "while"}) {
    ModelCSourceOptions o;
    o.name = name;
    try {
      model_c_source(m.graph, m.model, m.blob, o);
      ADD_FAILURE() << "accepted \"" << name << "\"";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(e.message().find("\"" + name + "\""), std::string::npos) << e.what();
      EXPECT_NE(e.message().find(name == "int" || name == "while" ? "C keyword" : "C identifier"), std::string::npos)
          << e.what();
    }
  }
  EXPECT_NO_THROW(check_model_name("_fm_model2"));
}

} // namespace
} // namespace tinynas
