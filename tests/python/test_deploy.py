"""`tinynas deploy`: the application project of a trained Fashion-MNIST subnet, built with Debian's arm-none-eabi-gcc
for every board with a memory map, run under QEMU on 200 test images fed over semihosting, every output compared
with the host int8 runtime's, and the linked image's flash and SRAM with the cost model's prediction."""
import json
import pathlib
import shutil
import struct
import subprocess

import pytest

EMULATED = ["qemu-mps2-an500", "qemu-netduinoplus2", "qemu-mps2-an385", "qemu-mps2-an505", "qemu-mps3-an547",
            "qemu-mps2-an500-4m"]
BUILD_ONLY = ["stm32f746g-disco", "nucleo-h743zi", "stm32f412g-disco"]
IMAGES = 200
# What the linked image may take beyond the prediction (docs/HIL.md, "Deploy"): the prediction counts the board's
# runtime budget (4 KiB SRAM: the stack and the runtime's state); the application adds its own .data/.bss and
# alignment of the arena. Flash is predicted as blob + the board's runtime budget (32 KiB), an upper bound.
SRAM_OVERHEAD_BYTES = 1024


def has_toolchain() -> bool:
    return shutil.which("arm-none-eabi-gcc") is not None and shutil.which("qemu-system-arm") is not None


pytestmark = pytest.mark.skipif(not has_toolchain(), reason="needs arm-none-eabi-gcc and qemu-system-arm")


@pytest.fixture(scope="module")
def host(tinynas, trained_model):
    """200 int8 test images and the host runtime's output for each (the same quantisation as deploy's)."""
    return tinynas._core.accuracy_task(str(trained_model), split="test", limit=IMAGES)


