"""Bindings of the supernet (train, evaluate) and of board profiling, on tiny budgets."""

import json
import os
import shutil

import pytest

DATASET = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
needs_dataset = pytest.mark.skipif(not os.path.exists(DATASET), reason="dataset-fashion-mnist not installed")
needs_qemu = pytest.mark.skipif(shutil.which("qemu-system-arm") is None, reason="qemu-system-arm not installed")


@pytest.fixture(scope="module")
def supernet(tinynas, tmp_path_factory):
    path = str(tmp_path_factory.mktemp("supernet") / "tiny.supernet")
    reports = []
    result = tinynas.train(path, epochs=2, largest_epochs=1, limit=300, seed=1, progress=reports.append)
    assert [r["epoch"] for r in reports] == [1, 2]
    assert [r["phase"] for r in result["epochs"]] == ["largest", "elastic"]
    assert set(reports[0]) == {"epoch", "epochs", "phase", "loss", "train_accuracy", "images_per_second", "seconds",
                               "val_largest", "val_smallest", "val_subnet", "seconds_left"}
    assert reports[0]["seconds_left"] > 0 and reports[-1]["seconds_left"] == 0
    return path


@needs_dataset
def test_train_writes_a_supernet_that_resume_finds_finished(tinynas, supernet):
    again = tinynas.train(supernet, resume=True, progress=False)
    assert len(again["epochs"]) == 2  # nothing left to do


@needs_dataset
def test_evaluate_matches_the_cli_shape_and_is_deterministic(tinynas, supernet):
    first = tinynas.evaluate(supernet, "largest", limit=100)
    assert first["split"] == "val" and first["images"] == 100
    assert 0.0 <= first["accuracy"] <= 1.0
    assert tinynas.evaluate(supernet, "largest", limit=100) == first
    smallest = tinynas.evaluate(supernet, "smallest", limit=100)
    assert smallest["arch"].startswith("w1-r20-")


@needs_dataset
def test_evaluate_int8_runs_the_quantised_subnet_on_the_same_images(tinynas, supernet):
    result = tinynas.evaluate(supernet, "smallest", limit=100, int8=True, calibration_images=50)
    int8 = result["int8"]
    assert int8["images"] == 100 and int8["calibration_images"] == 50
    # The float reference is the engine's network in double precision: at most a near-tie differs.
    assert abs(int8["float_reference_accuracy"] - result["accuracy"]) <= 0.015
    assert int8["accuracy_drop_points"] == pytest.approx(100 * (result["accuracy"] - int8["accuracy"]))
    assert int8["agreement"] >= 0.85
    assert "int8" not in tinynas.evaluate(supernet, "smallest", limit=100)


@needs_dataset
def test_evaluate_rejects_bad_arguments(tinynas, supernet):
    with pytest.raises(ValueError, match="split"):
        tinynas.evaluate(supernet, "largest", split="train")
    mcunet_arch = tinynas.SearchSpace.load("mcunet").sample(seed=1)[0]
    with pytest.raises(ValueError):
        tinynas.evaluate(supernet, mcunet_arch)


@needs_dataset
def test_finetune_writes_a_model_that_evaluate_takes(tinynas, supernet, tmp_path):
    model = str(tmp_path / "small.model")
    reports = []
    result = tinynas.finetune(supernet, "smallest", model, epochs=2, seed=3, progress=reports.append)
    assert result["model"] == model and len(result["epochs"]) == 2
    assert [r["phase"] for r in reports] == ["fine-tune", "fine-tune"]
    last = result["epochs"][-1]["val_subnet"]
    assert 0.0 <= last <= 1.0
    # The model in place of supernet + arch: the same validation accuracy the last epoch reported (on the
    # 200 images a supernet trained with limit=300 validates on).
    evaluated = tinynas.evaluate(model=model, limit=200)
    assert evaluated["accuracy"] == last
    assert evaluated["arch"] == tinynas.evaluate(supernet, "smallest", limit=10)["arch"]
    # A finished model resumes to nothing; its subnet must be named again.
    again = tinynas.finetune(supernet, "smallest", model, resume=True, progress=False)
    assert len(again["epochs"]) == 2
    with pytest.raises(ValueError, match="replaces `supernet` and `arch`"):
        tinynas.evaluate(supernet, "largest", model=model)
    with pytest.raises(ValueError, match="holds a supernet but no model"):
        tinynas.evaluate(model=supernet)
    with pytest.raises(ValueError, match="epochs: must be at least 1"):
        tinynas.finetune(supernet, "smallest", model, epochs=0, progress=False)


