"""Runs a suite on whichever engine the farm has: its broker (Celery) or, without one, this host's boards; and
models measured that way, returned as `tinynas profile --json` lays them out."""
from __future__ import annotations

import logging
from typing import Callable, Optional

from .config import Farm
from .jobs import Job, Suite
from .results import Results

log = logging.getLogger("tinynas.farm")


def run_suite(farm: Farm, suite: Suite, results: Results, on_done: Optional[Callable] = None, firmware: str = "",
              timeout_ms: int = 30000, boot_timeout_ms: int = 10000, wait_s: Optional[float] = None) -> tuple:
    """(run id, engine, counts). With a broker the jobs stay queued there when wait_s runs out (counts["queued"])."""
    engine = "celery" if farm.broker else "local"
    run_id = results.start_run(suite, engine)
    log.info("run %s: suite %s, %d jobs on %d boards (%s), results %s", run_id, suite.name, len(suite.jobs),
             len(farm.boards), engine, results.url)
    if engine == "celery":
        from .celery_engine import run_on_broker
        counts = run_on_broker(farm, suite, results, run_id, on_done=on_done, timeout_s=wait_s)
    else:
        from .local import run_local
        counts = run_local(farm, suite, results, run_id, firmware=firmware, on_done=on_done, timeout_ms=timeout_ms,
                           boot_timeout_ms=boot_timeout_ms)
    if not counts.get("queued"):
        results.finish_run(run_id)
    return run_id, engine, counts


def measure_models(models: list, kind: str, farm: Farm, runs: int = 3, results_url: str = "",
                   on_done: Optional[Callable] = None):
    """(measurements in the models' order as `tinynas profile --json` lays them out, [(model id, reason)] of the
    models that failed). Runs on the farm's broker or, without one, its boards on this host."""
    from .. import _core
    suite = Suite(name=f"measure-{kind}", jobs=tuple(Job(m, kind, runs, 0) for m in models))
    results = Results(results_url or farm.results)
    try:
        run_id, _, _ = run_suite(farm, suite, results, on_done=on_done)
        rows = {r["model_hash"]: r for r in results.run_jobs(run_id)}
        failures = [(r["model_id"], r["reason"] or r["status"]) for r in rows.values() if r["status"] != "done"]
        if failures:
            return [], failures
        clock_hz = _core.Board.load(kind).clock_hz
        return [_as_profile(rows[m.content_hash]["measurement"], clock_hz) for m in models], []
    finally:
        results.close()


def _as_profile(m: dict, clock_hz: float) -> dict:
    """A stored measurement in the layout of `tinynas profile --json`."""
    latency = {"value": m["latency_value"], "unit": m["latency_unit"], "source": m["latency_source"]}
    if m["latency_source"] == "qemu-icount-ticks":
        latency.update(instructions=m["instructions"], ticks_per_instruction=m["ticks_per_instruction"])
    else:
        latency["ms"] = m["latency_value"] / clock_hz * 1e3
    return {"board": m["board_kind"], "firmware": m["firmware_build_id"], "latency": latency,
            "runs_identical": m["runs_identical"], "peak_sram_bytes_measured": m["sram_measured"],
            "peak_sram_bytes_predicted": m["sram_predicted"], "stack_bytes_measured": m["stack_measured"],
            "flash_bytes": m["flash_bytes"], "flash_bytes_predicted": m["flash_predicted"],
            "bit_exact": m["bit_exact"], "layers": m["layers"], "board_name": m["board_name"],
            **({"schedule": "patch", "patch": {"patches": m["patches"], "split_block": m["split_block"]}}
               if m["patches"] else {"schedule": "inplace-dw"})}
