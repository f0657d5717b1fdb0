// Draws the plots of a TinyNAS report.html with Chart.js (embedded before this script) from the
// JSON in <script id="report-data">. Each plot is a <canvas> whose id names its drawer below; a
// canvas the data has nothing for is left out. When every plot is drawn, <body data-charts-drawn>
// holds their count (the tests read it in headless Chromium); an error is shown at the top of the
// page and kept in <body data-report-error>.
"use strict";
(function () {
  const KiB = 1024;
  const accent = "#c2185b", main = "#1f77b4", grey = "rgba(120,120,120,0.35)";
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;

  function axes(x, y, xType) {
    return {
      x: { type: xType || "linear", title: { display: true, text: x } },
      y: { title: { display: true, text: y } },
    };
  }

  function chart(id, config) {
    const canvas = document.getElementById(id);
    if (!canvas) return 0;
    new Chart(canvas, config);
    return 1;
  }

  // Stage 1 (MCUNet's Figure 3): the CDF of the MACs of the fitting subnets of every (width,
  // resolution) pair; the chosen pair bold, the five next by mean MACs labelled, the rest grey.
  function stage1Cdf(stage1) {
    const chosen = stage1.chosen;
    const pairs = stage1.pairs.filter((p) => p.cdf_macs && p.cdf_macs.length > 0);
    const ranked = pairs.slice().sort((a, b) => b.mean_macs - a.mean_macs);
    const labelled = new Set(ranked.slice(0, 6).map((p) => p.width + "/" + p.resolution));
    const datasets = pairs.map((p) => {
      const isChosen = chosen && p.width === chosen.width && p.resolution === chosen.resolution;
      const named = isChosen || labelled.has(p.width + "/" + p.resolution);
      const n = p.cdf_macs.length;
      return {
        label: named ? `w${p.width}-r${p.resolution}${isChosen ? " (chosen)" : ""}, mean ${(p.mean_macs / 1e6).toFixed(2)}M` : "",
        data: p.cdf_macs.map((m, i) => ({ x: m / 1e6, y: (i + 1) / n })),
        showLine: true, stepped: "after", pointRadius: 0,
        borderWidth: isChosen ? 3 : named ? 1.5 : 0.6,
        borderColor: isChosen ? accent : named ? undefined : grey,
        order: isChosen ? 0 : 1,
      };
    });
    return chart("stage1-cdf", {
      type: "scatter",
      data: { datasets },
      options: {
        scales: axes("MACs of the fitting subnets (M)", "cumulative probability"),
        plugins: { legend: { labels: { filter: (item) => item.text !== "" } } },
      },
    });
  }

  function evolution(ev) {
    return chart("evolution", {
      type: "line",
      data: {
        labels: ev.best_per_generation.map((_, g) => g),
        datasets: [{ label: "best subnet so far", data: ev.best_per_generation.map((s) => 100 * s), borderColor: main, pointRadius: 2 }],
      },
      options: { scales: axes("generation", ev.score_label, "category") },
    });
  }

  // Score against one cost of every evaluated subnet, the Pareto front and the winner; `limit` is
  // the budget on that cost (a dashed vertical line), when there is one.
  function pareto(id, ev, cost, scale, label, limit) {
    const point = (s) => ({ x: s[cost] / scale, y: 100 * s.score });
    const front = ev.pareto.map((i) => point(ev.subnets[i]));
    const datasets = [
      { label: "evaluated subnets", data: ev.subnets.map(point), pointRadius: 2, backgroundColor: grey, borderColor: grey },
      // The front is over three objectives: in any two of them its points need not form a staircase.
      { label: "Pareto front (accuracy, latency, SRAM)", data: front, pointRadius: 4, borderColor: main, backgroundColor: main },
      { label: "winner", data: [point(ev.subnets[ev.best])], pointStyle: "star", pointRadius: 12, borderWidth: 2, borderColor: accent, backgroundColor: accent },
    ];
    if (limit) {
      const ys = ev.subnets.map((s) => 100 * s.score);
      datasets.push({ label: "budget", data: [{ x: limit / scale, y: Math.min(...ys) }, { x: limit / scale, y: Math.max(...ys) }],
                      showLine: true, pointRadius: 0, borderDash: [6, 4], borderColor: "#333" });
    }
    return chart(id, { type: "scatter", data: { datasets }, options: { scales: axes(label, ev.score_label) } });
  }

  // SRAM in use while each layer runs (activations and scratch), the peak layer red, and the part of
  // the SRAM budget left to activations once the runtime has its share.
  function winnerMemory(w) {
    const peak = w.layers.reduce((best, l, i) => (l.sram_bytes > w.layers[best].sram_bytes ? i : best), 0);
    const datasets = [{
      type: "bar", label: `SRAM in use (${w.schedule})`, data: w.layers.map((l) => l.sram_bytes / KiB),
      backgroundColor: w.layers.map((_, i) => (i === peak ? accent : main)),
    }];
    if (w.activation_budget_bytes)
      datasets.push({ type: "line", label: "budget left to activations", data: w.layers.map(() => w.activation_budget_bytes / KiB),
                      pointRadius: 0, borderDash: [6, 4], borderColor: "#333" });
    return chart("winner-memory", {
      data: { labels: w.layers.map((l) => l.name), datasets },
      options: { scales: axes("layer (execution order)", "KiB", "category") },
    });
  }

  // Where the time goes: each layer's share of the measured time next to its share of the cost
  // model's estimate.
  function boardLayers(hil) {
    const measured = hil.layers.reduce((s, l) => s + l.measured, 0);
    const predicted = hil.layers.reduce((s, l) => s + l.predicted, 0);
    return chart("board-layers", {
      type: "bar",
      data: {
        labels: hil.layers.map((l) => l.name),
        datasets: [
          { label: `measured on ${hil.board} (${hil.unit})`, data: hil.layers.map((l) => (100 * l.measured) / measured), backgroundColor: accent },
          { label: "cost model", data: hil.layers.map((l) => (100 * l.predicted) / predicted), backgroundColor: main },
        ],
      },
      options: { scales: axes("layer (execution order)", "share of the model's time (%)", "category") },
    });
  }

  try {
    const data = JSON.parse(document.getElementById("report-data").textContent);
    const ev = data.evolution;
    let drawn = stage1Cdf(data.stage1) + evolution(ev);
    drawn += pareto("pareto-sram", ev, "peak_sram_bytes", KiB, "peak SRAM of activations and scratch (KiB)", data.winner.activation_budget_bytes);
    drawn += pareto("pareto-latency", ev, "latency_ms", 1, "latency estimate (ms)", data.budgets.latency_ms);
    drawn += winnerMemory(data.winner);
    if (data.board) drawn += boardLayers(data.board);
    document.body.dataset.chartsDrawn = String(drawn);
  } catch (e) {
    const box = document.getElementById("report-error");
    box.textContent = "The plots could not be drawn: " + e;
    box.hidden = false;
    document.body.dataset.reportError = String(e);
  }
})();