def test_train_rejects_bad_arguments_naming_the_keyword(tinynas, tmp_path):
    out = str(tmp_path / "x.supernet")
    for kwargs, message in [(dict(epochs=0), "epochs: must be at least 1"),
                            (dict(epochs=2, largest_epochs=3), "largest_epochs: must be between 0 and the 2 epochs"),
                            (dict(limit=-1), "limit: must not be negative")]:
        with pytest.raises(ValueError) as raised:
            tinynas.train(out, progress=False, **kwargs)
        assert str(raised.value) == message  # a keyword argument, not a CLI flag


def test_a_missing_dataset_names_the_data_dir_keyword(tinynas, tmp_path):
    with pytest.raises(ValueError, match=r"no train-images-idx3-ubyte\[\.gz\] .* or pass `data_dir`\)$"):
        tinynas.train(str(tmp_path / "x.supernet"), data_dir=str(tmp_path), limit=10, progress=False)


@needs_dataset
def test_an_arch_of_another_width_names_the_width_keyword(tinynas, supernet):
    narrow = tinynas.SearchSpace.load("fashion_mnist").sample(seed=1, width=0.5)[0]
    with pytest.raises(ValueError, match=r"holds width multiplier 1 only; the arch has 0\.5 \(train a supernet of that "
                                         r"`width`\)$"):
        tinynas.evaluate(supernet, narrow)


@needs_dataset
def test_a_supernet_given_alone_ranks_the_search_by_its_accuracy(tinynas, supernet):
    # The MACs proxy is the default only without a supernet; naming one means it ranks.
    small = dict(samples=20, population=6, parents=2, generations=1, eval_images=100, progress=False)
    alone = tinynas.search("320K", "1M", supernet=supernet, **small)
    assert alone.estimator == "supernet" and not alone.proxy
    assert all(0 <= h["score"] <= 1 for h in alone.history)  # accuracies, not MACs
    named = tinynas.search("320K", "1M", supernet=supernet, estimator="supernet", **small)
    assert [h["id"] for h in named.history] == [h["id"] for h in alone.history]
    with pytest.raises(ValueError, match=r"^supernet: .* would not rank anything: the search ranks by the MACs proxy"):
        tinynas.search("320K", "1M", supernet=supernet, estimator="macs", **small)


@needs_qemu
def test_profile_on_the_emulated_board_is_bit_exact_and_as_predicted(tinynas):
    arch = tinynas.SearchSpace.load("fashion_mnist").smallest(1.0, 20)
    result = tinynas.profile(arch, board="qemu-mps2-an500", runs=2)
    assert result["bit_exact"] is True
    assert result["peak_sram_bytes_measured"] == result["peak_sram_bytes_predicted"]
    assert result["latency"]["source"] == "qemu-icount-ticks"
    assert result["board"] == "qemu-mps2-an500"
    # The shipped calibrated table (configs/latency/) predicts the measurement closely.
    predicted = result["latency_predicted"]
    assert predicted["unit"] == "ticks" and predicted["table"].endswith("qemu-mps2-an500.json")
    assert abs(predicted["error_pct"]) < 10


