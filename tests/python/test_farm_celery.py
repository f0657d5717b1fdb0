"""The distributed farm on real components: a private redis-server (append-only) and one `tinynas farm worker`
(Celery, solo pool) per QEMU board: two qemu-mps2-an500 and one qemu-netduinoplus2. Faults are injected into the
real processes: a worker killed with SIGKILL mid-job, the broker killed and restarted, a board that never boots."""
import json
import os
import signal
import sqlite3
import subprocess
import time

import pytest

from conftest import MCUNET_IN0
from farm_services import (FASHION_IDS, Redis, Worker, fake_qemu_dir, profile_directly, wait_for, write_farm,
                           write_suite)

BOARDS = [("m7-a", "qemu-mps2-an500"), ("m7-b", "qemu-mps2-an500"), ("m4-a", "qemu-netduinoplus2"),
          ("m4-dead", "qemu-netduinoplus2")]
KINDS = ["qemu-mps2-an500", "qemu-netduinoplus2"]
VISIBILITY_S = 4  # short, so a lost job is delivered again quickly


class Farm:
    def __init__(self, cli, base):
        self.cli, self.base = cli, base
        self.redis = Redis(base / "redis").start()
        self.path = write_farm(base / "farm.json", self.redis.url, BOARDS, visibility_timeout_s=VISIBILITY_S)
        self.workers = {name: Worker(cli, self.path, name) for name, _ in BOARDS[:3]}

    def db(self):
        db = sqlite3.connect(self.base / "farm.db", timeout=30)
        db.row_factory = sqlite3.Row
        return db

    def run(self, suite, *extra, timeout=300):
        done = subprocess.run([self.cli, "farm", "run", str(suite), "--farm", str(self.path), "--json", *extra],
                              capture_output=True, text=True, timeout=timeout)
        return done

    def stop(self):
        for w in self.workers.values():
            w.stop()
        self.redis.kill()


@pytest.fixture(scope="module")
def farm(cli, tmp_path_factory):
    f = Farm(cli, tmp_path_factory.mktemp("farm"))
    try:
        for w in f.workers.values():
            w.start()
        yield f
    finally:
        f.stop()


def test_a_suite_on_three_boards_equals_direct_profiles(farm, cli):
    suite = write_suite(farm.base / "suite.json", KINDS, FASHION_IDS, runs=2)
    done = farm.run(suite)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["engine"] == "celery" and summary["done"] == 2 * len(FASHION_IDS) and summary["failed"] == 0
    rows = farm.db().execute("select * from measurements").fetchall()
    assert len(rows) == 2 * len(FASHION_IDS)
    for row in rows:
        assert row["board_name"] in {n for n, k in BOARDS if k == row["board_kind"]}
        direct = profile_directly(cli, row["model_id"], row["board_kind"], runs=2)
        assert row["latency_value"] == direct["latency"]["value"], row["model_id"]
        assert row["sram_measured"] == direct["peak_sram_bytes_measured"]
        assert row["flash_bytes"] == direct["flash_bytes"] and row["bit_exact"] == 1
    states = {r["name"]: r["state"] for r in farm.db().execute("select name, state from boards")}
    assert states == {"m7-a": "ok", "m7-b": "ok", "m4-a": "ok"}


