// Fine-tuning a subnet into a model file (tinynas/supernet/finetune.hpp) on the tiny space and the
// pattern images: it improves on the inherited weights, a stopped and resumed run equals the
// uninterrupted one bit for bit (with distillation, on one or two threads), from scratch is another
// run, the model file reads back as its subnet, and bad inputs are named.

#include <gtest/gtest.h>

#include <cstring>

#include "finetune_state.hpp"
#include "supernet_file.hpp"
#include "supernet_test_support.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/parallelism.hpp"
#include "tinynas/supernet/finetune.hpp"
#include "tinynas/supernet/trainer.hpp"

namespace tinynas {
namespace {

using test::ScratchDir;

bool same_bytes(const engine::FloatBuffer& a, const engine::FloatBuffer& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), static_cast<std::size_t>(a.size()) * 4) == 0;
}

class FinetuneTest : public ::testing::Test {
protected:
  void SetUp() override {
    data.train = test::pattern_images(256, 3, 1);
    data.val = test::pattern_images(96, 3, 2);
    // A briefly trained supernet: its subnets inherit weights that fine-tuning can still improve.
    TrainingConfig c;
    c.largest_epochs = 1;
    c.elastic_epochs = 1;
    c.batch_size = 32;
    c.largest_lr = 0.05;
    c.elastic_lr = 0.04;
    c.warmup_epochs = 0.5;
    c.val_size = 96;
    c.seed = 7;
    c.validate_each_epoch = false;
    train_supernet(space, c, data, supernet);
    arch = Supernet::load(supernet).smallest();
  }

  FinetuneOptions quick(int epochs = 3) const {
    FinetuneOptions o;
    o.epochs = epochs;
    o.lr = 0.05;
    o.batch_size = 32;
    o.seed = 5;
    return o;
  }

  ScratchDir dir;
  SearchSpace space = test::tiny_space();
  DatasetSplits data;
  std::string supernet = dir.write("tiny.supernet", "");
  Arch arch;
};

TEST_F(FinetuneTest, ImprovesOnTheInheritedWeightsAndWritesAModelEveryEpoch) {
  const std::string model = dir.write("m.model", "");
  const Supernet original = Supernet::load(supernet);
  SubnetEvaluator inherited(original, data.train, data.val);
  const double before = inherited.evaluate(arch);
  std::vector<EpochReport> seen;
  TrainCallbacks cb;
  cb.on_epoch = [&](const EpochReport& r) {
    seen.push_back(r);
    EXPECT_EQ(read_model_arch(model), arch) << "model written before the report";
  };
  const TrainResult r = finetune_model(supernet, arch, quick(), data, model, cb);
  ASSERT_TRUE(r.finished);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].phase, "fine-tune");
  EXPECT_EQ(seen[2].epochs, 3);
  EXPECT_EQ(seen[2].val_largest, -1.0);
  // The per-epoch accuracy is the recalibrated subnet's on the validation images, as evaluation measures it.
  const Supernet tuned = Supernet::load(model);
  SubnetEvaluator after(tuned, data.train, data.val);
  EXPECT_DOUBLE_EQ(seen[2].val_subnet, after.evaluate(arch));
  EXPECT_GT(seen[2].val_subnet, before);
  EXPECT_GT(seen[2].val_subnet, 0.6); // three classes: chance is 1/3
  EXPECT_DOUBLE_EQ(r.seconds, test::epoch_seconds(r)) << "validation is part of each epoch's time";
  EXPECT_GT(seen[1].seconds_left, 0);
  EXPECT_EQ(seen[2].seconds_left, 0);
}

