"""Regression report: two runs of a suite compared model by model (SQUAD's build-vs-build view).

A finding is a regression when, for the same model on the same board kind:
  latency     the measured latency changed by more than the suite's latency_pct (default +-2%) upwards;
  sram        the measured peak SRAM grew at all;
  bit-exact   the board's output matched the host runtime before and no longer does;
  prediction  the cost model's prediction was within prediction_pct (default 5%) of the measurement before and is
              no longer (a prediction already off in the baseline is reported, not counted: calibrated tables
              miss small models by more than 5% on QEMU, and a report that always fails is no report);
  failed      the job measured before and failed now.
For accuracy jobs (a trained model's top-1 on the board), a regression is a board output that no longer equals the
host runtime's where all did before, a lower board top-1 than before, or a job that failed now.
Latency that dropped beyond the threshold is reported as an improvement. Outputs: a dict (JSON), an HTML page
with its plots inline (a file to archive or mail), JUnit XML for CI systems.
"""
from __future__ import annotations

import base64
import html
import io
import os
import xml.etree.ElementTree as ET
from typing import Optional

from .results import Results


def _key(row):
    return row["model_hash"], row["board_kind"]


def resolve_baseline(results: Results, run: dict, against: str) -> Optional[dict]:
    """`against`: a run id, "last" (the previous run of the suite) or "last-good" (the previous run whose
    report did not fail)."""
    if against not in ("last", "last-good"):
        found = results.run(against)
        if found is None:
            raise ValueError(f"{results.url}: no run {against!r} to compare against (tinynas farm status lists them)")
        return found
    earlier = [r for r in results.runs(run["suite"]) if r["created_at"] < run["created_at"] and r["id"] != run["id"]]
    if against == "last-good":  # runs never reported on count as good; a failed report never does
        earlier = [r for r in earlier if r.get("verdict") != "fail"]
    return earlier[-1] if earlier else None


def compare(results: Results, run_id: str, against: str = "last-good") -> dict:
    run = results.run(run_id)
    if run is None:
        raise ValueError(f"{results.url}: no run {run_id!r} (tinynas farm status lists the runs)")
    baseline = resolve_baseline(results, run, against)
    thresholds = run["thresholds"]
    new_jobs = results.run_jobs(run_id)
    old_jobs = results.run_jobs(baseline["id"]) if baseline else []
    new_rows = {_key(r): r for r in new_jobs if r["kind"] == "profile"}
    old_rows = {_key(r): r for r in old_jobs if r["kind"] == "profile"}
    models = []
    for key, new in sorted(new_rows.items(), key=lambda kv: (kv[1]["board_kind"], kv[1]["model_id"])):
        old = old_rows.get(key)
        models.append(_compare_model(new, old, thresholds))
    new_acc = {_key(r): r for r in new_jobs if r["kind"] == "accuracy"}
    old_acc = {_key(r): r for r in old_jobs if r["kind"] == "accuracy"}
    accuracy = [_compare_accuracy(new, old_acc.get(key))
                for key, new in sorted(new_acc.items(), key=lambda kv: (kv[1]["board_kind"], kv[1]["model_id"]))]
    regressed = sum(1 for m in models if m["regressions"])
    regressed_accuracy = sum(1 for m in accuracy if m["regressions"])
    return {"suite": run["suite"], "run": run_id, "run_created_at": run["created_at"],
            "baseline": baseline["id"] if baseline else None,
            "baseline_created_at": baseline["created_at"] if baseline else None, "thresholds": thresholds,
            "models": models, "accuracy": accuracy, "regressed_models": regressed,
            "regressed_accuracy": regressed_accuracy, "verdict": "fail" if regressed or regressed_accuracy else "pass"}


def _prediction_error(m: Optional[dict]) -> Optional[float]:
    if not m or not m.get("latency_predicted"):
        return None
    return 100.0 * (m["latency_predicted"] - m["latency_value"]) / m["latency_value"]