def test_a_worker_killed_mid_job_its_job_goes_to_another_board_and_is_stored_once(farm):
    # One long job (40 runs of mcunet-in0, a few seconds under QEMU) on the kind with two boards.
    suite = farm.base / "long.json"
    suite.write_text(json.dumps({"format": "tinynas-farm-suite", "name": "long", "runs": 40,
                                 "boards": ["qemu-mps2-an500"], "models": [str(MCUNET_IN0)]}))
    before = {n: farm.workers[n].received() for n in ("m7-a", "m7-b")}
    submitter = subprocess.Popen([farm.cli, "farm", "run", str(suite), "--farm", str(farm.path), "--json"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    taker = wait_for(lambda: next((n for n in before if farm.workers[n].received() > before[n]), None), 60,
                     "a worker to take the job")
    time.sleep(1.0)  # inside the job: QEMU is running the model
    farm.workers[taker].kill(signal.SIGKILL)
    out, err = submitter.communicate(timeout=120)
    assert submitter.returncode == 0, err
    assert json.loads(out)["done"] == 1
    rows = farm.db().execute("select board_name from measurements where model_id like 'w0.6-r48%' and runs=40") \
        .fetchall()
    other = "m7-b" if taker == "m7-a" else "m7-a"
    assert [r[0] for r in rows] == [other]
    farm.workers[taker].start()  # back for the next tests


def test_the_broker_killed_and_restarted_keeps_the_queued_jobs(farm):
    for w in farm.workers.values():
        w.stop()
    suite = write_suite(farm.base / "queued.json", KINDS, FASHION_IDS[:3], runs=3, name="queued")
    done = farm.run(suite, "--wait", "1")
    assert done.returncode == 1 and "still queued" in done.stderr, done.stderr
    summary = json.loads(done.stdout)
    assert summary["queued"] == 6
    farm.redis.kill()
    farm.redis.start()  # same port and directory: the append-only file brings the queues back
    for w in farm.workers.values():
        w.start()
    waited = subprocess.run([farm.cli, "farm", "wait", summary["run"], "--farm", str(farm.path), "--json",
                             "--wait", "120"], capture_output=True, text=True, timeout=180)
    assert waited.returncode == 0, waited.stderr
    assert json.loads(waited.stdout)["done"] == 6
    assert farm.db().execute("select count(*) from measurements where runs=3").fetchone()[0] == 6


def test_a_board_that_never_boots_is_quarantined_and_takes_no_job(farm, tmp_path):
    env = {"PATH": f"{fake_qemu_dir(tmp_path)}:{os.environ['PATH']}"}
    dead = Worker(farm.cli, farm.path, "m4-dead", env_extra=env, args=["--boot-timeout-ms", "1000"])
    dead.start(wait_ready=False)
    assert dead.process.wait(timeout=60) == 3
    state, reason = farm.db().execute("select state, reason from boards where name='m4-dead'").fetchone()
    assert state == "quarantined" and "gdbstub did not answer" in reason
    assert "received" not in dead.log.read_text()


def test_the_scheduler_runs_the_suite_and_writes_its_report(farm, tmp_path):
    suite = write_suite(tmp_path / "nightly.json", ["qemu-netduinoplus2"], FASHION_IDS[:2], runs=4, name="nightly")
    log = open(tmp_path / "scheduler.log", "w")
    scheduler = subprocess.Popen([farm.cli, "farm", "schedule", str(suite), "--farm", str(farm.path), "--every",
                                  "2", "--html", str(tmp_path / "nightly.html"), "--junit",
                                  str(tmp_path / "nightly.xml")], stdout=log, stderr=subprocess.STDOUT,
                                 start_new_session=True)
    try:
        wait_for(lambda: (tmp_path / "nightly.xml").exists(), 90, "the first scheduled run's report")
    finally:
        os.killpg(scheduler.pid, signal.SIGTERM)
        scheduler.wait(timeout=30)
    runs = farm.db().execute("select id, verdict from runs where suite='nightly'").fetchall()
    assert runs and runs[0][1] == "pass"
    assert farm.db().execute("select count(*) from measurements where runs=4").fetchone()[0] == 2
    assert "<testsuite" in (tmp_path / "nightly.xml").read_text()


def test_the_scheduler_refuses_a_bad_time_before_it_starts(farm, tmp_path):
    suite = write_suite(tmp_path / "s.json", ["qemu-netduinoplus2"], FASHION_IDS[:1])
    done = subprocess.run([farm.cli, "farm", "schedule", str(suite), "--farm", str(farm.path), "--at", "25:00"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--at '25:00': expected HH:MM" in done.stderr