TEST_F(FinetuneTest, ResumeAfterAStopEqualsTheUninterruptedRunOnAnyThreadCount) {
  FinetuneOptions o = quick();
  o.distill = true; // the teacher must be the same after the resume too
  const std::string full = dir.write("full", ""), part = dir.write("part", "");
  {
    ParallelismLimit one(1);
    finetune_model(supernet, arch, o, data, full);
  }
  // Stop in the middle of epoch 2 (8 batches an epoch), after its 4th batch: checkpointed there, and
  // the resume trains its other 4 batches and epoch 3.
  TrainCallbacks stop;
  int batches = 0;
  stop.on_batch = [&](const BatchProgress&) { ++batches; };
  stop.should_stop = [&] { return batches >= 12; };
  ParallelismLimit two(2);
  const TrainResult stopped = finetune_model(supernet, arch, o, data, part, stop);
  EXPECT_FALSE(stopped.finished);
  EXPECT_EQ(stopped.epochs.size(), 1u);
  const FinetuneProgress inside = parse_finetune_progress(engine::read_supernet_file(part).training->json, part);
  EXPECT_EQ(inside.epochs_done, 1);
  EXPECT_EQ(inside.epoch_start.batch, 4);
  TrainCallbacks counting;
  int resumed_batches = 0;
  counting.on_batch = [&](const BatchProgress&) { ++resumed_batches; };
  std::string note;
  counting.on_note = [&](const std::string& n) { note += n; };
  const TrainResult resumed = resume_finetune(supernet, part, data, counting);
  EXPECT_TRUE(resumed.finished);
  EXPECT_EQ(resumed.epochs.size(), 3u);
  EXPECT_EQ(resumed_batches, 4 + 8);
  EXPECT_NE(note.find("resuming epoch 2 of 3 at batch 5"), std::string::npos) << note;
  const auto a = engine::read_supernet_file(full), b = engine::read_supernet_file(part);
  EXPECT_TRUE(same_bytes(a.supernet->params, b.supernet->params));
  EXPECT_TRUE(same_bytes(a.training->momentum, b.training->momentum));
  const FinetuneProgress pa = parse_finetune_progress(a.training->json, full);
  const FinetuneProgress pb = parse_finetune_progress(b.training->json, part);
  for (std::size_t e = 0; e < 3; ++e) EXPECT_EQ(pa.reports.at(e).loss, pb.reports.at(e).loss) << "epoch " << e + 1;
  EXPECT_TRUE(resume_finetune(supernet, part, data).finished); // nothing left to do
}

TEST_F(FinetuneTest, FromScratchAndDistillationAreOtherRuns) {
  const std::string inherited = dir.write("inherited", ""), scratch = dir.write("scratch", ""),
                    distilled = dir.write("distilled", "");
  finetune_model(supernet, arch, quick(1), data, inherited);
  FinetuneOptions o = quick(1);
  o.from_scratch = true;
  finetune_model(supernet, arch, o, data, scratch);
  o = quick(1);
  o.distill = true;
  finetune_model(supernet, arch, o, data, distilled);
  const auto a = engine::read_supernet_file(inherited), b = engine::read_supernet_file(scratch),
             c = engine::read_supernet_file(distilled);
  EXPECT_FALSE(same_bytes(a.supernet->params, b.supernet->params));
  EXPECT_FALSE(same_bytes(a.supernet->params, c.supernet->params));
  // The normalisation is the supernet's either way: the data are the same.
  EXPECT_EQ(b.supernet->input.mean, a.supernet->input.mean);
  EXPECT_EQ(b.supernet->input.std, a.supernet->input.std);
}

