#!/usr/bin/env python3
"""Patch-based inference measured under QEMU: what the patch schedule saves in SRAM and costs in time.

Profiles each model twice on the profiling firmware, once in place (inplace-dw) and once patch by patch (the cost
model's patch plan: grid and split chosen by it, or --patches/--split-block), and reports for each:
  - peak SRAM measured (arena painting) next to the cost model's prediction, for both schedules, and their ratio;
  - the patch schedule's extra MACs (halo recomputation) as the cost model predicts them, next to the extra time
    measured, and the calibrated latency table's prediction for the patch run (each op scaled by its MACs, plus
    the per-patch overhead `tinynas calibrate` fits from the same subnets run in patches).

Models: MCUNet's mcunet-in0 and mcunet-in3 and three searched fashion_mnist subnets on qemu-mps2-an500 (the
STM32F746's 320 KB), and MobileNetV2 1.0 at 224 (built here as a net config) on qemu-mps2-an500-4m, the emulated
board with the most RAM, against MCUNetV2's 1372 kB -> 172 kB.

  /usr/bin/python3 bench/patch_runtime_qemu.py [--out DIR] [--runs 2]

QEMU counts instructions, not cycles (docs/HIL.md). Writes DIR/patch_runtime_qemu.json, .md and .png.
"""
from __future__ import annotations

import argparse
import copy
import json
import pathlib
import platform
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
CLI = ROOT / "build" / "bin" / "tinynas"
BOARD = "qemu-mps2-an500"
BIG_BOARD = "qemu-mps2-an500-4m"
# Three fashion_mnist subnets of the full-scale search (bench/results/search_quality-full): its winner and two of
# the subnets its ranking check trained.
FASHION = ["w1-r32-k577e366-k777e644-k773e433-k3e4", "w1-r32-k577e333-k77e66-k33e44-k7e6",
           "w1-r32-k577e366-k777e664-k75e43-k3e6"]

# MobileNetV2 1.0 (Sandler et al. 2018): expansion t, channels c, repeats n, first stride s.
MBV2_STAGES = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
               (6, 320, 1, 1)]


def mobilenet_v2(resolution: int) -> dict:
    """MobileNetV2 1.0 as an OFA/MCUNet net config, on the layout of configs/models/mcunet-in0.netconfig.json."""
    base = json.loads((ROOT / "configs" / "models" / "mcunet-in0.netconfig.json").read_text())
    conv = copy.deepcopy(base["first_conv"])
    first = dict(conv, out_channels=32)
    blocks, cin = [], 32
    for t, c, n, s in MBV2_STAGES:
        for i in range(n):
            stride = s if i == 0 else 1
            shortcut = None
            if stride == 1 and cin == c:
                shortcut = {"name": "IdentityLayer", "in_channels": [cin], "out_channels": [c], "use_bn": False,
                            "act_func": None, "dropout_rate": 0, "ops_order": "weight_bn_act"}
            blocks.append({"name": "MobileInvertedResidualBlock",
                           "mobile_inverted_conv": {"name": "MBInvertedConvLayer", "in_channels": cin,
                                                    "out_channels": c, "kernel_size": 3, "stride": stride,
                                                    "expand_ratio": t, "mid_channels": cin * t if t > 1 else None,
                                                    "act_func": "relu6", "use_se": False},
                           "shortcut": shortcut})
            cin = c
    mix = dict(conv, kernel_size=1, stride=1, in_channels=320, out_channels=1280)
    classifier = dict(base["classifier"], in_features=1280, out_features=1000)
    return {"name": f"MobileNetV2-1.0-{resolution}", "bn": base["bn"], "first_conv": first, "blocks": blocks,
            "feature_mix_layer": mix, "classifier": classifier, "resolution": resolution}


def profile(model: str, board: str, schedule: str, runs: int, space: str | None) -> dict:
    cmd = [str(CLI), "profile", model, "--board", board, "--schedule", schedule, "--runs", str(runs), "--json"]
    if space:
        cmd += ["--space", space]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stderr}")
    return json.loads(out.stdout)


