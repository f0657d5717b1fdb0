"""Bindings of space/ and profiler/: loading, round trips, the MCUNet figures, error mapping."""

import json

import pytest

from conftest import MCUNET_IN0, MCUNET_IN3


def test_search_space_load_and_info(tinynas):
    space = tinynas.SearchSpace.load("mcunet")
    assert space.name == "mcunet"
    assert len(space.width_mults) == 9 and len(space.resolutions) == 12
    assert space.num_stages == 6
    assert space.channels(24, 0.5) == 16  # make_divisible(12, 8) = 16
    assert "mcunet" in tinynas.list_spaces() and "stm32f746g-disco" in tinynas.list_boards()


def test_sample_is_deterministic_and_valid(tinynas):
    space = tinynas.SearchSpace.load("mcunet")
    a = space.sample(n=5, seed=3)
    b = space.sample(n=5, seed=3)
    assert [x.id for x in a] == [x.id for x in b]
    fixed = space.sample(n=3, seed=1, width=0.5, resolution=128)
    assert all(x.width == 0.5 and x.resolution == 128 for x in fixed)


def test_arch_round_trips(tinynas, tmp_path):
    arch = tinynas.SearchSpace.load("mcunet").sample(seed=11)[0]
    assert tinynas.Arch.from_dict(arch.to_dict()) == arch
    assert tinynas.Arch.from_json(arch.to_json()) == arch
    assert tinynas.Arch.from_id(arch.id) == arch
    path = tmp_path / "arch.json"
    arch.save(str(path))
    assert tinynas.load_arch(str(path)) == arch
    assert len({arch, tinynas.Arch.from_id(arch.id)}) == 1  # hashable, equal archs hash alike


def test_netconfig_import_maps_into_the_space(tinynas):
    in3 = tinynas.load_arch(str(MCUNET_IN3))
    assert isinstance(in3, tinynas.Arch)
    assert (in3.width, in3.resolution, in3.depths) == (0.5, 176, [4, 3, 3, 3, 3, 1])
    netconfig = in3.to_netconfig()
    assert netconfig["resolution"] == 176 and netconfig["first_conv"]["out_channels"] == 16


def test_analyze_reproduces_mcunet_in3(tinynas):
    report = tinynas.analyze(str(MCUNET_IN3), schedule="mcunet-analytic")
    assert report.macs == 81785520
    assert report.params == 737408
    assert report.peak_sram_bytes == 340736  # 332.75 KiB: MCUNet's "333 kB"
    assert report.peak_layer == "blocks.2.depthwise"
    assert sum(layer.macs for layer in report.layers) == report.macs


def test_analyze_budgets_mean_what_search_means(tinynas):
    report = tinynas.analyze(str(MCUNET_IN3), sram="100K")
    assert report.sram_budget_bytes == 100 * 1024
    assert not report.fits_sram and not report.fits
    assert tinynas.analyze(str(MCUNET_IN3), sram=400 * 1024).fits_sram
    assert not tinynas.analyze(str(MCUNET_IN3), latency=1.0).fits_latency
    assert report.to_dict()["budgets"]["sram_bytes"] == 100 * 1024
    # the emulated M7 has a calibrated table (configs/latency/): analyze predicts with it and says so
    emulated = tinynas.analyze(str(MCUNET_IN3), board="qemu-mps2-an500")
    assert emulated.latency_calibrated
    assert emulated.latency_source.startswith("calibrated table")
    assert not report.latency_calibrated


def test_analyze_accepts_every_model_form(tinynas):
    arch = tinynas.load_arch(str(MCUNET_IN0))
    by_arch = tinynas.analyze(arch).to_dict()
    by_path = tinynas.analyze(str(MCUNET_IN0)).to_dict()
    by_dict = tinynas.analyze(json.loads(MCUNET_IN0.read_text())).to_dict()
    by_arch_dict = tinynas.analyze(arch.to_dict()).to_dict()
    assert by_arch == by_path == by_dict == by_arch_dict
    for key in ("macs", "params", "flash_bytes", "peak_sram_bytes", "schedule", "board", "fits", "layers"):
        assert key in by_arch


def test_schedules_and_boards(tinynas):
    in3 = tinynas.load_arch(str(MCUNET_IN3))
    peaks = {s: tinynas.analyze(in3, schedule=s).peak_sram_bytes for s in tinynas.list_schedules()}
    assert peaks["inplace-dw"] < peaks["mcunet-analytic"]
    assert peaks["patch"] < peaks["inplace-dw"]
    assert peaks["auto"] == peaks["inplace-dw"]  # in3 fits the default board without patches
    board = tinynas.Board.load("qemu-netduinoplus2")
    assert board.emulated and board.sram_bytes == 128 * 1024
    assert not tinynas.analyze(in3, board=board).fits


def test_bad_input_raises_value_error_with_the_cpp_message(tinynas, tmp_path):
    bad = {"format": "tinynas-arch", "space": "mcunet", "width": 0.5, "resolution": 176,
           "stages": [{"depth": 3, "kernels": [9, 3, 3], "expands": [3, 3, 3]}] + [
               {"depth": 2, "kernels": [3, 3], "expands": [3, 3]}] * 4 + [{"depth": 1, "kernels": [3], "expands": [3]}]}
    with pytest.raises(ValueError, match=r"/stages/0/kernels/0: 9 is not one of the stage's kernels"):
        tinynas.analyze(bad)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ValueError, match="broken.json: malformed JSON"):
        tinynas.load_arch(str(broken))
    with pytest.raises(ValueError, match="unknown schedule"):
        tinynas.analyze(str(MCUNET_IN0), schedule="tflm")
    with pytest.raises(ValueError, match="unknown board"):
        tinynas.analyze(str(MCUNET_IN0), board="stm32f999")
    with pytest.raises(ValueError, match="expected an Arch"):
        tinynas.analyze(42)


def test_docstrings_are_useful(tinynas):
    for fn in (tinynas.analyze, tinynas.load_arch, tinynas.search, tinynas.stage1, tinynas.SearchSpace.load):
        assert fn.__doc__ and len(fn.__doc__) > 40, fn


def test_messages_quoting_bytes_that_are_not_utf8_stay_readable(tinynas, tmp_path):
    # The C++ message quotes the file's bytes; undecodable ones are escaped, not turned into an
    # empty ValueError.
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"format":"tinynas-arch","space":"bad\xffname","width":1,"resolution":28,"stages":[]}')
    with pytest.raises(ValueError, match=r"bad\.json: malformed JSON at byte 38: .*ill-formed UTF-8 .*\\xff"):
        tinynas.analyze(str(bad))
