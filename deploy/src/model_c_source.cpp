#include "tinynas/deploy/model_c_source.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <sstream>
#include <string_view>

#include "tinynas/space/error.hpp"

namespace tinynas {

namespace {

// C99's keywords (6.4.1): a model named `int` would compile to nonsense.
constexpr std::array<std::string_view, 37> kCKeywords = {
    "auto",     "break",  "case",     "char",   "const",  "continue", "default",   "do",     "double",  "else",
    "enum",     "extern", "float",    "for",    "goto",   "if",       "inline",    "int",    "long",    "register",
    "restrict", "return", "short",    "signed", "sizeof", "static",   "struct",    "switch", "typedef", "union",
    "unsigned", "void",   "volatile", "while",  "_Bool",  "_Complex", "_Imaginary"};

} // namespace

void check_model_name(const std::string& name) {
  const auto bad = [&](const std::string& why) {
    throw Error(ErrorCode::kInvalidArgument, "model name \"" + name + "\" " + why);
  };
  if (name.empty()) bad("is empty; it must be a C identifier");
  const auto word = [](unsigned char c) { return std::isalnum(c) != 0 || c == '_'; };
  if (std::isdigit(static_cast<unsigned char>(name[0])) != 0 ||
      !std::all_of(name.begin(), name.end(), [&](char c) { return c >= 0 && word(static_cast<unsigned char>(c)); }))
    bad("is not a C identifier (ASCII letters, digits and _, not starting with a digit)");
  if (std::find(kCKeywords.begin(), kCKeywords.end(), name) != kCKeywords.end()) bad("is a C keyword");
}

std::string model_macro_prefix(const std::string& name) {
  std::string r = name;
  for (char& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return r;
}

namespace {

// A float literal C reads back to the same float: nine significant digits always round-trip, and the exponent
// form always has the `.` or `e` that makes `f` a valid suffix.
std::string c_float(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.8ef", static_cast<double>(v));
  return buf;
}

std::string c_int(std::int64_t v) { return v < 0 ? "(" + std::to_string(v) + ")" : std::to_string(v); }

// Free text inside a /* */ comment: no way to end the comment early, one " * " prefix per line.
std::string comment_text(const std::string& text) {
  std::string r;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      r += "\n * ";
    } else {
      r += text[i];
      if (text[i] == '*' && i + 1 < text.size() && text[i + 1] == '/') r += ' ';
    }
  }
  return r;
}

void check_inputs(const Graph& graph, const QuantizedModel& model, const ModelBlob& blob) {
  const auto expect = [](bool ok, const std::string& what) {
    if (!ok) throw Error(ErrorCode::kInternal, "C source of a model blob: " + what);
  };
  expect(model.tensors.size() == graph.tensors.size(), "the quantised model is not of this graph");
  expect(!blob.bytes.empty() && blob.bytes.size() % 4 == 0, "the blob is empty or not a whole number of words");
  const auto& in = graph.tensors[static_cast<std::size_t>(graph.input)];
  const auto& out = graph.tensors[static_cast<std::size_t>(graph.output)];
  expect(blob.input_bytes == in.elements() && blob.output_bytes == out.elements(),
         "the blob's input or output size differs from the graph's");
}

std::string macro_block(const std::string& p, const Graph& graph, const QuantizedModel& model, const ModelBlob& blob,
                        const std::optional<InputNormalization>& normalization) {
  const TensorShape& in = graph.tensors[static_cast<std::size_t>(graph.input)];
  const TensorQuant& qi = model.tensors[static_cast<std::size_t>(graph.input)];
  const TensorQuant& qo = model.tensors[static_cast<std::size_t>(graph.output)];
  std::ostringstream h;
  h << "#define " << p << "_BLOB_BYTES " << blob.bytes.size() << "u\n"
    << "#define " << p << "_ARENA_BYTES " << blob.arena_bytes << "u /* tensors and kernel scratch, as planned */\n\n"
    << "/* Input: int8 [H][W][C] at arena + INPUT_OFFSET. */\n"
    << "#define " << p << "_INPUT_OFFSET " << blob.input_offset << "u\n"
    << "#define " << p << "_INPUT_BYTES " << blob.input_bytes << "u\n"
    << "#define " << p << "_INPUT_HEIGHT " << in.h << "\n"
    << "#define " << p << "_INPUT_WIDTH " << in.w << "\n"
    << "#define " << p << "_INPUT_CHANNELS " << in.c << "\n"
    << "#define " << p << "_INPUT_SCALE " << c_float(qi.scale) << "\n"
    << "#define " << p << "_INPUT_ZERO_POINT " << c_int(qi.zero_point) << "\n\n"
    << "/* Output: int8 logits at arena + OUTPUT_OFFSET; the predicted class is the largest. */\n"
    << "#define " << p << "_OUTPUT_OFFSET " << blob.output_offset << "u\n"
    << "#define " << p << "_OUTPUT_BYTES " << blob.output_bytes << "u\n"
    << "#define " << p << "_OUTPUT_CLASSES " << blob.output_bytes << "\n"
    << "#define " << p << "_OUTPUT_SCALE " << c_float(qo.scale) << "\n"
    << "#define " << p << "_OUTPUT_ZERO_POINT " << c_int(qo.zero_point) << "\n";
  if (normalization) {
    // Brace lists, one entry per channel: `static const float mean[] = NAME_INPUT_MEAN;`.
    auto list = [](const std::vector<float>& values) {
      std::string out;
      for (float v : values) out += (out.empty() ? "" : ", ") + c_float(v);
      return "{" + out + "}";
    };
    h << "\n/* Training normalised channel c of a pixel p in [0, 255] to (p / 255 - MEAN[c]) / STD[c] before\n"
      << " * quantisation. */\n"
      << "#define " << p << "_INPUT_MEAN " << list(normalization->mean) << "\n"
      << "#define " << p << "_INPUT_STD " << list(normalization->std) << "\n";
  }
  return h.str();
}

std::string usage_comment(const std::string& n, const std::string& p, bool lut, int channels, bool patched) {
  std::ostringstream c;
  c << "/* Running it (firmware/include/tn/tn_interpreter.h; link the runtime, firmware/runtime_sources.cmake):\n"
    << " *\n"
    << " *   static uint32_t arena_words[(" << p << "_ARENA_BYTES + 3u) / 4u]; (4-aligned, RAM)\n"
    << " *   uint8_t* arena = (uint8_t*)arena_words;\n"
    << " *   tn_model model;\n"
    << " *   if (tn_model_load(&model, " << n << "_blob, " << p << "_BLOB_BYTES, sizeof arena_words, NULL) != TN_OK)\n"
    << " *     ... (once: validates the blob; it stays in flash)\n";
  if (patched) // read patch by patch from where it is: only its tile is in the arena
    c << " *   static int8_t input[" << p << "_INPUT_BYTES]; (outside the arena: a frame buffer, any RAM or flash)\n";
  else c << " *   int8_t* input = (int8_t*)(arena + " << p << "_INPUT_OFFSET);\n";
  if (lut && channels == 1)
    c << " *   for (i = 0; i < " << p << "_INPUT_BYTES; ++i) input[i] = " << n << "_input_lut[pixels[i]];\n";
  else if (lut) // pixels interleaved [H][W][C]; the table holds 256 entries per channel
    c << " *   for (i = 0; i < " << p << "_INPUT_BYTES; ++i)\n"
      << " *     input[i] = " << n << "_input_lut[(i % " << p << "_INPUT_CHANNELS) * 256u + pixels[i]];\n";
  else c << " *   ... fill " << p << "_INPUT_BYTES bytes: round(real / INPUT_SCALE) + INPUT_ZERO_POINT, clamped\n";
  c << " *   tn_model_invoke(&model, input, arena, NULL, NULL, NULL);\n"
    << " *   const int8_t* logits = (const int8_t*)(arena + " << p << "_OUTPUT_OFFSET);\n"
    << " *\n"
    << " * The arena is overwritten by every run (fill the input before each one). */\n";
  return c.str();
}

std::string header_text(const std::string& n, const std::string& top, const Graph& graph, const QuantizedModel& model,
                        const ModelBlob& blob, const ModelCSourceOptions& options) {
  const std::string p = model_macro_prefix(n);
  const bool lut = options.normalization.has_value();
  std::ostringstream h;
  const int channels = graph.tensors[static_cast<std::size_t>(graph.input)].c;
  h << top << usage_comment(n, p, lut, channels, blob.patches > 0) << "\n"
    << "#ifndef " << p << "_H\n#define " << p << "_H\n\n#include <stdint.h>\n\n"
    << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
    << macro_block(p, graph, model, blob, options.normalization) << "\n"
    << "/* The model blob (firmware/include/tn/tn_model_format.h), 4-byte aligned, const (flash). */\n"
    << "extern const uint32_t " << n << "_blob[" << p << "_BLOB_BYTES / 4u];\n";
  if (lut)
    h << "/* Raw pixel value (0..255, the training images' scale) -> int8 input value, normalised and quantised.\n"
      << " * Pixels of another image size must be resized to INPUT_HEIGHT x INPUT_WIDTH first (training resized\n"
      << " * bilinearly).\n"
      << " * Entry c * 256 + p is channel c of pixel value p. */\n"
      << "extern const int8_t " << n << "_input_lut[" << 256 * channels << "];\n";
  h << "\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << p << "_H */\n";
  return h.str();
}

std::string source_text(const std::string& n, const std::string& top, const Graph& graph, const QuantizedModel& model,
                        const ModelBlob& blob, const ModelCSourceOptions& options) {
  const std::string p = model_macro_prefix(n);
  std::ostringstream c;
  c << top << "#include \"" << n << ".h\"\n\n"
    << "/* Predefine it to place the blob (e.g. a section attribute); the alignment is what tn_model_load checks. */\n"
    << "#ifndef " << p << "_BLOB_ATTRIBUTES\n#if defined(__GNUC__)\n#define " << p
    << "_BLOB_ATTRIBUTES __attribute__((aligned(4)))\n#else\n#define " << p << "_BLOB_ATTRIBUTES\n#endif\n#endif\n\n"
    << "const uint32_t " << n << "_blob[" << p << "_BLOB_BYTES / 4u] " << p << "_BLOB_ATTRIBUTES = {";
  const std::size_t words = blob.bytes.size() / 4;
  for (std::size_t w = 0; w < words; ++w) {
    const std::uint8_t* b = blob.bytes.data() + 4 * w;
    // Little-endian words: on the (little-endian) target their bytes in memory are the blob's bytes.
    const std::uint32_t word =
        std::uint32_t{b[0]} | std::uint32_t{b[1]} << 8 | std::uint32_t{b[2]} << 16 | std::uint32_t{b[3]} << 24;
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08Xu", static_cast<unsigned>(word));
    c << (w % 8 == 0 ? "\n    " : " ") << buf << (w + 1 < words ? "," : "");
  }
  c << "\n};\n";
  if (options.normalization) {
    const TensorQuant& qi = model.tensors[static_cast<std::size_t>(graph.input)];
    // The supernet's float arithmetic (supernet/src/batch_builder.cpp), so at the training resolution the table
    // gives exactly the bytes quantize_image gives for network_inputs' images.
    const int channels = options.normalization->channels();
    c << "\nconst int8_t " << n << "_input_lut[" << 256 * channels << "] = {";
    for (int ch = 0; ch < channels; ++ch)
      for (int pixel = 0; pixel < 256; ++pixel) {
        const float real =
            static_cast<float>(pixel) * options.normalization->scale(ch) + options.normalization->shift(ch);
        const bool last = ch == channels - 1 && pixel == 255;
        c << (pixel % 16 == 0 ? "\n    " : " ") << int{quantize_value(qi, real)} << (last ? "" : ",");
      }
    c << "\n};\n";
  }
  return c.str();
}

} // namespace

ModelCSource model_c_source(const Graph& graph, const QuantizedModel& model, const ModelBlob& blob,
                            const ModelCSourceOptions& options) {
  check_model_name(options.name);
  check_inputs(graph, model, blob);
  if (options.normalization)
    options.normalization->check(graph.tensors[static_cast<std::size_t>(graph.input)].c,
                                 "C source input normalisation");
  std::string top = "/* Generated by TinyNAS (deploy/src/model_c_source.cpp): an int8 model for the TinyNAS runtime.\n";
  if (!options.provenance.empty()) top += " * " + comment_text(options.provenance) + "\n";
  top += " * Do not edit: regenerate with `tinynas export --c-source`. */\n\n";
  ModelCSource r;
  r.header_file = options.name + ".h";
  r.source_file = options.name + ".c";
  r.header = header_text(options.name, top, graph, model, blob, options);
  r.source = source_text(options.name, top, graph, model, blob, options);
  return r;
}

} // namespace tinynas