// A baseline trains alone: no supernet, random weights, the default recipe; it learns, reads back
// as its subnet, and a stopped run resumed without a supernet equals the uninterrupted one.
TEST_F(FinetuneTest, ASubnetTrainsAloneWithoutASupernetAndResumesBitForBit) {
  FinetuneOptions o = quick(3);
  o.from_scratch = true;
  const std::string full = dir.write("alone-full", ""), part = dir.write("alone-part", "");
  const TrainResult whole = train_subnet(space, arch, o, data, full);
  ASSERT_TRUE(whole.finished);
  EXPECT_GT(whole.epochs.back().val_subnet, 0.5); // three classes: chance is 1/3
  EXPECT_EQ(read_model_arch(full), arch);

  TrainCallbacks stop;
  int batches = 0;
  stop.on_batch = [&](const BatchProgress&) { ++batches; };
  stop.should_stop = [&] { return batches >= 12; };
  EXPECT_FALSE(train_subnet(space, arch, o, data, part, stop).finished);
  try {
    resume_finetune(supernet, part, data);
    FAIL() << "resumed against a supernet it never had";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("trained without a supernet"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(resume_finetune("", part, data).finished);
  const auto a = engine::read_supernet_file(full), b = engine::read_supernet_file(part);
  EXPECT_TRUE(same_bytes(a.supernet->params, b.supernet->params));
  EXPECT_TRUE(same_bytes(a.training->momentum, b.training->momentum));

  // Inherited weights or a teacher need a supernet.
  o.from_scratch = false;
  EXPECT_THROW(train_subnet(space, arch, o, data, dir.write("no", "")), Error);
  o.from_scratch = true;
  o.distill = true;
  EXPECT_THROW(train_subnet(space, arch, o, data, dir.write("no", "")), Error);
}

TEST_F(FinetuneTest, TheModelFileReadsBackAsItsSubnet) {
  const std::string model = dir.write("m.model", "");
  const Arch mid = Supernet::load(supernet).largest(6);
  FinetuneOptions o = quick(1);
  o.lr = 0; // the default
  finetune_model(supernet, mid, o, data, model);
  EXPECT_TRUE(is_model_file(model));
  EXPECT_FALSE(is_model_file(supernet));
  EXPECT_EQ(read_model_arch(model), mid);
  EXPECT_EQ(test::read_text(model)[8], 2) << "format version 2";
  EXPECT_EQ(test::read_text(supernet)[8], 1) << "supernets stay version 1";
  // Whatever reads a supernet file reads a model: its space, its weights, its data split.
  const Supernet loaded = Supernet::load(model);
  EXPECT_EQ(loaded.space().name, "tiny");
  EXPECT_EQ(training_dataset_options(model).val_size, 96);
  // The settings it ran with: lr 0 resolved to the supernet's elastic-phase rate (its largest phase's from scratch).
  const auto state = [&](const std::string& file) {
    return parse_finetune_progress(engine::read_supernet_file(file).training->json, file);
  };
  const FinetuneProgress p = state(model);
  EXPECT_EQ(p.lr, 0.04);
  EXPECT_EQ(p.epochs, 1);
  EXPECT_EQ(p.config.seed, 5u);
  EXPECT_EQ(p.supernet, supernet);
  // Not a supernet training run.
  EXPECT_EQ(training_status(model), TrainingStatus::kNone);
  EXPECT_THROW(resume_training(model, data), Error);
  // Saved again as a plain supernet, it is one (the arch lives only in model files).
  const std::string scratch = dir.write("scratch", "");
  o.from_scratch = true;
  finetune_model(supernet, mid, o, data, scratch);
  EXPECT_EQ(state(scratch).lr, 0.05);
  const std::string plain = dir.write("plain", "");
  loaded.save(plain);
  EXPECT_FALSE(is_model_file(plain));
}

TEST_F(FinetuneTest, BadInputsAreNamed) {
  const std::string model = dir.write("m.model", "");
  auto expect_error = [](const auto& call, ErrorCode code, const std::string& text) {
    try {
      call();
      FAIL() << "no error; expected " << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  FinetuneOptions o = quick(1);
  o.epochs = 0;
  expect_error([&] { finetune_model(supernet, arch, o, data, model); }, ErrorCode::kInvalidArgument, "epochs");
  o = quick(1);
  o.lr = -1;
  expect_error([&] { finetune_model(supernet, arch, o, data, model); }, ErrorCode::kInvalidArgument, "lr");
  expect_error([&] { finetune_model(supernet, arch, quick(1), data, supernet); }, ErrorCode::kInvalidArgument,
               "is the supernet itself");
  Arch wide = arch;
  wide.width = 2.0;
  EXPECT_THROW(finetune_model(supernet, wide, quick(1), data, model), Error);
  // A plain supernet has no model in it, and nothing to resume.
  expect_error([&] { read_model_arch(supernet); }, ErrorCode::kInvalidFile, "no model");
  expect_error([&] { resume_finetune(supernet, supernet, data); }, ErrorCode::kInvalidFile, "not a model");

  finetune_model(supernet, arch, quick(1), data, model);
  // A model is not a supernet to fine-tune from.
  expect_error([&] { finetune_model(model, arch, quick(1), data, dir.write("again", "")); }, ErrorCode::kInvalidFile,
               "is a model");
  // Resuming needs the same supernet and the same data.
  const std::string other = dir.write("other.supernet", "");
  Supernet(space, 1.0, 99).save(other);
  expect_error([&] { resume_finetune(other, model, data); }, ErrorCode::kInvalidArgument, "another supernet");
  DatasetSplits fewer = data;
  fewer.train = data.train.slice(0, 128);
  expect_error([&] { resume_finetune(supernet, model, fewer); }, ErrorCode::kInvalidArgument, "256 images");
}

} // namespace
} // namespace tinynas
