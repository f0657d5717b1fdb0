"""`tinynas farm ...` (the C++ CLI hands these to `python3 -m tinynas.farm`):

  run SUITE.json [--farm farm.json]   measure a suite on the farm (local boards when the farm has no broker)
  worker --board NAME --farm farm.json
                                      serve one board of a farm with a broker (one process per board)
  wait RUN [--farm farm.json]         follow a run submitted earlier (the submitter may have died)
  report [RUN] --against last-good    regressions against a baseline run: HTML, JUnit XML, exit 1 if any
  calibrate --board-kind K            fit the kind's latency table from stored measurements (no re-measuring)
  measure MODELS.json                 models on one board kind, as `tinynas profile --json` (search --hil farm)
  schedule SUITE.json --farm F --at 02:00
                                      run the suite nightly and report (celery beat; cron works too)
  status [--farm farm.json]           boards (ok / quarantined) and the last runs

Exit codes as the rest of tinynas: 0 done, 1 some jobs failed, 2 bad input (the message names the file and
field), 3 no board could run a job (every board of a kind quarantined).
"""
from __future__ import annotations

import argparse
import json
import logging
import pathlib
import sys

from .config import FarmConfigError, load_farm, local_farm, results_url
from .jobs import load_suite
from .results import Results
from .runner import measure_models, run_suite

log = logging.getLogger("tinynas.farm")
EXIT_FAILED, EXIT_INPUT, EXIT_BOARD = 1, 2, 3


def _farm(args, kinds=()):
    if args.farm:
        return load_farm(args.farm)
    return local_farm(kinds, boards_per_kind=args.local_boards, results=args.results or "")


def _results(args) -> Results:
    """The results database: --results, else the farm's, else ./farm.db (the local farm's)."""
    if args.results:
        return Results(args.results)
    return Results(load_farm(args.farm).results if args.farm else results_url("", None))


def _progress(total: int, label: str):
    """A progress bar on a terminal, a log line per job elsewhere."""
    if sys.stderr.isatty():
        try:
            from tqdm import tqdm
            bar = tqdm(total=total, desc=label, unit="job", file=sys.stderr)

            def update(job, status, reason):
                bar.set_postfix_str(f"{job.model.model_id[:30]} on {job.board_kind}: {status}")
                bar.update(1)
            return update, bar.close
        except ImportError:
            pass
    done = [0]

    def update(job, status, reason):
        done[0] += 1
        log.info("[%d/%d] %s on %s: %s%s", done[0], total, job.model.model_id, job.board_kind, status,
                 f" ({reason})" if reason else "")
    return update, lambda: None


def cmd_run(args) -> int:
    suite = load_suite(args.suite)
    farm = _farm(args, suite.kinds)
    if args.firmware and len(suite.kinds) > 1:
        raise FarmConfigError(f"--firmware {args.firmware}: one image cannot serve the suite's {len(suite.kinds)} "
                              f"board kinds ({', '.join(suite.kinds)}); give a suite of one kind")
    results = Results(args.results or farm.results)
    try:
        update, close = _progress(len(suite.jobs), suite.name)
        try:
            run_id, engine, counts = run_suite(farm, suite, results, on_done=update, firmware=args.firmware or "",
                                               timeout_ms=args.timeout_ms, boot_timeout_ms=args.boot_timeout_ms,
                                               wait_s=args.wait)
        finally:
            close()
        return _report_counts(args, results, run_id, suite.name, engine, counts)
    finally:
        results.close()


def _report_counts(args, results, run_id: str, suite: str, engine: str, counts: dict) -> int:
    queued = counts.get("queued", 0)
    if not queued:
        results.finish_run(run_id)
    summary = {"run": run_id, "suite": suite, "engine": engine, "results": results.url, **counts}
    print(json.dumps(summary, indent=2) if args.json else
          f"run {run_id}: {counts['done']} measured, {counts['failed']} failed"
          + (f", {queued} still queued" if queued else "")
          + (f"; quarantined: {', '.join(counts['quarantined'])}" if counts["quarantined"] else "")
          + f"\nresults: {results.url}")
    if queued:
        print(f"tinynas farm: {queued} jobs still queued; they stay in the broker: follow them with "
              f"`tinynas farm wait {run_id}`", file=sys.stderr)
        return EXIT_FAILED
    if counts["failed"] and counts["done"] == 0 and counts["quarantined"]:
        return EXIT_BOARD
    return EXIT_FAILED if counts["failed"] else 0


