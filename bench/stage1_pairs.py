#!/usr/bin/env python3
"""Does stage 1's rule pick the (width, resolution) pair that trains best?

Stage 1 (MCUNet's) scores each pair of the space by the mean MACs of its subnets that fit the budgets and keeps the
highest. This bench checks that rule against training: for each pair it finds the pair's largest subnet that fits
(`tinynas search` with the MACs estimator on a space of that pair alone), trains it from scratch exactly as
bench/search_quality trains S-MbV2 and the winners (the same epochs, recipe and seed), and measures it the same way
(int8 test accuracy, MACs, SRAM, flash, latency on the board). It then ranks the pairs both ways: by stage 1's score
and by test accuracy.

  /usr/bin/python3 bench/stage1_pairs.py --out RUNS --sram 40K --flash 160K --latency 326.378ms \
      --pairs w1.5-r20,w1-r24,w0.75-r28,w0.5-r32 --seeds 0,1 --keep bench/results/stage1_pairs/NAME

Every finished pair and seed is a result file in OUT/seedN (and --keep): running again skips it. Writes
OUT/stage1_pairs.md (the table, also printed) and OUT/stage1_pairs.png (accuracy against stage 1's score).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from pathlib import Path

from search_quality import ROOT, SCALES, SCHEDULE, SPACE, Bench, kendall, mean_spread, save_figure

PAIR = re.compile(r"w([0-9.]+)-r([0-9]+)")  # a width and a resolution, as arch ids begin: w0.75-r28


def pair_space(out: Path, width: float, resolution: int) -> Path:
    """The fashion_mnist space with one width and one resolution: its subnets are the pair's."""
    space = json.loads((ROOT / "configs" / "spaces" / f"{SPACE}.json").read_text())
    space.update(width_mults=[width], resolutions=[resolution])
    path = out / f"space-w{width:g}-r{resolution}.json"
    path.write_text(json.dumps(space, indent=2))
    return path


def run_pair(bench: Bench, out: Path, pair: str, budget: tuple[str, str], latency: list[str], seed: int) -> dict:
    width, resolution = PAIR.fullmatch(pair).groups()
    space = pair_space(out, float(width), int(resolution))
    search = json.loads(bench.run(["search", "--space", str(space), "--board", bench.board, "--sram", budget[0],
                                   "--flash", budget[1], "--seed", str(seed), "--out", str(out / f"search-{pair}"),
                                   "--overwrite", "--json"] + latency + SCHEDULE))
    stage1 = json.loads((out / f"search-{pair}" / "stage1.json").read_text())["chosen"]
    arch = search["best"]["id"]
    measured = bench.from_scratch(arch, out / f"{pair}.model", budget, seed)
    measured.update(pair=pair, stage1_fit_fraction=stage1["fit_fraction"], stage1_mean_macs=stage1["mean_macs"])
    return measured


def seed_means(by_pair: dict[str, list[dict]], key: str) -> dict[str, float]:
    """Each pair's `key` (stage1_mean_macs: stage 1's score; test_int8: its accuracy), the mean over its seeds."""
    return {pair: statistics.mean(r[key] for r in rows) for pair, rows in by_pair.items()}


def table(by_pair: dict[str, list[dict]], meta: str) -> str:
    """One row per pair, its seeds' mean and spread; the pairs in stage 1's order (its score, the seeds' mean)."""
    score, accuracy = seed_means(by_pair, "stage1_mean_macs"), seed_means(by_pair, "test_int8")
    lines = [meta, "", "| pair | stage 1: fit | stage 1: mean MACs (M) | its largest fitting subnet (per seed) "
             "| MACs (M) | measured (ms) | test top-1 int8 (%) | per seed (%) |",
             "|---|---:|---:|---|---:|---:|---:|---|"]
    for pair in sorted(by_pair, key=lambda pair: -score[pair]):
        rows = by_pair[pair]
        lines.append("| " + " | ".join([
            pair, mean_spread([r["stage1_fit_fraction"] for r in rows], 100, 1) + "%", f"{score[pair] / 1e6:.2f}",
            ", ".join(r["arch"] for r in rows), mean_spread([r["macs"] for r in rows], 1e-6),
            mean_spread([r["measured_ms"] for r in rows], 1, 1), mean_spread([r["test_int8"] for r in rows], 100),
            ", ".join(f"{100 * r['test_int8']:.2f}" for r in rows)]) + " |")
    if len(by_pair) >= 3:
        tau, p = kendall([score[pair] for pair in by_pair], [accuracy[pair] for pair in by_pair])
        lines += ["", f"Kendall's tau between stage 1's score and test accuracy over {len(by_pair)} pairs: "
                  f"**{tau:.3f}** (p = {p:.2g})."]
    best = max(by_pair, key=lambda pair: accuracy[pair])
    chosen = max(by_pair, key=lambda pair: score[pair])
    lines += ["", f"Of these pairs stage 1 picks {chosen} ({100 * accuracy[chosen]:.2f}%); the best trained is {best} "
              f"({100 * accuracy[best]:.2f}%)."]
    return "\n".join(lines)


