#!/usr/bin/env bash
# Installs the Debian 12 packages TinyNAS builds and tests with (`--fuzz`: also clang and its libFuzzer runtime,
# for `make fuzz`). Idempotent: when every package
# is already present it only runs dpkg-query and exits (well under a second). Needs root (or sudo)
# only when something is missing. Package facts: docs/BUILDING.md.
set -euo pipefail

# Toolchain and the libraries the C++ core links (see CMakeLists.txt for the find_package calls).
CORE=(g++ cmake ninja-build make pkg-config ca-certificates clang-format
      nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev libtbb-dev libeigen3-dev
      libonnx-dev libprotobuf-dev protobuf-compiler
      zlib1g-dev libzip-dev libstb-dev libgtest-dev libgmock-dev libbenchmark-dev)
# Python bindings and their tests use Debian's interpreter (/usr/bin/python3), never pyenv's.
# onnx and torch are test references (ONNX checker, PyTorch logits and speed comparisons);
# matplotlib, nbconvert and ipykernel run the plotting API and the example notebook.
PYTHON=(python3 python3-dev pybind11-dev python3-pybind11 python3-numpy python3-pytest
        python3-onnx python3-torch python3-tqdm python3-matplotlib
        jupyter-nbconvert python3-nbclient python3-nbformat python3-ipykernel)
# Firmware and hardware in the loop: Arm cross compiler, QEMU's Cortex-M boards, OpenOCD, GDB.
FIRMWARE=(gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm openocd gdb-multiarch)
# The embedded default dataset (IDX files under /usr/share/datasets/fashion-mnist).
DATA=(dataset-fashion-mnist)
# A headless browser: the tests open the pipeline's HTML report in it and check its plots render.
BROWSER=(chromium)
# The board farm (python/tinynas/farm): Celery with a Redis broker, results through SQLAlchemy. The tests start
# their own redis-server on a loopback port; Debian's package also starts a system one, which they do not use.
FARM=(python3-celery python3-redis redis-server python3-sqlalchemy)

# `make fuzz` only: clang 14 and its runtimes (libFuzzer, ASan, UBSan).
FUZZ=(clang libclang-rt-14-dev)

wanted=("${CORE[@]}" "${PYTHON[@]}" "${FIRMWARE[@]}" "${DATA[@]}" "${BROWSER[@]}" "${FARM[@]}")
[[ "${1:-}" == "--fuzz" ]] && wanted+=("${FUZZ[@]}")
missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#wanted[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has empty package lists: update once before installing.
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: done"
