#!/usr/bin/env bash
# Regenerates the fuzz targets' seed corpus (tests/fuzz/corpus/<target>/seed-*) from the product itself, so the
# seeds are files TinyNAS really reads and writes. The seeds are checked in; run this after a format changes:
#   scripts/make-fuzz-seeds.sh [BUILD_DIR]      (default: build; needs build/bin/tinynas)
# Inputs libFuzzer later finds interesting are not checked in (`make fuzz` keeps them in BUILD_DIR-fuzz). The
# findings that are (finding-*: inputs that once broke a loader, replayed by every build) stay: only seeds are remade.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD="${1:-build}"
TN="$BUILD/bin/tinynas"
PY=/usr/bin/python3
C=tests/fuzz/corpus
[[ -x "$TN" ]] || { echo "make-fuzz-seeds: $TN not built (make build)" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for t in space arch netconfig board checkpoint dataset_description idx npy image supernet_file gdb_packet model_blob \
  pipeline_record; do
  mkdir -p "$C/$t"
  rm -f "${C:?}/$t"/seed-*
done

cp configs/spaces/mcunet.json "$C/space/seed-mcunet.json"
cp configs/spaces/fashion_mnist.json "$C/space/seed-fashion_mnist.json"
cp tests/data/supernet/tiny_space.json "$C/space/seed-tiny.json"
for b in configs/boards/*.json; do cp "$b" "$C/board/seed-$(basename "$b")"; done

"$TN" space sample --space mcunet -n 3 --seed 1 | split -l 1 -a 1 --additional-suffix=.json - "$C/arch/seed-"
i=0
for a in "$C"/arch/seed-*.json; do
  "$TN" convert "$a" --to netconfig -o "$C/netconfig/seed-$i.json"
  i=$((i + 1))
done

"$TN" search --space fashion_mnist --sram 64K --flash 256K --population 6 --generations 2 --parents 3 \
  --samples 50 --out "$WORK/search" >/dev/null 2>&1
cp "$WORK/search/checkpoint.json" "$C/checkpoint/seed-0.json"

# A pipeline run's record (tiny space, 200 images, one epoch: 2 s), and the same with every optional field set.
"$TN" search --space tests/data/supernet/tiny_space.json --data /usr/share/datasets/fashion-mnist --limit 200 \
  --sram 320K --flash 1M --samples 20 --population 6 --parents 2 --generations 1 --supernet-epochs 1 \
  --finetune-epochs 1 --time-budget none --out "$WORK/pipeline" >/dev/null 2>&1
cp "$WORK/pipeline/pipeline.json" "$C/pipeline_record/seed-0.json"
cp "$WORK/pipeline/search/checkpoint.json" "$C/checkpoint/seed-1.json" # scored by a supernet: with a fingerprint
"$PY" - "$C/pipeline_record" <<'PY'
import json, sys
record = json.load(open(f"{sys.argv[1]}/seed-0.json"))
record["hil"] = "qemu-mps2-an500"
record["options"].update(latency="800ms", split_block=2, space="fashion_mnist", time_budget_seconds=2700.0, seed=7)
json.dump(record, open(f"{sys.argv[1]}/seed-1.json", "w"), indent=2, sort_keys=True)
PY

cat >"$C/dataset_description/seed-0.json" <<'JSON'
{"mean": [0.49, 0.48, 0.45], "std": [0.25, 0.24, 0.26], "flip": false,
 "input_size": [32, 32], "classes": ["cat", "dog", "frog"]}
JSON
cat >"$C/dataset_description/seed-1.json" <<'JSON'
{"classes": ["yes", "no"], "flip": true}
JSON

# A tiny supernet and the int8 blob of one of its subnets (tiny space, 200 Fashion-MNIST images, one epoch).
"$TN" train --space tests/data/supernet/tiny_space.json --classes-from-data --epochs 1 --limit 200 \
  --out "$WORK/tiny.tns" >/dev/null 2>&1
head -c -4 "$WORK/tiny.tns" >"$C/supernet_file/seed-0" # the fuzz target appends the CRC-32 itself
"$TN" export smallest --supernet "$WORK/tiny.tns" --int8-blob "$C/model_blob/seed-smallest.bin" \
  --calibration-images 20 >/dev/null 2>&1
"$TN" export largest --supernet "$WORK/tiny.tns" --int8-blob "$C/model_blob/seed-largest.bin" \
  --calibration-images 20 >/dev/null 2>&1
# Version 2 with a patch plan (MCUNetV2's schedule): the plan's spans are what tn_model_load checks most.
"$TN" export largest --supernet "$WORK/tiny.tns" --int8-blob "$C/model_blob/seed-largest-patch.bin" \
  --schedule patch --patches 2 --calibration-images 20 >/dev/null 2>&1

"$PY" - "$C" <<'PY'
import io, struct, sys
import numpy as np
from PIL import Image
c = sys.argv[1]
rng = np.random.default_rng(0)
def idx(dims, body):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(body)
# first byte: odd = images, even = labels (the fuzz target's switch)
open(f"{c}/idx/seed-images", "wb").write(b"\x01" + idx([2, 3, 4], rng.integers(0, 256, 24, dtype=np.uint8)))
open(f"{c}/idx/seed-labels", "wb").write(b"\x00" + idx([5], [0, 1, 2, 3, 9]))
for name, a in [("u8", rng.integers(0, 256, (2, 4, 4), dtype=np.uint8)), ("f32", rng.random((2, 3, 3, 3), dtype=np.float32)),
                ("i64", np.arange(7, dtype=np.int64))]:
    buf = io.BytesIO(); np.save(buf, a); open(f"{c}/npy/seed-{name}.npy", "wb").write(buf.getvalue())
img = Image.fromarray(rng.integers(0, 256, (6, 5, 3), dtype=np.uint8))
for fmt, mode in [("PNG", "RGB"), ("JPEG", "RGB"), ("PPM", "RGB"), ("BMP", "RGB"), ("PNG", "L"), ("PNG", "RGBA"), ("GIF", "P")]:
    buf = io.BytesIO(); img.convert(mode).save(buf, fmt)
    open(f"{c}/image/seed-{mode}.{fmt.lower()}", "wb").write(buf.getvalue())
# GDB server byte streams: acks, a qSupported reply, a stop reply, memory in hex and run-length encoded, console
# output, a bad checksum.
def frame(p):
    return b"$" + p + b"#" + b"%02x" % (sum(p) & 0xFF)
streams = {
    "handshake": b"\x00+" + frame(b"PacketSize=1000;qXfer:features:read+;QStartNoAckMode+") + b"+" + frame(b"OK"),
    "stop": b"+" + frame(b"O48690a") + frame(b"T05thread:01;") + frame(b"W00"),
    "memory": b"\x07+" + frame(b"00112233aabbccdd") + frame(b"0* ") + frame(b"78563412") + frame(b"E01"),
    "nack": b"\x01-+" + b"$OK#00" + frame(b"S02") + b"$T05#b",
    # qXfer:memory-map:read's answer (OpenOCD's: flash with its erase block size, RAM in decimal and quoted '')
    "memory-map": b"\x10" + frame(b'<memory-map><memory type="flash" start="0x8000000" length="0x400">'
                                   b'<property name="blocksize">0x100</property></memory>'
                                   b"<memory type='ram' start='536870912' length='0x1000'/></memory-map>") + b"+",
}
for name, s in streams.items():
    open(f"{c}/gdb_packet/seed-{name}", "wb").write(s)
PY
for t in "$C"/*/; do echo "$(basename "$t"): $(ls "$t" | wc -l) seeds"; done
