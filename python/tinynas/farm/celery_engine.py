"""The distributed farm on Celery with a Redis broker: one queue per board kind, one worker process per board
(`tinynas farm worker --board NAME`, solo pool: the process is the board's, and holds its QEMU process or OpenOCD
link between jobs), prefetch 1 so a job waits in the broker rather than behind a busy board.

Delivery: acks_late and reject-on-worker-lost, so a job whose worker dies (host lost, kill -9) is delivered again
after the broker's visibility timeout (farm.json visibility_timeout_s: longer than the longest job, or a slow
job runs twice). Results are stored by job key, so a job delivered twice is stored once. The submitter keeps no
state of its own: it reads the run's progress from the results database, so a submitter that dies loses nothing.
"""
from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time
from typing import Callable, Optional

from celery import Celery
from celery.signals import worker_ready, worker_shutdown

from .config import Farm, load_farm, queue_of
from .jobs import Job, Suite
from .results import Results
from .session import BoardError, BoardSession

log = logging.getLogger("tinynas.farm")

TASK = "tinynas.farm.measure"
RUN_SUITE_TASK = "tinynas.farm.run_suite"
CONTROL_QUEUE = "farm.control"  # the scheduler's own queue: nightly suites are submitted from there
RETRIES = 2                 # board failures of a job before it fails for good (after the first attempt)
BACKOFF_S = (2, 8)          # countdown before the retries
HEALTH_ATTEMPTS = 2


def make_app(farm: Farm) -> Celery:
    app = Celery("tinynas_farm", broker=farm.broker, set_as_current=False)
    app.conf.update(
        task_serializer="json", accept_content=["json"], result_backend=None, task_ignore_result=True,
        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
        broker_transport_options={"visibility_timeout": farm.visibility_timeout_s},
        broker_connection_retry_on_startup=True, worker_hijack_root_logger=False, worker_send_task_events=False,
        task_default_queue="board.unrouted",
    )
    app.task(name=TASK, bind=True, acks_late=True, reject_on_worker_lost=True)(_measure)
    # At most once: a scheduler that dies mid-suite must not submit the night's suite twice (its jobs are in the
    # broker already; `tinynas farm wait` follows them).
    app.task(name=RUN_SUITE_TASK, acks_late=False)(_run_suite)
    return app


# --- the worker side: one board per process -----------------------------------------------------------------
_worker = {"session": None, "results": None, "farm": None, "quarantined": False}


def _measure(task, run_id: str, message: dict):
    session: BoardSession = _worker["session"]
    results: Results = _worker["results"]
    job = Job.from_message(message)
    if session is None or _worker["quarantined"]:
        # Not a board worker of this kind (or quarantined mid-delivery): hand the job back to the queue.
        raise task.retry(countdown=1, max_retries=None)
    try:
        outcome = session.execute(job, run_id)
        log.info("%s: %s %s", session.board.name, job.model.model_id, outcome.status)
    except BoardError as e:
        attempt = task.request.retries
        log.warning("%s: %s (attempt %d of %d)", session.board.name, e, attempt + 1, RETRIES + 1)
        if not session.ensure_healthy(HEALTH_ATTEMPTS):
            _quarantine(task, session)
        if attempt >= RETRIES:
            reason = f"board {session.board.name}: {e}"
            results.store_failure(job.model.content_hash, job.model.model_id, job.board_kind, session.board.name,
                                  "board", reason)
            results.finish_job(run_id, job.model.content_hash, job.board_kind, reason=reason)
            return
        raise task.retry(countdown=BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)], max_retries=RETRIES)
    except Exception as e:  # a bug or a database error: the job fails with the reason, the run does not wait on it
        log.exception("%s: %s", session.board.name, job.model.model_id)
        reason = f"internal error on {session.board.name}: {e!r}"
        results.store_failure(job.model.content_hash, job.model.model_id, job.board_kind, session.board.name,
                              "internal", reason)
        results.finish_job(run_id, job.model.content_hash, job.board_kind, reason=reason)