def cmd_wait(args) -> int:
    results = _results(args)
    try:
        run = results.run(args.run)
        if run is None:
            raise FarmConfigError(f"{results.url}: no run {args.run!r} (tinynas farm status lists the runs)")
        from .celery_engine import wait_for_run
        total = len(results.run_jobs(args.run))
        update, close = _progress(total, run["suite"])
        try:
            counts = wait_for_run(results, args.run, total, on_done=update, timeout_s=args.wait)
        finally:
            close()
        return _report_counts(args, results, args.run, run["suite"], run["engine"], counts)
    finally:
        results.close()


def cmd_worker(args) -> int:
    from .celery_engine import run_worker
    code = run_worker(args.farm, args.board, firmware=args.firmware or "", timeout_ms=args.timeout_ms,
                      boot_timeout_ms=args.boot_timeout_ms)
    if code == EXIT_BOARD:
        print(f"tinynas farm: board {args.board} quarantined: it failed its health check (see `tinynas farm "
              "status`)", file=sys.stderr)
    return code


def cmd_report(args) -> int:
    from .report import compare, html_page, junit_xml, plots, write_atomically
    results = _results(args)
    try:
        run_id = args.run
        if run_id == "latest":
            runs = results.runs()
            if not runs:
                raise FarmConfigError(f"{results.url}: no runs yet (tinynas farm run SUITE.json)")
            run_id = runs[-1]["id"]
        report = compare(results, run_id, args.against)
        if args.html:
            write_atomically(args.html, html_page(report, plots(results, report, args.history)))
        if args.junit:
            write_atomically(args.junit, junit_xml(report))
        results.set_verdict(run_id, report["verdict"])
        if args.json:
            print(json.dumps(report, indent=2, default=str))
        else:
            print(f"suite {report['suite']} run {run_id} against {report['baseline'] or 'nothing'}: "
                  f"{report['verdict']}, {report['regressed_models']} of {len(report['models'])} models regressed")
            for m in report["models"] + [dict(m, model_id=f"{m['model_id']} (accuracy)") for m in report["accuracy"]]:
                if m["regressions"]:
                    print(f"  {m['model_id']} on {m['board_kind']}: {'; '.join(m['regressions'])}")
        return EXIT_FAILED if report["verdict"] == "fail" else 0
    finally:
        results.close()


def cmd_schedule(args) -> int:
    from .celery_engine import run_scheduler
    if args.every is not None and args.every < 1:
        raise FarmConfigError("--every must be at least 1 second")
    return run_scheduler(args.farm, args.suite, at=args.at, every_s=args.every, html=args.html or "",
                         junit=args.junit or "")


def _net_key(netconfig) -> str:
    """One string per net, however its netconfig was stored."""
    return netconfig if isinstance(netconfig, str) else json.dumps(netconfig, sort_keys=True)


def _patch_run(row) -> dict | None:
    """A patch measurement as the table fit takes it: the plan, each layer's ticks and the whole run's."""
    if row is None:
        return None
    return {"patches": row["patches"], "split_block": row["split_block"],
            "layers": [layer["ticks"] for layer in row["layers"]], "latency": row["latency_value"]}


def _patch_summary(table: dict) -> str:
    held_out = table.get("patch_holdout", {})
    if not held_out.get("subnets"):
        return " (no patch runs paired with them: no per-patch overhead)"
    return (f"; on {len(held_out['subnets'])} held-out patch runs mean {held_out['mean_abs_error_pct']:.2f}%, "
            f"max {held_out['max_abs_error_pct']:.2f}%")


