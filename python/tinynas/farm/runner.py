"""Runs a suite on whichever engine the farm has: its broker (Celery) or, without one, this host's boards."""
from __future__ import annotations

import logging
from typing import Callable, Optional

from .config import Farm
from .jobs import Suite
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