def _compare_model(new: dict, old: Optional[dict], thresholds: dict) -> dict:
    n, o = new["measurement"], old["measurement"] if old else None
    out = {"model_id": new["model_id"], "model_hash": new["model_hash"], "board_kind": new["board_kind"],
           "status": new["status"], "reason": new.get("reason"), "latency": n["latency_value"] if n else None,
           "latency_unit": n["latency_unit"] if n else None, "baseline_latency": o["latency_value"] if o else None,
           "latency_change_pct": None, "sram": n["sram_measured"] if n else None,
           "baseline_sram": o["sram_measured"] if o else None, "bit_exact": n["bit_exact"] if n else None,
           "prediction_error_pct": _prediction_error(n), "regressions": [], "notes": [], "worst_layer": None}
    if n is None:
        if o is not None:
            out["regressions"].append(f"failed: {new.get('reason') or 'not measured'}")
        return out
    if o is None:
        out["notes"].append("new: no baseline measurement")
        return out
    change = 100.0 * (n["latency_value"] - o["latency_value"]) / o["latency_value"]
    out["latency_change_pct"] = change
    if change > thresholds["latency_pct"]:
        layer = _worst_layer(n["layers"], o["layers"])
        out["worst_layer"] = layer
        where = f" (layer {layer['name']}: {layer['change_pct']:+.1f}%)" if layer else ""
        out["regressions"].append(f"latency {change:+.2f}% (threshold {thresholds['latency_pct']:g}%){where}")
    elif change < -thresholds["latency_pct"]:
        out["notes"].append(f"latency improved {change:+.2f}%")
    if n["sram_measured"] > o["sram_measured"]:
        out["regressions"].append(f"peak SRAM {o['sram_measured']} -> {n['sram_measured']} B")
    if o["bit_exact"] and not n["bit_exact"]:
        out["regressions"].append("output no longer bit-exact with the host runtime")
    err_new, err_old = _prediction_error(n), _prediction_error(o)
    limit = thresholds["prediction_pct"]
    if err_new is not None and abs(err_new) > limit:
        if err_old is not None and abs(err_old) <= limit:
            out["regressions"].append(f"prediction error {err_new:+.1f}% (was {err_old:+.1f}%, limit {limit:g}%)")
        else:
            out["notes"].append(f"prediction error {err_new:+.1f}% (beyond {limit:g}% in the baseline too)")
    return out


def _compare_accuracy(new: dict, old: Optional[dict]) -> dict:
    n, o = new["accuracy"], old["accuracy"] if old else None
    out = {"model_id": new["model_id"], "board_kind": new["board_kind"], "status": new["status"],
           "images": n["images"] if n else None, "board_accuracy": n["board_accuracy"] if n else None,
           "host_accuracy": n["host_accuracy"] if n else None,
           "identical_outputs": n["identical_outputs"] if n else None,
           "baseline_board_accuracy": o["board_accuracy"] if o else None, "regressions": [], "notes": []}
    if n is None:
        if o is not None:
            out["regressions"].append(f"failed: {new.get('reason') or 'not measured'}")
        return out
    if n["identical_outputs"] < n["images"]:
        note = f"board outputs differ from the host runtime's on {n['images'] - n['identical_outputs']} images"
        if o is None or o["identical_outputs"] == o["images"]:
            out["regressions"].append(note)
        else:
            out["notes"].append(note + " (in the baseline too)")
    if o is not None and n["board_accuracy"] < o["board_accuracy"]:
        out["regressions"].append(f"board top-1 {100 * o['board_accuracy']:.2f}% -> {100 * n['board_accuracy']:.2f}%")
    if o is None:
        out["notes"].append("new: no baseline measurement")
    return out


def _worst_layer(new_layers: list, old_layers: list) -> Optional[dict]:
    """The layer whose ticks grew most (same op index in both runs: same model, same plan)."""
    worst = None
    for new, old in zip(new_layers, old_layers):
        if new.get("name") != old.get("name") or not old.get("ticks"):
            continue
        grown = new["ticks"] - old["ticks"]
        if worst is None or grown > worst["ticks_added"]:
            worst = {"op": new.get("op"), "name": new["name"], "type": new.get("type"), "ticks_added": grown,
                     "change_pct": 100.0 * grown / old["ticks"]}
    return worst if worst and worst["ticks_added"] > 0 else None


# --- outputs ------------------------------------------------------------------------------------------------