@needs_qemu
def test_profile_runs_the_patch_schedule_and_refuses_bad_grids(tinynas):
    arch = tinynas.SearchSpace.load("fashion_mnist").smallest(1.0, 28)
    result = tinynas.profile(arch, board="qemu-mps2-an500", runs=2, space="fashion_mnist", schedule="patch",
                             patches=2)
    assert result["schedule"] == "patch" and result["patch"]["patches"] == 2
    assert result["bit_exact"] is True
    assert result["peak_sram_bytes_measured"] == result["peak_sram_bytes_predicted"]
    with pytest.raises(ValueError, match="patches: must be 1 to 16"):
        tinynas.profile(arch, board="qemu-mps2-an500", schedule="patch", patches=99)
    with pytest.raises(ValueError, match="apply only to `schedule` patch"):
        tinynas.profile(arch, board="qemu-mps2-an500", patches=2)
    with pytest.raises(ValueError, match="unknown schedule"):
        tinynas.profile(arch, board="qemu-mps2-an500", schedule="layerwise2")


@needs_qemu
def test_calibrate_fits_a_table_and_reports_held_out_errors(tinynas, tmp_path):
    out = tmp_path / "table.json"
    table = tinynas.calibrate("qemu-mps2-an500", subnets=6, holdout=2, out=str(out))
    assert table["board"] == "qemu-mps2-an500" and table["source"] == "qemu-icount-ticks"
    assert len(table["holdout"]["subnets"]) == 2
    assert 0.0 <= table["holdout"]["mean_abs_error_pct"] <= table["holdout"]["max_abs_error_pct"]
    # Each subnet also ran in patches: the per-patch overhead is fitted, and tested on the held-out patch runs.
    assert {"depthwise", "pointwise"} <= set(table["patch_overhead"])
    assert len(table["patch_holdout"]["subnets"]) == 2
    assert out.exists()
    assert tinynas.calibrate("qemu-mps2-an500", subnets=6, holdout=2, save=False) == table  # deterministic
    in_place_only = tinynas.calibrate("qemu-mps2-an500", subnets=6, holdout=2, save=False, patch_grid=0)
    assert "patch_overhead" not in in_place_only and in_place_only["entries"] == table["entries"]


@pytest.mark.skipif(shutil.which("openocd") is None, reason="openocd not installed")
def test_a_real_board_without_a_probe_raises_board_error(tinynas):
    arch = tinynas.SearchSpace.load("fashion_mnist").smallest(1.0, 20)
    with pytest.raises(tinynas.BoardError, match="stm32f746g-disco"):
        tinynas.profile(arch, board="stm32f746g-disco", runs=2)
    assert issubclass(tinynas.BoardError, OSError)


def test_rgb_arrays_train_the_mcunet_space(tinynas, tmp_path):
    # RGB arrays handed over directly, N x H x W x 3 as Keras holds them; the class is only in the colour. The
    # shipped mcunet (ImageNet) space takes the data's 3 classes. No RGB benchmark dataset is available here: this
    # checks that RGB works end to end, not how accurate it gets.
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, size=80)
    images = rng.integers(20, 60, size=(80, 16, 16, 3)).astype(np.uint8)
    for i, c in enumerate(labels):
        images[i, 4:12, 4:12, c] = 220
    out = str(tmp_path / "rgb.supernet")
    result = tinynas.train(out, space="mcunet", width=0.2, epochs=1, seed=1, data=(images, labels),
                           classes_from_data=True, progress=False)
    assert result["epochs"][-1]["epoch"] == 1
    archive = out + ".data.npz"
    saved = np.load(archive)
    assert (saved["x"] == images).all() and (saved["y"] == labels).all()
    # A tenth of the 80 images is held out for validation and another tenth for test (a single split).
    test = tinynas.evaluate(out, "smallest", split="test", data_dir=archive)
    assert test["images"] == 8 and 0.0 <= test["accuracy"] <= 1.0
    with pytest.raises(ValueError, match="give a path"):
        tinynas.train(out, data=(images,), progress=False)
    with pytest.raises(ValueError, match="RGB images .3 channels. but space \"fashion_mnist\" takes grey"):
        tinynas.train(str(tmp_path / "grey.supernet"), data=(images, labels), progress=False)