def plot(by_pair: dict[str, list[dict]], title: str, path: Path) -> None:
    """Each pair's test accuracy against stage 1's score: if the rule holds, the points rise to the right."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    score, accuracy = seed_means(by_pair, "stage1_mean_macs"), seed_means(by_pair, "test_int8")
    figure, ax = plt.subplots(figsize=(6.5, 4.5))
    for pair, rows in by_pair.items():
        x = score[pair] / 1e6
        ax.scatter([x] * len(rows), [100 * r["test_int8"] for r in rows], s=14, color="tab:blue", alpha=0.5)
        ax.scatter([x], [100 * accuracy[pair]], s=70, color="tab:blue", edgecolor="black")
        ax.annotate(pair, (x, 100 * accuracy[pair]), textcoords="offset points", xytext=(6, 4), fontsize=8)
    chosen = max(by_pair, key=lambda pair: score[pair])
    ax.set(xlabel="stage 1's score: mean MACs of the pair's fitting subnets (M)",
           ylabel="its largest fitting subnet, int8 test top-1 (%)", title=f"of these pairs, stage 1 picks {chosen}")
    ax.grid(alpha=0.3)
    figure.suptitle(title, fontsize=8)
    save_figure(figure, path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="directory for every run and result (resumable)")
    parser.add_argument("--pairs", required=True, help="widths and resolutions, e.g. w1.5-r20,w1-r24")
    parser.add_argument("--sram", default="40K")
    parser.add_argument("--flash", default="160K")
    parser.add_argument("--latency", help="latency budget, e.g. 326.378ms (default: none)")
    parser.add_argument("--seeds", default="0", help="seeds of the search and the training, comma-separated")
    parser.add_argument("--board", default="qemu-mps2-an500")
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--cli", default=str(ROOT / "build" / "bin" / "tinynas"))
    parser.add_argument("--keep", help="also keep every pair's result here, and skip the pairs it holds (commit it)")
    args = parser.parse_args()
    for pair in args.pairs.split(","):
        if not PAIR.fullmatch(pair):
            parser.error(f"--pairs: {pair!r} is not a width and a resolution such as w0.75-r28")
    bench = Bench(argparse.Namespace(cli=args.cli, auto_cli=None, out=args.out, keep=args.keep, board=args.board,
                                     scale=args.scale, final_training=None))
    out = bench.out
    out.mkdir(parents=True, exist_ok=True)
    budget = (args.sram, args.flash)
    latency = ["--latency", args.latency] if args.latency else []
    by_pair: dict[str, list[dict]] = {}
    for seed in [int(s) for s in args.seeds.split(",")]:
        folder = out / f"seed{seed}"
        folder.mkdir(exist_ok=True)
        for pair in args.pairs.split(","):
            by_pair.setdefault(pair, []).append(bench.step(
                folder / f"{pair}.json", f"{pair} seed {seed}: its largest fitting subnet, from scratch",
                lambda pair=pair, seed=seed, folder=folder: run_pair(bench, folder, pair, budget, latency, seed)))
    meta = (f"Board `{args.board}`, SRAM {args.sram}, flash {args.flash}, latency {args.latency or 'no budget'}, "
            f"scale `{args.scale}`, seeds {args.seeds}; each subnet trained from scratch for "
            f"{bench.supernet_epochs + bench.finetune_epochs} epochs.")
    text = table(by_pair, meta)
    (out / "stage1_pairs.md").write_text(text + "\n")
    plot(by_pair, f"bench/stage1_pairs: {args.board}, SRAM {args.sram}, flash {args.flash}, latency "
         f"{args.latency or 'no budget'}, seeds {args.seeds}", out / "stage1_pairs.png")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