def write_atomically(path, text: str):
    """A report is whole or absent: written beside, then renamed."""
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def junit_xml(report: dict) -> str:
    cases = report["models"] + [dict(m, model_id=f"{m['model_id']} accuracy") for m in report.get("accuracy", [])]
    suite = ET.Element("testsuite", name=f"tinynas-farm.{report['suite']}", tests=str(len(cases)),
                       failures=str(report["regressed_models"] + report.get("regressed_accuracy", 0)))
    for m in cases:
        case = ET.SubElement(suite, "testcase", classname=m["board_kind"], name=m["model_id"])
        if m["regressions"]:
            failure = ET.SubElement(case, "failure", message="; ".join(m["regressions"]))
            failure.text = "\n".join(m["regressions"] + m["notes"])
        elif m["notes"]:
            ET.SubElement(case, "system-out").text = "\n".join(m["notes"])
    return ET.tostring(ET.ElementTree(suite).getroot(), encoding="unicode", xml_declaration=True)


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def plots(results: Results, report: dict, history: int = 14) -> list:
    """(title, data URI) of each plot."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = []
    runs = [r for r in results.runs(report["suite"]) if r["created_at"] <= report["run_created_at"]][-history:]
    series = {}
    for i, run in enumerate(runs):
        for row in results.run_jobs(run["id"]):
            if row["measurement"]:
                series.setdefault((row["model_id"], row["model_hash"], row["board_kind"]), []).append(
                    (i, row["measurement"]))
    fig, ax = plt.subplots(figsize=(9, 4.5))
    for (model_id, _, kind), points in sorted(series.items()):
        base = points[0][1]["latency_value"]
        ax.plot([p[0] for p in points], [100.0 * (p[1]["latency_value"] / base - 1) for p in points], marker="o",
                label=f"{model_id[:28]} ({kind})")
    ax.axhspan(-report["thresholds"]["latency_pct"], report["thresholds"]["latency_pct"], color="0.9",
               label="threshold")
    ax.set_xticks(range(len(runs)), [r["created_at"][5:16].replace("T", " ") for r in runs], rotation=30,
                  ha="right", fontsize=7)
    ax.set_ylabel("latency vs first run shown (%)")
    ax.set_title(f"Latency per model over the last {len(runs)} runs of {report['suite']}")
    if len(series) <= 12:
        ax.legend(fontsize=6, loc="upper left")
    out.append(("Latency over runs", _png(fig)))

    measured = [(m["latency"], m["latency"] * (1 + m["prediction_error_pct"] / 100), m["board_kind"])
                for m in report["models"] if m["latency"] and m["prediction_error_pct"] is not None]
    fig, ax = plt.subplots(figsize=(5.5, 5))
    for kind in sorted({k for _, _, k in measured}):
        xs = [x for x, _, k in measured if k == kind]
        ys = [y for _, y, k in measured if k == kind]
        ax.scatter(xs, ys, label=kind, s=18)
    if measured:
        hi = max(max(x, y) for x, y, _ in measured) * 1.05
        limit = report["thresholds"]["prediction_pct"] / 100
        ax.plot([0, hi], [0, hi], color="0.3", lw=1)
        ax.fill_between([0, hi], [0, hi * (1 - limit)], [0, hi * (1 + limit)], color="0.9", label="+-limit")
        ax.legend(fontsize=7)
    ax.set_xlabel("measured latency")
    ax.set_ylabel("predicted latency (calibrated table)")
    ax.set_title("Measured vs predicted")
    out.append(("Measured vs predicted", _png(fig)))

    # Keyed as compare() keys: a model is its content (a trained model and its net share an arch id).
    rows = {_key(r): r for r in results.run_jobs(report["run"]) if r["kind"] == "profile"}
    old_rows = {_key(r): r for r in results.run_jobs(report["baseline"])} if report["baseline"] else {}
    for m in [m for m in report["models"] if m["worst_layer"]][:6]:
        new = rows[(m["model_hash"], m["board_kind"])]["measurement"]["layers"]
        old = old_rows[(m["model_hash"], m["board_kind"])]["measurement"]["layers"]
        fig, ax = plt.subplots(figsize=(9, 3.5))
        xs = range(len(new))
        ax.bar([x - 0.2 for x in xs], [layer["ticks"] for layer in old], width=0.4, label="baseline")
        ax.bar([x + 0.2 for x in xs], [layer["ticks"] for layer in new], width=0.4, label="this run")
        ax.set_xticks(list(xs), [layer["name"] for layer in new], rotation=90, fontsize=6)
        ax.set_ylabel(new and m["latency_unit"] or "")
        ax.set_title(f"{m['model_id']} on {m['board_kind']}: per layer (worst: {m['worst_layer']['name']} "
                     f"{m['worst_layer']['change_pct']:+.1f}%)", fontsize=9)
        ax.legend(fontsize=7)
        out.append((f"Per layer: {m['model_id']} ({m['board_kind']})", _png(fig)))
    return out


def html_page(report: dict, images: list) -> str:
    e = html.escape
    verdict = report["verdict"]
    rows = []
    for m in report["models"]:
        change = "" if m["latency_change_pct"] is None else f"{m['latency_change_pct']:+.2f}%"
        pred = "" if m["prediction_error_pct"] is None else f"{m['prediction_error_pct']:+.1f}%"
        cls = "regressed" if m["regressions"] else ""
        old_latency = "" if m["baseline_latency"] is None else f"{m['baseline_latency']:,.0f}"
        latency = "" if m["latency"] is None else f"{m['latency']:,.0f} {e(m['latency_unit'] or '')}"
        cells = [e(m["model_id"]), e(m["board_kind"]), old_latency, latency, change,
                 "" if m["baseline_sram"] is None else str(m["baseline_sram"]),
                 "" if m["sram"] is None else str(m["sram"]), "" if m["bit_exact"] is None else str(m["bit_exact"]),
                 pred, e("; ".join(m["regressions"] + m["notes"]) or "ok")]
        rows.append(f"<tr class='{cls}'>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>\n")
    accuracy_rows = []
    for m in report.get("accuracy", []):
        def pct(v):
            return "" if v is None else f"{100 * v:.2f}%"
        cells = [e(m["model_id"]), e(m["board_kind"]), str(m["images"] or ""), pct(m["baseline_board_accuracy"]),
                 pct(m["board_accuracy"]), pct(m["host_accuracy"]), str(m["identical_outputs"] or ""),
                 e("; ".join(m["regressions"] + m["notes"]) or "ok")]
        cls = "regressed" if m["regressions"] else ""
        accuracy_rows.append(f"<tr class='{cls}'>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>\n")
    accuracy_table = "" if not accuracy_rows else (
        "<h2>Accuracy on the board</h2><table id='accuracy'><thead><tr><th>model</th><th>board kind</th>"
        "<th>images</th><th>baseline board top-1</th><th>board top-1</th><th>host top-1</th>"
        "<th>identical outputs</th><th>findings</th></tr></thead><tbody>" + "".join(accuracy_rows) +
        "</tbody></table>")
    figures = "\n".join(f"<figure><img alt='{e(t)}' src='{uri}'><figcaption>{e(t)}</figcaption></figure>"
                        for t, uri in images)
    baseline = (f"against run {e(report['baseline'])} ({e(report['baseline_created_at'])})" if report["baseline"]
                else "no baseline run: every model is new")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>tinynas farm: {e(report['suite'])} {verdict}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; font-size: 13px; }}
td, th {{ border: 1px solid #ccc; padding: 3px 6px; text-align: right; }}
td:first-child, td:nth-child(2), td:last-child {{ text-align: left; }}
tr.regressed {{ background: #fdd; }}
.verdict-fail {{ color: #b00; }} .verdict-pass {{ color: #070; }}
figure {{ display: inline-block; margin: 1em; }}
</style></head>
<body data-regressed="{report['regressed_models']}" data-regressed-accuracy="{report.get('regressed_accuracy', 0)}">
<h1>Suite {e(report['suite'])}: <span class="verdict-{verdict}">{verdict}</span></h1>
<p>Run {e(report['run'])} ({e(report['run_created_at'])}) {baseline}. Thresholds: latency
+-{report['thresholds']['latency_pct']:g}%, any SRAM increase, lost bit-exactness, prediction error beyond
{report['thresholds']['prediction_pct']:g}%. {report['regressed_models']} of {len(report['models'])} models
regressed (and {report.get('regressed_accuracy', 0)} of {len(report.get('accuracy', []))} accuracy measurements). QEMU boards count instructions (ticks), not cycles.</p>
<table id="models"><thead><tr><th>model</th><th>board kind</th><th>baseline latency</th><th>latency</th>
<th>change</th><th>baseline SRAM (B)</th><th>SRAM (B)</th><th>bit-exact</th><th>prediction error</th>
<th>findings</th></tr></thead><tbody>
{''.join(rows)}
</tbody></table>
{accuracy_table}
{figures}
<script>
// Tests (and people) read from the body whether every plot decoded.
window.addEventListener("load", () => {{
  const images = Array.from(document.images);
  document.body.dataset.imagesLoaded = images.filter(i => i.complete && i.naturalWidth > 0).length;
  document.body.dataset.images = images.length;
}});
</script>
</body></html>
"""