def cmd_calibrate(args) -> int:
    """A board kind's latency table fitted on the farm's stored measurements, without re-measuring."""
    from collections import Counter

    from .. import _core
    results = _results(args)
    try:
        if args.board_kind not in _core.list_boards():
            raise FarmConfigError(f"--board-kind: unknown board kind {args.board_kind!r}")
        rows = [r for r in results.measurements(args.board_kind) if r["latency_unit"]]
        if not rows:
            raise FarmConfigError(f"{results.url}: no measurements of {args.board_kind} (tinynas farm run first)")
        firmware = args.firmware_build or rows[-1]["firmware_build_id"]  # the newest build measured
        latest, patched = {}, {}
        for r in rows:
            if r["firmware_build_id"] != firmware or not (r["runs_identical"] and r["bit_exact"]):
                continue
            # The per-op fit takes in-place runs. A patch run's ticks include the halo's recomputation and the
            # per-patch set-up: paired with the in-place run of the same net, it fits the per-patch overhead.
            if r["patches"]:
                patched[_net_key(r["netconfig"])] = r
            else:
                latest[r["model_hash"]] = r  # the newest measurement of each model
        chosen = [latest[h] for h in sorted(latest)]  # hash order: a fixed, unbiased hold-out
        if len(chosen) < args.holdout + 2:
            raise FarmConfigError(f"{results.url}: {len(chosen)} models of {args.board_kind} measured with firmware "
                                  f"{firmware[:12]}; the fit needs at least {args.holdout + 2} (--holdout "
                                  f"{args.holdout} + 2)")
        space = Counter(r["space"] or "farm" for r in chosen).most_common(1)[0][0]
        models = [{"id": r["model_id"], "netconfig": r["netconfig"], "layers": [layer["ticks"] for layer in r["layers"]],
                   "latency": r["latency_value"], "unit": r["latency_unit"], "source": r["latency_source"],
                   "ticks_per_instruction": r["ticks_per_instruction"],
                   "patch": _patch_run(patched.get(_net_key(r["netconfig"])))} for r in chosen]
        table = _core._fit_calibration(args.board_kind, space, models, args.holdout, args.out or "", True)
        table["from_farm"] = {"results": results.url, "firmware_build_id": firmware, "models": len(chosen)}
        if args.json:
            print(json.dumps(table, indent=2))
        else:
            print(f"{args.board_kind}: fitted on {len(chosen) - args.holdout} of {len(chosen)} models measured by the "
                  f"farm (firmware {firmware[:12]}); held-out error mean {table['holdout']['mean_abs_error_pct']:.2f}%, "
                  f"max {table['holdout']['max_abs_error_pct']:.2f}%{_patch_summary(table)}; saved to "
                  f"{args.out or _core.Board.load(args.board_kind).to_dict().get('latency_table', 'the board table')}")
        return 0
    finally:
        results.close()


def cmd_measure(args) -> int:
    """Models measured on one board kind by the farm, printed as `tinynas profile --json` results in the models'
    order (what `tinynas search --hil farm` reads). --check: only that the farm can serve the kind."""
    from .. import _core
    from .jobs import Model, patch_of, trained_model
    if args.check:
        if args.board_kind not in _core.list_boards():
            raise FarmConfigError(f"--board-kind: unknown board kind {args.board_kind!r}")
        farm = _farm(args, [args.board_kind])
        if not farm.boards_of(args.board_kind):
            raise FarmConfigError(f"{farm.path}: no board of kind {args.board_kind} (boards: "
                                  f"{', '.join(b.name + ' ' + b.kind for b in farm.boards)})")
        print(json.dumps({"farm": str(farm.path or "local"), "boards": [b.name for b in farm.boards_of(args.board_kind)]}))
        return 0
    try:
        request = json.loads(open(args.models, encoding="utf-8").read())
        kind, runs = request["board_kind"], int(request.get("runs", 3))
        entries = request["models"]
        nets = [None if "trained" in m else
                Model(m["id"], m["netconfig"], patch=patch_of(m, f"{args.models}/models/{i}"))
                for i, m in enumerate(entries)]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise FarmConfigError(f"{args.models}: not a measurement request ({e})") from None
    # {"trained": MODEL, "data": DIR, ...}: a trained model with its own weights (the --data pipeline's winner)
    models = [net or trained_model({k: v for k, v in m.items() if k != "id"}, pathlib.Path.cwd(),
                                   f"{args.models}/models/{i}") for i, (net, m) in enumerate(zip(nets, entries))]
    farm = _farm(args, [kind])
    update, close = _progress(len(models), f"measure-{kind}")
    try:
        measured, failures = measure_models(models, kind, farm, runs=runs, results_url=args.results or farm.results,
                                            on_done=update)
    finally:
        close()
    for model_id, reason in failures:
        print(f"tinynas farm: {model_id} on {kind}: {reason}", file=sys.stderr)
    if failures:
        return EXIT_FAILED
    print(json.dumps(measured, indent=2))
    return 0