def test_search_with_data_runs_the_whole_pipeline(tinynas, tmp_path):
    # tinynas.search(data=...) as `tinynas search --data`: from arrays to a fine-tuned, measured, exported model.
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 3, size=300)
    images = rng.integers(0, 40, size=(300, 12, 12)).astype(np.uint8)
    for i, c in enumerate(labels):
        images[i, 4 * c:4 * c + 4, :] = 220
    tiny = os.path.join(os.path.dirname(__file__), "..", "data", "supernet", "tiny_space.json")
    events = []
    out = str(tmp_path / "run")
    result = tinynas.search("320K", "1M", space=tiny, data=(images, labels), samples=20, population=6, parents=2,
                            generations=1, supernet_epochs=2, finetune_epochs=1, out=out, progress=events.append)
    phases = [e["phase"] for e in events if e["event"] == "phase"]
    assert phases == ["stage 1", "time plan", "supernet", "stage 2", "final training", "test accuracy", "export",
                      "report"]
    # Within the phases: the supernet's 2 epochs and the final training's 3 (from scratch: 2 + 1), stage 2's
    # generations 0 and 1, each after its subnets were scored.
    epochs = [(e["phase"], e["epoch"], e["epochs"]) for e in events if e["event"] == "epoch"]
    assert [(n, total) for _, n, total in epochs] == [(1, 2), (2, 2), (1, 3), (2, 3), (3, 3)]
    # Each epoch says its training's time left (the library's TrainingPace): none after each training's last.
    left = [e["seconds_left"] for e in events if e["event"] == "epoch"]
    assert left[1] == 0 and left[-1] == 0 and min(left) >= 0
    generations = [e for e in events if e["event"] == "generation"]
    assert [g["generation"] for g in generations] == [0, 1] and generations[-1]["generations"] == 1
    assert generations[-1]["best_score"] >= generations[0]["best_score"] > 0
    assert generations[0]["seconds_left"] >= 0 and generations[-1]["seconds_left"] == 0
    scored = [e for e in events if e["event"] == "evaluating"]
    assert scored and all(0 < e["done"] <= e["total"] for e in scored)
    assert all(e["seconds_left"] == 0 for e in scored if e["done"] == e["total"])
    assert events.index(scored[0]) < events.index(generations[0])
    assert result["model"] == os.path.join(out, "best.model")
    assert result["accuracy"]["split"] == "test" and "int8" in result["accuracy"]
    winner = result["winner"]  # the winner's figures, as the search's result gives its best
    assert winner["id"] == result["accuracy"]["arch"] and winner["fits"] and winner["macs"] > 0
    assert os.path.exists(os.path.join(out, "export", "tinynas_model.c"))
    assert result["report_html"] == os.path.join(out, "report.html") and result["board"] is None
    # The same call again continues (here: reuses) the run.
    again = tinynas.search("320K", "1M", space=tiny, data=(images, labels), samples=20, population=6, parents=2,
                           generations=1, supernet_epochs=2, finetune_epochs=1, out=out, progress=False)
    assert again["accuracy"]["accuracy"] == result["accuracy"]["accuracy"]
    # resume=RUN alone continues it with its recorded options; hil= measures the winner on a board.
    measured = tinynas.search(resume=out, hil="qemu-mps2-an500", progress=False)
    assert measured["accuracy"]["accuracy"] == result["accuracy"]["accuracy"]
    assert measured["board"]["board"] == "qemu-mps2-an500" and measured["board"]["bit_exact"]
    # The time budget (45 minutes by default) planned this small run at the counts it was given.
    with open(os.path.join(out, "time_plan.json")) as f:
        plan = json.load(f)
    assert plan["budget_seconds"] == 45 * 60
    assert plan["counts"] == {"supernet_epochs": 2, "generations": 1, "finetune_epochs": 1}
    with pytest.raises(ValueError, match=r"time_budget: \"soon\" is not a time budget \(no number; use e.g. 45min"):
        tinynas.search("320K", "1M", space=tiny, data=(images, labels), out=str(tmp_path / "other"),
                       time_budget="soon", progress=False)


