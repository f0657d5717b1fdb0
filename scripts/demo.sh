#!/usr/bin/env bash
# The `make demo` walk-through (about 10 minutes on 2 cores): TinyNAS's view of MCUNet's published
# mcunet-in3 model (found by MCUNet for 320 KB SRAM / 1 MB flash) on the STM32F746G-Discovery under
# every memory schedule; the search space it came from; a search at MCUNet's budget; a supernet
# trained on Fashion-MNIST (short budget, cached in demo-out/); a search ranked by that supernet's
# accuracies whose finalists are measured on an emulated Cortex-M7; the winner's int8 accuracy next to its
# float accuracy; its int8 model exported as C source; the winner profiled under QEMU (measured vs predicted
# latency and memory).
# Expects a built tree (make build).
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
echo "\$ tinynas analyze demo-out/search/best.json --schedule auto   (the winner, re-analyzed independently in the"
echo "  search's schedule: in place where that fits, else patches)"
"$TINYNAS" analyze demo-out/search/best.json --schedule auto | sed -n '/^Schedule/p;/^Totals/,$p'

echo
echo "==== 5. A weight-shared supernet for Fashion-MNIST (Debian's dataset-fashion-mnist)"
echo "     Short demo budget (3 epochs on 20,000 images, a few minutes); reused when already trained."
echo "     The full training is: tinynas train --space fashion_mnist --out fashion_mnist.supernet"
SUPERNET=demo-out/fashion_mnist-demo.supernet
resume=()
[[ -f "$SUPERNET" ]] && resume=(--resume)
run train --space fashion_mnist --out "$SUPERNET" --epochs 3 --largest-epochs 1 --limit 20000 "${resume[@]}"

echo
echo "==== 6. Search ranked by inherited-weight accuracy, under SRAM, flash and latency budgets that bind, on the"
echo "     emulated Cortex-M7 (its latency is predicted from its calibrated table, configs/latency/, in instructions"
echo "     at the board's 25 MHz: QEMU counts instructions, not cycles);"
echo "     the 3 best are then measured on the emulated Cortex-M7 (QEMU mps2-an500)"
run search --estimator supernet --supernet "$SUPERNET" --board qemu-mps2-an500 \
  --sram 40K --flash 160K --latency 900ms --population 16 --parents 4 --generations 5 --eval-images 1000 \
  --hil qemu-mps2-an500 --hil-top 3 --out demo-out/supernet-search --overwrite

echo
echo "==== 7. The winner's accuracy as deployed: quantised to int8 and run by the host build of the firmware's"
echo "     runtime (what the boards compute, bit for bit), next to its float accuracy, on 2,000 test images"
run eval --supernet "$SUPERNET" demo-out/supernet-search/best_hil.json --split test --limit 2000 --int8

echo
echo "==== 8. Deploy: the winner as an application for the board (the model as C, the runtime with only the"
echo "     kernels it runs, start-up, linker script, a static arena of the cost model's plan), built with"
echo "     arm-none-eabi-gcc, its linked flash and SRAM next to the prediction (demo-out/app/README.md runs it);"
echo "     --sram 40K: the memory plan the search found it with (patches where in place needs more)"
run deploy --supernet "$SUPERNET" demo-out/supernet-search/best_hil.json --board qemu-mps2-an500 --sram 40K \
  --name fashion_mnist_model --out demo-out/app

echo
echo "==== 9. The winner on the emulated board: measured vs predicted latency and memory, bit-exactness"
echo "     (QEMU counts instructions, not cycles: its latency is in QEMU ticks, not milliseconds)"
run profile demo-out/supernet-search/best_hil.json --board qemu-mps2-an500 --schedule auto --sram 40K --runs 2 |
  sed -n '/^Latency/,$p'

echo
echo "demo: done"