def _quarantine(task, session: BoardSession):
    """Stops this worker consuming its board's queue: the jobs stay for the healthy boards of the kind."""
    _worker["quarantined"] = True
    task.app.control.cancel_consumer(session.board.queue, destination=[task.request.hostname], reply=False)


def restore_expired(app: Celery) -> None:
    """Puts back in their queues the jobs delivered longer than the visibility timeout ago and never acknowledged
    (their worker died). Kombu's Redis transport does this itself only every tenth 10 s poll, about 100 s; the
    farm's workers call this every half timeout instead, so a lost job is delivered again soon after the timeout."""
    with app.connection_for_read() as connection:
        qos = getattr(connection.default_channel, "qos", None)
        if qos is not None and hasattr(qos, "restore_visible"):
            qos.restore_visible(num=1000, interval=1)


def _restorer(app: Celery, period_s: float):
    while True:
        time.sleep(period_s)
        try:
            restore_expired(app)
        except Exception as e:  # the broker is down or restarting: the next round tries again
            log.debug("restoring expired deliveries: %s", e)


@worker_ready.connect
def _wake_between_jobs(sender=None, **_):
    """With acks_late and prefetch 1 on Redis, the worker registers its next fetch only when its event loop wakes,
    which it otherwise does on a timer seconds away (celery#4378, #7718): 2 s of idle board per job, measured. A
    no-op every 50 ms wakes it."""
    if sender is not None and getattr(sender, "timer", None) is not None:
        sender.timer.call_repeatedly(0.05, lambda: None)


@worker_shutdown.connect
def _close_board(**_):
    if _worker["session"] is not None:
        _worker["session"].close()


def run_worker(farm_path: str, board_name: str, firmware: str = "", timeout_ms: int = 30000,
               boot_timeout_ms: int = 10000, loglevel: str = "INFO") -> int:
    """Serves one board until stopped. A board that fails its first health check twice is quarantined and the
    worker exits 3 without taking a job."""
    farm = load_farm(farm_path)
    if not farm.broker:
        raise ValueError(f"{farm.path}: no \"broker\": a worker needs one (without it, `tinynas farm run` drives "
                         "the boards itself)")
    board = farm.board(board_name)
    results = Results(farm.results)
    session = BoardSession(board, results, firmware=firmware, timeout_ms=timeout_ms, boot_timeout_ms=boot_timeout_ms)
    _worker.update(session=session, results=results, farm=farm, quarantined=False)
    if not session.ensure_healthy(HEALTH_ATTEMPTS):
        session.close()
        return 3
    app = make_app(farm)
    hostname = f"{board.name}@{socket.gethostname()}"
    log.info("%s (%s) serving queue %s from %s; results %s", board.name, board.kind, board.queue, farm.broker,
             results.url)
    threading.Thread(target=_restorer, args=(app, max(1.0, min(30.0, farm.visibility_timeout_s / 2))), daemon=True,
                     name="restore-expired").start()
    app.worker_main(["worker", "--pool", "solo", "--concurrency", "1", "--queues", board.queue, "--hostname",
                     hostname, "--loglevel", loglevel, "--without-gossip", "--without-mingle",
                     "--prefetch-multiplier", "1"])
    return 0


# --- nightly runs: celery beat inside a control worker ---------------------------------------------------------
def _run_suite(suite_path: str, farm_path: str, html: str = "", junit: str = "") -> dict:
    """A scheduled run: submits the suite, waits for it, writes the regression report against the last good run."""
    from .jobs import load_suite
    from .report import compare, html_page, junit_xml, plots, write_atomically
    farm, suite = load_farm(farm_path), load_suite(suite_path)
    results = Results(farm.results)
    try:
        from .runner import run_suite
        run_id, _, counts = run_suite(farm, suite, results)
        report = compare(results, run_id, "last-good")
        results.set_verdict(run_id, report["verdict"])
        if html:
            write_atomically(html, html_page(report, plots(results, report)))
        if junit:
            write_atomically(junit, junit_xml(report))
        log.info("scheduled run %s: %s; %s", run_id, counts, report["verdict"])
        return {"run": run_id, "verdict": report["verdict"], **counts}
    finally:
        results.close()