def test_the_pipelines_printed_progress_says_the_time_left(tinynas, capsys, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(tinynas.time, "monotonic", lambda: clock[0])
    show = tinynas._PipelinePrinter()
    show({"event": "phase", "phase": "supernet"})
    # The time left is the library's (TrainingPace and GenerationPace, tested in C++).
    show({"event": "epoch", "epoch": 2, "epochs": 10, "phase": "elastic", "loss": 0.51234, "seconds": 180.0,
          "val_largest": 0.9, "val_smallest": 0.85, "val_subnet": -1, "seconds_left": 1440.0})
    show({"event": "epoch", "epoch": 1, "epochs": 15, "phase": "fine-tune", "loss": 0.4, "seconds": 60.0,
          "val_largest": -1, "val_smallest": -1, "val_subnet": 0.92, "seconds_left": 840.0})
    for generation, left in ((0, 4500.0), (1, 870.0), (2, 840.0)):
        show({"event": "generation", "generation": generation, "generations": 30, "best_score": 0.9123,
              "evaluations": 100 + 50 * generation, "seconds": 150.0 + 30 * generation, "seconds_left": left})
    # Within a generation: quiet for a minute after the last line, then a line about once a minute.
    for done, skip in ((20, 0), (40, 61), (60, 0)):
        clock[0] += skip
        show({"event": "evaluating", "generation": 3, "generations": 30, "done": done, "total": 100,
              "seconds": done / 2, "seconds_left": (100 - done) / 2})
    assert capsys.readouterr().out.splitlines() == [
        "tinynas: supernet",
        "epoch 2/10 elastic: loss 0.5123, val largest 90.00%, smallest 85.00%, 180 s, ~1440 s left",
        "epoch 1/15 fine-tune: loss 0.4000, val 92.00%, 60 s, ~840 s left",
        "generation 0/30: best 91.23%, 100 evaluated, ~4500 s left",
        "generation 1/30: best 91.23%, 150 evaluated, ~870 s left",
        "generation 2/30: best 91.23%, 200 evaluated, ~840 s left",
        "generation 3/30: 40/100 subnets scored, ~30 s left in it",
    ]


def test_train_and_evaluate_on_a_numpy_archive(tinynas, tmp_path):
    # Keras's mnist.npz layout, written by numpy as a PyTorch or TensorFlow user would: `data_dir` (the CLI's --data)
    # takes the .npz where it takes an IDX folder.
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(0)
    # A tenth of the training images (560) is held out for validation.
    labels = rng.integers(0, 10, size=5700)
    # A class-dependent bright band on noise, so the labels are learnable.
    images = rng.integers(0, 60, size=(5700, 28, 28)).astype(np.uint8)
    for i, c in enumerate(labels):
        images[i, 2 + 2 * c: 4 + 2 * c, :] = 250
    archive = str(tmp_path / "bands.npz")
    np.savez_compressed(archive, x_train=images[:5600], y_train=labels[:5600], x_test=images[5600:],
                        y_test=labels[5600:].astype(np.int32))
    out = str(tmp_path / "bands.supernet")
    result = tinynas.train(out, epochs=1, limit=300, seed=1, data_dir=archive, progress=False)
    assert result["epochs"][-1]["epoch"] == 1
    test = tinynas.evaluate(out, "largest", split="test", data_dir=archive)
    assert test["split"] == "test" and test["images"] == 100
    assert 0.0 <= test["accuracy"] <= 1.0
    with pytest.raises(ValueError, match="cannot open as an .npz"):
        tinynas.evaluate(out, "largest", split="test", data_dir=str(tmp_path / "missing.npz"))
