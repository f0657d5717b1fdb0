# TinyNAS on a fresh Debian 12 machine: `make demo` and `make test` (as root, or with sudo for the
# package install). Everything builds into $(BUILD_DIR) with CMake + Ninja.
#
#   make deps     install the Debian packages that are missing (scripts/install-deps.sh)
#   make build    configure (Release, warnings as errors) and build
#   make test     deps + build + every test (ctest)
#   make demo     deps + build + scripts/demo.sh
#   make test-asan  deps + the whole build with AddressSanitizer + UBSan (in build-asan) + every test
#   make fuzz     deps + every fuzz target under libFuzzer (clang, in build-fuzz) for FUZZ_SECONDS each
#   make bench    build + every Google Benchmark program
#   make install  build + install the tinynas executable, configs and the Python package
#                 (Debian's /usr/bin/python3 then imports tinynas without PYTHONPATH)
#   make format   clang-format our C++ sources in place
#   make clean    remove the build and demo outputs

BUILD_DIR ?= build
JOBS ?= 2
PYTHON ?= /usr/bin/python3
CMAKE_FLAGS ?= -G Ninja -DCMAKE_BUILD_TYPE=Release -DTINYNAS_WERROR=ON -DPython3_EXECUTABLE=$(PYTHON)

ASAN_DIR ?= build-asan
# -O1 keeps the sanitized suite fast enough; any sanitizer report aborts the test that caused it.
ASAN_FLAGS ?= -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" -DTINYNAS_SANITIZE=address,undefined -DTINYNAS_BUILD_BENCH=OFF \
  -DPython3_EXECUTABLE=$(PYTHON)

.PHONY: all deps build test test-asan fuzz demo bench install format clean

all: build

deps:
	bash scripts/install-deps.sh

build:
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)
	ninja -C $(BUILD_DIR) -j$(JOBS)

# deps runs first even under `make -j`: the build needs its packages.
test: deps
	$(MAKE) --no-print-directory build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j$(JOBS)

# The Python tests load the sanitized extension into Debian's (unsanitized) interpreter: libasan is preloaded,
# leak checking is off for them (the interpreter's own allocations at exit are not ours).
test-asan: deps
	cmake -S . -B $(ASAN_DIR) $(ASAN_FLAGS)
	ninja -C $(ASAN_DIR) -j$(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_DIR) --output-on-failure -j$(JOBS)

fuzz:
	bash scripts/install-deps.sh --fuzz
	bash scripts/fuzz.sh

demo: deps
	$(MAKE) --no-print-directory build
	BUILD_DIR=$(BUILD_DIR) bash scripts/demo.sh

bench: build
	@set -e; for b in $$(find $(BUILD_DIR)/bench -maxdepth 1 -type f -name 'bench_*' -perm -u+x | sort); do \
	  echo "== $$b"; "$$b"; \
	done

install: build
	cmake --install $(BUILD_DIR)

format:
	bash scripts/check-format.sh --fix

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) build-fuzz demo-out
