"""The embedded default: with no broker, the submitting process drives the farm's boards itself, one thread per
board (the C++ profiler releases the GIL while a board runs), a queue per board kind, the same database and
report as the distributed farm. A board that fails its health check twice is quarantined and its job goes back
to the queue for another board of the kind; with none left the job fails with the reason."""
from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Callable, Optional

from .config import Farm
from .jobs import Suite
from .results import Results
from .session import BoardError, BoardSession

log = logging.getLogger("tinynas.farm")
HEALTH_ATTEMPTS = 2    # a board failing its health check this many times in a row is quarantined
JOB_ATTEMPTS = 3       # board failures before a job fails for good
BACKOFF_S = (1.0, 4.0)  # wait before the 2nd and 3rd attempt


class _KindQueue:
    def __init__(self, kind: str, boards: int):
        self.kind = kind
        self.jobs = queue.Queue()
        self.live_boards = boards
        self.pending = 0  # jobs not finished yet (queued, running, or waiting to be retried)
        self.lock = threading.Lock()

    def next(self):
        """The next job, waiting while another board may still put one back; None when the kind is done."""
        while True:
            try:
                return self.jobs.get(timeout=0.1)
            except queue.Empty:
                with self.lock:
                    if self.pending == 0:
                        return None

    def finished(self):
        with self.lock:
            self.pending -= 1


def run_local(farm: Farm, suite: Suite, results: Results, run_id: str, firmware: str = "",
              on_done: Optional[Callable] = None, timeout_ms: int = 30000, boot_timeout_ms: int = 10000) -> dict:
    """Runs every job of `suite` on the farm's boards; returns {"done": n, "failed": n, "quarantined": [...]}."""
    missing = [k for k in suite.kinds if not farm.boards_of(k)]
    if missing:
        raise ValueError(f"{farm.path or 'the farm'} has no board of kind {', '.join(missing)} for suite {suite.name}")
    queues = {k: _KindQueue(k, len(farm.boards_of(k))) for k in suite.kinds}
    for job in suite.jobs:
        queues[job.board_kind].jobs.put((job, 1))
        queues[job.board_kind].pending += 1
    counts = {"done": 0, "failed": 0, "quarantined": []}
    lock = threading.Lock()

    def finish(job, outcome_status, reason=""):
        queues[job.board_kind].finished()
        with lock:
            counts[outcome_status] += 1
        if on_done:
            on_done(job, outcome_status, reason)

    def serve(board):
        q = queues[board.kind]
        session = BoardSession(board, results, firmware=firmware, timeout_ms=timeout_ms,
                               boot_timeout_ms=boot_timeout_ms)
        try:
            healthy = session.ensure_healthy(HEALTH_ATTEMPTS)
            while healthy:
                item = q.next()
                if item is None:
                    return
                job, attempt = item
                try:
                    outcome = session.execute(job, run_id)
                    finish(job, outcome.status, outcome.reason)
                except BoardError as e:
                    log.warning("%s: %s (attempt %d of %d)", board.name, e, attempt, JOB_ATTEMPTS)
                    if attempt >= JOB_ATTEMPTS:
                        _fail(results, run_id, job, board.name, f"board: {e}")
                        finish(job, "failed", str(e))
                    else:
                        time.sleep(BACKOFF_S[min(attempt - 1, len(BACKOFF_S) - 1)])
                        q.jobs.put((job, attempt + 1))
                    healthy = session.ensure_healthy(HEALTH_ATTEMPTS)
                except Exception as e:  # a bug or a database error: the job fails, the run does not hang on it
                    log.exception("%s: %s", board.name, job.model.model_id)
                    _fail(results, run_id, job, board.name, f"internal error: {e!r}")
                    finish(job, "failed", repr(e))
            with lock:
                counts["quarantined"].append(board.name)
            with q.lock:
                q.live_boards -= 1
                last = q.live_boards == 0
            if last:  # nobody left to serve this kind: its jobs fail with the reason
                while True:
                    try:
                        job, _ = q.jobs.get_nowait()
                    except queue.Empty:
                        break
                    reason = f"no healthy board of kind {board.kind} left (all quarantined)"
                    _fail(results, run_id, job, board.name, reason)
                    finish(job, "failed", reason)
        finally:
            session.close()

    threads = [threading.Thread(target=serve, args=(b,), name=b.name, daemon=True)
               for k in suite.kinds for b in farm.boards_of(k)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts


def _fail(results: Results, run_id: str, job, board_name: str, reason: str):
    results.store_failure(job.model.content_hash, job.model.model_id, job.board_kind, board_name, "board", reason)
    results.finish_job(run_id, job.model.content_hash, job.board_kind, reason=reason)