def run_scheduler(farm_path: str, suite_path: str, at: str = "02:00", every_s: Optional[float] = None,
                  html: str = "", junit: str = "", loglevel: str = "INFO") -> int:
    """Runs the suite nightly at `at` (host time, HH:MM), or every `every_s` seconds: a Celery worker on the control
    queue with beat embedded. Keep one per farm (a systemd unit); a cron entry running `tinynas farm run` and
    `tinynas farm report` does the same without it."""
    from celery.schedules import crontab
    from .jobs import load_suite
    farm = load_farm(farm_path)
    if not farm.broker:
        raise ValueError(f"{farm.path}: no \"broker\": the scheduler needs one (or use cron with `tinynas farm run`)")
    load_suite(suite_path)  # refused now, not at 2 am
    if every_s is None:
        try:
            hour, minute = (int(x) for x in at.split(":"))
            if not (0 <= hour < 24 and 0 <= minute < 60):
                raise ValueError
        except ValueError:
            raise ValueError(f"--at {at!r}: expected HH:MM, e.g. 02:00") from None
        schedule = crontab(hour=hour, minute=minute)
    else:
        schedule = float(every_s)
    app = make_app(farm)
    app.conf.beat_schedule = {f"suite {suite_path}": {
        "task": RUN_SUITE_TASK, "schedule": schedule,
        "args": [os.path.abspath(suite_path), str(farm.path), os.path.abspath(html) if html else "",
                 os.path.abspath(junit) if junit else ""],
        "options": {"queue": CONTROL_QUEUE}}}
    state = farm.path.parent / ".tinynas-farm-beat"
    app.worker_main(["worker", "--beat", "--schedule", str(state), "--pool", "solo", "--concurrency", "1",
                     "--queues", CONTROL_QUEUE, "--hostname", f"scheduler@{socket.gethostname()}", "--loglevel",
                     loglevel, "--without-gossip", "--without-mingle"])
    return 0


# --- the submitter ------------------------------------------------------------------------------------------
def submit(farm: Farm, suite: Suite, run_id: str):
    app = make_app(farm)
    with app.connection_for_write() as connection:
        for job in suite.jobs:
            app.send_task(TASK, args=[run_id, job.to_message()], queue=queue_of(job.board_kind),
                          connection=connection)


def wait_for_run(results: Results, run_id: str, total: int, on_done: Optional[Callable] = None,
                 timeout_s: Optional[float] = None, poll_s: float = 0.5) -> dict:
    """Follows the run in the results database until every job ended (or timeout_s passed)."""
    seen, deadline = set(), (time.monotonic() + timeout_s) if timeout_s else None
    counts = {"done": 0, "failed": 0, "queued": total}
    while True:
        rows = results.run_jobs(run_id)
        for r in rows:
            if r["status"] != "queued" and (r["model_hash"], r["board_kind"]) not in seen:
                seen.add((r["model_hash"], r["board_kind"]))
                if on_done:
                    on_done(_RowJob(r), r["status"], r["reason"] or "")
        counts = {s: sum(1 for r in rows if r["status"] == s) for s in ("done", "failed", "queued")}
        if counts["queued"] == 0 or (deadline and time.monotonic() > deadline):
            break
        time.sleep(poll_s)
    quarantined = [b["name"] for b in results.board_states() if b["state"] == "quarantined"]
    return {"done": counts["done"], "failed": counts["failed"], "queued": counts["queued"],
            "quarantined": quarantined}


def run_on_broker(farm: Farm, suite: Suite, results: Results, run_id: str, on_done: Optional[Callable] = None,
                  timeout_s: Optional[float] = None) -> dict:
    submit(farm, suite, run_id)
    return wait_for_run(results, run_id, len(suite.jobs), on_done, timeout_s)


class _RowJob:
    """What a progress callback needs of a job, from its run_jobs row."""

    class _Model:
        def __init__(self, model_id):
            self.model_id = model_id

    def __init__(self, row):
        self.model = self._Model(row["model_id"])
        self.board_kind = row["board_kind"]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run_worker(os.environ["TINYNAS_FARM"], os.environ["TINYNAS_FARM_BOARD"]))
