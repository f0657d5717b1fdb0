#!/usr/bin/env bash
# The `make demo` walk-through: TinyNAS's view of MCUNet's published mcunet-in3 model (the one
# MCUNet found for 320 KB SRAM / 1 MB flash) on the STM32F746G-Discovery board under every memory
# schedule, then the search space it came from. Expects a built tree (make build).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_DIR=${BUILD_DIR:-build}
TINYNAS="$BUILD_DIR/bin/tinynas"
MODEL=configs/models/mcunet-in3.netconfig.json
if [[ ! -x "$TINYNAS" ]]; then
  echo "demo: $TINYNAS not found: run 'make build' first" >&2
  exit 1
fi

# Prints the command as a user would type it, then runs it.
run() {
  echo
  echo "\$ tinynas $*"
  "$TINYNAS" "$@"
}

echo "==== 1. mcunet-in3 per layer (TinyEngine-style in-place depthwise schedule)"
run analyze "$MODEL" --board stm32f746g-disco --schedule inplace-dw

echo
echo "==== 2. The same model under every memory schedule (totals only)"
for schedule in mcunet-analytic layerwise inplace-dw patch; do
  echo
  echo "\$ tinynas analyze $MODEL --schedule $schedule"
  "$TINYNAS" analyze "$MODEL" --schedule "$schedule" | sed -n '/^Totals/,$p'
done

echo
echo "==== 3. The search space MCUNet searched"
run space info --space mcunet

echo
echo "==== 4. The two-stage search at MCUNet's budget: 320 KB SRAM, 1 MB flash"
run search --sram 320K --flash 1M --board stm32f746g-disco --out demo-out/search --overwrite
echo
echo "\$ tinynas analyze demo-out/search/best.json   (the winner, re-analyzed independently)"
"$TINYNAS" analyze demo-out/search/best.json | sed -n '/^Totals/,$p'

echo
echo "==== 5. The winner on the emulated Cortex-M7 board (QEMU mps2-an500): measured vs predicted"
echo "     (QEMU counts instructions, not cycles: latency is in QEMU ticks, not milliseconds)"
run profile demo-out/search/best.json --board qemu-mps2-an500 --runs 2 | sed -n '/^Latency/,$p'

echo
echo "demo: done"