def compare(name: str, model: str, board: str, runs: int, space: str | None = None) -> dict:
    inplace = profile(model, board, "inplace-dw", runs, space)
    patch = profile(model, board, "patch", runs, space)
    whole_macs = inplace["macs_predicted"]
    row = {
        "model": name, "board": board, "patch": patch.get("patch"),
        "inplace_peak_measured": inplace["peak_sram_bytes_measured"],
        "inplace_peak_predicted": inplace["peak_sram_bytes_predicted"],
        "patch_peak_measured": patch["peak_sram_bytes_measured"],
        "patch_peak_predicted": patch["peak_sram_bytes_predicted"],
        "sram_ratio_measured": inplace["peak_sram_bytes_measured"] / patch["peak_sram_bytes_measured"],
        "macs": whole_macs, "patch_macs": patch["macs_predicted"],
        "extra_macs_pct": 100.0 * (patch["macs_predicted"] - whole_macs) / whole_macs,
        "inplace_ticks": inplace["latency"]["value"], "patch_ticks": patch["latency"]["value"],
        "extra_ticks_pct_measured": 100.0 * (patch["latency"]["value"] - inplace["latency"]["value"])
        / inplace["latency"]["value"],
        "bit_exact": inplace["bit_exact"] and patch["bit_exact"],
    }
    for key, result in (("inplace", inplace), ("patch", patch)):
        predicted = result.get("latency_predicted")
        row[f"{key}_ticks_predicted"] = predicted["value"] if predicted else None
    if row["inplace_ticks_predicted"] and row["patch_ticks_predicted"]:
        row["extra_ticks_pct_predicted"] = 100.0 * (row["patch_ticks_predicted"] - row["inplace_ticks_predicted"]) \
            / row["inplace_ticks_predicted"]
    print(f"{name:42s} SRAM {row['inplace_peak_measured']:>9,} -> {row['patch_peak_measured']:>8,} B "
          f"({row['sram_ratio_measured']:.2f}x), +{row['extra_macs_pct']:.1f}% MACs, "
          f"+{row['extra_ticks_pct_measured']:.1f}% ticks", flush=True)
    return row


def markdown(rows: list) -> str:
    lines = ["| model | board | grid, split | in-place peak meas. / pred. | patch peak meas. / pred. | ratio | "
             "extra MACs | extra ticks meas. | extra ticks pred. (table) | bit-exact |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        grid = f"{r['patch']['patches']}x{r['patch']['patches']}, block {r['patch']['split_block']}" if r["patch"] \
            else "-"
        pred = f"+{r['extra_ticks_pct_predicted']:.1f}%" if r.get("extra_ticks_pct_predicted") is not None else "-"
        lines.append(f"| {r['model']} | {r['board']} | {grid} | {r['inplace_peak_measured']:,} / "
                     f"{r['inplace_peak_predicted']:,} | {r['patch_peak_measured']:,} / {r['patch_peak_predicted']:,} "
                     f"| {r['sram_ratio_measured']:.2f}x | +{r['extra_macs_pct']:.1f}% | "
                     f"+{r['extra_ticks_pct_measured']:.1f}% | {pred} | {'yes' if r['bit_exact'] else 'NO'} |")
    return "\n".join(lines) + "\n"


def plot(rows: list, path: pathlib.Path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(9, 4))
    xs = range(len(rows))
    ax.bar([x - 0.2 for x in xs], [r["inplace_peak_measured"] / 1024 for r in rows], 0.4, label="in place (measured)")
    ax.bar([x + 0.2 for x in xs], [r["patch_peak_measured"] / 1024 for r in rows], 0.4, label="patch (measured)")
    ax.set_yscale("log")
    ax.set_xticks(list(xs), [r["model"] for r in rows], rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("peak SRAM, KiB (log)")
    ax.set_title("Patch-based inference under QEMU: measured peak SRAM (= the cost model's, to the byte)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    mbv2 = out / "mobilenet_v2_224.netconfig.json"
    mbv2.write_text(json.dumps(mobilenet_v2(224), indent=1) + "\n")
    rows = [compare("mcunet-in0", str(ROOT / "configs/models/mcunet-in0.netconfig.json"), BOARD, args.runs),
            compare("mcunet-in3", str(ROOT / "configs/models/mcunet-in3.netconfig.json"), BOARD, args.runs)]
    rows += [compare(f"fashion {a}", a, BOARD, args.runs, "fashion_mnist") for a in FASHION]
    rows.append(compare("MobileNetV2 1.0 @224", str(mbv2), BIG_BOARD, args.runs))
    result = {"machine": platform.node(), "processor": platform.processor() or platform.machine(),
              "note": "QEMU -icount: ticks count instructions, not cycles; SRAM is the arena the run touched",
              "mcunetv2_reference": "MobileNetV2 at 224: 1372 kB in place -> 172 kB with patches (8x), MCUNetV2 "
                                    "(which also redistributes the receptive field)",
              "rows": rows}
    (out / "patch_runtime_qemu.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "patch_runtime_qemu.md").write_text(markdown(rows))
    plot(rows, out / "patch_runtime_qemu.png")
    print(markdown(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