def cmd_status(args) -> int:
    results = _results(args)
    try:
        status = {"boards": results.board_states(), "runs": results.runs()[-10:]}
        if args.json:
            print(json.dumps(status, indent=2, default=str))
        else:
            for b in status["boards"]:
                print(f"{b['name']:24} {b['kind']:22} {b['state']:12} {b['reason']}")
            for r in status["runs"]:
                print(f"run {r['id']}  {r['suite']:20} {r['engine']:7} {r['created_at']}")
        return 0
    finally:
        results.close()


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tinynas farm", description="The board farm: suites of models measured on many "
                                "boards, results in a database, regression reports.")
    p.add_argument("-v", "--verbose", action="count", default=0)
    sub = p.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--farm", help="farm.json (default: local QEMU boards, one per core)")
    common.add_argument("--results", help="results database URL (default: the farm's, else ./farm.db)")
    common.add_argument("--json", action="store_true", help="print the result as JSON")
    r = sub.add_parser("run", parents=[common], help="measure a suite on the farm")
    r.add_argument("suite", help="SUITE.json: models x board kinds")
    r.add_argument("--local-boards", type=int, default=None, help="without --farm: boards per kind on this host")
    r.add_argument("--firmware", help="local boards: another firmware ELF (default: the build tree's)")
    r.add_argument("--timeout-ms", type=int, default=30000, help="local boards: per run before a board counts as hung")
    r.add_argument("--boot-timeout-ms", type=int, default=10000, help="local boards: for a board to boot")
    r.add_argument("--wait", type=float, default=None, help="with a broker: give up waiting after N seconds")
    r.set_defaults(func=cmd_run)
    w = sub.add_parser("worker", help="serve one board (a farm with a broker)")
    w.add_argument("--farm", required=True, help="farm.json with a broker")
    w.add_argument("--board", required=True, help="the board's name in farm.json")
    w.add_argument("--firmware", help="another firmware ELF for this board (default: the build tree's)")
    w.add_argument("--timeout-ms", type=int, default=30000, help="per run before the board counts as hung")
    w.add_argument("--boot-timeout-ms", type=int, default=10000, help="for the board to boot the firmware")
    w.set_defaults(func=cmd_worker)
    wt = sub.add_parser("wait", parents=[common], help="follow a run submitted earlier until its jobs ended")
    wt.add_argument("run", help="the run id `tinynas farm run` printed")
    wt.add_argument("--wait", type=float, default=None, help="give up after N seconds")
    wt.set_defaults(func=cmd_wait)
    rp = sub.add_parser("report", parents=[common], help="compare a run with an earlier one (exit 1: regressed)")
    rp.add_argument("run", nargs="?", default="latest", help="run id (default: the latest run)")
    rp.add_argument("--against", default="last-good",
                    help="baseline: a run id, last (the suite's previous run) or last-good (default: its previous "
                         "run that passed its report)")
    rp.add_argument("--html", help="write the HTML report (plots inline) here")
    rp.add_argument("--junit", help="write JUnit XML here (one test case per model and board kind)")
    rp.add_argument("--history", type=int, default=14, help="runs shown in the latency-over-runs plot")
    rp.set_defaults(func=cmd_report)
    sc = sub.add_parser("schedule", help="run a suite nightly (celery beat; a farm with a broker)")
    sc.add_argument("suite", help="SUITE.json")
    sc.add_argument("--farm", required=True, help="farm.json with a broker")
    sc.add_argument("--at", default="02:00", help="time of day, host time (default 02:00)")
    sc.add_argument("--every", type=float, default=None, help="instead of --at: every N seconds")
    sc.add_argument("--html", help="write each run's regression report (HTML) here")
    sc.add_argument("--junit", help="write each run's JUnit XML here")
    sc.set_defaults(func=cmd_schedule)
    ca = sub.add_parser("calibrate", parents=[common], help="fit a board kind's latency table from stored results")
    ca.add_argument("--board-kind", required=True, help="the board kind (a configs/boards/ name)")
    ca.add_argument("--holdout", type=int, default=8, help="models kept out of the fit to measure its error")
    ca.add_argument("--out", help="table file (default: configs/latency/<board>.json, where the search finds it)")
    ca.add_argument("--firmware-build", help="use this firmware build's measurements (default: the newest)")
    ca.set_defaults(func=cmd_calibrate)
    me = sub.add_parser("measure", parents=[common], help="models measured on one board kind (search --hil farm)")
    me.add_argument("models", nargs="?", help="{\"board_kind\": K, \"runs\": R, \"models\": [{\"id\", \"netconfig\", "
                    "\"patches\", \"split_block\" (optional)}]}")
    me.add_argument("--check", action="store_true", help="only check that the farm has boards of --board-kind")
    me.add_argument("--board-kind", help="with --check")
    me.add_argument("--local-boards", type=int, default=None, help="without --farm: boards per kind on this host")
    me.set_defaults(func=cmd_measure)
    s = sub.add_parser("status", parents=[common], help="boards and recent runs")
    s.set_defaults(func=cmd_status)
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING - 10 * min(args.verbose, 2) if args.verbose else logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s", stream=sys.stderr)
    for flag in ("local_boards", "timeout_ms", "boot_timeout_ms", "holdout"):
        value = getattr(args, flag, None)
        if value is not None and value < 1:
            print(f"tinynas farm: --{flag.replace('_', '-')} must be at least 1", file=sys.stderr)
            return EXIT_INPUT
    try:
        return args.func(args)
    except FarmConfigError as e:
        print(f"tinynas farm: {e}", file=sys.stderr)
        return EXIT_INPUT
    except ValueError as e:
        print(f"tinynas farm: {e}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("tinynas farm: interrupted; measurements stored so far are kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
