"""Plots of TinyNAS results (matplotlib, imported on first use).

Every function draws on ``ax`` (a new figure's axes when omitted) and returns the axes, so plots
compose in notebooks. Inputs are the objects the API returns, or the dicts of their JSON files
(``stage1.json``, ``analyze --json``), so saved results plot the same way.
"""

from __future__ import annotations

from typing import Optional


def _axes(ax):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(7, 4.5))
    return ax


def _stage1_pairs(stage1):
    """(pairs, chosen) as dicts with 'width', 'resolution', 'mean_macs' and 'cdf_macs'."""
    data = stage1 if isinstance(stage1, dict) else stage1.to_dict()
    return data["pairs"], data["chosen"]


def stage1_cdf(stage1, ax=None, top: int = 6):
    """MCUNet's Figure 3: the cumulative distribution of MACs of the fitting subnets per
    (width, resolution) pair. The `top` pairs by mean MACs are labelled, the chosen one drawn bold;
    the other eligible pairs are drawn thin and grey."""
    ax = _axes(ax)
    pairs, chosen = _stage1_pairs(stage1)
    with_fits = [p for p in pairs if p.get("cdf_macs")]
    ranked = sorted(with_fits, key=lambda p: p["mean_macs"], reverse=True)
    labelled = {(p["width"], p["resolution"]) for p in ranked[:top]}
    for p in with_fits:
        macs = [m / 1e6 for m in p["cdf_macs"]]
        prob = [(i + 1) / len(macs) for i in range(len(macs))]
        key = (p["width"], p["resolution"])
        is_chosen = key == (chosen["width"], chosen["resolution"])
        if is_chosen:
            ax.step(macs, prob, where="post", lw=3, color="crimson",
                    label=f"w{p['width']:g}-r{p['resolution']} (chosen, mean {p['mean_macs'] / 1e6:.1f}M)")
        elif key in labelled:
            ax.step(macs, prob, where="post", lw=1.5,
                    label=f"w{p['width']:g}-r{p['resolution']} (mean {p['mean_macs'] / 1e6:.1f}M)")
        else:
            ax.step(macs, prob, where="post", lw=0.5, color="0.8")
    ax.set_xlabel("MACs of fitting subnets (M)")
    ax.set_ylabel("cumulative probability")
    ax.set_title("Stage 1: MACs distribution of subnets that fit, per (width, resolution)")
    ax.legend(fontsize="small", loc="lower right")
    ax.grid(alpha=0.3)
    return ax


def evolution(result, ax=None):
    """Best score per generation of a search (stage 2)."""
    ax = _axes(ax)
    scores = list(result.best_score_per_generation)
    proxy = " (proxy)" if result.proxy else ""
    ax.plot(range(len(scores)), scores, marker="o", ms=3)
    ax.set_xlabel("generation")
    ax.set_ylabel(f"best score: {result.estimator}{proxy}")
    ax.set_title("Stage 2: best subnet per generation")
    ax.grid(alpha=0.3)
    return ax


def pareto(result, x: str = "latency_ms", ax=None):
    """Score vs `x` ('latency_ms' or 'peak_sram_bytes') of every evaluated subnet, the Pareto
    front highlighted and the best subnet marked."""
    if x not in ("latency_ms", "peak_sram_bytes"):
        raise ValueError(f"x must be 'latency_ms' or 'peak_sram_bytes', not {x!r}")
    ax = _axes(ax)
    scale, unit = (1.0, "latency estimate (ms)") if x == "latency_ms" else (1 / 1024, "peak SRAM (KiB)")
    history = result.history
    ax.scatter([h[x] * scale for h in history], [h["score"] for h in history], s=6, color="0.7",
               label="evaluated")
    front = sorted(result.pareto, key=lambda h: h[x])
    ax.plot([h[x] * scale for h in front], [h["score"] for h in front], "o-", ms=4, color="tab:blue",
            label="Pareto front (score, latency, SRAM)")
    best = max(history, key=lambda h: h["score"])
    ax.scatter([best[x] * scale], [best["score"]], marker="*", s=160, color="crimson", zorder=3, label="best")
    ax.set_xlabel(unit)
    ax.set_ylabel(f"score: {result.estimator}" + (" (proxy)" if result.proxy else ""))
    ax.set_title("Stage 2: evaluated subnets")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return ax


def layer_memory(analysis, ax=None, budget_bytes: Optional[int] = None):
    """Per-layer SRAM of one analysed network (bars), the peak layer in red, and an optional budget
    line: where the memory goes and which layer sets the peak."""
    ax = _axes(ax)
    data = analysis if isinstance(analysis, dict) else analysis.to_dict()
    layers = data["layers"]
    values = [layer["sram_bytes"] / 1024 for layer in layers]
    peak = max(range(len(values)), key=values.__getitem__)
    colors = ["crimson" if i == peak else "tab:blue" for i in range(len(values))]
    ax.bar(range(len(values)), values, color=colors)
    if budget_bytes:
        ax.axhline(budget_bytes / 1024, color="k", ls="--", lw=1, label=f"budget {budget_bytes / 1024:.0f} KiB")
        ax.legend(fontsize="small")
    ax.set_xlabel("layer (execution order)")
    ax.set_ylabel("SRAM in use (KiB)")
    ax.set_title(f"{data['schedule']}: peak {data['peak_sram_bytes'] / 1024:.1f} KiB at {layers[peak]['name']}")
    ax.grid(alpha=0.3, axis="y")
    return ax