def deploy(cli, model, board, out, *extra):
    done = subprocess.run([cli, "deploy", "--model", str(model), "--board", board, "--out", str(out), "--json",
                           *extra], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def run_in_qemu(tinynas, board, project, inputs: bytes) -> bytes:
    (project / "inputs.bin").write_bytes(inputs)
    machine = tinynas._core.Board.load(board).to_dict()["link"]["machine"]
    done = subprocess.run(["qemu-system-arm", "-M", machine, "-nographic", "-monitor", "none", "-serial", "none",
                           "-kernel", str(project / "build" / "tinynas_app.elf"), "-semihosting-config",
                           "enable=on,target=native"], cwd=project, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    console = done.stdout + done.stderr  # QEMU writes the semihosting console to stderr
    assert f"tn_app: {IMAGES} images" in console, console[-500:]
    return (project / "outputs.bin").read_bytes()


def check_footprint(result):
    linked = result["linked"]
    assert linked["arena_bytes"] == result["arena_bytes"]  # the static arena is the plan's, to the byte
    assert linked["flash_bytes"] <= result["predicted_flash_bytes"]
    assert linked["flash_bytes"] >= result["blob_bytes"]
    assert result["predicted_sram_bytes"] - 4096 < linked["sram_bytes"]
    assert linked["sram_bytes"] <= result["predicted_sram_bytes"] + SRAM_OVERHEAD_BYTES


@pytest.mark.parametrize("board", EMULATED)
def test_the_application_gives_the_host_runtimes_outputs_on_every_emulated_board(cli, tinynas, tmp_path, trained_model,
                                                                                  host, board):
    result = deploy(cli, trained_model, board, tmp_path / "app")
    assert result["board"] == board and result["patches"] == 0  # fits in place: auto keeps it there
    check_footprint(result)
    outputs = run_in_qemu(tinynas, board, tmp_path / "app", host["inputs"])
    assert outputs == host["host_out"]  # all 200, byte for byte


def test_a_patch_plan_deployed_gives_the_same_outputs(cli, tinynas, tmp_path, trained_model, host):
    result = deploy(cli, trained_model, "qemu-mps2-an500", tmp_path / "app", "--schedule", "patch", "--patches", "2")
    assert result["patches"] == 2 and result["split_block"] >= 0
    check_footprint(result)
    assert run_in_qemu(tinynas, "qemu-mps2-an500", tmp_path / "app", host["inputs"]) == host["host_out"]


def test_auto_fits_the_sram_the_search_was_given(cli, tinynas, tmp_path, trained_model, host):
    """In place the model takes 12.5 KiB of arena + 4 KiB: `--sram 16K` (a search's budget) makes auto take the
    patch plan the cost model takes under 16 KiB, as the search did; the outputs stay the host runtime's."""
    result = deploy(cli, trained_model, "qemu-mps2-an500", tmp_path / "app", "--sram", "16K")
    assert result["patches"] > 0 and result["predicted_sram_bytes"] <= 16 * 1024
    check_footprint(result)
    assert run_in_qemu(tinynas, "qemu-mps2-an500", tmp_path / "app", host["inputs"]) == host["host_out"]
    analyzed = json.loads(subprocess.run([cli, "analyze", "w0.5-r20-k3e3-k3e3-k3e3-k3e3", "--space", "fashion_mnist",
                                          "--board", "qemu-mps2-an500", "--schedule", "auto", "--sram", "16K",
                                          "--json"], capture_output=True, text=True, check=True).stdout)
    assert result["arena_bytes"] == analyzed["peak_sram_bytes"]
    assert [result["patches"], result["split_block"]] == [analyzed["patch"]["patches"],
                                                           analyzed["patch"]["split_block"]]
    # `tinynas export` with the same flags writes the blob deploy built in: the same plan, arena and size.
    blob = tmp_path / "auto.tnm"
    subprocess.run([cli, "export", "--model", str(trained_model), "--int8-blob", str(blob), "--schedule", "auto",
                    "--board", "qemu-mps2-an500", "--sram", "16K"], capture_output=True, text=True, check=True)
    # tn_blob_header: magic, version, total_bytes, crc32, op_count, ops_offset, arena_bytes, ...
    _, _, total_bytes, _, _, _, arena_bytes = struct.unpack_from("<7I", blob.read_bytes())
    assert (total_bytes, arena_bytes) == (result["blob_bytes"], result["arena_bytes"])


@pytest.mark.parametrize("board", BUILD_ONLY)
def test_the_application_builds_for_real_boards(cli, tmp_path, trained_model, board):
    result = deploy(cli, trained_model, board, tmp_path / "app")
    check_footprint(result)
    assert (tmp_path / "app" / "build" / "tinynas_app.bin").stat().st_size > result["blob_bytes"]


def test_the_project_builds_on_its_own_with_plain_cmake(cli, tmp_path, trained_model):
    """What a user does with the directory: `cmake -B build && cmake --build build`, no TinyNAS needed."""
    deploy(cli, trained_model, "stm32f746g-disco", tmp_path / "app", "--no-build")
    assert not (tmp_path / "app" / "build").exists()
    subprocess.run(["cmake", "-B", "build"], cwd=tmp_path / "app", check=True, capture_output=True)
    subprocess.run(["cmake", "--build", "build"], cwd=tmp_path / "app", check=True, capture_output=True)
    assert (tmp_path / "app" / "build" / "tinynas_app.elf").exists()


@pytest.mark.parametrize("args,status,phrase", [
    (["--board", "nope"], 2, "nope"),
    (["--board", "qemu-mps2-an500", "--flash"], 2, "is emulated"),
    (["--board", "qemu-mps2-an500", "--name", "int"], 2, "is a C keyword"),
    (["--board", "qemu-mps2-an500", "--schedule", "layerwise"], 2, "not layerwise"),
    (["--board", "qemu-mps2-an500", "--sram", "4K"], 2, "over the 4,096 B it may take"),
    (["--board", "qemu-mps2-an500", "--sram", "12Q"], 2, "--sram"),
    # No probe on this machine: OpenOCD's own words, exit 3 (a board), after the project was built.
    (["--board", "stm32f746g-disco", "--flash"], 3, "stm32f746g-disco"),
])
def test_bad_input_and_a_missing_probe_are_refused(cli, tmp_path, trained_model, args, status, phrase):
    done = subprocess.run([cli, "deploy", "--model", str(trained_model), "--out", str(tmp_path / "app"), *args],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == status and phrase in done.stderr, (done.returncode, done.stderr)
    if status == 2 and "4K" not in args:  # refused before any work: nothing written
        assert not (tmp_path / "app").exists()


def test_only_the_kernels_the_model_runs_are_linked(cli, tmp_path, trained_model):
    """The subnet has a one-channel 3x3 stem, 3x3 depthwise layers and one block per stage (no residual add): the
    generic conv, the generic depthwise and the add kernels are left out of its image. Built with the 3x3
    depthwise kernel left out as well, the application refuses the model at start-up, naming why."""
    result = deploy(cli, trained_model, "qemu-mps2-an500", tmp_path / "app")
    assert set(result["kernels_omitted"]) == {"TN_WITH_CONV=0", "TN_WITH_DW=0", "TN_WITH_ADD=0"}
    elf = tmp_path / "app" / "build" / "tinynas_app.elf"
    symbols = subprocess.run(["arm-none-eabi-nm", str(elf)], capture_output=True, text=True, check=True).stdout
    defined = {line.split()[-1] for line in symbols.splitlines()}
    assert {"tn_conv_1ch_s8", "tn_conv_1x1_s8", "tn_dw_conv_3x3_s8", "tn_fully_connected_s8"} <= defined
    assert not {"tn_conv_s8", "tn_dw_conv_s8", "tn_add_s8"} & defined
    subprocess.run(["cmake", "-S", ".", "-B", "less", "-DCMAKE_C_FLAGS=-DTN_WITH_DW_3X3=0"], cwd=tmp_path / "app",
                   check=True, capture_output=True)
    subprocess.run(["cmake", "--build", "less"], cwd=tmp_path / "app", check=True, capture_output=True)
    (tmp_path / "app" / "inputs.bin").write_bytes(b"")
    done = subprocess.run(["qemu-system-arm", "-M", "mps2-an500", "-nographic", "-monitor", "none", "-serial", "none",
                           "-kernel", str(tmp_path / "app" / "less" / "tinynas_app.elf"), "-semihosting-config",
                           "enable=on,target=native"], cwd=tmp_path / "app", capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "the model blob is refused: kernel-omitted" in done.stdout + done.stderr


def test_a_board_without_a_memory_map_is_refused_naming_the_file_to_add(cli, tmp_path, trained_model):
    board = json.loads((pathlib.Path(__file__).resolve().parents[2] / "configs" / "boards" /
                        "stm32f746g-disco.json").read_text())
    board["name"] = "my-board"
    (tmp_path / "my-board.json").write_text(json.dumps(board))
    done = subprocess.run([cli, "deploy", "--model", str(trained_model), "--board", str(tmp_path / "my-board.json"),
                           "--out", str(tmp_path / "app")], capture_output=True, text=True, timeout=600)
    assert done.returncode == 2 and "firmware/boards/my-board.memory.ld" in done.stderr, done.stderr
    assert not (tmp_path / "app").exists()


def test_a_patch_grid_no_block_can_take_runs_in_place_and_says_so(cli, tmp_path):
    """An 8x8 grid over a net whose first block boundary is 6 pixels tall (a space of 12-pixel inputs with a stride-2
    stem) has no split: deploy and export warn and write the in-place blob, byte for byte, instead of failing."""
    space = json.loads((pathlib.Path(__file__).resolve().parents[2] / "configs" / "spaces" /
                        "fashion_mnist.json").read_text())
    space.update(name="tiny12", resolutions=[12], width_mults=[0.5])
    space["first_conv"]["stride"] = 2
    (tmp_path / "tiny12.json").write_text(json.dumps(space))
    model = tmp_path / "t.model"
    subprocess.run([cli, "finetune", "w0.5-r12-k3e3-k3e3-k3e3-k3e3", "--from-scratch", "--space",
                    str(tmp_path / "tiny12.json"), "--limit", "300", "--epochs", "1", "--out", str(model)],
                   capture_output=True, check=True)
    warning = "w0.5-r12-k3e3-k3e3-k3e3-k3e3: no block boundary can be split into 8x8 patches; the blob runs in place"
    patch = ["--schedule", "patch", "--patches", "8"]
    done = subprocess.run([cli, "deploy", "--model", str(model), "--board", "qemu-mps2-an500", "--out",
                           str(tmp_path / "app"), "--no-build", "--json", *patch], capture_output=True, text=True)
    assert done.returncode == 0 and warning in done.stderr, done.stderr
    result = json.loads(done.stdout)
    assert (result["patches"], result["split_block"]) == (0, -1)
    blobs = {}
    for name, extra in (("patch", patch), ("in-place", [])):
        done = subprocess.run([cli, "export", "--model", str(model), "--int8-blob", str(tmp_path / f"{name}.tnm"),
                               *extra], capture_output=True, text=True)
        assert done.returncode == 0 and (warning in done.stderr) == (name == "patch"), done.stderr
        blobs[name] = (tmp_path / f"{name}.tnm").read_bytes()
    assert blobs["patch"] == blobs["in-place"]
